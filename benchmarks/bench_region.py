"""Benchmark: the generated 300-visit region nights of "Plan a night", solver by solver.

The nights are made exactly as ``benchmarks/bench_plan.py`` makes them: the Kempen car graph
from the shared OSM extract (``graph.to_network(graph.read_osm_file(OSM, mode="car"))``),
``generate.generate_night(villages, n_visits=300, n_providers=6, n_shifts=25, seed=S,
network=network)`` with the bundled ``villages/kempen-demo.csv``, ``io.read_night`` and
``planning.night_matrices(night, {"car": network}, cache=False)``; one night per seed
(``--seeds``, default 1 2 3). Every plan is pooled (visits may go to another provider's
shift where the client consents, to a carer of at least the visit's level).

Solvers (``--solvers``, comma-separated), each on one core (one process per solve,
``--jobs`` at a time) with the same wall-clock budget (``--budget``, default 30 s):

- ``zorgroute``: ``zorgroute.solver.solve(night, matrices, SolveOptions(pooled=True,
  time_limit_s=budget, seed=0))``, the solver's defaults (a checked first plan by parallel
  cheapest insertion, PyVRP's routes on the night's relaxation, then OR-Tools from them
  with every rule): what a planner runs;
- ``zg-pci-ils``: OR-Tools alone (``construction="ortools"``): parallel cheapest insertion,
  then iterated local search with SISR ruin and recreate (the default until 2026-11-26
  morning);
- ``zg-pci-gls``: OR-Tools alone with zorgroute's first defaults, parallel cheapest
  insertion and guided local search;
- ``zg-pca-ils``: OR-Tools alone, path cheapest arc, then iterated local search (the best
  OR-Tools setting on Solomon VRPTW, slow to a complete first plan on these nights);
- ``ortools-recipe``: OR-Tools' documented recipe, PATH_CHEAPEST_ARC + GUIDED_LOCAL_SEARCH,
  on zorgroute's model (the same call with ``first_solution="path_cheapest_arc",
  metaheuristic="guided_local_search"``): writing the home-care constraints (eligibility by
  level, consent and provider; breaks; shift hours; optional visits) again in raw
  ``pywrapcp`` would build the same model;
- ``vroom``: pyvroom, exploration level 5, one thread, ``timeout`` = budget; the night
  translated faithfully (:func:`vroom_input`, see the report's notes);
- ``pyvrp``: PyVRP has no breaks; on nights with breaks (every generated night shift is
  over 5.5 h and has a 30-minute break) it is reported as *cannot model*. With
  ``--breaks no`` or ``--breaks both`` the same nights are also generated without breaks
  (``GeneratorSettings(break_min=0)``: breaks take no random draws, so visits and shifts
  are the same) and every solver, PyVRP included, runs on them; PyVRP's missing
  per-vehicle eligibility is encoded as one travel profile per class of shifts
  (:func:`run_pyvrp`).

Every plan goes through the independent checker (``zorgroute.check.check_plan``, zero
tolerance) before it enters a table; one that fails is reported infeasible with the
checker's violation codes. The exit code is 1 when a plan of zorgroute's solve path
(``zorgroute`` and the ``zg-*`` and ``ortools-recipe`` rows) fails the checker or crashes.

Run: ``.venv/bin/python benchmarks/bench_region.py --quick`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import os
import platform
import shlex
import sys
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from bench_solver import _cpu, _fmt, _table, _versions
from zorgroute.check import check_plan
from zorgroute.model import REASONS, Matrices, Night, Plan, Route, Stop, Unplanned

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHARED = ROOT.parent / "shared"
OSM = SHARED / "data" / "osm" / "kempen-highways.clipfixed.osm.bz2"

SOLVERS = ("zorgroute", "zg-pci-ils", "zg-pca-ils", "ortools-recipe", "vroom", "pyvrp")
#: The rows made by zorgroute's solve path: a failed check of one of these fails the run.
ZORGROUTE_PATH = ("zorgroute", "zg-pci-ils", "zg-pci-gls", "zg-pca-ils", "ortools-recipe")
#: (first solution, metaheuristic) of each solver on zorgroute's solve path; None: defaults.
STRATEGIES: Mapping[str, tuple[str, str] | None] = {
    "zorgroute": None,
    "zg-pci-ils": ("parallel_cheapest_insertion", "iterated_local_search"),
    "zg-pci-gls": ("parallel_cheapest_insertion", "guided_local_search"),
    "zg-pca-ils": ("path_cheapest_arc", "iterated_local_search"),
    "ortools-recipe": ("path_cheapest_arc", "guided_local_search"),
}
MODE = "car"
#: VROOM's priority of a mandatory visit (its highest); optional ones get 1–99.
VROOM_MANDATORY_PRIORITY = 100

CSV_FIELDS = (
    "night_seed",
    "visits",
    "shifts",
    "breaks",
    "solver",
    "budget_s",
    "status",
    "planned",
    "unplanned",
    "unplanned_mandatory",
    "unplanned_optional",
    "shifts_used",
    "km",
    "drive_h",
    "cost_h",
    "first_plan_s",
    "first_feasible_s",
    "wall_s",
    "violations",
    "notes",
    "date",
    "host",
)


# --------------------------------------------------------------------------------------------
# The nights
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Case:
    """One generated night and its travel matrices; ``breaks=False``: generated without."""

    seed: int
    breaks: bool
    night: Night
    matrices: Matrices

    @property
    def key(self) -> tuple[int, int]:
        return (self.seed, int(self.breaks))

    @property
    def has_breaks(self) -> bool:
        return any(s.break_duration_s > 0 and s.break_window for s in self.night.shifts)


def load_network() -> Any:
    from zorgroute import graph

    return graph.to_network(graph.read_osm_file(OSM, mode="car"))


def make_case(
    network: Any, seed: int, n_visits: int, n_shifts: int, n_providers: int, breaks: bool
) -> Case:
    """A night as ``bench_plan.py`` makes it (``breaks=False``: generated without breaks)."""
    import pandas as pd

    from zorgroute import generate, io, planning
    from zorgroute.resources import data_path

    villages = pd.read_csv(data_path("villages", "kempen-demo.csv"))
    settings = generate.GeneratorSettings() if breaks else generate.GeneratorSettings(break_min=0)
    visits, shifts = generate.generate_night(
        villages,
        n_visits=n_visits,
        n_providers=n_providers,
        n_shifts=n_shifts,
        seed=seed,
        network=network,
        settings=settings,
    )
    night = io.read_night(visits, shifts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matrices, _ = planning.night_matrices(night, {"car": network}, cache=False)
    return Case(seed, breaks, night, matrices)


def describe(case: Case) -> str:
    """What is in a night, in one line (and whether VROOM can express all of it)."""
    night = case.night
    v = night.visits
    optional = sum(not x.mandatory for x in v)
    breaks = sum(s.break_duration_s > 0 for s in night.shifts)
    levels = Counter(s.level for s in night.shifts)
    return (
        f"{len(v)} visits ({len(v) - optional} mandatory, {optional} optional; "
        f"{sum(x.pooling for x in v)} consent to pooling), {len(night.shifts)} shifts of "
        f"{len(night.providers) or len({s.provider for s in night.shifts})} providers "
        f"(levels {', '.join(f'{lv}: {n}' for lv, n in sorted(levels.items()))}; "
        f"{breaks} with a break), {night.n_locations} locations"
    )


def unsupported(night: Night) -> list[str]:
    """Features of a night that the VROOM translation here does not express."""
    visits, shifts = night.visits, night.shifts
    demand = any(x.demand for x in visits)
    checks = (
        ("two-carer visits", any(x.staff > 1 for x in visits)),
        ("follow-up visits", any(x.after is not None for x in visits)),
        ("preferences", any(x.preferred_nurse or x.preferred_provider for x in visits)),
        ("continuous-drive limits", any(s.max_leg_drive_s is not None for s in shifts)),
        ("capacities", demand and any(s.capacity is not None for s in shifts)),
        ("drive limits", any(s.max_drive_s is not None for s in shifts)),
        ("modes other than car", any(s.mode != MODE for s in shifts)),
    )
    out = [name for name, present in checks if present]
    return out


# --------------------------------------------------------------------------------------------
# What a solver returns
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """A solver's plan (before checking) and its timings; ``status`` when there is no plan."""

    plan: Plan | None = None
    wall_s: float = 0.0
    first_plan_s: float | None = None
    first_feasible_s: float | None = None
    status: str = "ok"
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Task:
    seed: int
    breaks: bool
    solver: str
    budget_s: float


