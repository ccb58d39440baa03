"""Benchmark: zorgroute's solver side by side with plain OR-Tools, PyVRP and VROOM on VRPTW.

Solomon (100 customers) and Gehring–Homberger (200 customers) instances from
``../shared/data/vrptw`` are adapted to zorgroute nights by ``benchmarks/solomon.py``
(distances and times ×10, each arc truncated to one decimal: the DIMACS convention). Every
solver gets one core and the same wall-clock budget; each solution is turned into a zorgroute
plan and passed through the independent checker (``zorgroute.check.check_plan``, zero
tolerance) before it may enter a table: a solution that fails it, leaves a customer out or
uses more vehicles than the instance has is reported infeasible, never as a gap. Distances
are recomputed from the coordinates; the gap is to the best-known solution.

Solvers (``--solvers``, comma-separated):

- ``zorgroute``: ``zorgroute.solver.solve`` with ``SolveOptions(objective="distance")``
  and its defaults: what planners run. Since 2026-11-26 (afternoon) that is a checked first
  plan by parallel cheapest insertion, PyVRP on the night's relaxation for 80 % of the
  budget, then OR-Tools from PyVRP's routes (``zorgroute.construct``). Rows of the earlier
  defaults were renamed in the CSV to the configuration they ran: ``zg-pci-gls`` (until
  2026-11-25: parallel cheapest insertion, guided local search) and ``zg-pci-ils`` (until
  2026-11-26 morning: parallel cheapest insertion, iterated local search).
- ``zg-<fs>-<mh>``: OR-Tools alone on the same solve path (``construction="ortools"``)
  with a named first-solution strategy (``pci`` parallel cheapest insertion, ``lci`` local
  cheapest insertion, ``pca`` path cheapest arc, ``sav`` savings, ``auto``) and
  metaheuristic (``gls`` guided local search, ``sa`` simulated annealing, ``ts`` tabu
  search, ``gd`` greedy descent, ``ils`` iterated local search).
- ``zgp-<prototype>``: a *prototype* of a change to ``solver.py``: the same ``solve`` call
  with its search parameters edited (``ils``: iterated local search with SISR ruin and
  recreate; see ``PROTOTYPES`` and :func:`patched_search`). Measured here, to be ported.
- ``ortools``: plain OR-Tools routing written here with ``pywrapcp``, its documented recipe:
  PATH_CHEAPEST_ARC + GUIDED_LOCAL_SEARCH, a time dimension with waiting, a capacity
  dimension, every customer mandatory. ``ortools-drop``: the same with every customer
  droppable at a prohibitive penalty (the documented remedy when a first solution cannot
  place every customer; a solution that drops one is infeasible). ``ortools-<prototype>``,
  ``ortools-drop-<prototype>``: those models with a prototype's search (e.g. ``-ils``).
- ``pyvrp``: ``pyvrp.Model`` solved with ``MaxRuntime(budget)``.
- ``vroom``: pyvroom, exploration level 5, one thread, ``timeout`` = budget (an upper bound:
  VROOM stops when its search ends, and may overrun it by seconds on 200 customers).

Results are appended to ``benchmarks/results/solver_runs.csv``; an instance × solver ×
budget × seed already there is skipped, so an interrupted run resumes. The markdown report
is written from the CSV rows of the requested instances, solvers and budgets.

Run: ``.venv/bin/python benchmarks/bench_solver.py --quick`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import importlib.metadata
import math
import os
import platform
import shlex
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

import benchlib
import solomon as adapter
from benchlib import read_rows
from zorgroute.model import Matrices, Night, Plan

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_CSV = RESULTS / "solver_runs.csv"

#: Two of each family: the first and the fifth instance.
QUICK = (
    "C101",
    "C105",
    "C201",
    "C205",
    "R101",
    "R105",
    "R201",
    "R205",
    "RC101",
    "RC105",
    "RC201",
    "RC205",
)
DEFAULT_SOLVERS = ("zorgroute", "ortools", "pyvrp", "vroom")

FS = {
    "pci": "parallel_cheapest_insertion",
    "lci": "local_cheapest_insertion",
    "pca": "path_cheapest_arc",
    "sav": "savings",
    "auto": "automatic",
}
MH = {
    "gls": "guided_local_search",
    "sa": "simulated_annealing",
    "ts": "tabu_search",
    "gd": "greedy_descent",
    "ils": "iterated_local_search",
}

CSV_FIELDS = (
    "instance",
    "family",
    "customers",
    "solver",
    "budget_s",
    "seed",
    "feasible",
    "distance",
    "distance_exact",
    "vehicles",
    "bks_distance",
    "bks_vehicles",
    "bks_hierarchical",
    "gap_pct",
    "wall_s",
    "first_feasible_s",
    "problems",
    "date",
    "host",
)


# --------------------------------------------------------------------------------------------
# What a solver returns
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """A solver's answer before checking: its plan or routes, and its timings.

    ``first_feasible_s`` is the wall-clock time from the call until the solver had a solution
    serving every customer, when the solver exposes it; ``None`` otherwise.
    """

    routes: list[list[int]] | None = None
    plan: Plan | None = None
    wall_s: float = 0.0
    first_feasible_s: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Task:
    instance: str
    solver: str
    budget_s: float
    seed: int


# --------------------------------------------------------------------------------------------
# zorgroute's solve path
# --------------------------------------------------------------------------------------------


def _zorgroute_options(solver: str, budget_s: float, seed: int) -> Any:
    from zorgroute.solver import SolveOptions

    base = SolveOptions(objective="distance", time_limit_s=budget_s, seed=seed)
    if solver == "zorgroute":
        return base
    _, fs, mh = solver.split("-")
    # a named OR-Tools configuration: OR-Tools' own first solution, no PyVRP start
    return replace(base, first_solution=FS[fs], metaheuristic=MH[mh], construction="ortools")


def run_zorgroute(
    night: Night, matrices: Matrices, solver: str, budget_s: float, seed: int
) -> Outcome:
    """``zorgroute.solver.solve``, the same call as a planner's, timed from the call."""
    from zorgroute.solver import solve

    options = _zorgroute_options(solver, budget_s, seed)
    first: list[float] = []

    def progress(elapsed_s: float, objective: int) -> None:
        # a plan that drops a (mandatory) visit costs at least 1e9: not yet feasible
        if not first and objective < 1_000_000_000:
            first.append(elapsed_s)

    t0 = time.perf_counter()
    plan = solve(night, matrices, options, progress=progress)
    wall = time.perf_counter() - t0
    return Outcome(plan=plan, wall_s=wall, first_feasible_s=first[0] if first else None)


