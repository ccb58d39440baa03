"""Benchmark: zorgroute on the Mankowska et al. (2014) home-care instances, against the BRKGA.

Every instance of ``../shared/data/hhc/mankowska2014`` (10–100 patients) is adapted to a
zorgroute night by ``benchmarks/mankowska.py`` (distances and times ×100, arcs rounded up,
travel time = distance; double services as two-carer visits, synchronised or ordered with
their gaps; caregivers' qualifications as skills), solved by ``zorgroute.solver.solve`` with
soft windows (``SolveOptions(objective="distance", lateness_cost_per_s=1)``: one unit of
lateness costs as much as one of distance, the reference's weights without max tardiness),
checked by ``zorgroute.check.check_plan(..., allow_late=True)`` and scored with the
instances' objective as the reference code computes it (``mankowska.score_plan``): cost =
(distance + total tardiness + max tardiness) / 3. A plan that fails the checker or leaves a
patient out is reported infeasible and not scored. The gap is to the best of 15 runs of the
BRKGA of Kummer et al. (GECCO 2020), ``best_found_kummer_brkga_gecco2020.csv``.

Strategies (``--strategies``, comma-separated; default ``zorgroute,scratch``):

- ``zorgroute``: the plain call a planner makes with soft windows, ``solve(night, matrices,
  SolveOptions(objective="distance", lateness_cost_per_s=1, time_limit_s=budget))``, solver
  defaults throughout: with ``hard_first`` (the default) ``solve`` plans with hard windows
  for half the budget, then searches with soft windows from that plan, each carer of a
  double visit kept on its shift (a warm start continues with guided local search);
- ``scratch``: the same with ``hard_first=False``: soft windows from scratch for the whole
  budget, the baseline that shows what the hard start gains.

The search strategies are the solver's choice (``zorgroute.solver.search_strategies``,
which the report names). Rows run before 2026-11-26 01:29 (:data:`SEARCH_BY_NIGHT`) used
path cheapest arc and iterated local search on every night; since then nights with double
visits, as all of these, get parallel cheapest insertion and guided local search.

Only these two are run. The report also accepts any other strategy name present in the CSV:
``v0-soft``, ``v0-warm`` and ``v0-proto-warm`` are rows measured on 2026-11-25 with the
defaults of then (parallel cheapest insertion, guided local search): one soft solve from
scratch; half the budget hard, then soft from those routes ordered so each double visit's
carer 1 comes first (where no order exists, double visits were left out of the start); the
same with a prototype carer-aware start patched into the solver, which ``solve`` now does
itself (``routes_of`` writes a second carer as ``"<visit id>#2"``).

Budgets per size (``--budgets``, default ``10=2,25=5,50=10,75=20,100=30`` seconds): about
11 minutes per strategy for all 50 instances on one core (``--jobs 1``, the default).

Results are appended to ``benchmarks/results/hhc_runs.csv``; an instance × strategy ×
budget × seed already there is skipped, so an interrupted run resumes. The markdown report
(``benchmarks/results/hhc.md``) is written from the CSV rows of the requested instances.

Run: ``.venv/bin/python benchmarks/bench_hhc.py`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import importlib.metadata
import logging
import math
import os
import platform
import shlex
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

import benchlib
import mankowska as mk
from benchlib import read_rows
from zorgroute.check import check_plan, summarize
from zorgroute.model import Plan
from zorgroute.solver import SolveOptions, search_strategies, solve

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CSV = RESULTS / "hhc_runs.csv"
DEFAULT_OUT = RESULTS / "hhc.md"
DEFAULT_BUDGETS = {10: 2.0, 25: 5.0, 50: 10.0, 75: 20.0, 100: 30.0}
#: The strategies this script runs; others in the CSV (``v0-*``, see above) are history.
STRATEGIES = ("zorgroute", "scratch")
DEFAULT_STRATEGIES = "zorgroute,scratch"
#: When ``solver.search_strategies`` began to choose by the night: rows before it ran with
#: path cheapest arc and iterated local search on every night.
SEARCH_BY_NIGHT = "2026-11-26T01:29"

CSV_FIELDS = [
    "instance",
    "label",
    "patients",
    "vehicles",
    "strategy",
    "budget_s",
    "seed",
    "status",
    "feasible",
    "unplanned",
    "violations",
    "distance",
    "tardiness",
    "max_tardiness",
    "cost",
    "ref_cost",
    "ref_distance",
    "ref_tardiness",
    "ref_max_tardiness",
    "gap_pct",
    "late_services",
    "latest_return",
    "depot_end",
    "routes_after_depot_end",
    "warm_dropped",  # v0-warm only: double visits left out of the start
    "warm_fitted",  # 1 if the hard-window plan was accepted as the soft search's start
    "objective",
    "wall_s",
    "first_solution_s",
    "problems",
    "date",
    "host",
]


# --------------------------------------------------------------------------------------------
# Solving one instance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    path: Path
    strategy: str
    budget_s: float
    seed: int


class _Capture(logging.Handler):
    """Collects the solver's log messages (it logs when initial routes do not fit)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_strategy(
    night: Any, matrices: Any, strategy: str, budget_s: float, seed: int
) -> tuple[Plan, dict[str, Any]]:
    """Solve with ``strategy``; the plan and what to record besides it."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    t0 = time.perf_counter()
    first: list[float] = []
    extra: dict[str, Any] = {}

    def progress(elapsed_s: float, objective: int) -> None:
        if not first:
            first.append(time.perf_counter() - t0)

    options = SolveOptions(
        objective="distance", lateness_cost_per_s=1, time_limit_s=budget_s, seed=seed
    )
    if strategy == "scratch":
        options = replace(options, hard_first=False)
    capture = _Capture()
    logger = logging.getLogger("zorgroute.solver")
    logger.addHandler(capture)
    try:
        plan = solve(night, matrices, options, progress=progress)
    finally:
        logger.removeHandler(capture)
    if strategy == "zorgroute":  # did the soft search start from the hard-window plan?
        extra["warm_fitted"] = int(not any("do not fit" in m for m in capture.messages))
    extra["wall_s"] = round(time.perf_counter() - t0, 3)
    extra["first_solution_s"] = round(first[0], 3) if first else ""
    return plan, extra


def run_task(task: Task) -> dict[str, Any]:
    """Solve one instance, check and score the plan; one CSV row. Never raises."""
    instance = mk.read_instance(task.path)
    night, matrices = mk.to_night(instance)
    ref = mk.read_best().get((instance.n_patients, instance.index))
    row: dict[str, Any] = {
        "instance": instance.name,
        "label": instance.label,
        "patients": instance.n_patients,
        "vehicles": instance.n_vehicles,
        "strategy": task.strategy,
        "budget_s": task.budget_s,
        "seed": task.seed,
        "depot_end": float(instance.tw_end[instance.end_depot]),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
    }
    if ref is not None:
        row.update(
            ref_cost=ref.cost,
            ref_distance=ref.distance,
            ref_tardiness=ref.tardiness,
            ref_max_tardiness=ref.max_tardiness,
        )
    try:
        plan, extra = run_strategy(night, matrices, task.strategy, task.budget_s, task.seed)
    except Exception as err:  # a crash is a result too
        traceback.print_exc()
        row.update(feasible=0, problems=f"error: {type(err).__name__}: {err}"[:300])
        return row
    row.update(extra)
    violations = check_plan(night, matrices, plan, allow_late=True)
    returns = mk.plan_return_times(instance, plan)
    row.update(
        status=plan.status,
        unplanned=len(plan.unplanned),
        violations=len(violations),
        objective=plan.objective,
        latest_return=round(max(returns.values(), default=0.0), 2),
        routes_after_depot_end=sum(1 for t in returns.values() if t > row["depot_end"]),
    )
    if violations or plan.unplanned:
        problems = summarize(violations) if violations else ""
        if plan.unplanned:
            problems = f"unplanned: {', '.join(u.visit_id for u in plan.unplanned)}. " + problems
        row.update(feasible=0, problems=problems.replace("\n", " ")[:300])
        return row
    score = mk.score_plan(instance, plan)
    late = sum(
        1
        for r in plan.routes
        for s in r.stops
        if s.service_start_s > mk.scaled(instance.tw_end[mk.node_of(s.visit_id)])
    )
    row.update(
        feasible=1,
        distance=round(score.distance, 3),
        tardiness=round(score.tardiness, 3),
        max_tardiness=round(score.max_tardiness, 3),
        cost=round(score.cost, 3),
        late_services=late,
        gap_pct=round(100 * (score.cost - ref.cost) / ref.cost, 3) if ref else "",
    )
    return row


# --------------------------------------------------------------------------------------------
# Results CSV
# --------------------------------------------------------------------------------------------


def _key(instance: str, strategy: str, budget: float, seed: int) -> tuple[str, str, float, int]:
    return (instance, strategy, float(budget), int(seed))


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    benchlib.append_row(path, row, CSV_FIELDS)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _versions() -> str:
    out = []
    for pkg in ("zorgroute", "ortools", "numpy"):
        try:
            out.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{pkg} (not installed)")
    return ", ".join(out)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _f(x: str | float | None, digits: int = 1) -> str:
    if x in ("", None):
        return "–"
    value = float(x)
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def formula_check() -> str:
    """How well (dist + tard + tmax) / 3 reproduces the CSV's best_cost, row by row."""
    best = mk.read_best()
    diffs = [abs(b.formula_cost() - b.cost) for b in best.values()]
    rel = [abs(b.formula_cost() - b.cost) / b.cost for b in best.values()]
    return (
        f"(dist + tard + tmax) / 3 from the CSV's own columns reproduces `best_cost` on all "
        f"{len(diffs)} rows: largest difference {max(diffs):.4f} "
        f"({100 * max(rel):.5f} %), the CSV's 6 significant digits."
    )