# --------------------------------------------------------------------------------------------
# zorgroute's solve path
# --------------------------------------------------------------------------------------------


def run_zorgroute(night: Night, matrices: Matrices, solver: str, budget_s: float) -> Outcome:
    """``zorgroute.solver.solve``, pooled, seed 0, with the solver's strategies.

    The first plan is the first solution the search reports; the first *feasible* one is
    the first that leaves out no more mandatory visits than the final plan (each one the
    solver drops adds its mandatory penalty to the objective; visits no shift can serve
    are never given to the solver and do not count).
    """
    from zorgroute.solver import SolveOptions, _mandatory_penalty, solve

    options = SolveOptions(pooled=True, time_limit_s=budget_s, seed=0)
    strategy = STRATEGIES[solver]
    if strategy is not None:
        options = SolveOptions(
            pooled=True,
            time_limit_s=budget_s,
            seed=0,
            first_solution=strategy[0],
            metaheuristic=strategy[1],
            construction="ortools",
        )
    found: list[tuple[float, int]] = []

    def progress(elapsed_s: float, objective: int) -> None:
        found.append((elapsed_s, objective))

    t0 = time.perf_counter()
    plan = solve(night, matrices, options, progress=progress)
    wall = time.perf_counter() - t0
    out = Outcome(plan=plan, wall_s=wall)
    if found:
        penalty = _mandatory_penalty(night, options)
        final_drops = min(obj for _, obj in found) // penalty
        out.first_plan_s = found[0][0]
        out.first_feasible_s = next(t for t, obj in found if obj // penalty <= final_drops)
    if plan.status != "solved":
        out.notes.append(f"solve status {plan.status}")
    return out


# --------------------------------------------------------------------------------------------
# Shared by the translations
# --------------------------------------------------------------------------------------------


def _reaches(night: Night, matrices: Matrices, i: int, k: int) -> bool:
    """Whether shift ``k`` alone could serve visit ``i``: there in its window, back in time."""
    visit, shift = night.visits[i], night.shifts[k]
    travel = matrices.duration_s[shift.mode]
    loc = night.location_index(visit=i)
    out = int(travel[night.location_index(start=k), loc])
    back = int(travel[loc, night.location_index(end=k)])
    for w in visit.windows:
        start = max(shift.start_s + out, w.start_s)
        if start <= w.end_s and start + visit.duration_s + back <= shift.end_s:
            return True
    return not visit.windows and shift.start_s + out + visit.duration_s + back <= shift.end_s


def eligible_shifts(night: Night, matrices: Matrices) -> list[list[int]]:
    """Per visit, the shifts that may serve it in a pooled plan and can reach it in time."""
    from zorgroute.solver import may_serve

    return [
        [
            k
            for k, s in enumerate(night.shifts)
            if may_serve(v, s, pooled=True) and _reaches(night, matrices, i, k)
        ]
        for i, v in enumerate(night.visits)
    ]


def unplanned_reason(night: Night, i: int, eligible: Sequence[int]) -> str:
    """A reason code of :data:`zorgroute.model.REASONS` for a visit another solver left out."""
    from zorgroute.solver import may_serve

    if eligible:
        return "shifts_full"
    if any(may_serve(night.visits[i], s, pooled=True) for s in night.shifts):
        return "window_unreachable"
    return "no_qualified_nurse" if night.visits[i].pooling else "not_consented"


def build_route(
    night: Night,
    matrices: Matrices,
    k: int,
    depart_s: int,
    stops: Sequence[tuple[int, int, int]],
    return_s: int,
    break_start_s: int | None = None,
) -> Route:
    """A zorgroute route of shift ``k`` from (visit, arrival, start of care) per stop.

    Legs (seconds and metres) are looked up in the matrices of the shift's mode; the care
    ends after the visit's duration. The checker verifies every time against the legs.
    """
    shift = night.shifts[k]
    travel = matrices.duration_s[shift.mode]
    metres = matrices.distance_m[shift.mode]
    here = night.location_index(start=k)
    out: list[Stop] = []
    for i, arrival, start in stops:
        visit = night.visits[i]
        loc = night.location_index(visit=i)
        out.append(
            Stop(
                visit.visit_id,
                arrival,
                start,
                start + visit.duration_s,
                int(travel[here, loc]),
                int(metres[here, loc]),
            )
        )
        here = loc
    end = night.location_index(end=k)
    return Route(
        shift_id=shift.shift_id,
        provider=shift.provider,
        depart_s=depart_s,
        return_s=return_s,
        stops=tuple(out),
        return_travel_s=int(travel[here, end]),
        return_travel_m=int(metres[here, end]),
        break_start_s=break_start_s,
    )


def earliest_route(night: Night, matrices: Matrices, k: int, visits: Sequence[int]) -> Route:
    """Shift ``k`` serving ``visits`` in order on the earliest schedule (no break).

    Leave at the shift's start, start care at ``max(arrival, window start)`` of the first
    window still open on arrival (the last window if none is).
    """
    shift = night.shifts[k]
    travel = matrices.duration_s[shift.mode]
    here = night.location_index(start=k)
    clock = shift.start_s
    stops = []
    for i in visits:
        visit = night.visits[i]
        loc = night.location_index(visit=i)
        arrival = clock + int(travel[here, loc])
        open_ = [w for w in visit.windows if w.end_s >= arrival] or list(visit.windows[-1:])
        start = max(arrival, open_[0].start_s) if open_ else arrival
        stops.append((i, arrival, start))
        clock, here = start + visit.duration_s, loc
    back = clock + int(travel[here, night.location_index(end=k)])
    return build_route(night, matrices, k, shift.start_s, stops, back)


def assemble_plan(
    night: Night,
    routes: Sequence[Route],
    eligible: Sequence[Sequence[int]],
    objective: int = 0,
    runtime_s: float = 0.0,
) -> Plan:
    """A pooled plan of ``routes`` (non-empty ones), every other visit unplanned with a reason."""
    routes = [r for r in routes if r.stops]
    served = {s.visit_id for r in routes for s in r.stops}
    unplanned = []
    for i, v in enumerate(night.visits):
        if v.visit_id not in served:
            code = unplanned_reason(night, i, eligible[i])
            unplanned.append(Unplanned(v.visit_id, code, REASONS[code]))
    return Plan(
        routes=tuple(routes),
        unplanned=tuple(unplanned),
        pooled=True,
        objective=objective,
        runtime_s=runtime_s,
    )


# --------------------------------------------------------------------------------------------
# VROOM
# --------------------------------------------------------------------------------------------


def vroom_priorities(night: Night) -> list[int]:
    """VROOM priority per visit: 100 if mandatory, else proportional to the visit's weight.

    VROOM maximises the sum of the priorities of the jobs it serves before anything else,
    then the number of jobs, then minimises cost: it cannot trade a visit against driving
    as zorgroute's penalties do, but it can rank visits. The lightest optional weight is
    priority 1 (the generated 30/60/120 minutes become 1/2/4), at most 99.
    """
    weights = [v.weight_s for v in night.visits if not v.mandatory]
    unit = max(1, min(weights)) if weights else 1
    return [
        VROOM_MANDATORY_PRIORITY if v.mandatory else max(1, min(99, round(v.weight_s / unit)))
        for v in night.visits
    ]


def vroom_input(night: Night, matrices: Matrices, eligible: Sequence[Sequence[int]]) -> Any:
    """The night as a ``vroom.Input``: one vehicle per shift, one job per visit.

    - locations are the night's location indices, travel is ``matrices.duration_s["car"]``
      as ``uint32`` (VROOM's cost is its duration by default: zorgroute's objective "time");
    - a vehicle per shift: start and end at the shift's start and end locations, time window
      the shift's hours, and its break (a ``vroom.Break`` whose start window is the break
      window less the break's length, so that it starts and ends inside it, service = its
      duration);
    - a job per visit that some shift may serve: its location, service = the visit's
      duration, its time windows (care must start inside one), priority (see
      :func:`vroom_priorities`);
    - eligibility (provider, consent to pooling, level, and reaching the visit in time) as
      skills: visit ``i`` needs skill ``i + 1``; a shift has the skills of the visits it may
      serve.
    """
    import vroom  # type: ignore[import-untyped]

    times = [s.start_s for s in night.shifts] + [w.start_s for v in night.visits for w in v.windows]
    offset = max(0, -min(times, default=0))  # VROOM's times are unsigned
    problem = vroom.Input()
    problem.set_durations_matrix(
        profile=MODE, matrix_input=np.asarray(matrices.duration_s[MODE], dtype=np.uint32)
    )
    skills: list[set[int]] = [set() for _ in night.shifts]
    for i, ks in enumerate(eligible):
        for k in ks:
            skills[k].add(i + 1)
    for k, s in enumerate(night.shifts):
        breaks = []
        if s.break_duration_s > 0 and s.break_window is not None:
            breaks.append(
                vroom.Break(
                    k,
                    time_windows=[
                        vroom.TimeWindow(
                            s.break_window.start_s + offset,
                            s.break_window.end_s - s.break_duration_s + offset,
                        )
                    ],
                    service=s.break_duration_s,
                )
            )
        problem.add_vehicle(
            vroom.Vehicle(
                k,
                start=night.location_index(start=k),
                end=night.location_index(end=k),
                profile=MODE,
                skills=skills[k] or {0},  # skill 0: no visit needs it
                time_window=vroom.TimeWindow(s.start_s + offset, s.end_s + offset),
                breaks=breaks,
            )
        )
    priorities = vroom_priorities(night)
    for i, v in enumerate(night.visits):
        if not eligible[i]:
            continue  # no shift may serve it: left out, as zorgroute leaves it out
        problem.add_job(
            vroom.Job(
                i + 1,
                location=night.location_index(visit=i),
                default_service=v.duration_s,
                skills={i + 1},
                priority=priorities[i],
                time_windows=[
                    vroom.TimeWindow(w.start_s + offset, w.end_s + offset) for w in v.windows
                ],
            )
        )
    return problem, offset


def vroom_plan(
    night: Night,
    matrices: Matrices,
    answer: Mapping[str, Any],
    offset: int,
    eligible: Sequence[Sequence[int]],
) -> Plan:
    """VROOM's answer (``Solution.to_dict()``) as a zorgroute plan.

    Times are VROOM's own: departure = the start step's arrival, care starts at a job's
    arrival plus its waiting time, the break at the break step's arrival plus its waiting,
    the return at the end step's arrival. Legs come from the matrices; the checker
    recomputes everything from them.
    """
    routes = []
    for r in answer.get("routes", []):
        k = int(r["vehicle"])
        depart = back = 0
        stops: list[tuple[int, int, int]] = []
        break_start = None
        for step in r["steps"]:
            kind = step["type"]
            arrival = int(step["arrival"]) - offset
            if kind == "start":
                depart = arrival
            elif kind == "job":
                stops.append((int(step["id"]) - 1, arrival, arrival + int(step["waiting_time"])))
            elif kind == "break":
                break_start = arrival + int(step["waiting_time"])
            elif kind == "end":
                back = arrival
        routes.append(build_route(night, matrices, k, depart, stops, back, break_start))
    cost = int(answer.get("summary", {}).get("cost", 0))
    return assemble_plan(night, routes, eligible, objective=cost)


def run_vroom(night: Night, matrices: Matrices, budget_s: float) -> Outcome:
    """VROOM (pyvroom): exploration level 5, one thread, ``timeout`` = the budget."""
    t0 = time.perf_counter()
    eligible = eligible_shifts(night, matrices)
    problem, offset = vroom_input(night, matrices, eligible)
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=dt.timedelta(seconds=budget_s)
    )
    wall = time.perf_counter() - t0
    answer = solution.to_dict()
    plan = vroom_plan(night, matrices, answer, offset, eligible)
    out = Outcome(plan=plan, wall_s=wall)
    if any(r.get("violations") for r in answer.get("routes", [])):
        out.notes.append("VROOM reports violations")
    return out


