"""Pooled routes for a night with OR-Tools: the one module of zorgroute that speaks OR-Tools.

The model is a vehicle routing problem with time windows in which every shift is a vehicle
with its own start and end (office or home), hours, qualification level and travel mode:

- travel is a registered matrix per travel mode (no Python callback per arc); the time
  dimension adds each visit's duration on leaving it, and waiting is free;
- a visit may only go to the shifts that may serve it: its own provider's, plus, in a
  pooled plan, other providers' where the client consents, and only nurses of at least
  its level (``VehicleVar(...).SetValues``);
- a visit must start inside one of its windows (the gaps between windows are removed
  from its time variable);
- a shift's break is an OR-Tools break interval; a maximum drive time is a second
  dimension that sums travel only;
- every visit is optional to the solver, with a penalty: a mandatory visit's penalty is
  larger than any possible amount of driving, so it is dropped only when it cannot be
  planned; an optional one's is its weight. The objective is drive time (or distance),
  then these penalties.

Where the search starts: on a night without linked visits, a first plan by OR-Tools (a
checked answer within a second), then routes from PyVRP on a relaxation of the night
(:mod:`zorgroute.construct`, ``SolveOptions.construction``); a route of PyVRP's that breaks
a rule (a break that no longer fits) loses the visits that break it, and OR-Tools searches
on from there, placing them again. OR-Tools stays the engine that enforces every rule: no
plan leaves this module that it has not checked.

Visits that cannot go to any shift are not given to the solver at all; they and every
visit the solver drops come back as :class:`~zorgroute.model.Unplanned` with a reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from zorgroute.model import (
    DEFAULT_PREFERENCE_COST_S,
    REASONS,
    Matrices,
    Night,
    Plan,
    Route,
    Shift,
    Stop,
    Unplanned,
    Visit,
)

log = logging.getLogger(__name__)

Objective = Literal["time", "distance"]
Construction = Literal["pyvrp", "ortools"]

_FS = routing_enums_pb2.FirstSolutionStrategy
FIRST_SOLUTION = {
    "parallel_cheapest_insertion": _FS.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": _FS.LOCAL_CHEAPEST_INSERTION,
    "path_cheapest_arc": _FS.PATH_CHEAPEST_ARC,
    "savings": _FS.SAVINGS,
    "automatic": _FS.AUTOMATIC,
}
METAHEURISTIC = {
    "guided_local_search": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "simulated_annealing": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu_search": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
    "greedy_descent": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
    "iterated_local_search": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
}
"""Metaheuristics. ``iterated_local_search`` ruins and recreates parts of the plan (SISR:
slack induction by string removals) and improves each result by greedy descent; on the
Solomon VRPTW benchmarks it halves guided local search's gap at the same budget
(``benchmarks/results/solver.md``). A start that keeps every rule (``initial_routes``, or
PyVRP's routes after trimming) continues with guided local search: OR-Tools runs iterated
local search only from its own first solution, which follows a given plan only as a hint
(``SetFirstSolutionHint``, read by local cheapest insertion alone, and loosely)."""

#: SISR ruin of iterated local search: visits removed per step on average, longest string.
ILS_REMOVED_VISITS = 15
ILS_MAX_STRING = 10

#: Largest night (visits to plan) that starts from PyVRP's routes. Mending a route that
#: breaks a rule (a break) costs an exact OR-Tools read of the whole night per try, so the
#: work grows with the square of the night: on the 400-, 700- and 1,000-visit scale nights
#: it used up the search's share of the budget in some runs and the plan fell back to the
#: first one (``benchmarks/results/solver-notes.md``). Larger nights are solved by OR-Tools
#: alone until route checks are cheaper.
PYVRP_MAX_VISITS = 300

#: Metres per second of driving, to weigh optional visits when the objective is distance.
_METRES_PER_SECOND = 50 / 3.6


@dataclass(frozen=True)
class SolveOptions:
    """How to solve a night.

    Attributes
    ----------
    pooled
        Let visits go to other providers' shifts where the client consents (``False``: each
        provider plans alone).
    time_limit_s
        Wall-clock budget of the search.
    seed
        Varies the order in which the solver sees the visits; the same input, seed and
        limits give the same plan when the search is stopped by ``max_solutions`` rather
        than by the clock.
    max_solutions
        Stop after this many solutions of the local search (a machine-independent budget).
    objective
        Minimise drive ``"time"`` (seconds) or ``"distance"`` (metres).
    first_solution, metaheuristic
        OR-Tools strategies (keys of :data:`FIRST_SOLUTION` and :data:`METAHEURISTIC`).
        ``None`` (the default): chosen by the night, see :func:`search_strategies`.
    log_search
        Let OR-Tools log its search.
    handover_cost_s
        Cost of a visit served by another provider's nurse, in seconds of driving (with the
        distance objective: metres at 50 km/h). Trades kilometres against handovers.
    handover_cap
        Most visits of a provider (by name) that other providers may serve.
    preference_cost_s
        Cost of not giving a client its preferred nurse or provider, in seconds of driving.
    lateness_cost_per_s
        ``None``: windows are hard. A number: a visit may start after its window, at this
        cost per second late (soft windows, as in benchmarks that score tardiness).
    hard_first
        With soft windows and no ``initial_routes``: plan with hard windows for half the
        budget, then search with soft windows from that plan. A search that may be late
        from the start settles for late plans it cannot leave (on the Mankowska home-care
        benchmark the mean gap to the best known falls several times over,
        ``benchmarks/results/hhc.md``).
    construction
        Where the search starts on a night it runs iterated local search on (no linked
        visits), without ``initial_routes``, hard windows and no ``max_solutions``:
        ``"pyvrp"`` (the default) hands a relaxation of the night (no breaks, see
        :mod:`zorgroute.construct`) to PyVRP for ``construction_share`` of the budget and
        continues from its routes, with every rule enforced by OR-Tools; ``"ortools"``
        starts from OR-Tools' own first solution, as do nights of more than
        :data:`PYVRP_MAX_VISITS` visits. On the Solomon VRPTW benchmarks and the region
        nights the PyVRP start shortens plans by several percent at the same budget
        (``benchmarks/results/solver.md``, ``region.md``).
    construction_share
        Part of the budget PyVRP gets (the rest: OR-Tools from its routes).
    """

    pooled: bool = True
    time_limit_s: float = 30.0
    seed: int = 0
    max_solutions: int | None = None
    objective: Objective = "time"
    first_solution: str | None = None
    metaheuristic: str | None = None
    log_search: bool = False
    handover_cost_s: int = 0
    handover_cap: Mapping[str, int] | None = None
    preference_cost_s: int = DEFAULT_PREFERENCE_COST_S
    lateness_cost_per_s: int | None = None
    hard_first: bool = True
    construction: Construction = "pyvrp"
    construction_share: float = 0.8


ProgressCallback = Callable[[float, int], None]
"""Called with (elapsed seconds, objective) whenever the solver finds a better plan."""


# --------------------------------------------------------------------------------------------
# Who may serve what
# --------------------------------------------------------------------------------------------


def may_serve(visit: Visit, shift: Shift, *, pooled: bool, carer: int = 1) -> bool:
    """Whether ``shift`` may be (carer ``carer`` of) ``visit``.

    Level and skill, own provider or consented pooling, and not a nurse the client refused.
    """
    if shift.level < visit.level or shift.shift_id in visit.not_nurses:
        return False
    skill = visit.carer_skill(carer)
    if skill is not None and skill not in shift.skills:
        return False
    return shift.provider == visit.provider or (pooled and visit.pooling)


def _reaches(
    visit: int, shift: int, night: Night, matrices: Matrices, *, carer: int = 1, late: bool = False
) -> bool:
    """Whether the shift could serve the visit alone: there in a window and back in time."""
    v, s = night.visits[visit], night.shifts[shift]
    duration = v.carer_duration_s(carer)
    travel = matrices.duration_s[s.mode]
    loc = night.location_index(visit=visit)
    out = int(travel[night.location_index(start=shift), loc])
    back = int(travel[loc, night.location_index(end=shift)])
    if s.max_drive_s is not None and out + back > s.max_drive_s:
        return False
    if s.max_leg_drive_s is not None and max(out, back) > s.max_leg_drive_s:
        return False
    for w in v.windows:
        start = max(s.start_s + out, w.start_s)
        if (late or start <= w.end_s) and start + duration + back <= s.end_s:
            return True
    return False


def _carers_allowed(
    i: int, night: Night, matrices: Matrices, options: SolveOptions
) -> list[list[int]]:
    """For each carer of visit ``i``, the shifts that may be it and can reach it."""
    v = night.visits[i]
    late = options.lateness_cost_per_s is not None
    return [
        [
            k
            for k, s in enumerate(night.shifts)
            if may_serve(v, s, pooled=options.pooled, carer=carer)
            and _reaches(i, k, night, matrices, carer=carer, late=late)
        ]
        for carer in range(1, v.staff + 1)
    ]


def _prefilter(
    night: Night, matrices: Matrices, options: SolveOptions
) -> tuple[dict[int, list[list[int]]], dict[int, str]]:
    """Shifts each carer of each visit may be, and why visits that can go nowhere can't."""
    pooled = options.pooled
    allowed: dict[int, list[list[int]]] = {}
    reasons: dict[int, str] = {}
    for i, v in enumerate(night.visits):
        qualified = [k for k, s in enumerate(night.shifts) if may_serve(v, s, pooled=pooled)]
        if not qualified:
            others = any(s.level >= v.level and s.provider != v.provider for s in night.shifts)
            reasons[i] = "not_consented" if others and not v.pooling else "no_qualified_nurse"
            continue
        carers = _carers_allowed(i, night, matrices, options)
        if not carers[0]:
            reasons[i] = "window_unreachable"
            continue
        if len(carers) == 2 and not any(a != b for a in carers[0] for b in carers[1]):
            reasons[i] = "no_second_carer"
            continue
        allowed[i] = carers
    # a follow-up visit whose first visit cannot be planned cannot be planned either
    index_of = {v.visit_id: i for i, v in enumerate(night.visits)}
    changed = True
    while changed:
        changed = False
        for i in list(allowed):
            after = night.visits[i].after
            if after is not None and index_of.get(after) not in allowed:
                del allowed[i]
                reasons[i] = "predecessor_unplanned"
                changed = True
    return allowed, reasons