def size_table(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """Mean gap per size and strategy, and the means of each term against the reference."""
    head = ["patients", "instances"]
    for s in strategies:
        head += [f"{s}: mean gap %", f"{s}: median / worst %", f"{s}: beat ref."]
    body = []
    sizes = sorted({int(r["patients"]) for r in rows})
    for size in [*sizes, 0]:
        cells = [str(size) if size else "**all**"]
        mine = [r for r in rows if size == 0 or int(r["patients"]) == size]
        cells.append(str(len({r["instance"] for r in mine})))
        for s in strategies:
            rs = [r for r in mine if r["strategy"] == s]
            gaps = [float(r["gap_pct"]) for r in rs if r["feasible"] == "1" and r["gap_pct"]]
            bad = len(rs) - len(gaps)
            if not rs:
                cells += ["not run", "", ""]
                continue
            mean = f"{np.mean(gaps):.1f}" if gaps else "–"
            if bad:
                mean += f" ({bad} infeasible)"
            cells.append(f"**{mean}**" if size == 0 else mean)
            cells.append(f"{np.median(gaps):.1f} / {max(gaps):.1f}" if gaps else "–")
            cells.append(str(sum(1 for g in gaps if g < 0)))
        body.append(cells)
    return _table(head, body)


def terms_table(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """Mean distance, tardiness and max tardiness per size: ours and the reference's."""
    head = ["patients", "ref. dist / tard / tmax"]
    head += [f"{s}: dist / tard / tmax" for s in strategies]
    body = []
    for size in sorted({int(r["patients"]) for r in rows}):
        mine = [r for r in rows if int(r["patients"]) == size]
        refs = {r["instance"]: r for r in mine}.values()
        cells = [
            str(size),
            " / ".join(
                f"{np.mean([float(r[k]) for r in refs]):.1f}"
                for k in ("ref_distance", "ref_tardiness", "ref_max_tardiness")
            ),
        ]
        for s in strategies:
            ok = [r for r in mine if r["strategy"] == s and r["feasible"] == "1"]
            cells.append(
                " / ".join(
                    f"{np.mean([float(r[k]) for r in ok]):.1f}"
                    for k in ("distance", "tardiness", "max_tardiness")
                )
                if ok
                else "–"
            )
        body.append(cells)
    return _table(head, body)


def parts_table(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """Where the gap comes from: each term's (ours − reference) / 3 / reference cost, mean %."""
    head = ["patients", *(f"{s}: dist / tard / tmax points" for s in strategies)]
    body = []
    sizes = sorted({int(r["patients"]) for r in rows})
    for size in [*sizes, 0]:
        cells = [str(size) if size else "**all**"]
        for s in strategies:
            ok = [
                r
                for r in rows
                if r["strategy"] == s
                and r["feasible"] == "1"
                and (size == 0 or int(r["patients"]) == size)
            ]
            if not ok:
                cells.append("–")
                continue
            parts = []
            for ours, ref in (
                ("distance", "ref_distance"),
                ("tardiness", "ref_tardiness"),
                ("max_tardiness", "ref_max_tardiness"),
            ):
                values = [
                    100 * (float(r[ours]) - float(r[ref])) / 3 / float(r["ref_cost"]) for r in ok
                ]
                parts.append(f"{np.mean(values):+.1f}")
            cells.append(" / ".join(parts))
        body.append(cells)
    return _table(head, body)


def instance_table(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """One row per instance: the reference, then per strategy our terms, cost and gap."""
    by = {(r["instance"], r["strategy"]): r for r in rows}
    names = sorted(
        {(int(r["patients"]), int(r["instance"].rsplit("_", 1)[1]), r["instance"]) for r in rows}
    )
    head = ["instance", "ref. cost (dist / tard / tmax)"]
    for s in strategies:
        head += [f"{s}: dist / tard / tmax", f"{s}: cost", f"{s}: gap %"]
    body = []
    for _, _, name in names:
        any_row = next(r for r in rows if r["instance"] == name)
        cells = [
            f"{any_row['label']} `{name}`",
            f"{_f(any_row['ref_cost'], 2)} ({_f(any_row['ref_distance'])} / "
            f"{_f(any_row['ref_tardiness'])} / {_f(any_row['ref_max_tardiness'])})",
        ]
        for s in strategies:
            r = by.get((name, s))
            if r is None:
                cells += ["not run", "", ""]
            elif r["feasible"] != "1":
                cells += ["**infeasible**", "–", "–"]
            else:
                cells += [
                    f"{_f(r['distance'])} / {_f(r['tardiness'])} / {_f(r['max_tardiness'])}",
                    _f(r["cost"], 2),
                    _f(r["gap_pct"], 1),
                ]
        body.append(cells)
    return _table(head, body)


def worst_table(rows: Sequence[Mapping[str, str]], strategy: str, n: int = 8) -> str:
    ok = [r for r in rows if r["strategy"] == strategy and r["feasible"] == "1"]
    ok.sort(key=lambda r: -float(r["gap_pct"]))
    head = [
        "instance",
        "gap %",
        "ours: dist / tard / tmax",
        "ref.: dist / tard / tmax",
        "late services",
    ]
    body = [
        [
            f"{r['label']} `{r['instance']}`",
            _f(r["gap_pct"]),
            f"{_f(r['distance'])} / {_f(r['tardiness'])} / {_f(r['max_tardiness'])}",
            f"{_f(r['ref_distance'])} / {_f(r['ref_tardiness'])} / {_f(r['ref_max_tardiness'])}",
            r["late_services"],
        ]
        for r in ok[:n]
    ]
    return _table(head, body)


def depot_note(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    parts = []
    for s in strategies:
        ok = [r for r in rows if r["strategy"] == s and r["feasible"] == "1"]
        late = [r for r in ok if int(r["routes_after_depot_end"] or 0) > 0]
        parts.append(
            f"`{s}`: {len(late)} of {len(ok)} plans have a route back after the depot's `l`"
            + (f" ({', '.join(r['label'] for r in late)})" if late and len(late) <= 12 else "")
        )
    return "; ".join(parts) + "."


def search_note(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """The search strategies the solver chooses for these nights, and those of older rows."""
    night, _ = mk.to_night(mk.read_instance(mk.instance_paths()[0]))
    first, metaheuristic = search_strategies(night, SolveOptions(lateness_cost_per_s=1))
    names = {
        "path_cheapest_arc": "path cheapest arc",
        "parallel_cheapest_insertion": "parallel cheapest insertion",
        "iterated_local_search": "iterated local search (ruin and recreate, greedy descent)",
        "guided_local_search": "guided local search",
    }
    text = (
        "Search strategies (`solver.search_strategies`, chosen by the night): for these "
        f"nights, which have double visits, first solution {names.get(first, first)}, then "
        f"{names.get(metaheuristic, metaheuristic)}."
    )
    old = [
        s
        for s in strategies
        if s in STRATEGIES and any(r["strategy"] == s and r["date"] < SEARCH_BY_NIGHT for r in rows)
    ]
    if old:
        text += (
            f" **The {', '.join(f'`{s}`' for s in old)} rows of this report are older "
            f"(before {SEARCH_BY_NIGHT.replace('T', ' ')}) and ran with path cheapest arc, "
            "then iterated local search (ruin and recreate, greedy descent), on every night**: "
            "they measure that search, not the one now chosen."
        )
    return text


def start_note(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """How often ``zorgroute``'s soft search could start from its hard-window plan."""
    if "zorgroute" not in strategies:
        return ""
    runs = [r for r in rows if r["strategy"] == "zorgroute" and r["warm_fitted"] != ""]
    if not runs:
        return ""
    fitted = sum(int(r["warm_fitted"]) for r in runs)
    return (
        f" `zorgroute`: the hard-window plan was accepted as the soft search's start in "
        f"{fitted} of {len(runs)} runs."
    )


def history_note(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """What the requested ``v0-*`` rows (history, not run by this script) were."""
    old = [s for s in strategies if s not in STRATEGIES]
    if not old:
        return ""
    what = {
        "v0-soft": "one soft-window solve from scratch for the whole budget (as `scratch`)",
        "v0-warm": "half the budget with hard windows, then the soft solve from those routes "
        "(`initial_routes`, plain visit ids, in an order that gives each double visit's "
        "carer 1 back to its shift; where the carers' shifts formed a cycle no order exists "
        "and double visits were left out of the start)",
        "v0-proto-warm": "half the budget with hard windows, then the soft solve started "
        "from the whole hard-window plan through a prototype carer-aware start patched into "
        "the solver in the benchmark's process: what `solve` now does itself with "
        "`hard_first`, then with the old search strategies",
    }
    parts = []
    for s in old:
        mine = [r for r in rows if r["strategy"] == s]
        dates = sorted({r["date"][:10] for r in mine if r["date"]})
        text = f"`{s}` ({', '.join(dates) or 'undated'}): {what.get(s, 'earlier rows of the CSV')}"
        dropped = [int(r["warm_dropped"]) for r in mine if r["warm_dropped"] not in ("", "0")]
        if s == "v0-warm" and dropped:
            text += (
                f"; {len(dropped)} of {len(mine)} runs left double visits out of the start "
                f"({sum(dropped)} in all), which the soft search then inserted again"
            )
        parts.append(text)
    return (
        " Rows `v0-…` are history, kept in the CSV and not run again: measured with the "
        "solver defaults of then (first solution parallel cheapest insertion, guided local "
        "search), the same budgets and seed, on the same machine while other work shared "
        "its 2 cores (load 2–3.5). " + "; ".join(parts) + "."
    )


def run_dates(rows: Sequence[Mapping[str, str]], strategies: Sequence[str]) -> str:
    """When each strategy's rows were measured, e.g. "`zorgroute` 2026-11-26"."""
    out = []
    for s in strategies:
        dates = sorted({r["date"][:10] for r in rows if r["strategy"] == s and r["date"]})
        out.append(f"`{s}` {' to '.join(dict.fromkeys([dates[0], dates[-1]])) if dates else '–'}")
    return ", ".join(out)


def write_report(
    path: Path,
    rows: list[dict[str, str]],
    strategies: Sequence[str],
    budgets: Mapping[int, float],
    command: str,
    load: tuple[float, float, float],
    notes: str = "",
    jobs: int = 1,
    run_loads: Sequence[float] = (),
) -> str:
    load_text = (
        f"; 1-minute load average during this run's solves {min(run_loads):.1f}–"
        f"{max(run_loads):.1f}, other work sharing the cores"
        if run_loads
        else ""
    )
    budget_text = ", ".join(f"{b:g} s for {n}" for n, b in sorted(budgets.items()))
    parts = [
        "# Mankowska et al. (2014) home-care instances: zorgroute against the BRKGA",
        "",
        f"{dt.date.today().isoformat()} · {_cpu()}, {os.cpu_count()} cores, "
        f"{'one solve at a time on one core' if jobs <= 1 else f'{jobs} solves at a time'} "
        f"(load average when the report was written {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f}{load_text}) · Python {platform.python_version()} · {_versions()}",
        "",
        "Runs: " + run_dates(rows, strategies) + ".",
        "",
        f"Command: `{command}`",
        "",
        f"Budgets (wall clock per solve, by patients): {budget_text}. Seed 0.",
        "",
        "## How",
        "",
        "- **Instances**: the 50 files of `../shared/data/hhc/mankowska2014` (10, 25, 50, 75, "
        "100 patients; 3, 5, 10, 15, 20 caregivers; 6 service types), read and adapted by "
        "`benchmarks/mankowska.py`: one visit per patient; a double-service patient is a "
        "two-carer visit (carer 1 the lower-numbered service, carer 2 the other), "
        "`same_time` if its `mind` = `maxd` = 0, else `ordered` with the gap `[mind, maxd]` "
        "between the carers' starts; one shift per caregiver with its qualifications as "
        "skills; level 1, one provider, the depot at both ends.",
        "- **Scaling**: one step, ×100, integers. Arcs `ceil(100 d)` (rounded up, so a plan "
        "feasible on the integer matrix is feasible with the real distances; its times are "
        "real, its tardiness never understated); `p`, `e`, `l`, `mind`, `maxd` are whole "
        "numbers in every file, so exact. The same matrix is travel time and distance.",
        "- **Shift end**: the depot's window (`l` = 1000, or 600 for the 100-patient files) "
        "is not checked by the reference code, and its best 100-patient solutions return "
        "after 600 (E1: last service ends at 696.9); the shifts are left open "
        "(`mankowska.open_horizon`). " + depot_note(rows, strategies),
        '- **Solve**: `zorgroute.solver.solve` with `SolveOptions(objective="distance", '
        "lateness_cost_per_s=1, time_limit_s=<budget>)` (soft windows: each carer's late "
        "start costs 1 per hundredth, as a hundredth of distance does: the solver minimises "
        "distance + total tardiness; max tardiness is not in its objective), everything else "
        "the solver's defaults. " + search_note(rows, strategies) + " `zorgroute` is that call as "
        "it is: with `hard_first` (the default) `solve` plans with hard windows for half the "
        "budget (visits that do not fit left out at their penalty), then searches with soft "
        "windows for the rest, started from that plan (`routes_of`, each double visit's "
        'second carer as `"<visit id>#2"`, so both carers keep their shifts); a warm start '
        "continues with guided local search. `scratch` is the same call with "
        "`hard_first=False`: soft windows from scratch for the whole budget."
        + start_note(rows, strategies)
        + history_note(rows, strategies),
        "- **Check**: every plan through `zorgroute.check.check_plan(allow_late=True)` (the "
        "default 1-unit tolerance); a plan with a violation or an unplanned patient is "
        "infeasible, not scored.",
        "- **Score** (`mankowska.score_plan`), as the reference code (`Solution.cpp` of "
        "github.com/afkummer/gecco2020-brkga) computes it: distance with the unscaled `d` "
        "along every caregiver's route, depot to depot (both carers of a double service "
        "travel); tardiness per service `max(0, start − l)` (a double service counts twice); "
        "max tardiness the largest; cost = (distance + tardiness + max tardiness) / 3. "
        "Gap = (ours − reference) / reference, the reference being the best of 15 BRKGA runs "
        "(`best_found_kummer_brkga_gecco2020.csv`): negative is better than the BRKGA.",
        "- **Scorer validated**: " + formula_check() + " Upstream route files "
        "(`solutions/routes/solution-N-I-S.txt` of the reference repository, not in "
        "`../shared`) of five best-found solutions (A1 seed 13, A8 seed 2, C1 seed 1, "
        "D1 seed 5, E1 seed 9), timed as the reference decoder does "
        "(`mankowska.reference_schedule`), give their files' and the CSV's dist, tard and "
        "tmax to the printed precision; as zorgroute plans (`mankowska.routes_to_plan`, "
        "scaled and rounded up) they pass `check_plan` with zero tolerance and score within "
        "0.03 % of the reference (rounding up only adds lateness). "
        "`tests/test_mankowska.py` repeats this for A8 and C1. The other 45 best "
        "solutions' routes are not available here.",
        "",
        "## Mean gap per size",
        "",
        size_table(rows, strategies),
        "",
        "Mean of each term (feasible plans only):",
        "",
        terms_table(rows, strategies),
        "",
        "Where the gap comes from: the mean gap split by term, (ours − reference) / 3 / "
        "reference cost, in percentage points (they add up to the mean gap):",
        "",
        parts_table(rows, strategies),
    ]
    for s in strategies:
        if any(r["strategy"] == s for r in rows):
            parts += ["", f"## Worst instances (`{s}`)", "", worst_table(rows, s)]
    parts += ["", "## Per instance", "", instance_table(rows, strategies)]
    if notes:
        parts += ["", notes.strip()]
    text = "\n".join(parts) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_budgets(text: str) -> dict[int, float]:
    """``"10=2,25=5"`` → ``{10: 2.0, 25: 5.0}`` (patients = seconds)."""
    out = dict(DEFAULT_BUDGETS)
    for part in text.split(","):
        if not part.strip():
            continue
        size, _, seconds = part.partition("=")
        try:
            out[int(size)] = float(seconds)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not patients=seconds: {part!r}") from None
    return out


def resolve_instances(specs: Sequence[str] | None) -> list[Path]:
    """Globs on names or labels (``*_10_*``, ``A*``, ``E1``) → instance files; all if none."""
    every = mk.instance_paths()
    if not specs:
        return every
    labels = {p: mk.read_instance(p).label for p in every}
    out: list[Path] = []
    for spec in specs:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            matched = [
                p
                for p in every
                if fnmatch.fnmatch(p.stem.lower(), part.lower())
                or fnmatch.fnmatch(labels[p].lower(), part.lower())
            ]
            if not matched:
                raise SystemExit(f"no instance matches {part!r}")
            out += [p for p in matched if p not in out]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--instances", nargs="+", default=None, help="globs on names or labels (A*, E1, *_25_*)"
    )
    parser.add_argument(
        "--budgets",
        type=parse_budgets,
        default=dict(DEFAULT_BUDGETS),
        help="seconds per solve by patients, e.g. 10=2,25=5,50=10,75=20,100=30",
    )
    parser.add_argument(
        "--strategies",
        default=DEFAULT_STRATEGIES,
        help=f"comma-separated; run: {', '.join(STRATEGIES)}; any other strategy in the CSV "
        "(v0-soft, v0-warm, v0-proto-warm) goes into the report from its rows",
    )
    parser.add_argument("--jobs", type=int, default=1, help="solves at a time (one core each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown report")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="results to append to")
    parser.add_argument(
        "--notes", type=Path, default=None, help="a markdown file appended to the report"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="write the report from the CSV, solve nothing"
    )
    args = parser.parse_args(argv)
    if not mk.DATA_DIR.is_dir():
        sys.stderr.write(f"needs the shared data at {mk.DATA_DIR}\n")
        return 2
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    existing = read_rows(args.csv)
    recorded = {r["strategy"] for r in existing}
    for s in strategies:
        if s not in STRATEGIES and s not in recorded:
            parser.error(
                f"unknown strategy {s!r}: run {', '.join(STRATEGIES)}, "
                f"or report one in {args.csv} ({', '.join(sorted(recorded)) or 'none'})"
            )
    paths = resolve_instances(args.instances)
    command = "python benchmarks/bench_hhc.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    load = os.getloadavg()

    def budget_of(path: Path) -> float:
        size = int(path.stem.rsplit("_", 2)[1])
        return float(args.budgets[size])

    done = {
        _key(r["instance"], r["strategy"], float(r["budget_s"]), int(r["seed"]))
        for r in existing
        if not r["problems"].startswith("error:")
    }
    tasks = [
        Task(p, s, budget_of(p), args.seed)
        for s in strategies
        if s in STRATEGIES
        for p in paths
        if _key(p.stem, s, budget_of(p), args.seed) not in done
    ]
    if args.report_only:
        tasks = []
    total = len(tasks)
    print(f"{total} solves to run ({len(done)} rows already in {args.csv})", flush=True)

    run_loads: list[float] = []

    def report(row: Mapping[str, Any], n: int) -> None:
        append_row(args.csv, row)
        run_loads.append(os.getloadavg()[0])
        gap = row.get("gap_pct")
        gap_text = f"{float(gap):7.1f} %" if gap not in ("", None) else "    -    "
        status = "ok" if row.get("feasible") == 1 else f"INFEASIBLE {row.get('problems', '')}"
        print(
            f"[{n}/{total}] {row['label']:4s} {row['strategy']:9s} {row['budget_s']:>4g} s "
            f"cost {row.get('cost', '-')!s:>9} ref {row.get('ref_cost', '-')!s:>9} gap {gap_text} "
            f"wall {row.get('wall_s', '')} {status}",
            flush=True,
        )

    benchlib.run_all(tasks, run_task, report, jobs=args.jobs)

    wanted = {_key(p.stem, s, budget_of(p), args.seed) for p in paths for s in strategies}
    latest: dict[tuple[str, str, float, int], dict[str, str]] = {}
    for r in read_rows(args.csv):  # the last row of a key wins (a rerun after an error)
        key = _key(r["instance"], r["strategy"], float(r["budget_s"]), int(r["seed"]))
        if key in wanted:
            latest[key] = r
    notes = args.notes.read_text(encoding="utf-8") if args.notes else ""
    rows = list(latest.values())
    for s in strategies:
        have = sum(1 for r in rows if r["strategy"] == s)
        if have < len(paths):
            print(f"warning: {s}: {have} of {len(paths)} instances in {args.csv}", flush=True)
    write_report(
        args.out,
        rows,
        strategies,
        args.budgets,
        command,
        load,
        notes,
        jobs=args.jobs,
        run_loads=run_loads,
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