# --------------------------------------------------------------------------------------------
# PyVRP
# --------------------------------------------------------------------------------------------


def run_pyvrp(night: Night, matrices: Matrices, budget_s: float) -> Outcome:
    """PyVRP 0.14 on a night without breaks; eligibility as travel profiles.

    Locations are the night's (visits, shift starts, shift ends); each shift is a vehicle
    type of one vehicle with its own start and end depot and hours. Shifts that may serve
    the same visits share a profile: a copy of the travel matrix in which the travel time
    *into* every visit they may not serve is longer than the night, so no feasible route of
    theirs contains it. The distance PyVRP minimises is the travel time (zorgroute's
    objective "time"); an optional visit is ``required=False`` with its weight as prize, a
    mandatory one is required (visits no shift can serve are left out, as zorgroute leaves
    them out). Routes come back on the earliest
    schedule (waiting is free and there are no breaks, so the earliest schedule is feasible
    whenever any is).
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    if any(s.break_duration_s > 0 for s in night.shifts):
        raise ValueError("PyVRP cannot model breaks")
    t0 = time.perf_counter()
    eligible = eligible_shifts(night, matrices)
    n_v, n_s = len(night.visits), len(night.shifts)
    lat, lon = night.location_arrays()
    locations = [pyvrp.Location(x=float(lon[j]), y=float(lat[j])) for j in range(lat.size)]
    travel = np.asarray(matrices.duration_s[MODE], dtype=np.int64)
    horizon = max(s.end_s for s in night.shifts) - min(s.start_s for s in night.shifts)
    big = 10 * (horizon + 1)
    classes: dict[frozenset[int], int] = {}
    profile_of_shift = []
    for k in range(n_s):
        serves = frozenset(i for i in range(n_v) if k in eligible[i])
        profile_of_shift.append(classes.setdefault(serves, len(classes)))
    durations = []
    for serves, _ in sorted(classes.items(), key=lambda kv: kv[1]):
        m = travel.copy()
        barred = [i for i in range(n_v) if i not in serves]
        m[:, barred] = big
        np.fill_diagonal(m, 0)
        durations.append(m)
    depots = [pyvrp.Depot(location=night.location_index(start=k)) for k in range(n_s)]
    depots += [pyvrp.Depot(location=night.location_index(end=k)) for k in range(n_s)]
    clients = []
    client_visit = []
    for i, v in enumerate(night.visits):
        if not eligible[i]:
            continue
        w = v.windows[0] if v.windows else None
        if len(v.windows) > 1:
            raise ValueError("PyVRP takes one time window per client")
        clients.append(
            pyvrp.Client(
                location=i,
                service_duration=v.duration_s,
                tw_early=w.start_s if w else 0,
                tw_late=w.end_s if w else big,
                prize=v.weight_s,
                required=v.mandatory,
            )
        )
        client_visit.append(i)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=1,
            start_depot=k,
            end_depot=n_s + k,
            tw_early=s.start_s,
            tw_late=s.end_s,
            unit_distance_cost=1,
            unit_duration_cost=0,
            profile=profile_of_shift[k],
            name=s.shift_id,
        )
        for k, s in enumerate(night.shifts)
    ]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=cast(Any, durations),
        duration_matrices=cast(Any, durations),
    )
    t_solve = time.perf_counter()
    result = pyvrp.solve(data, stop=MaxRuntime(budget_s), seed=0, display=False)
    wall = time.perf_counter() - t0
    first = None
    elapsed = 0.0
    overhead = max(0.0, (wall - (t_solve - t0)) - sum(result.stats.runtimes))
    for runtime, datum in zip(result.stats.runtimes, result.stats.data, strict=True):
        elapsed += runtime
        if datum.best_feas:
            first = (t_solve - t0) + overhead + elapsed
            break
    routes = []
    for route in result.best.routes():
        k = int(route.vehicle_type())
        visits = [client_visit[a.idx] for a in route if a.is_client()]
        routes.append(earliest_route(night, matrices, k, visits))
    plan = assemble_plan(night, routes, eligible, objective=int(result.cost()))
    out = Outcome(plan=plan, wall_s=wall, first_plan_s=first, first_feasible_s=first)
    if not result.is_feasible():
        out.notes.append("PyVRP says infeasible")
    return out


# --------------------------------------------------------------------------------------------
# One task in its own process, then the check
# --------------------------------------------------------------------------------------------


def solve_task(task: Task, night: Night, matrices: Matrices) -> Outcome:
    """Solve one night with one solver (in a worker process); never raises."""
    try:
        if task.solver in STRATEGIES:
            return run_zorgroute(night, matrices, task.solver, task.budget_s)
        if task.solver == "vroom":
            return run_vroom(night, matrices, task.budget_s)
        if task.solver == "pyvrp":
            return run_pyvrp(night, matrices, task.budget_s)
        raise ValueError(f"unknown solver {task.solver!r}")
    except Exception as err:  # a crashing solver is a result too
        traceback.print_exc()
        return Outcome(status="error", notes=[f"{type(err).__name__}: {err}"[:300]])


def cannot_model(case: Case, solver: str) -> str | None:
    """Why ``solver`` cannot model this night, if it cannot."""
    if solver == "pyvrp" and case.has_breaks:
        return "cannot model: breaks (PyVRP has none)"
    if solver == "vroom" and (missing := unsupported(case.night)):
        return "cannot model: " + ", ".join(missing)
    return None


def plan_cost_s(night: Night, plan: Plan) -> int:
    """zorgroute's objective "time" without the mandatory penalties: drive seconds plus the
    weight of every optional visit left out (generated nights have no handover costs or
    preferences)."""
    weights = {v.visit_id: v.weight_s for v in night.visits if not v.mandatory}
    return plan.drive_s + sum(weights.get(u.visit_id, 0) for u in plan.unplanned)


def check_row(case: Case, task: Task, out: Outcome) -> dict[str, Any]:
    """Check the outcome's plan with zero tolerance; one CSV row."""
    night = case.night
    row: dict[str, Any] = {
        "night_seed": case.seed,
        "visits": len(night.visits),
        "shifts": len(night.shifts),
        "breaks": int(case.breaks),
        "solver": task.solver,
        "budget_s": task.budget_s,
        "status": out.status,
        "wall_s": round(out.wall_s, 2) if out.wall_s else "",
        "first_plan_s": "" if out.first_plan_s is None else round(out.first_plan_s, 2),
        "first_feasible_s": "" if out.first_feasible_s is None else round(out.first_feasible_s, 2),
        "notes": "; ".join(out.notes),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
    }
    plan = out.plan
    if plan is None:
        if out.status == "ok":
            row["status"] = "no plan"
        return row
    violations = check_plan(night, matrices=case.matrices, plan=plan, tolerance_s=0, tolerance_m=0)
    mandatory = {v.visit_id for v in night.visits if v.mandatory}
    un_m = sum(u.visit_id in mandatory for u in plan.unplanned)
    row.update(
        status="ok" if not violations else "infeasible",
        planned=len(plan.planned_visits()),
        unplanned=len(plan.unplanned),
        unplanned_mandatory=un_m,
        unplanned_optional=len(plan.unplanned) - un_m,
        shifts_used=len(plan.routes),
        km=round(plan.distance_m / 1000, 1),
        drive_h=round(plan.drive_s / 3600, 2),
        cost_h=round(plan_cost_s(night, plan) / 3600, 3),
        violations=", ".join(f"{c} ×{n}" for c, n in Counter(v.code for v in violations).items()),
    )
    return row


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _cell(row: Mapping[str, Any], key: str, digits: int = 2) -> str:
    value = row.get(key, "")
    return "–" if value in ("", None) else _fmt(float(value), digits)


