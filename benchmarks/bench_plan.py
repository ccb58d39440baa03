"""Benchmark: plan a generated region night end to end, as a planner's `zorgroute plan` does.

On the real Kempen road graph (built from the shared OSM extract), a generated night of
300 visits, 6 providers and 25 shifts is read, its travel matrix computed, and planned
solo and pooled with the same time limit; every plan goes through the independent checker.
Reports the solver's wall-clock time against its limit (the limit must hold within 10 %),
kilometres, unplanned visits and peak memory, and writes ``benchmarks/results/plan.md``.

Run: ``.venv/bin/python benchmarks/bench_plan.py [--quick] [--time-limit S] [--out PATH]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from zorgroute import __version__, generate, graph, io, planning
from zorgroute.resources import data_path
from zorgroute.solver import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OSM = SHARED / "data" / "osm" / "kempen-highways.clipfixed.osm.bz2"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="120 visits, 10 s")
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--providers", type=int, default=6)
    parser.add_argument("--shifts", type=int, default=25)
    parser.add_argument("--time-limit", type=float, default=45.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.visits, args.shifts, args.time_limit = 120, 12, 10.0
    out = args.out or ROOT / "benchmarks" / "results" / (
        "plan-quick.md" if args.quick else "plan.md"
    )
    if not OSM.is_file():
        sys.stderr.write(f"needs the shared Kempen extract at {OSM}\n")
        return 2

    t0 = time.perf_counter()
    network = graph.to_network(graph.read_osm_file(OSM, mode="car"))
    t_graph = time.perf_counter() - t0
    villages = pd.read_csv(data_path("villages", "kempen-demo.csv"))
    visits, shifts = generate.generate_night(
        villages,
        n_visits=args.visits,
        n_providers=args.providers,
        n_shifts=args.shifts,
        seed=args.seed,
        network=network,
    )
    night = io.read_night(visits, shifts)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matrices, _ = planning.night_matrices(night, {"car": network}, cache=False)
    t_matrix = time.perf_counter() - t0

    rows = []
    for pooled in (False, True):
        options = SolveOptions(pooled=pooled, time_limit_s=args.time_limit, seed=args.seed)
        t0 = time.perf_counter()
        result = planning.plan_night(night, matrices, options)
        wall = time.perf_counter() - t0
        plan = result.plan
        rows.append(
            {
                "plan": "pooled" if pooled else "solo",
                "limit s": args.time_limit,
                "solver s": round(plan.runtime_s, 2),
                "solver / limit": round(plan.runtime_s / args.time_limit, 3),
                "plan+check s": round(wall, 2),
                "planned": len(plan.planned_ids()),
                "unplanned": len(plan.unplanned),
                "shifts used": len(plan.routes),
                "km": round(plan.distance_m / 1000, 1),
                "drive h": round(plan.drive_s / 3600, 2),
                "checker": "clean" if not result.violations else f"{len(result.violations)} viol.",
            }
        )
        if result.violations:
            sys.stderr.write(f"checker found violations in the {rows[-1]['plan']} plan\n")
    table = pd.DataFrame(rows)
    saving = 1 - rows[1]["km"] / rows[0]["km"] if rows[0]["km"] else 0.0
    within = all(abs(r["solver / limit"] - 1) <= 0.10 for r in rows)
    command = "python benchmarks/bench_plan.py" + (" --quick" if args.quick else "")
    text = f"""# Planning a region night

{dt.date.today().isoformat()} · zorgroute {__version__} · Python {platform.python_version()}
· {platform.processor() or platform.machine()}, {_cores()} cores

Kempen road graph from `kempen-highways.clipfixed.osm.bz2` ({network.n_nodes} nodes,
{network.n_edges} edges, built in {t_graph:.1f} s); a generated night (seed {args.seed}) of
{args.visits} visits, {args.providers} providers and {args.shifts} shifts; travel matrix of
{night.n_locations} locations in {t_matrix:.2f} s. Same matrix, seed and time limit for both
plans; each checked by `zorgroute.check`.

{markdown_table(table)}

- Pooling saves {100 * saving:.1f} % of the kilometres on this night.
- Time limit honoured within 10 %: {"yes" if within else "NO"}.
- Peak memory (RSS) of the whole run: {peak_rss_mib():.0f} MiB.

Reproduce: `{command}`
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(r["checker"] == "clean" for r in rows) else 1


def markdown_table(table: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