def _ils_parameters(
    params: Any,
    *,
    ruin: str = "sisr",
    removed: int = 10,
    sequence: int = 10,
    automatic_temperatures: bool = False,
) -> None:
    """Iterated local search with ruin and recreate.

    In OR-Tools 9.15 ILS runs only through ``SolveWithIteratedLocalSearch``, needs a ruin
    strategy, and its improvement step is the ``local_search_metaheuristic``: with guided
    local search left there, GLS runs inside and never returns to the perturbation (the
    results equal GLS's), so the improvement step is set to greedy descent.
    """
    from ortools.constraint_solver import routing_enums_pb2

    ils = params.iterated_local_search_parameters
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]  # zorgroute's own ILS may have set one
    strategy = rr.ruin_strategies.add()
    if ruin == "sisr":
        strategy.sisr.avg_num_removed_visits = removed
        strategy.sisr.max_removed_sequence_size = sequence
        strategy.sisr.bypass_factor = 0.01
    elif ruin == "random_walk":
        strategy.random_walk.num_removed_visits = removed
    else:
        strategy.spatially_close_routes.num_ruined_routes = removed
    if automatic_temperatures:
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        sa.automatic_temperatures = True
    params.use_iterated_local_search = True
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT


#: Prototype search settings, on zorgroute's model (``zgp-<name>``) and on the plain model
#: (``ortools-<name>``): name -> edit of the search parameters, returning the method
#: (``"ils"``: ``SolveWithIteratedLocalSearch``, else ``SolveWithParameters``).
PROTOTYPES: dict[str, Callable[[Any], str]] = {}


def _prototype(name: str) -> Callable[[Callable[[Any], str]], Callable[[Any], str]]:
    def register(fn: Callable[[Any], str]) -> Callable[[Any], str]:
        PROTOTYPES[name] = fn
        return fn

    return register


@_prototype("ils")
def _proto_ils(params: Any) -> str:
    """ILS: SISR ruin of ~15 visits, recreate by local cheapest insertion, greedy descent."""
    _ils_parameters(params, removed=15, sequence=10)
    return "ils"


@_prototype("ils-pca")
def _proto_ils_pca(params: Any) -> str:
    """``ils`` starting from PATH_CHEAPEST_ARC instead of the configured first solution."""
    from ortools.constraint_solver import routing_enums_pb2

    _ils_parameters(params, removed=15, sequence=10)
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    return "ils"