def _dropped_reason(
    i: int, night: Night, matrices: Matrices, pooled: bool, planned_ids: set[str]
) -> str:
    """Why the solver left out a visit that some shift could reach on its own."""
    v = night.visits[i]
    if v.after is not None and v.after not in planned_ids:
        return "predecessor_unplanned"
    if v.staff > 1:
        return "no_second_carer"
    if not v.pooling:
        # would another provider's nurse have had room? we cannot know cheaply; say what
        # blocks it: the own provider's shifts are full and the client did not consent
        others = any(
            s.provider != v.provider and s.level >= v.level and _reaches(i, k, night, matrices)
            for k, s in enumerate(night.shifts)
        )
        if others:
            return "not_consented"
    return "shifts_full"


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


@dataclass
class _Model:
    """The OR-Tools objects of one solve, and how their nodes map to the night."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: Any
    visit_of_node: list[int]  # node -> visit index (for visit nodes)
    carer_of_node: list[int]  # node -> 1, or 2 for the second carer
    node_of_visit: dict[int, list[int]]  # visit index -> its nodes (two for two carers)
    offset_s: int  # model time = night time + offset_s (keeps model times >= 0)


def _build(
    night: Night,
    matrices: Matrices,
    allowed: Mapping[int, list[list[int]]],
    options: SolveOptions,
) -> _Model:
    order = sorted(allowed)
    rng = np.random.default_rng(options.seed)
    if options.seed:
        order = [order[k] for k in rng.permutation(len(order))]
    # one node per carer: a double-staffed visit has two nodes, side by side
    visits = [i for i in order for _ in range(night.visits[i].staff)]
    n_vis, n_shifts = len(visits), len(night.shifts)
    starts = [n_vis + k for k in range(n_shifts)]
    ends = [n_vis + n_shifts + k for k in range(n_shifts)]
    manager = pywrapcp.RoutingIndexManager(n_vis + 2 * n_shifts, n_shifts, starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    # node -> location in the night's shared order
    locations = np.array(
        [night.location_index(visit=i) for i in visits]
        + [night.location_index(start=k) for k in range(n_shifts)]
        + [night.location_index(end=k) for k in range(n_shifts)],
        dtype=np.int64,
    )
    carer_of_node = [1 + visits[:node].count(i) for node, i in enumerate(visits)]
    service = np.zeros(locations.size, dtype=np.int64)
    service[:n_vis] = [
        night.visits[i].carer_duration_s(carer_of_node[node]) for node, i in enumerate(visits)
    ]

    times = [night.visits[i].windows[0].start_s for i in visits] + [s.start_s for s in night.shifts]
    offset = max(0, -min(times, default=0))
    horizon = max((s.end_s for s in night.shifts), default=0) + offset + 1

    time_eval: dict[str, int] = {}
    drive_eval: dict[str, int] = {}
    cost_eval: dict[tuple[str, bytes], int] = {}
    extra_costs = _extra_costs(night, visits, options)
    for mode in sorted({s.mode for s in night.shifts}):
        travel = np.asarray(matrices.duration_s[mode])[np.ix_(locations, locations)]
        metres = np.asarray(matrices.distance_m[mode])[np.ix_(locations, locations)]
        time_eval[mode] = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
        drive_eval[mode] = routing.RegisterTransitMatrix(travel.tolist())
        cost = travel if options.objective == "time" else metres
        base = drive_eval[mode] if options.objective == "time" else None
        for k, shift in enumerate(night.shifts):
            if shift.mode != mode:
                continue
            extra = extra_costs[k]
            limit = shift.max_leg_drive_s
            key = (mode, extra.tobytes() + str(limit).encode())
            if key not in cost_eval:
                if not extra.any() and limit is None and base is not None:
                    cost_eval[key] = base
                else:
                    arc = cost + extra[None, :]
                    if limit is not None:
                        # a leg beyond the continuous-drive limit costs more than leaving a
                        # mandatory visit out: the best plan found never contains one
                        arc = arc + 2 * _mandatory_penalty(night, options) * (travel > limit)
                    cost_eval[key] = routing.RegisterTransitMatrix(arc.tolist())
            routing.SetArcCostEvaluatorOfVehicle(cost_eval[key], k)

    routing.AddDimensionWithVehicleTransits(
        [time_eval[s.mode] for s in night.shifts], horizon, horizon, False, "Time"
    )
    time_dim = routing.GetDimensionOrDie("Time")
    for k, s in enumerate(night.shifts):
        for index in (routing.Start(k), routing.End(k)):
            time_dim.CumulVar(index).SetRange(s.start_s + offset, s.end_s + offset)
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))

    if any(s.max_drive_s is not None for s in night.shifts):
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [drive_eval[s.mode] for s in night.shifts],
            0,
            [s.max_drive_s if s.max_drive_s is not None else horizon for s in night.shifts],
            True,
            "Drive",
        )

    # penalties: a mandatory visit outweighs any amount of driving
    mandatory_penalty = _mandatory_penalty(night, options)
    node_of_visit: dict[int, list[int]] = {}
    for node, i in enumerate(visits):
        v = night.visits[i]
        index = manager.NodeToIndex(node)
        node_of_visit.setdefault(i, []).append(node)
        cumul = time_dim.CumulVar(index)
        last_end = v.windows[-1].end_s + offset
        if options.lateness_cost_per_s is None:
            cumul.SetRange(v.windows[0].start_s + offset, last_end)
        else:  # soft windows: late is allowed, at a cost per second
            cumul.SetRange(v.windows[0].start_s + offset, horizon)
            time_dim.SetCumulVarSoftUpperBound(index, last_end, options.lateness_cost_per_s)
        for a, b in zip(v.windows[:-1], v.windows[1:], strict=True):
            if b.start_s - a.end_s > 1:
                cumul.RemoveInterval(a.end_s + offset + 1, b.start_s + offset - 1)
        routing.AddVariableMinimizedByFinalizer(cumul)
        routing.AddDisjunction([index], _penalty(v, options, mandatory_penalty))
        shifts_ok = allowed[i][carer_of_node[node] - 1]
        if len(shifts_ok) < n_shifts:
            routing.VehicleVar(index).SetValues([-1, *shifts_ok])

    if any(v.demand for v in night.visits) and any(s.capacity is not None for s in night.shifts):
        demand = [night.visits[i].demand for i in visits] + [0] * (2 * n_shifts)
        load = routing.RegisterUnaryTransitVector(demand)
        total = sum(demand)
        routing.AddDimensionWithVehicleCapacity(
            load,
            0,
            [s.capacity if s.capacity is not None else total for s in night.shifts],
            True,
            "Load",
        )

    if options.pooled and options.handover_cap:
        solver = routing.solver()
        for provider, cap in options.handover_cap.items():
            foreign = [k for k, s in enumerate(night.shifts) if s.provider != provider]
            handed = [
                routing.VehicleVar(manager.NodeToIndex(node)).IsMember(foreign)
                for node, i in enumerate(visits)
                if night.visits[i].provider == provider and night.visits[i].pooling
            ]
            if handed and foreign and cap < len(handed):
                solver.Add(solver.Sum(handed) <= cap)

    _link_visits(night, routing, manager, time_dim, node_of_visit, n_shifts)

    # breaks: an interval inside the break window; never during care
    breaks = [
        (k, s) for k, s in enumerate(night.shifts) if s.break_duration_s > 0 and s.break_window
    ]
    if breaks:
        solver = routing.solver()
        node_visit_transit = [0] * routing.Size()
        for index in range(routing.Size()):
            node_visit_transit[index] = int(service[manager.IndexToNode(index)])
        for k, s in breaks:
            assert s.break_window is not None
            interval = solver.FixedDurationIntervalVar(
                s.break_window.start_s + offset,
                s.break_window.end_s - s.break_duration_s + offset,
                s.break_duration_s,
                False,
                f"break {k}",
            )
            time_dim.SetBreakIntervalsOfVehicle([interval], k, node_visit_transit)

    return _Model(
        manager=manager,
        routing=routing,
        time=time_dim,
        visit_of_node=visits,
        carer_of_node=carer_of_node,
        node_of_visit=node_of_visit,
        offset_s=offset,
    )


def _extra_costs(night: Night, visits: list[int], options: SolveOptions) -> list[NDArray[np.int64]]:
    """Per shift, the cost added on arriving at each node: handovers and unmet wishes."""
    per_second = 1.0 if options.objective == "time" else _METRES_PER_SECOND
    n_nodes = len(visits) + 2 * len(night.shifts)
    out = []
    for shift in night.shifts:
        extra = np.zeros(n_nodes, dtype=np.int64)
        for node, i in enumerate(visits):
            v = night.visits[i]
            cost = 0.0
            if options.pooled and options.handover_cost_s and v.provider != shift.provider:
                cost += options.handover_cost_s
            if v.preferred_nurse is not None and v.preferred_nurse != shift.shift_id:
                cost += options.preference_cost_s
            if v.preferred_provider is not None and v.preferred_provider != shift.provider:
                cost += options.preference_cost_s
            extra[node] = int(cost * per_second)
        out.append(extra)
    return out


def _link_visits(
    night: Night,
    routing: Any,
    manager: Any,
    time_dim: Any,
    node_of_visit: Mapping[int, list[int]],
    n_shifts: int,
) -> None:
    """Two carers of one visit, and visits that must follow another of the same client.

    Both constraints hold when both nodes are planned; a half-planned pair (one carer, or
    a follow-up without its first visit) is removed from the plan afterwards
    (:func:`_incomplete`), so the solver may insert the nodes one at a time.
    """
    solver = routing.solver()
    index_of = {v.visit_id: i for i, v in enumerate(night.visits)}
    for i, nodes in node_of_visit.items():
        v = night.visits[i]
        if len(nodes) == 2:
            a, b = (manager.NodeToIndex(n) for n in nodes)
            both = routing.ActiveVar(a) * routing.ActiveVar(b)
            ca, cb = time_dim.CumulVar(a), time_dim.CumulVar(b)
            if v.sync == "same_time":
                solver.Add(both * (cb - ca) == 0)
            else:
                solver.Add(both * (cb - ca - v.second_gap_min_s) >= 0)
                solver.Add(both * (ca + v.second_gap_max_s - cb) >= 0)
            # two different carers: an inactive node's vehicle is -1, so shift it away
            big = n_shifts + 2
            va, vb = routing.VehicleVar(a), routing.VehicleVar(b)
            solver.Add(
                va + (1 - routing.ActiveVar(a)) * big != vb - (1 - routing.ActiveVar(b)) * big
            )
        if v.after is not None and index_of.get(v.after) in node_of_visit:
            first = night.visits[index_of[v.after]]
            before = manager.NodeToIndex(node_of_visit[index_of[v.after]][0])
            for node in nodes:
                later = manager.NodeToIndex(node)
                both = routing.ActiveVar(before) * routing.ActiveVar(later)
                gap = time_dim.CumulVar(later) - time_dim.CumulVar(before) - first.duration_s
                solver.Add(both * (gap - v.after_gap_min_s) >= 0)
                if v.after_gap_max_s is not None:
                    solver.Add(both * (v.after_gap_max_s - gap) >= 0)


#: Least penalty of a mandatory visit: more than any night's driving could cost.
_MIN_MANDATORY_PENALTY = 1_000_000_000


def _mandatory_penalty(night: Night, options: SolveOptions) -> int:
    """Penalty of leaving out a mandatory visit: more than all driving and handovers."""
    span = sum(max(0, s.end_s - s.start_s) for s in night.shifts) + 1
    per_second = 1.0 if options.objective == "time" else 40.0  # 40 m/s > any road speed
    span += options.handover_cost_s * len(night.visits)  # nor is a handover worth a drop
    # the same for every plan of similar nights, so that objectives compare (solo, pooled)
    return max(_MIN_MANDATORY_PENALTY, int(span * per_second) + 1)


def _penalty(visit: Visit, options: SolveOptions, mandatory_penalty: int) -> int:
    if visit.mandatory:
        return mandatory_penalty
    weight = visit.weight_s * (1 if options.objective == "time" else _METRES_PER_SECOND)
    return max(1, min(int(weight), mandatory_penalty - 1))


def search_strategies(night: Night, options: SolveOptions) -> tuple[str, str]:
    """The first-solution strategy and metaheuristic a solve uses.

    Unless ``options`` name them: a first plan by parallel cheapest insertion (it places
    every visit it can at once: a complete plan within a second on a 300-visit region
    night, where path cheapest arc needed 10–20 s to stop leaving visits out), then
    iterated local search, except on nights with linked visits (two carers, or a follow-up
    after another visit), which get guided local search. Ruin and recreate inserts visits
    one node at a time and places linked nodes poorly: on the Mankowska home-care instances
    (double services) it was far worse, on Solomon VRPTW and region nights better
    (``benchmarks/results/solver.md``, ``region.md``, ``hhc.md``).
    """
    linked = any(v.staff > 1 or v.after is not None for v in night.visits)
    metaheuristic = options.metaheuristic or (
        "guided_local_search" if linked else "iterated_local_search"
    )
    return options.first_solution or "parallel_cheapest_insertion", metaheuristic


def _parameters(
    options: SolveOptions, night: Night, *, warm: bool = False, hint: bool = False
) -> Any:
    first, metaheuristic = search_strategies(night, options)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION[first]
    if metaheuristic == "iterated_local_search" and warm:
        metaheuristic = "guided_local_search"
    if hint:
        # the start is a hint that local cheapest insertion follows (SetFirstSolutionHint);
        # the recreate step must not follow it too, or every ruin rebuilds the hint
        params.first_solution_strategy = _FS.LOCAL_CHEAPEST_INSERTION
        recreate = params.iterated_local_search_parameters.ruin_recreate_parameters
        recreate.recreate_strategy.heuristic = _FS.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = METAHEURISTIC[metaheuristic]
    if metaheuristic == "iterated_local_search":
        # OR-Tools 9.15 runs ILS only through SolveWithIteratedLocalSearch, with a ruin
        # strategy, and with greedy descent as its improvement step: left at guided local
        # search, GLS never hands back to the perturbation (see ../shared/PITFALLS.md)
        params.use_iterated_local_search = True
        ruin = params.iterated_local_search_parameters.ruin_recreate_parameters
        sisr = ruin.ruin_strategies.add().sisr
        sisr.avg_num_removed_visits = ILS_REMOVED_VISITS
        sisr.max_removed_sequence_size = ILS_MAX_STRING
        sisr.bypass_factor = 0.01
    params.time_limit.FromMilliseconds(max(1, int(options.time_limit_s * 1000)))
    if options.max_solutions is not None:
        params.solution_limit = options.max_solutions
    params.log_search = options.log_search
    return params


# --------------------------------------------------------------------------------------------
# Solving and reading the result
# --------------------------------------------------------------------------------------------


def solve(
    night: Night,
    matrices: Matrices,
    options: SolveOptions | None = None,
    *,
    initial_routes: Mapping[str, Sequence[str]] | None = None,
    progress: ProgressCallback | None = None,
) -> Plan:
    """Plan the routes of a night.

    Parameters
    ----------
    night
        Visits and shifts (validated, see :func:`zorgroute.io.read_night`).
    matrices
        Travel between the night's locations for every mode its shifts use.
    options
        Pooled or solo, time limit, seed and strategies.
    initial_routes
        A plan to start from: visit ids per shift id (e.g. yesterday's routes, or the solo
        plans; :func:`routes_of` gives them for a plan). A double-staffed visit's second
        carer is ``"<visit id>#2"``; a plain id takes the visit's first free carer. Visits it
        cannot place are left for the solver. If the start as a whole does not fit the
        night (a window, a break), the solver starts from scratch and logs a warning.
    progress
        Called whenever a better plan is found.

    Returns
    -------
    Plan
        Routes, and every visit not planned with its reason. A solver that finds nothing in
        time returns ``status="no_solution"`` with every visit unplanned, never raises.
    """
    options = options or SolveOptions()
    t0 = time.perf_counter()
    if not night.visits:
        return Plan(routes=(), unplanned=(), status="empty", pooled=options.pooled)
    if options.lateness_cost_per_s is not None and options.hard_first and not initial_routes:
        return _solve_hard_first(night, matrices, options, progress)
    allowed, reasons = _prefilter(night, matrices, options)
    unplanned = {i: code for i, code in reasons.items()}
    routes: list[Route] = []
    status = "solved"
    objective = 0
    if allowed and night.shifts:
        model = _build(night, matrices, allowed, options)
        routing = model.routing
        if progress is not None:
            best = [np.inf]

            def on_solution() -> None:
                cost = routing.CostVar()
                # iterated local search with soft windows calls back with the cost not yet
                # fixed; Value() would abort the process (a CHECK in OR-Tools)
                if not cost.Bound():
                    return
                value = cost.Value()
                if value < best[0]:
                    best[0] = value
                    progress(time.perf_counter() - t0, int(value))

            routing.AddAtSolutionCallback(on_solution)
        solution = None
        deadline = t0 + options.time_limit_s

        def left(opts: SolveOptions) -> SolveOptions:  # what remains of the budget
            return replace(opts, time_limit_s=max(0.1, deadline - time.perf_counter()))

        ils = search_strategies(night, options)[1] == "iterated_local_search"
        if (
            not initial_routes
            and ils
            and options.construction == "pyvrp"
            and options.max_solutions is None
            and options.lateness_cost_per_s is None
            and len(allowed) <= PYVRP_MAX_VISITS
        ):
            # a checked plan within a second (the planner sees progress at once, and it is
            # the answer if all else fails), then PyVRP's routes to start the search from
            quick = _parameters(left(options), night)
            quick.solution_limit = 1
            solution = _kept(routing, routing.SolveWithParameters(quick))
            initial_routes = _pyvrp_start(night, matrices, allowed, left(options))
        searched = False
        if initial_routes:
            searched = True
            # a plan that keeps every rule (on an ILS night: after dropping the visits with
            # which a route breaks one) is improved as it is
            # trimming may take half of what is left; the search needs the rest
            trim_by = time.perf_counter() + (deadline - time.perf_counter()) / 2
            start = _initial_assignment(
                night, model, initial_routes, quiet=True, trim=ils, trim_deadline=trim_by
            )
            if start is not None:
                warm = _parameters(left(options), night, warm=True)
                solution = _better(routing.SolveFromAssignmentWithParameters(start, warm), solution)
            elif ils:
                # else a hint, not a fixed start: local cheapest insertion follows it wherever
                # it fits and places the rest
                params = _parameters(left(options), night, hint=True)
                routing.CloseModelWithParameters(params)
                hint = _initial_assignment(night, model, initial_routes, exact=False)
                routing.SetFirstSolutionHint(hint)
                solution = _better(routing.SolveWithIteratedLocalSearch(params), solution)
            else:
                log.warning("the initial routes do not fit this night; solving from scratch")
                searched = False
        if not searched:
            params = _parameters(left(options), night)
            if params.use_iterated_local_search:
                solution = _better(routing.SolveWithIteratedLocalSearch(params), solution)
            else:
                solution = _better(routing.SolveWithParameters(params), solution)
        if solution is None:
            status = "no_solution"
            unplanned.update({i: "no_solution" for i in allowed})
        else:
            objective = int(solution.ObjectiveValue())
            routes, served = _read_routes(night, matrices, model, solution)
            planned_ids = {night.visits[i].visit_id for i in served}
            for i in allowed:
                if i not in served:
                    unplanned[i] = _dropped_reason(i, night, matrices, options.pooled, planned_ids)
    else:
        unplanned.update({i: "shifts_full" for i in allowed})
    # visits never given to the solver cost their penalty too, so objectives compare
    mandatory = _mandatory_penalty(night, options)
    objective += sum(_penalty(night.visits[i], options, mandatory) for i in reasons)
    runtime = time.perf_counter() - t0
    log.debug(
        "%s plan: %d routes, %d of %d visits planned in %.1f s",
        "pooled" if options.pooled else "solo",
        len(routes),
        len(night.visits) - len(unplanned),
        len(night.visits),
        runtime,
    )
    return Plan(
        routes=tuple(routes),
        unplanned=tuple(
            Unplanned(night.visits[i].visit_id, code, REASONS[code])
            for i, code in sorted(unplanned.items())
        ),
        status=status,
        pooled=options.pooled,
        objective=objective,
        runtime_s=runtime,
    )


def _kept(routing: Any, solution: Any) -> Any:
    """A copy of a solution that the model's next search cannot overwrite."""
    return None if solution is None else routing.solver().Assignment(solution)