def night_table(rows: Sequence[Mapping[str, Any]], solvers: Sequence[str]) -> str:
    head = [
        "solver",
        "planned",
        "unplanned (mand. + opt.)",
        "shifts used",
        "km",
        "drive h",
        "cost h",
        "first plan s",
        "first feasible s",
        "wall s",
        "checker",
    ]
    by = {r["solver"]: r for r in rows}
    body = []
    for s in solvers:
        r = by.get(s)
        if r is None:
            continue
        status = str(r["status"])
        if status.startswith("cannot model") or status in ("error", "no plan"):
            detail = f"{status}: {r['notes']}" if r.get("notes") else status
            body.append([s, *(["–"] * 9), detail])
            continue
        checker = "clean" if status == "ok" else f"**infeasible**: {r['violations']}"
        body.append(
            [
                s,
                str(r["planned"]),
                f"{r['unplanned']} ({r['unplanned_mandatory']} + {r['unplanned_optional']})",
                str(r["shifts_used"]),
                _cell(r, "km", 1),
                _cell(r, "drive_h", 2),
                _cell(r, "cost_h", 2),
                _cell(r, "first_plan_s", 2),
                _cell(r, "first_feasible_s", 2),
                _cell(r, "wall_s", 1),
                checker,
            ]
        )
    return _table(head, body)