@_prototype("ils-sav")
def _proto_ils_sav(params: Any) -> str:
    """``ils`` starting from SAVINGS instead of the configured first solution."""
    from ortools.constraint_solver import routing_enums_pb2

    _ils_parameters(params, removed=15, sequence=10)
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.SAVINGS
    return "ils"


@_prototype("ils-pca-r25")
def _proto_ils_pca_r25(params: Any) -> str:
    """``ils-pca`` ruining ~25 visits at a time instead of ~15."""
    from ortools.constraint_solver import routing_enums_pb2

    _ils_parameters(params, removed=25, sequence=10)
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    return "ils"


@_prototype("ils-r10")
def _proto_ils_r10(params: Any) -> str:
    """zorgroute's iterated local search (path cheapest arc) ruining ~10 visits, not ~15."""
    _ils_parameters(params, removed=10, sequence=10)
    return "ils"


@_prototype("ils-mab")
def _proto_ils_mab(params: Any) -> str:
    """zorgroute's ILS with multi-armed-bandit ordering of the local search operators."""
    _ils_parameters(params, removed=15, sequence=10)
    params.use_multi_armed_bandit_concatenate_operators = True
    return "ils"


@_prototype("ils-gci")
def _proto_ils_gci(params: Any) -> str:
    """zorgroute's ILS recreating by global (parallel) cheapest insertion."""
    from ortools.constraint_solver import routing_enums_pb2

    _ils_parameters(params, removed=15, sequence=10)
    recreate = params.iterated_local_search_parameters.ruin_recreate_parameters.recreate_strategy
    recreate.heuristic = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    return "ils"


@_prototype("ils-mix")
def _proto_ils_mix(params: Any) -> str:
    """zorgroute's ILS with two ruins, one picked at random per step: SISR and a random walk."""
    from ortools.constraint_solver import routing_ils_pb2

    _ils_parameters(params, removed=15, sequence=10)
    rr = params.iterated_local_search_parameters.ruin_recreate_parameters
    rr.ruin_strategies.add().random_walk.num_removed_visits = 10
    rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
    return "ils"


@_prototype("ils-hot")
def _proto_ils_hot(params: Any) -> str:
    """zorgroute's ILS accepting worse reference plans more readily (temperature 1000 → 10)."""
    _ils_parameters(params, removed=15, sequence=10)
    sa = params.iterated_local_search_parameters.reference_solution_acceptance_strategy
    sa.simulated_annealing.initial_temperature = 1000
    sa.simulated_annealing.final_temperature = 10
    return "ils"


@_prototype("ils-nols")
def _proto_ils_nols(params: Any) -> str:
    """zorgroute's ILS as pure ruin and recreate (no local search after each recreate)."""
    _ils_parameters(params, removed=15, sequence=10)
    params.iterated_local_search_parameters.improve_perturbed_solution = False
    return "ils"


@_prototype("ils-nols-hot")
def _proto_ils_nols_hot(params: Any) -> str:
    """``ils-nols`` accepting worse reference plans more readily (temperature 1000 → 10)."""
    _ils_parameters(params, removed=15, sequence=10)
    ils = params.iterated_local_search_parameters
    ils.improve_perturbed_solution = False
    ils.reference_solution_acceptance_strategy.simulated_annealing.initial_temperature = 1000
    ils.reference_solution_acceptance_strategy.simulated_annealing.final_temperature = 10
    return "ils"


@contextmanager
def patched_search(tweak: Callable[[Any], str]) -> Iterator[None]:
    """Run ``zorgroute.solver.solve`` with edited search parameters (a prototype).

    Two narrow patches, undone on exit: ``solver._parameters`` gets ``tweak`` applied to the
    parameters it returns, and, when ``tweak`` asks for ``"ils"``,
    ``RoutingModel.SolveWithParameters`` runs ``SolveWithIteratedLocalSearch`` instead. The
    model itself is zorgroute's, built by ``solve`` as for a planner, so the measurement
    follows ``solver.py`` as it changes. Not thread-safe; each solve here has its process.
    """
    from ortools.constraint_solver import pywrapcp

    from zorgroute import solver as zs

    original_parameters = zs._parameters
    original_solve = pywrapcp.RoutingModel.SolveWithParameters
    method: list[str] = []

    def parameters(options: Any, *args: Any, **kw: Any) -> Any:
        params = original_parameters(options, *args, **kw)
        method.append(tweak(params))
        return params

    def solve_with_parameters(self: Any, params: Any, *rest: Any) -> Any:
        if method and method[-1] == "ils":
            return self.SolveWithIteratedLocalSearch(params)
        return original_solve(self, params, *rest)

    zs._parameters = parameters
    pywrapcp.RoutingModel.SolveWithParameters = solve_with_parameters
    try:
        yield
    finally:
        zs._parameters = original_parameters
        pywrapcp.RoutingModel.SolveWithParameters = original_solve


