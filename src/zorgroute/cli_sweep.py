"""The ``zorgroute sweep`` command: run a grid of what-if scenarios from a TOML file.

``zorgroute sweep scenarios.toml --out results.csv`` runs every scenario of the file (see
:func:`zorgroute.scenarios.scenarios_from_toml`) on a local Dask cluster, ``--scheduler
serial`` in this process, or ``--scheduler tcp://HOST:8786`` on a running Dask cluster. Rows
are appended to ``--out`` as they finish; running the same command again skips the
scenarios already done there, so an interrupted sweep resumes.

Wire it into the main parser with :func:`add_sweep_parser`; the handler is
:func:`cmd_sweep` (set as the sub-command's ``func``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["add_sweep_parser", "cmd_sweep"]


def add_sweep_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to ``subparsers`` (from ``add_subparsers()``).

    Arguments: ``scenarios`` (a TOML file), ``--out`` (``.csv`` or ``.parquet``, required),
    ``--scheduler`` (``serial``, a Dask scheduler address; default a local cluster),
    ``--workers`` (of the local cluster, default 2), ``--no-retry`` (keep failed rows as
    they are). The handler :func:`cmd_sweep` is set as ``func``; it reads ``quiet`` (the
    main parser's ``-q``) if present.
    """
    p: argparse.ArgumentParser = subparsers.add_parser(
        "sweep",
        help="run a grid of what-if scenarios (TOML) locally or on a Dask cluster",
        description=(
            "Run every scenario of a TOML file (sections [base], [grid], [[scenario]]; see "
            "docs/scenarios.md) and write one row per scenario to --out as each finishes. "
            "Scenarios already done in --out are skipped, so rerunning resumes."
        ),
    )
    p.add_argument("scenarios", type=Path, help="TOML file with the scenarios")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="results file, .csv or .parquet (appended to; done scenarios are skipped)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS|serial",
        help="a Dask scheduler address (tcp://host:8786), or 'serial' to run in this "
        "process; default: a local Dask cluster",
    )
    p.add_argument(
        "--workers", type=int, default=2, help="workers of the local cluster (default 2)"
    )
    p.add_argument(
        "--no-retry",
        action="store_true",
        help="do not run again the scenarios whose row in --out says failed",
    )
    p.set_defaults(func=cmd_sweep)
    return p


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep of ``args``; print a summary.

    Returns
    -------
    int
        0 if every scenario ran, 1 if any failed (their ``error`` column says why).

    Raises
    ------
    InputError
        A bad TOML file or results file (the main program prints it and exits with 2).
    """
    from zorgroute.scenarios import scenarios_from_toml, sweep

    scenarios = scenarios_from_toml(args.scenarios)
    where = args.scheduler or f"a local Dask cluster of {args.workers} workers"
    log.info("%d scenarios from %s, on %s", len(scenarios), args.scenarios, where)
    table = sweep(
        scenarios,
        scheduler=args.scheduler,
        results_path=args.out,
        progress=not getattr(args, "quiet", False),
        n_workers=args.workers,
        retry_failed=not args.no_retry,
    )
    failed = table[table["status"] != "ok"]
    print(
        f"{len(table) - len(failed)} of {len(table)} scenarios done, results in {args.out}"
        + (f"; {len(failed)} failed:" if len(failed) else "")
    )
    for _, row in failed.iterrows():
        first = str(row["error"]).splitlines()[0] if row["error"] else "no error text"
        print(f"  {row['key']} ({row['region']}, seed {row['seed']}): {first}")
    return 1 if len(failed) else 0