def _night(row: Mapping[str, Any]) -> tuple[int, int]:
    return (int(row["night_seed"]), int(row["breaks"]))


def _ratios(
    rows: Sequence[Mapping[str, Any]], key: str
) -> dict[tuple[tuple[int, int], str], float]:
    """Each clean plan's ``key`` over the best clean plan's of its night, among the plans
    that leave out the fewest mandatory visits on that night (fewer kilometres bought with
    a dropped mandatory visit do not count as better)."""
    out = {}
    for night in sorted({_night(r) for r in rows}):
        ok = [r for r in rows if _night(r) == night and r["status"] == "ok"]
        if not ok:
            continue
        least = min(int(r["unplanned_mandatory"]) for r in ok)
        pool = [r for r in ok if int(r["unplanned_mandatory"]) == least]
        best = min(float(r[key]) for r in pool)
        for r in pool:
            out[(night, r["solver"])] = float(r[key]) / best if best > 0 else 1.0
    return out


def summary_table(rows: Sequence[Mapping[str, Any]], solvers: Sequence[str]) -> str:
    km = _ratios(rows, "km")
    cost = _ratios(rows, "cost_h")
    head = [
        "solver",
        "nights",
        "clean",
        "km / best: mean (worst)",
        "cost / best: mean (worst)",
        "mean km",
        "mean drive h",
        "mean unplanned (mand. + opt.)",
        "mean first feasible s",
        "mean wall s",
    ]
    body = []
    for s in solvers:
        rs = [r for r in rows if r["solver"] == s]
        if not rs:
            continue
        ok = [r for r in rs if r["status"] == "ok"]
        if not ok:
            body.append([s, str(len(rs)), "0", *(["–"] * 6), str(rs[0]["status"])])
            continue
        kr = [km[(_night(r), s)] for r in ok if (_night(r), s) in km]
        cr = [cost[(_night(r), s)] for r in ok if (_night(r), s) in cost]
        firsts = [float(r["first_feasible_s"]) for r in ok if r["first_feasible_s"] != ""]
        walls = [float(r["wall_s"]) for r in rs if r["wall_s"] != ""]

        def mean(key: str, rows: Sequence[Mapping[str, Any]] = ok) -> float:
            return float(np.mean([float(r[key]) for r in rows]))

        body.append(
            [
                s,
                str(len(rs)),
                str(len(ok)),
                f"{np.mean(kr):.3f} ({max(kr):.3f})" if kr else "–",
                f"{np.mean(cr):.3f} ({max(cr):.3f})" if cr else "–",
                _fmt(mean("km"), 1),
                _fmt(mean("drive_h"), 2),
                f"{mean('unplanned_mandatory'):.1f} + {mean('unplanned_optional'):.1f}",
                _fmt(float(np.mean(firsts)), 2) if firsts else "n/a",
                _fmt(float(np.mean(walls)), 1) if walls else "–",
            ]
        )
    return _table(head, body)