def run_zorgroute_prototype(
    night: Night,
    matrices: Matrices,
    solver: str,
    budget_s: float,
    seed: int,
    tweak: Callable[[Any], str] | None = None,
) -> Outcome:
    """zorgroute's solve path with prototype search parameters (see :func:`patched_search`)."""
    variant = solver.removeprefix("zgp-")
    with patched_search(tweak or PROTOTYPES[variant]):
        return run_zorgroute(night, matrices, "zorgroute", budget_s, seed)


# --------------------------------------------------------------------------------------------
# Plain OR-Tools
# --------------------------------------------------------------------------------------------


def run_ortools(
    instance: adapter.Instance,
    arcs: np.ndarray,
    solver: str,
    budget_s: float,
    seed: int,
    tweak: Callable[[Any], str] | None = None,
) -> Outcome:
    """Plain OR-Tools routing: the documented VRPTW recipe, every customer mandatory.

    Travel and service enter a time dimension with waiting (slack) allowed; vehicles leave
    and return inside the depot's window; a capacity dimension; arc cost = distance.
    Matrices are registered with ``RegisterTransitMatrix`` (no Python callback per arc).
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    n = instance.n_customers + 1
    k = instance.vehicles
    service = np.array([adapter.scaled(s) for s in instance.service], dtype=np.int64)
    ready = [adapter.scaled(r) for r in instance.ready]
    due = [adapter.scaled(d) for d in instance.due]
    manager = pywrapcp.RoutingIndexManager(n, k, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitMatrix(arcs.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    transit = routing.RegisterTransitMatrix((arcs + service[:, None]).tolist())
    horizon = due[0]
    routing.AddDimension(transit, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(ready[node], due[node])
    for v in range(k):
        time_dim.CumulVar(routing.Start(v)).SetRange(ready[0], due[0])
        time_dim.CumulVar(routing.End(v)).SetRange(ready[0], due[0])
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
    demand = routing.RegisterUnaryTransitVector([int(d) for d in instance.demand])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [instance.capacity] * k, True, "Load")
    if solver.startswith("ortools-drop"):
        # the documented way to let the first solution through when not every customer
        # fits: each may be dropped, at a price far above any route (a drop is infeasible)
        for node in range(1, n):
            routing.AddDisjunction([manager.NodeToIndex(node)], 1_000_000_000)

    first: list[float] = []

    def on_solution() -> None:
        if not first and routing.CostVar().Value() < 1_000_000_000:
            first.append(time.perf_counter() - t0)

    routing.AddAtSolutionCallback(on_solution)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(budget_s * 1000)))
    variant = solver.removeprefix("ortools").removeprefix("-").removeprefix("drop")
    if tweak is None and variant.removeprefix("-"):
        tweak = PROTOTYPES[variant.removeprefix("-")]
    method = tweak(params) if tweak is not None else "plain"
    if method == "ils":
        solution = routing.SolveWithIteratedLocalSearch(params)
    else:
        solution = routing.SolveWithParameters(params)
    wall = time.perf_counter() - t0
    if solution is None:
        return Outcome(wall_s=wall, notes=["no solution"])
    routes = []
    for v in range(k):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return Outcome(routes=routes, wall_s=wall, first_feasible_s=first[0] if first else None)


# --------------------------------------------------------------------------------------------
# PyVRP and VROOM
# --------------------------------------------------------------------------------------------


def run_pyvrp(instance: adapter.Instance, arcs: np.ndarray, budget_s: float, seed: int) -> Outcome:
    """PyVRP's ``Model`` with the same integer matrix as distance and duration."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    m = Model()
    xy = instance.coords
    locations = [m.add_location(x=float(xy[i, 0]), y=float(xy[i, 1])) for i in range(len(xy))]
    depot = m.add_depot(
        locations[0],
        tw_early=adapter.scaled(instance.ready[0]),
        tw_late=adapter.scaled(instance.due[0]),
    )
    m.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=adapter.scaled(instance.ready[0]),
        tw_late=adapter.scaled(instance.due[0]),
    )
    for c in range(1, len(xy)):
        m.add_client(
            locations[c],
            delivery=int(instance.demand[c]),
            service_duration=adapter.scaled(instance.service[c]),
            tw_early=adapter.scaled(instance.ready[c]),
            tw_late=adapter.scaled(instance.due[c]),
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            m.add_edge(frm, to, distance=int(arcs[i, j]), duration=int(arcs[i, j]))
    t_solve = time.perf_counter()
    result = m.solve(stop=MaxRuntime(budget_s), seed=seed, display=False)
    wall = time.perf_counter() - t0
    first = None
    stats = result.stats
    elapsed = 0.0
    # the search's own clock starts after the initial local search; count that in
    overhead = max(0.0, (wall - (t_solve - t0)) - sum(stats.runtimes))
    for runtime, datum in zip(stats.runtimes, stats.data, strict=True):
        elapsed += runtime
        if datum.best_feas:
            first = (t_solve - t0) + overhead + elapsed
            break
    # a client activity's idx is the client's 0-based index: customer idx + 1
    routes = [[a.idx + 1 for a in r if a.is_client()] for r in result.best.routes()]
    notes = [] if result.is_feasible() else ["PyVRP says infeasible"]
    return Outcome(routes=routes, wall_s=wall, first_feasible_s=first, notes=notes)


def run_vroom(instance: adapter.Instance, arcs: np.ndarray, budget_s: float) -> Outcome:
    """VROOM (pyvroom): the matrix as durations (and so costs), exploration level 5."""
    import vroom

    t0 = time.perf_counter()
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=arcs)
    tw0 = vroom.TimeWindow(adapter.scaled(instance.ready[0]), adapter.scaled(instance.due[0]))
    for v in range(instance.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(v, start=0, end=0, capacity=[instance.capacity], time_window=tw0)
        )
    for c in range(1, instance.n_customers + 1):
        problem.add_job(
            vroom.Job(
                c,
                location=c,
                default_service=adapter.scaled(instance.service[c]),
                delivery=[int(instance.demand[c])],
                time_windows=[
                    vroom.TimeWindow(
                        adapter.scaled(instance.ready[c]), adapter.scaled(instance.due[c])
                    )
                ],
            )
        )
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=dt.timedelta(seconds=budget_s)
    )
    wall = time.perf_counter() - t0
    frame = solution.routes
    routes = []
    for _, steps in frame.groupby("vehicle_id", sort=True):
        jobs = steps[steps["type"] == "job"]
        routes.append([int(j) for j in jobs["id"]])
    return Outcome(routes=routes, wall_s=wall)