def _better(solution: Any, other: Any) -> Any:
    """The cheaper of two solutions (either may be ``None``)."""
    if solution is None:
        return other
    if other is not None and other.ObjectiveValue() < solution.ObjectiveValue():
        return other
    return solution


def _pyvrp_start(
    night: Night,
    matrices: Matrices,
    allowed: Mapping[int, list[list[int]]],
    options: SolveOptions,
) -> dict[str, list[str]] | None:
    """Routes from PyVRP on a relaxation of the night (:mod:`zorgroute.construct`), in
    ``construction_share`` of what is left of the budget."""
    from zorgroute import construct

    mandatory = _mandatory_penalty(night, options)
    return construct.pyvrp_routes(
        night,
        matrices,
        {i: carers[0] for i, carers in allowed.items()},
        _extra_costs(night, list(range(len(night.visits))), options),
        objective=options.objective,
        mandatory_prize=mandatory,
        optional_prize={i: _penalty(night.visits[i], options, mandatory) for i in allowed},
        leg_penalty=2 * mandatory,
        time_limit_s=options.time_limit_s * options.construction_share,
        seed=options.seed,
    )


def _solve_hard_first(
    night: Night, matrices: Matrices, options: SolveOptions, progress: ProgressCallback | None
) -> Plan:
    """Soft windows: half the budget with hard windows, the rest soft from that plan.

    The hard plan's objective is also its objective with soft windows (nothing late), so
    the progress reported by both halves is one decreasing series.
    """
    t0 = time.perf_counter()
    half = replace(options, lateness_cost_per_s=None, time_limit_s=options.time_limit_s / 2)
    hard = solve(night, matrices, half, progress=progress)
    offset = time.perf_counter() - t0
    rest = replace(options, hard_first=False, time_limit_s=max(0.1, options.time_limit_s - offset))

    def shifted(elapsed_s: float, objective: int) -> None:
        assert progress is not None
        progress(offset + elapsed_s, objective)

    plan = solve(
        night,
        matrices,
        rest,
        initial_routes=routes_of(hard),
        progress=shifted if progress is not None else None,
    )
    return replace(plan, runtime_s=time.perf_counter() - t0)


