"""Benchmark: how planning a region night scales from 100 to 1,000 visits.

The issue's requirement: a region night of 1,000 visits and 80 shifts (matrix + solve) runs in
under 5 minutes on this machine, with its memory reported, and the growth of the cost from
100 to 1,000 visits in a table.

For each size (default 100, 200, 400, 700 and 1,000 visits) a fresh subprocess does what a
planner's ``zorgroute plan`` does, as ``bench_plan.py`` does: build the Kempen car graph from
the shared OSM extract, generate a night (seed 1) with 8 shifts per 100 visits (80 at 1,000)
and 6 providers at every size (so only the size changes, not the market), read it, compute
its travel matrix and plan it pooled with ``SolveOptions`` defaults except the time limit; the
plan goes through the independent checker. Running each size in its own process makes its
peak memory (``ru_maxrss``) that size's alone.

Time limit of a size: ``max(--min-limit, --limit-per-visit × visits)``, by default
``max(10, 0.2 × visits)`` s: 20 s at 100 visits, 200 s at 1,000, which leaves room for the
matrix, the model build, the search's overrun and the check within 5 minutes. ``--time-limit``
gives every size the same limit instead.

Writes ``benchmarks/results/scale.md`` (``--quick``: 100 and 200 visits at 5 and 10 s, to
``scale-quick.md``). Exit code 1 if the checker found a violation in any plan or a size
failed to run, 2 without the shared data.

Run::

    .venv/bin/python benchmarks/bench_scale.py            # about 10 minutes (8 of them solving)
    .venv/bin/python benchmarks/bench_scale.py --quick    # under a minute
    .venv/bin/python benchmarks/bench_scale.py --sizes 100 200 --time-limit 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shlex
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OSM = SHARED / "data" / "osm" / "kempen-highways.clipfixed.osm.bz2"
VILLAGES = "kempen-demo.csv"

#: Visits per size of a full run and of ``--quick``.
SIZES = (100, 200, 400, 700, 1000)
QUICK_SIZES = (100, 200)
#: Shifts per 100 visits (80 shifts at 1,000 visits, as the issue asks).
SHIFTS_PER_100 = 8
#: Providers at every size: the same market, so the growth table shows the size alone.
PROVIDERS = 6
#: Time limit rule, seconds: max(MIN_LIMIT, LIMIT_PER_VISIT × visits); ``--quick`` its own.
LIMIT_PER_VISIT = 0.2
MIN_LIMIT = 10.0
QUICK_LIMIT_PER_VISIT = 0.05
QUICK_MIN_LIMIT = 5.0
#: The issue's target for 1,000 visits (matrix + solve; the check is counted too).
TARGET_VISITS = 1000
TARGET_S = 300.0
#: A size's subprocess is stopped after its time limit plus this much (seconds).
CHILD_GRACE_S = 600.0
#: The line of a child's stdout that carries its result.
MARKER = "BENCH_SCALE_RESULT "

PACKAGES = ("zorgroute", "ortools", "numpy", "scipy", "pandas", "osmnx")


def shifts_for(visits: int) -> int:
    return max(1, round(visits * SHIFTS_PER_100 / 100))


def limit_for(visits: int, per_visit: float, minimum: float) -> float:
    return max(minimum, per_visit * visits)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------------
# One size, in its own process
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    visits: int
    shifts: int
    providers: int
    limit_s: float
    locations: int = 0
    graph_s: float = 0.0
    generate_s: float = 0.0
    matrix_s: float = 0.0
    solver_s: float = 0.0
    first_plan_s: float | None = None
    last_improvement_s: float | None = None
    improvements: int = 0
    plan_check_s: float = 0.0
    total_s: float = 0.0  # matrix + solve + check
    rss_graph_mib: float = 0.0
    rss_matrix_mib: float = 0.0
    rss_peak_mib: float = 0.0
    planned: int = 0
    unplanned: int = 0
    shifts_used: int = 0
    km: float = 0.0
    drive_h: float = 0.0
    status: str = ""
    violations: int = 0
    warnings: int = 0
    error: str | None = None

    @property
    def km_per_visit(self) -> float:
        return self.km / self.planned if self.planned else float("nan")

    @property
    def clean(self) -> bool:
        return self.error is None and self.violations == 0


def run_one(visits: int, shifts: int, providers: int, limit_s: float, seed: int) -> Row:
    """Graph, night, matrix, pooled plan and check of one size (in this process)."""
    import pandas as pd

    from zorgroute import generate, graph, io, planning
    from zorgroute.resources import data_path
    from zorgroute.solver import SolveOptions

    row = Row(visits=visits, shifts=shifts, providers=providers, limit_s=limit_s)
    say = f"{visits:>5} visits:"

    t0 = time.perf_counter()
    network = graph.to_network(graph.read_osm_file(OSM, mode="car"))
    row.graph_s = time.perf_counter() - t0
    row.rss_graph_mib = peak_rss_mib()

    villages = pd.read_csv(data_path("villages", VILLAGES))
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        visits_table, shifts_table = generate.generate_night(
            villages,
            n_visits=visits,
            n_providers=providers,
            n_shifts=shifts,
            seed=seed,
            network=network,
        )
        names = set(visits_table["provider"]) | set(shifts_table["provider"])
        night = io.read_night(visits_table, shifts_table, providers=sorted(names))
    row.generate_s = time.perf_counter() - t0
    row.locations = night.n_locations

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as more:
        warnings.simplefilter("always")  # e.g. a generated address far from its road
        matrices, _ = planning.night_matrices(night, {"car": network}, cache=False)
    row.matrix_s = time.perf_counter() - t0
    row.warnings = len(caught) + len(more)
    row.rss_matrix_mib = peak_rss_mib()
    print(
        f"{say} {row.locations} locations, matrix {row.matrix_s:.2f} s; "
        f"solving for {limit_s:g} s ...",
        file=sys.stderr,
        flush=True,
    )

    found: list[float] = []

    def progress(elapsed_s: float, objective: int) -> None:
        found.append(elapsed_s)
        if len(found) == 1:
            print(f"{say} first plan after {elapsed_s:.1f} s", file=sys.stderr, flush=True)

    options = SolveOptions(pooled=True, time_limit_s=limit_s, seed=seed)
    t0 = time.perf_counter()
    result = planning.plan_night(night, matrices, options, progress=progress)
    row.plan_check_s = time.perf_counter() - t0
    row.total_s = row.matrix_s + row.plan_check_s
    row.rss_peak_mib = peak_rss_mib()

    plan = result.plan
    row.solver_s = plan.runtime_s
    row.first_plan_s = found[0] if found else None
    row.last_improvement_s = found[-1] if found else None
    row.improvements = len(found)
    row.planned = len(plan.planned_visits())
    row.unplanned = len(plan.unplanned)
    row.shifts_used = len(plan.routes)
    row.km = plan.distance_m / 1000
    row.drive_h = plan.drive_s / 3600
    row.status = plan.status
    row.violations = len(result.violations)
    for v in result.violations[:10]:
        print(f"{say} checker: {v}", file=sys.stderr, flush=True)
    return row


def spawn(visits: int, args: argparse.Namespace) -> Row:
    """Run one size in a fresh Python process (``--one``) and read back its row."""
    shifts = shifts_for(visits)
    limit = (
        args.time_limit
        if args.time_limit is not None
        else limit_for(visits, args.limit_per_visit, args.min_limit)
    )
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        str(visits),
        "--limit-one",
        str(limit),
        "--providers",
        str(args.providers),
        "--seed",
        str(args.seed),
    ]
    print(
        f"{visits:>5} visits, {shifts} shifts, {args.providers} providers, limit {limit:g} s",
        file=sys.stderr,
        flush=True,
    )
    failed = Row(visits=visits, shifts=shifts, providers=args.providers, limit_s=limit)
    try:
        done = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            text=True,
            timeout=limit + CHILD_GRACE_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        failed.error = f"stopped after {limit + CHILD_GRACE_S:.0f} s"
        return failed
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            return Row(**json.loads(line[len(MARKER) :]))
    failed.error = f"exit code {done.returncode}, no result"
    return failed


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or value != value else f"{value:,.{digits}f}"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or base is None or not base or value != value or base != base:
        return "n/a"
    return f"{value / base:.2f}×"


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def under_target(row: Row) -> str:
    if row.error is not None:
        return "failed"
    return "yes" if row.total_s < TARGET_S else "NO"


def results_table(rows: list[Row]) -> str:
    head = [
        "visits",
        "shifts",
        "locations",
        "graph s",
        "matrix s",
        "limit s",
        "solver s",
        "solver / limit",
        "first plan s",
        "last better s",
        "matrix+solve+check s",
        "< 5 min",
        "peak RSS MiB",
        "planned",
        "unplanned",
        "shifts used",
        "km",
        "km / planned visit",
        "drive h",
        "checker",
    ]
    body = []
    for r in rows:
        if r.error is not None:
            cells = [str(r.visits), str(r.shifts), *["–"] * 18]
            cells[-1] = f"FAILED: {r.error}"
            body.append(cells)
            continue
        body.append(
            [
                f"{r.visits:,}",
                str(r.shifts),
                f"{r.locations:,}",
                fmt(r.graph_s),
                fmt(r.matrix_s, 2),
                f"{r.limit_s:g}",
                fmt(r.solver_s),
                f"{r.solver_s / r.limit_s:.2f}",
                fmt(r.first_plan_s, 2),
                fmt(r.last_improvement_s),
                fmt(r.total_s),
                under_target(r) if r.visits == TARGET_VISITS else "–",
                f"{r.rss_peak_mib:.0f}",
                f"{r.planned:,}",
                str(r.unplanned),
                str(r.shifts_used),
                fmt(r.km),
                fmt(r.km_per_visit, 2),
                fmt(r.drive_h, 2),
                "clean" if r.violations == 0 else f"{r.violations} viol.",
            ]
        )
    return markdown_table(head, body)


def growth_table(rows: list[Row]) -> tuple[str, int]:
    ok = [r for r in rows if r.error is None]
    if not ok:
        return "(no size ran)", 0
    base = next((r for r in ok if r.visits == 100), ok[0])
    head = [
        "visits",
        "× visits",
        "km",
        "× km",
        "km / planned visit",
        "× km/visit",
        "first plan s",
        "× first plan",
        "solver s",
        "× solver",
        "peak RSS MiB",
        "× RSS",
        "RSS above graph MiB",
        "× above graph",
    ]
    body = [
        [
            f"{r.visits:,}",
            ratio(r.visits, base.visits),
            fmt(r.km),
            ratio(r.km, base.km),
            fmt(r.km_per_visit, 2),
            ratio(r.km_per_visit, base.km_per_visit),
            fmt(r.first_plan_s, 2),
            ratio(r.first_plan_s, base.first_plan_s),
            fmt(r.solver_s),
            ratio(r.solver_s, base.solver_s),
            f"{r.rss_peak_mib:.0f}",
            ratio(r.rss_peak_mib, base.rss_peak_mib),
            f"{r.rss_peak_mib - r.rss_graph_mib:.0f}",
            ratio(r.rss_peak_mib - r.rss_graph_mib, base.rss_peak_mib - base.rss_graph_mib),
        ]
        for r in ok
    ]
    return markdown_table(head, body), base.visits


def target_line(rows: list[Row]) -> str:
    row = next((r for r in rows if r.visits == TARGET_VISITS), None)
    if row is None:
        return (
            f"- **Target (1,000 visits, 80 shifts, matrix + solve under 5 min): not measured** "
            f"in this run (sizes {', '.join(f'{r.visits:,}' for r in rows)})."
        )
    if row.error is not None:
        return f"- **Target (1,000 visits, 80 shifts, under 5 min): FAILED** ({row.error})."
    verdict = "MET" if row.total_s < TARGET_S else "NOT MET"
    return (
        f"- **Target (1,000 visits, {row.shifts} shifts, matrix + solve under 5 min): "
        f"{verdict}**: matrix {row.matrix_s:.1f} s + solve and check {row.plan_check_s:.1f} s "
        f"= {row.total_s:.1f} s of {TARGET_S:.0f} s (time limit {row.limit_s:g} s), peak "
        f"memory {row.rss_peak_mib:.0f} MiB RSS; building the graph took another "
        f"{row.graph_s:.1f} s, generating the night {row.generate_s:.2f} s. Checker: "
        f"{'clean' if row.violations == 0 else f'{row.violations} violations'}."
    )


def machine() -> str:
    return benchlib.machine()


def versions() -> str:
    return benchlib.versions(PACKAGES)


def load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def report(
    rows: list[Row],
    args: argparse.Namespace,
    *,
    command: str,
    started: str,
    load_before: str,
    wall_s: float,
) -> str:
    growth, base = growth_table(rows)
    if args.time_limit is not None:
        rule = f"time limit: {args.time_limit:g} s for every size (`--time-limit`)"
    else:
        rule = (
            f"time limit: max({args.min_limit:g}, {args.limit_per_visit:g} × visits) s "
            "(`--min-limit`, `--limit-per-visit`)"
        )
    failed = [r for r in rows if not r.clean]
    warned = sum(r.warnings for r in rows)
    lines = [
        f"# Scaling a region night: {rows[0].visits:,} to {rows[-1].visits:,} visits"
        + (" (quick)" if args.quick else ""),
        "",
        f"Kempen car graph from `{OSM.name}`; nights generated on `{VILLAGES}` (seed "
        f"{args.seed}), {SHIFTS_PER_100} shifts per 100 visits, {args.providers} providers at "
        f"every size; pooled plan, `SolveOptions` defaults (objective: drive time) except the "
        f"{rule}. Every size runs in its own process: graph, night, matrix, plan, check.",
        "",
        "## Results",
        "",
        results_table(rows),
        "",
        target_line(rows),
        "- Checker: "
        + (
            "every plan clean."
            if not failed
            else "PROBLEMS: "
            + "; ".join(
                f"{r.visits:,} visits "
                + (f"did not run ({r.error})" if r.error else f"{r.violations} violations")
                for r in failed
            )
            + " (exit code 1)."
        ),
        *(
            [f"- Warnings while generating or computing matrices: {warned} (all sizes)."]
            if warned
            else []
        ),
        "",
        f"## Cost growth (relative to {base:,} visits)",
        "",
        growth,
        "",
        "- The region stays the same (the same villages and roads) while the visits grow, so",
        "  a larger night is a denser one: km per visit is expected to fall, not stay flat.",
        "- Solver seconds follow the time-limit rule (the search runs until its limit); time to",
        "  the first plan is the figure that shows how the model grows. Nights of different",
        "  sizes are generated independently (the same seed), not one inside another.",
        "",
        "## Columns",
        "",
        "- **graph s**: reading the OSM extract and `to_network` (car), in every size's own",
        "  process; not part of the 5-minute target, as a planner's graph is built once.",
        "- **matrix s**: `planning.night_matrices(night, {'car': network}, cache=False)`.",
        "- **solver s**: `Plan.runtime_s` of `planning.plan_night` (model build + search);",
        "  **first plan s** / **last better s**: when the `progress` callback first and last",
        "  reported a better plan, counted from the start of `solve` (model build included).",
        "- **matrix+solve+check s**: matrix + `plan_night` (solve and independent check)",
        "  wall-clock; **< 5 min** judges it at 1,000 visits.",
        "- **peak RSS MiB**: `ru_maxrss` of the size's process (Python, imports and the road",
        "  graph included); **RSS above graph**: peak minus the peak right after the graph was",
        "  built, i.e. what the night, its matrix, the solver and the check add.",
        "- **km**, **drive h**: along the planned routes (matrix metres and seconds);",
        "  **km / planned visit** divides by planned visits.",
        "",
        "## Environment",
        "",
        f"- Date: {started} (whole run {wall_s / 60:.1f} min)",
        f"- Machine: {machine()}",
        f"- Load average (1, 5, 15 min) before / after: {load_before} / {load()}",
        f"- Versions: {versions()}",
        "- zorgroute is imported from this checkout's `src/` as it was at the time of the run.",
        f"- Command (from the repository root): `{command}`",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="100 and 200 visits, 5 and 10 s (for make bench)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="visits per size (default 100 200 400 700 1000)"
    )
    parser.add_argument(
        "--time-limit", type=float, help="the same solver time limit (s) for every size"
    )
    parser.add_argument(
        "--limit-per-visit",
        type=float,
        help=f"time limit per visit, s (default {LIMIT_PER_VISIT:g}; "
        f"--quick {QUICK_LIMIT_PER_VISIT:g})",
    )
    parser.add_argument(
        "--min-limit",
        type=float,
        help=f"smallest time limit, s (default {MIN_LIMIT:g}; --quick {QUICK_MIN_LIMIT:g})",
    )
    parser.add_argument("--providers", type=int, default=PROVIDERS, help="default %(default)s")
    parser.add_argument("--seed", type=int, default=1, help="default %(default)s")
    parser.add_argument("--out", type=Path, help="report (default benchmarks/results/scale.md)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--limit-one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if not OSM.is_file():
        sys.stderr.write(
            f"benchmark data not found: {OSM}\n"
            "The benchmark needs the project's shared data (../shared beside the checkout).\n"
        )
        return 2

    if args.one is not None:  # a child: one size, its row on stdout
        row = run_one(args.one, shifts_for(args.one), args.providers, args.limit_one, args.seed)
        print(MARKER + json.dumps(asdict(row)), flush=True)
        return 0

    if args.limit_per_visit is None:
        args.limit_per_visit = QUICK_LIMIT_PER_VISIT if args.quick else LIMIT_PER_VISIT
    if args.min_limit is None:
        args.min_limit = QUICK_MIN_LIMIT if args.quick else MIN_LIMIT
    sizes = sorted(set(args.sizes or (QUICK_SIZES if args.quick else SIZES)))
    too_few = [n for n in sizes if n < 1 or shifts_for(n) < args.providers]
    if too_few:
        parser.error(
            f"sizes {too_few} give fewer than {args.providers} shifts "
            f"({SHIFTS_PER_100} per 100 visits): every provider needs one"
        )
    out = args.out or ROOT / "benchmarks" / "results" / (
        "scale-quick.md" if args.quick else "scale.md"
    )
    cmd_args = sys.argv[1:] if argv is None else argv
    command = shlex.join([".venv/bin/python", "benchmarks/bench_scale.py", *cmd_args])

    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    load_before = load()
    t0 = time.perf_counter()
    rows = [spawn(n, args) for n in sizes]
    wall_s = time.perf_counter() - t0
    text = report(
        rows, args, command=command, started=started, load_before=load_before, wall_s=wall_s
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {out}")
    return 0 if all(r.clean for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