# --------------------------------------------------------------------------------------------
# One task: solve, check, one CSV row
# --------------------------------------------------------------------------------------------


def run_task(task: Task) -> dict[str, Any]:
    """Solve one instance with one solver and check the result; never raises."""
    instance = adapter.read_instance(adapter.instance_path(task.instance))
    night, matrices = adapter.to_night(instance)
    arcs = adapter.tenths_matrix(instance.coords)
    bks = adapter.read_bks().get(instance.name)
    row: dict[str, Any] = {
        "instance": instance.name,
        "family": instance.family,
        "customers": instance.n_customers,
        "solver": task.solver,
        "budget_s": task.budget_s,
        "seed": task.seed,
        "bks_distance": bks.distance if bks else "",
        "bks_vehicles": bks.vehicles if bks else "",
        "bks_hierarchical": int(bks.hierarchical) if bks else "",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
    }
    try:
        s = task.solver
        if s == "zorgroute" or s.startswith("zg-"):
            out = run_zorgroute(night, matrices, s, task.budget_s, task.seed)
        elif s.startswith("zgp-"):
            out = run_zorgroute_prototype(night, matrices, s, task.budget_s, task.seed)
        elif s == "ortools" or s.startswith("ortools-"):
            out = run_ortools(instance, arcs, s, task.budget_s, task.seed)
        elif s == "pyvrp":
            out = run_pyvrp(instance, arcs, task.budget_s, task.seed)
        elif s == "vroom":
            out = run_vroom(instance, arcs, task.budget_s)
        else:
            raise ValueError(f"unknown solver {s!r}")
    except Exception as err:  # a crashing solver is a result too
        traceback.print_exc()
        row.update(feasible=0, problems=f"error: {type(err).__name__}: {err}"[:300])
        return row
    if out.plan is not None:
        checked = adapter.check_plan_of(instance, night, matrices, out.plan)
    elif out.routes is not None:
        checked = adapter.check_routes(instance, night, matrices, out.routes)
    else:
        row.update(feasible=0, wall_s=round(out.wall_s, 3), problems="; ".join(out.notes))
        return row
    problems = list(checked.problems) + (out.notes if not checked.feasible else [])
    distance = checked.distance_exact if bks and bks.hierarchical else checked.distance
    gap = adapter.gap_pct(distance, bks) if checked.feasible else None
    row.update(
        feasible=int(checked.feasible),
        distance=round(checked.distance, 1),
        distance_exact=round(checked.distance_exact, 4),
        vehicles=checked.vehicles,
        gap_pct="" if gap is None else round(gap, 4),
        wall_s=round(out.wall_s, 3),
        first_feasible_s="" if out.first_feasible_s is None else round(out.first_feasible_s, 3),
        problems="; ".join(problems)[:300],
    )
    return row