def _complete(night: Night, active: Mapping[int, int]) -> set[int]:
    """Visits planned in full: every carer present, and the visit they follow planned."""
    index_of = {v.visit_id: i for i, v in enumerate(night.visits)}
    complete = {i for i, n in active.items() if n >= night.visits[i].staff}
    changed = True
    while changed:  # a follow-up of a dropped visit is dropped too, and so on
        changed = False
        for i in list(complete):
            after = night.visits[i].after
            if after is not None and index_of.get(after) not in complete:
                complete.discard(i)
                changed = True
    return complete


def _initial_assignment(
    night: Night,
    model: _Model,
    initial_routes: Mapping[str, Sequence[str]],
    *,
    exact: bool = True,
    quiet: bool = False,
    trim: bool = False,
    trim_deadline: float = float("inf"),
) -> Any:
    """The routes as an assignment: ``exact``, a solution (``None`` if they break a rule),
    else only the successor of each node (a hint for the first solution). With ``trim``, a
    route that breaks a rule on its own loses the visits that break it first
    (:func:`_trimmed`, until ``trim_deadline``): the solver then places those visits itself."""
    index_of_visit = {v.visit_id: i for i, v in enumerate(night.visits)}
    shift_index = {s.shift_id: k for k, s in enumerate(night.shifts)}
    routes: list[list[int]] = [[] for _ in night.shifts]
    used: set[int] = set()
    for shift_id, names in initial_routes.items():
        k = shift_index.get(shift_id)
        if k is None:
            continue
        for name in names:
            i, carer = _visit_and_carer(name, index_of_visit)
            if i is None or i not in model.node_of_visit:
                continue
            nodes = [n for n in model.node_of_visit[i] if n not in used]
            if carer is not None:  # "v7#2": this shift is the visit's second carer
                wanted = model.node_of_visit[i][carer - 1 : carer]
                nodes = [n for n in wanted if n not in used]
            if nodes:  # else: the first free carer's node (a double visit is on two routes)
                used.add(nodes[0])
                routes[k].append(model.manager.NodeToIndex(nodes[0]))
    if not exact:
        hint = model.routing.solver().Assignment()
        model.routing.RoutesToAssignment(routes, True, True, hint)
        return hint
    assignment = model.routing.ReadAssignmentFromRoutes(routes, True)
    if assignment is None and trim:
        trimmed = _trimmed(model, routes, trim_deadline)
        assignment = model.routing.ReadAssignmentFromRoutes(trimmed, True)
    if assignment is None and not quiet:
        log.warning("the initial routes do not fit this night; solving from scratch")
    return assignment