NOTES = """\
## How the nights and the solvers were set up

**Nights.** As `benchmarks/bench_plan.py` makes them ("Plan a night"): the Kempen car graph
from `kempen-highways.clipfixed.osm.bz2`, `generate.generate_night(villages, n_visits,
n_providers, n_shifts, seed, network)` with the bundled `villages/kempen-demo.csv`,
`io.read_night`, `planning.night_matrices(..., cache=False)`. The generated nights have
one time window per visit, single-carer visits, no follow-ups, no capacities, no drive
limits, car only; every night shift (8 h) has a 30-minute break in a window (the
Arbeidstijdenwet default of the generator); about 10 % of the visits are optional with a
weight of 30, 60 or 120 minutes of driving. Plans are pooled.

**Columns.** *km* and *drive h* are the checked plan's (legs looked up in the matrices by
the checker). *cost h* is zorgroute's objective "time" without the mandatory penalties:
drive hours plus the weight of every optional visit left out (it compares only between
plans that leave out the same number of mandatory visits). *first plan s*: the first
solution the search reports; *first feasible s*: zorgroute's solve path: the first solution
that leaves out no more mandatory visits than its final plan (visits no shift can serve
are not given to the solver and do not count); PyVRP: its first feasible solution; VROOM:
n/a, it returns only at the end. *wall s*: the whole call, model building included.
Ratios to the best are among the checker-clean plans of a night that leave out the fewest
mandatory visits.

**zorgroute's solve path.** `zorgroute` is `solve(night, matrices, SolveOptions(pooled=True,
time_limit_s=budget, seed=0))` with the solver's defaults: a checked first plan by parallel
cheapest insertion, PyVRP's routes on the night's relaxation (no breaks) for 80 % of the
budget, then OR-Tools from them with every rule (a route that breaks one loses the visits
that break it; the search places them again). The `zg-*` rows are OR-Tools alone
(`construction="ortools"`): `zg-pci-ils` parallel cheapest insertion and iterated local
search (the default until 2026-11-26 morning), `zg-pci-gls` the first defaults (guided
local search), `zg-pca-ils` path cheapest arc and iterated local search. `ortools-recipe`
is OR-Tools' documented
recipe (PATH_CHEAPEST_ARC + GUIDED_LOCAL_SEARCH) run on zorgroute's model: writing the
home-care constraints (eligibility by level, consent and provider; breaks as break intervals
that never overlap care; shift hours; optional visits as disjunctions) again in raw
`pywrapcp` would build the same model, so only the search differs.

**VROOM (pyvroom), translated faithfully.** One vehicle per shift: start and end at the
shift's start and end locations (indices into the night's matrix), time window = the
shift's hours, its break as a `vroom.Break` of the break's length whose start window is the
break window less that length (the break starts and ends inside it; VROOM, like zorgroute,
never breaks during care). One job per visit: its location index, service = its duration,
its time window for the start of care. Travel: the night's duration matrix (car, `uint32`);
VROOM minimises its duration cost, like zorgroute's default objective "time". Eligibility
as skills: visit *i* needs skill *i*+1, and a shift has the skill of every visit that
`zorgroute.solver.may_serve(visit, shift, pooled=True)` allows (provider, consent, level)
and that it can reach inside the window and still return in time (the same pre-filter
zorgroute applies; VROOM would find those pairs infeasible anyway). Priorities: mandatory
visits 100 (VROOM's highest); optional visits proportional to their weight, the lightest
= 1 (30/60/120 min → 1/2/4). VROOM maximises the served priority, then the number of
visits, before its cost, so it serves every visit it can fit: it cannot leave out an
optional visit because serving it costs more driving than its weight, which zorgroute may
do (cost h counts that). Exploration level 5, one thread, `timeout` = the budget. The answer
becomes a zorgroute plan with VROOM's own times (departure, arrival, waiting, break start,
return) and legs from the matrices; visits it leaves out are unplanned as `shifts_full`
(or `window_unreachable`/`no_qualified_nurse`/`not_consented` when no shift could take
them at all).

**PyVRP 0.14.** PyVRP has no breaks. A break is not tied to a place: it can fall between
any two visits and take from the travel or the waiting there, which a dummy client with a
location cannot represent (its legs would replace the real leg between the two visits).
The generated night shifts all have a break, so PyVRP is reported as *cannot model*. Its
lack of per-vehicle eligibility can be encoded (one travel profile per class of shifts,
with travel into the visits they may not serve longer than the night, so that no
feasible route of a shift contains one; the travel time is PyVRP's distance, at cost 1 per
unit, so it minimises drive time like zorgroute; an optional visit is not required and
has its weight as prize). With `--breaks both` the same nights are also generated with
`GeneratorSettings(break_min=0)`, and all solvers, PyVRP included, run on them; PyVRP's
routes are put on the earliest schedule (exact without breaks: waiting is free) and
checked like every other plan. PyVRP: `pyvrp.solve(..., stop=MaxRuntime(budget), seed=0)`,
its default parameters.
"""