# --------------------------------------------------------------------------------------------
# Results CSV and the report
# --------------------------------------------------------------------------------------------


def _key(instance: str, solver: str, budget: float, seed: int) -> tuple[str, str, float, int]:
    return (instance, solver, float(budget), int(seed))


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    benchlib.append_row(path, row, CSV_FIELDS)


def _num(x: str) -> float | None:
    return float(x) if x not in ("", None) else None


def _fmt(x: float | None, digits: int = 2, suffix: str = "") -> str:
    return (
        "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}{suffix}"
    )


def _pct(x: float) -> str:
    """Two decimals, never ``-0.00``."""
    return f"{round(x, 2) + 0.0:.2f}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _versions() -> str:
    out = []
    for pkg in ("zorgroute", "ortools", "pyvrp", "pyvroom", "vrplib", "numpy"):
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


def summary_tables(rows: list[dict[str, str]], solvers: Sequence[str], budget: float) -> str:
    """Mean and worst gap per family and per solver; vehicles; time to first feasible."""
    mine = [r for r in rows if float(r["budget_s"]) == budget and r["solver"] in solvers]
    families = [f for f in adapter.FAMILIES if any(r["family"] == f for r in mine)]
    head = ["family", *(f"{s} mean / worst gap %" for s in solvers)]
    body = []
    for fam in [*families, "all"]:
        cells = [f"**{fam}**" if fam == "all" else fam]
        for s in solvers:
            rs = [r for r in mine if r["solver"] == s and (fam == "all" or r["family"] == fam)]
            gaps = [float(r["gap_pct"]) for r in rs if r["feasible"] == "1"]
            bad = len(rs) - len(gaps)
            cell = f"{_pct(float(np.mean(gaps)))} / {_pct(max(gaps))}" if gaps else "–"
            if bad:
                cell += f" ({bad} infeasible)"
            cells.append(cell if rs else "not run")
        body.append(cells)
    out = [_table(head, body)]

    head2 = [
        "solver",
        "runs",
        "feasible",
        "vehicles (mean)",
        "BKS vehicles (mean)",
        "time to first feasible: mean / max s",
        "wall s (mean)",
    ]
    body2 = []
    for s in solvers:
        rs = [r for r in mine if r["solver"] == s]
        if not rs:
            continue
        ok = [r for r in rs if r["feasible"] == "1"]
        firsts = [float(r["first_feasible_s"]) for r in rs if r["first_feasible_s"]]
        bks_v = [float(r["bks_vehicles"]) for r in ok if r["bks_vehicles"]]
        body2.append(
            [
                s,
                str(len(rs)),
                str(len(ok)),
                _fmt(float(np.mean([float(r["vehicles"]) for r in ok])) if ok else None, 1),
                _fmt(float(np.mean(bks_v)) if bks_v else None, 1),
                f"{np.mean(firsts):.2f} / {max(firsts):.2f}" if firsts else "n/a",
                _fmt(
                    float(np.mean(walls))
                    if (walls := [float(r["wall_s"]) for r in rs if r["wall_s"]])
                    else None,
                    1,
                ),
            ]
        )
    out.append(_table(head2, body2))
    return "\n\n".join(out)