def _trimmed(model: _Model, routes: list[list[int]], deadline: float) -> list[list[int]]:
    """Each route, less the visits with which it breaks a rule on its own.

    A route that breaks a rule usually breaks one (a break that no longer fits between
    visits): first each single visit is tried out, from the middle of the route outwards
    (where breaks fall); if no single one mends it, the route is rebuilt visit by visit,
    keeping each visit with which it still keeps every rule. Each check reads a whole
    assignment, so past ``deadline`` a route that breaks a rule is left empty instead
    (its visits are placed by the search).
    """
    read = model.routing.ReadAssignmentFromRoutes
    out: list[list[int]] = []
    for k, route in enumerate(routes):
        alone: list[list[int]] = [[] for _ in routes]
        alone[k] = route
        if read(alone, True) is not None:
            out.append(route)
            continue
        mended: list[int] = []
        middle = (len(route) - 1) / 2
        for j in sorted(range(len(route)), key=lambda j: abs(j - middle)):
            if time.perf_counter() > deadline:
                break
            alone[k] = route[:j] + route[j + 1 :]
            if read(alone, True) is not None:
                mended = alone[k]
                break
        else:  # no single visit: rebuild
            for index in route:
                if time.perf_counter() > deadline:
                    break
                alone[k] = [*mended, index]
                if read(alone, True) is not None:
                    mended.append(index)
        out.append(mended)
    return out