VARIANT_TITLES = {
    True: "Nights as generated (with breaks)",
    False: "The same nights without breaks",
}
VARIANT_SHORT = {True: "with breaks", False: "without breaks"}
VARIANT_INTROS = {
    True: 'The nights of "Plan a night": every shift has its 30-minute break.',
    False: "The same generator calls with `GeneratorSettings(break_min=0)`: the same visits "
    "and shifts (breaks take no random draws), but no breaks, so that PyVRP can take part.",
}


def write_report(
    path: Path,
    rows: Sequence[Mapping[str, Any]],
    cases: Sequence[Case],
    solvers: Sequence[str],
    budget: float,
    command: str,
    load: tuple[float, float, float],
    elapsed_s: float,
    jobs: int,
) -> str:
    parts = [
        "# Region nights: zorgroute, the OR-Tools recipe, VROOM and PyVRP side by side",
        "",
        f"{dt.date.today().isoformat()} · {_cpu()}, {os.cpu_count()} cores (load average at "
        f"the start: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}) · Python "
        f"{platform.python_version()} · {_versions()}",
        "",
        f"Command: `{command}` ({elapsed_s / 60:.1f} min, {jobs} solve(s) at a time)",
        "",
        f"Each solver gets one core (its own process) and a wall-clock budget of {budget:g} s. "
        "Every plan is checked by `zorgroute.check.check_plan` with zero tolerance before it "
        "enters a table; a plan that fails it is marked infeasible with the checker's "
        "violation codes and is left out of the ratios.",
    ]
    variants = sorted({c.breaks for c in cases}, reverse=True)
    for breaks in variants:
        title = VARIANT_TITLES[breaks] if len(variants) > 1 or not breaks else None
        level = "##" if title is None else "###"
        if title is not None:
            parts += ["", f"## {title}", "", VARIANT_INTROS[breaks]]
        variant_rows = [r for r in rows if int(r["breaks"]) == int(breaks)]
        for case in (c for c in cases if c.breaks == breaks):
            mine = [r for r in variant_rows if _night(r) == case.key]
            parts += [
                "",
                f"{level} Night seed {case.seed}",
                "",
                describe(case) + ".",
                "",
                night_table(mine, solvers),
            ]
        parts += [
            "",
            f"{level} Summary" + ("" if title is None else f", {VARIANT_SHORT[breaks]}"),
            "",
            "Ratios per night to the best clean plan (among those leaving out the fewest "
            "mandatory visits), then averaged over the nights.",
            "",
            summary_table(variant_rows, solvers),
        ]
    parts += ["", NOTES]
    text = "\n".join(parts).rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in CSV_FIELDS})


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default 1 2 3")
    parser.add_argument("--budget", type=float, default=None, help="seconds per solve (30)")
    parser.add_argument("--visits", type=int, default=None, help="visits per night (300)")
    parser.add_argument("--shifts", type=int, default=None, help="shifts per night (25)")
    parser.add_argument("--providers", type=int, default=6)
    parser.add_argument(
        "--solvers",
        default=",".join(SOLVERS),
        help=f"comma-separated, of {', '.join(SOLVERS)} (default: all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one seed, 120 visits, 12 shifts, 5 s (each unless given explicitly)",
    )
    parser.add_argument(
        "--breaks",
        choices=("yes", "no", "both"),
        default="yes",
        help="nights as generated (yes, the default), the same nights generated without "
        "breaks (no: GeneratorSettings(break_min=0), so PyVRP can run), or both",
    )
    parser.add_argument("--jobs", type=int, default=1, help="solves at a time (one core each)")
    parser.add_argument("--out", type=Path, default=None, help="markdown report")
    parser.add_argument("--csv", type=Path, default=None, help="one row per solve (overwritten)")
    args = parser.parse_args(argv)
    quick = args.quick
    seeds = args.seeds or ([1] if quick else [1, 2, 3])
    budget = args.budget if args.budget is not None else (5.0 if quick else 30.0)
    n_visits = args.visits if args.visits is not None else (120 if quick else 300)
    n_shifts = args.shifts if args.shifts is not None else (12 if quick else 25)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    for s in solvers:
        if s not in SOLVERS:
            parser.error(f"unknown solver {s!r}; choose from {', '.join(SOLVERS)}")
    variants = {"yes": [True], "no": [False], "both": [True, False]}[args.breaks]
    # a quick run goes to build/ (not kept); a full one to benchmarks/results
    out = args.out or (
        ROOT / "build" / "bench" / "region-quick.md" if quick else RESULTS / "region.md"
    )
    csv_path = args.csv or out.with_name(out.stem.replace("region", "region_runs") + ".csv")
    if not OSM.is_file():
        sys.stderr.write(f"needs the shared Kempen extract at {OSM}\n")
        return 2
    command = "python benchmarks/bench_region.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    load = os.getloadavg()
    started = time.perf_counter()

    t0 = time.perf_counter()
    network = load_network()
    print(f"road graph in {time.perf_counter() - t0:.1f} s", flush=True)
    cases = []
    for breaks in variants:
        for seed in seeds:
            t0 = time.perf_counter()
            case = make_case(network, seed, n_visits, n_shifts, args.providers, breaks)
            cases.append(case)
            print(f"night {seed}: {describe(case)} ({time.perf_counter() - t0:.1f} s)", flush=True)

    tasks = [(case, Task(case.seed, case.breaks, s, budget)) for case in cases for s in solvers]
    rows: list[dict[str, Any]] = []
    todo = []
    for case, task in tasks:
        why = cannot_model(case, task.solver)
        if why is not None:
            rows.append(check_row(case, task, Outcome(status=why)))
        else:
            todo.append((case, task))

    # a fresh process per solve (max_tasks_per_child=1, spawned): one core, no state shared
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=max(1, args.jobs), mp_context=context, max_tasks_per_child=1
    ) as pool:
        futures = [
            (case, task, pool.submit(solve_task, task, case.night, case.matrices))
            for case, task in todo
        ]
        for n, (case, task, fut) in enumerate(futures, 1):
            outcome = fut.result()
            row = check_row(case, task, outcome)
            rows.append(row)
            print(
                f"[{n}/{len(futures)}] night {task.seed}{'' if task.breaks else ' (no breaks)'} "
                f"{task.solver:14s} {row['status']:10s} "
                f"planned {row.get('planned', '–')} km {row.get('km', '–')} "
                f"drive h {row.get('drive_h', '–')} cost h {row.get('cost_h', '–')} "
                f"first {row['first_feasible_s'] or '–'} wall {row['wall_s']} "
                f"{row.get('violations', '')} {row['notes']}",
                flush=True,
            )

    order = {(c.key, s): n for n, (c, s) in enumerate((c, s) for c in cases for s in solvers)}
    rows.sort(key=lambda r: order[(_night(r), r["solver"])])
    write_csv(csv_path, rows)
    text = write_report(
        out,
        rows,
        cases,
        solvers,
        budget,
        command,
        load,
        time.perf_counter() - started,
        args.jobs,
    )
    print(text)
    print(f"wrote {out} and {csv_path}")
    bad = [r for r in rows if r["solver"] in ZORGROUTE_PATH and r["status"] != "ok"]
    for r in bad:
        sys.stderr.write(
            f"zorgroute's plan of night {r['night_seed']} ({r['solver']}) is {r['status']}: "
            f"{r.get('violations', '')} {r['notes']}\n"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