def instance_table(rows: list[dict[str, str]], solvers: Sequence[str], budget: float) -> str:
    """One row per instance: BKS, then per solver gap % · vehicles · first feasible s."""
    mine = [r for r in rows if float(r["budget_s"]) == budget and r["solver"] in solvers]
    by = {(r["instance"], r["solver"]): r for r in mine}
    names = sorted(
        {r["instance"] for r in mine},
        key=lambda n: (adapter.FAMILIES.index(adapter.family_of(n)), n),
    )
    head = ["instance", "BKS (veh.)", *solvers]
    body = []
    for name in names:
        any_row = next(r for r in mine if r["instance"] == name)
        hier = " h" if any_row["bks_hierarchical"] == "1" else ""
        cells = [name, f"{any_row['bks_distance']} ({any_row['bks_vehicles']}{hier})"]
        for s in solvers:
            r = by.get((name, s))
            if r is None:
                cells.append("not run")
            elif r["feasible"] != "1":
                cells.append("**infeasible**")
            else:
                first = f" · {float(r['first_feasible_s']):.2f} s" if r["first_feasible_s"] else ""
                gap = round(float(r["gap_pct"]), 2) + 0.0  # no "-0.00"
                cells.append(f"{gap:.2f} % · {r['vehicles']} v{first}")
        body.append(cells)
    return _table(head, body)


def write_report(
    path: Path,
    rows: list[dict[str, str]],
    runs: Sequence[tuple[Sequence[str], float]],
    solvers: Sequence[str],
    command: str,
    load: tuple[float, float, float],
    notes: str = "",
) -> str:
    """The markdown report of the rows of ``runs`` (instances, budget) and ``solvers``."""
    wanted = {(name, float(b)) for names, b in runs for name in names}
    rows = [
        r
        for r in rows
        if (r["instance"], float(r["budget_s"])) in wanted and r["solver"] in solvers
    ]
    budgets = sorted({float(b) for _, b in runs})
    parts = [
        "# VRPTW solvers side by side: zorgroute, plain OR-Tools, PyVRP, VROOM",
        "",
        f"{dt.date.today().isoformat()} · {_cpu()}, {os.cpu_count()} cores "
        f"(load average when this report was started: {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f}; the solves may be older, see the dates in the CSV) · "
        f"Python {platform.python_version()} · {_versions()}",
        "",
        f"Command: `{command}`",
        "",
        "Each solver runs on one core (one process, `--jobs` processes at a time) with the "
        "same wall-clock budget. Instances are adapted by `benchmarks/solomon.py`: distances "
        "and times ×10, each arc truncated to one decimal (DIMACS), travel time = distance. "
        "Every solution is turned into a zorgroute plan and checked by "
        "`zorgroute.check.check_plan` with zero tolerance; a solution failing it (or leaving "
        "a customer out, or using more vehicles than the instance has), and a solver that "
        "returns no solution in the budget, count as infeasible and have no gap. "
        "The distance is recomputed from the coordinates. Gap = (distance − BKS) / BKS. "
        "Solomon BKS: distance-only, arcs truncated to one decimal (DIMACS). "
        "Gehring–Homberger BKS (marked h): hierarchical, fewest vehicles first, full-precision "
        "arcs; compared with the full-precision length of the same routes. "
        "Time to first feasible: from the call until the first solution serving every "
        "customer (OR-Tools: its solution callback; PyVRP: its iteration statistics; "
        "VROOM: n/a, it returns only at the end).",
    ]
    for budget in budgets:
        if not any(float(r["budget_s"]) == budget for r in rows):
            continue
        parts += [
            "",
            f"## Budget {budget:g} s",
            "",
            "### Mean and worst gap per family",
            "",
            summary_tables(rows, solvers, budget),
            "",
            "### Per instance (gap · vehicles used · time to first feasible)",
            "",
            instance_table(rows, solvers, budget),
        ]
    if notes:
        parts += ["", notes.strip()]
    text = "\n".join(parts) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def resolve_instances(specs: Sequence[str]) -> list[str]:
    """Names or globs (``C1*``, ``solomon``, ``homberger200``, ``quick``) → instance names."""
    every = adapter.solomon_names() + adapter.homberger_200_names()
    out: list[str] = []
    for spec in specs:
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            if part == "solomon":
                matched = adapter.solomon_names()
            elif part in ("homberger200", "gh200"):
                matched = adapter.homberger_200_names()
            elif part == "quick":
                matched = list(QUICK)
            else:
                matched = [n for n in every if fnmatch.fnmatch(n.lower(), part.lower())]
                if not matched:
                    raise SystemExit(f"no instance matches {part!r}")
            out += [n for n in matched if n not in out]
    return out