def _visit_and_carer(name: str, index_of_visit: Mapping[str, int]) -> tuple[int | None, int | None]:
    """``"v7"`` → (index of v7, None); ``"v7#2"`` → (index of v7, carer 2)."""
    if name in index_of_visit:
        return index_of_visit[name], None
    visit_id, sep, carer = name.rpartition("#")
    if sep and carer.isdigit() and visit_id in index_of_visit and int(carer) >= 1:
        return index_of_visit[visit_id], int(carer)
    return None, None


def _read_routes(
    night: Night, matrices: Matrices, model: _Model, solution: Any
) -> tuple[list[Route], set[int]]:
    routing, manager, time_dim = model.routing, model.manager, model.time
    off = model.offset_s
    breaks: dict[int, int] = {}
    intervals = solution.IntervalVarContainer()
    for j in range(intervals.Size()):
        element = intervals.Element(j)
        name = element.Var().Name()
        if name.startswith("break ") and element.PerformedValue():
            breaks[int(name.split()[1])] = int(element.StartValue()) - off
    active = {
        model.visit_of_node[manager.IndexToNode(index)]: 0
        for index in range(routing.Size())
        if not routing.IsStart(index) and not routing.IsEnd(index)
    }
    for index in range(routing.Size()):
        if routing.IsStart(index) or routing.IsEnd(index):
            continue
        if solution.Value(routing.NextVar(index)) != index:
            active[model.visit_of_node[manager.IndexToNode(index)]] += 1
    complete = _complete(night, active)
    routes: list[Route] = []
    served: set[int] = set()
    for k, shift in enumerate(night.shifts):
        index = routing.Start(k)
        depart = int(solution.Value(time_dim.CumulVar(index))) - off
        travel = matrices.duration_s[shift.mode]
        metres = matrices.distance_m[shift.mode]
        here = night.location_index(start=k)
        clock = depart
        stops: list[Stop] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            i = model.visit_of_node[manager.IndexToNode(index)]
            if i not in complete:  # half of a pair: left out, with its reason
                index = solution.Value(routing.NextVar(index))
                continue
            visit = night.visits[i]
            carer = model.carer_of_node[manager.IndexToNode(index)]
            duration = visit.carer_duration_s(carer)
            loc = night.location_index(visit=i)
            leg_s, leg_m = int(travel[here, loc]), int(metres[here, loc])
            start = int(solution.Value(time_dim.CumulVar(index))) - off
            stops.append(
                Stop(
                    visit_id=visit.visit_id,
                    arrival_s=clock + leg_s,
                    service_start_s=start,
                    service_end_s=start + duration,
                    travel_s=leg_s,
                    travel_m=leg_m,
                    carer=carer,
                )
            )
            served.add(i)
            clock = start + duration
            here = loc
            index = solution.Value(routing.NextVar(index))
        if not stops:
            continue
        end_loc = night.location_index(end=k)
        routes.append(
            Route(
                shift_id=shift.shift_id,
                provider=shift.provider,
                depart_s=depart,
                return_s=int(solution.Value(time_dim.CumulVar(index))) - off,
                stops=tuple(stops),
                return_travel_s=int(travel[here, end_loc]),
                return_travel_m=int(metres[here, end_loc]),
                break_start_s=breaks.get(k),
            )
        )
    return routes, served


def routes_of(plan: Plan) -> dict[str, list[str]]:
    """The visit ids per shift of a plan, to warm-start another solve.

    A stop of a double-staffed visit's second carer is written ``"<visit id>#2"``, so the
    start gives each carer back to the shift that had it.
    """
    return {
        r.shift_id: [s.visit_id if s.carer == 1 else f"{s.visit_id}#{s.carer}" for s in r.stops]
        for r in plan.routes
    }