def _check_solver(name: str) -> str:
    ok = name in ("zorgroute", "ortools", "pyvrp", "vroom")
    if name.startswith("zg-"):
        parts = name.split("-")
        ok = len(parts) == 3 and parts[1] in FS and parts[2] in MH
    for prefix in ("zgp-", "ortools-drop-", "ortools-"):
        if name.startswith(prefix):
            ok = name.removeprefix(prefix) in PROTOTYPES or name == "ortools-drop"
            break
    if not ok:
        raise argparse.ArgumentTypeError(f"unknown solver {name!r}")
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--instances",
        nargs="+",
        default=None,
        help="names or globs (C1*, r2*, c1_2_*), or 'solomon', 'homberger200', 'quick'",
    )
    parser.add_argument(
        "--budget",
        type=float,
        nargs="+",
        default=None,
        help="wall-clock seconds per solve; several give one section each (default 10)",
    )
    parser.add_argument(
        "--solvers",
        default=",".join(DEFAULT_SOLVERS),
        help="comma-separated: zorgroute, zg-<fs>-<mh>, zgp-<prototype>, ortools, ortools-drop, "
        f"ortools[-drop]-<prototype>, pyvrp, vroom (prototypes: {', '.join(PROTOTYPES)}); "
        f"default {','.join(DEFAULT_SOLVERS)}",
    )
    parser.add_argument("--jobs", type=int, default=1, help="solves at a time (one core each)")
    parser.add_argument("--seed", type=int, default=0)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help="the 12-instance set (two per family) at 10 s, unless --budget says otherwise",
    )
    mode.add_argument(
        "--full",
        action="store_true",
        help="all 56 Solomon at 10 s and 60 s, the 60 Gehring–Homberger 200 at 30 s",
    )
    parser.add_argument("--out", type=Path, default=None, help="markdown report")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="results to append to")
    parser.add_argument(
        "--notes", type=Path, default=None, help="a markdown file appended to the report"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="write the report from the CSV, solve nothing"
    )
    args = parser.parse_args(argv)
    if not adapter.SOLOMON_DIR.is_dir():
        sys.stderr.write(f"needs the shared VRPTW data at {adapter.SOLOMON_DIR}\n")
        return 2
    solvers = [_check_solver(s.strip()) for s in args.solvers.split(",") if s.strip()]
    runs: list[tuple[list[str], float]]
    if args.full:
        runs = [
            (adapter.solomon_names(), 10.0),
            (adapter.solomon_names(), 60.0),
            (adapter.homberger_200_names(), 30.0),
        ]
    else:
        instances = resolve_instances(args.instances or (["quick"] if args.quick else ["solomon"]))
        runs = [(instances, b) for b in (args.budget or [10.0])]
    out = args.out or RESULTS / (
        "solver-full.md" if args.full else "solver-quick.md" if args.quick else "solver.md"
    )
    command = "python benchmarks/bench_solver.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    load = os.getloadavg()

    # a row that ended in an error (a crash, not an infeasible answer) is run again
    done = {
        _key(r["instance"], r["solver"], float(r["budget_s"]), int(r["seed"]))
        for r in read_rows(args.csv)
        if not r["problems"].startswith("error:")
    }
    tasks = [
        Task(name, s, b, args.seed)
        for names, b in runs
        for name in names
        for s in solvers
        if _key(name, s, b, args.seed) not in done
    ]
    if args.report_only:
        tasks = []
    total = len(tasks)
    print(f"{total} solves to run ({len(done)} rows already in {args.csv})", flush=True)

    def report(row: dict[str, Any], n: int) -> None:
        append_row(args.csv, row)
        gap = row.get("gap_pct")
        gap_text = f"{float(gap):6.2f} %" if gap not in ("", None) else "   -    "
        status = "ok" if row.get("feasible") == 1 else f"INFEASIBLE {row.get('problems', '')}"
        print(
            f"[{n}/{total}] {row['instance']:8s} {row['solver']:14s} {row['budget_s']:>5g} s "
            f"gap {gap_text} veh {row.get('vehicles', '')!s:>3} "
            f"wall {row.get('wall_s', '')} first {row.get('first_feasible_s', '')} {status}",
            flush=True,
        )

    benchlib.run_all(tasks, run_task, report, jobs=args.jobs)

    latest: dict[tuple[str, str, float, int], dict[str, str]] = {}
    for r in read_rows(args.csv):  # the last row of a key wins (a rerun after an error)
        if int(r["seed"]) == args.seed:
            latest[_key(r["instance"], r["solver"], float(r["budget_s"]), int(r["seed"]))] = r
    notes = args.notes.read_text(encoding="utf-8") if args.notes else ""
    write_report(out, list(latest.values()), runs, solvers, command, load, notes)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
