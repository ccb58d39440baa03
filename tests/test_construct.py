"""The PyVRP start (zorgroute.construct) and how the solver continues from it.

Every plan goes through the independent checker; PyVRP's own routes are checked against
who may serve what, computed here from the visits and shifts.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_solver import (
    NIGHT_START,
    H,
    grid_matrices,
    night_of,
    random_night,
    shift,
    visit,
)
from zorgroute import construct
from zorgroute.check import check_plan
from zorgroute.model import TimeWindow
from zorgroute.solver import (
    SolveOptions,
    _build,
    _parameters,
    _prefilter,
    _pyvrp_start,
    _trimmed,
    may_serve,
    solve,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_visits=st.integers(1, 16), n_shifts=st.integers(1, 4))
def test_pyvrp_routes_only_give_visits_to_shifts_that_may_serve_them(
    seed: int, n_visits: int, n_shifts: int
) -> None:
    night = random_night(seed, n_visits, n_shifts)
    # some visits get a second window: PyVRP sees one client per window, visits at most one
    visits = list(night.visits)
    for i in range(0, len(visits), 3):
        w = visits[i].windows[0]
        later = TimeWindow(w.end_s + H, w.end_s + 2 * H)
        visits[i] = replace(visits[i], windows=(w, later))
    night = replace(night, visits=tuple(visits))
    matrices = grid_matrices(night)
    options = SolveOptions(time_limit_s=0.3)
    allowed, _ = _prefilter(night, matrices, options)
    routes = _pyvrp_start(night, matrices, allowed, options)
    assert routes is not None
    shifts = {s.shift_id: s for s in night.shifts}
    visit_of = {v.visit_id: v for v in night.visits}
    placed = [v for vs in routes.values() for v in vs]
    assert len(placed) == len(set(placed))  # no visit twice, whatever its windows
    for shift_id, ids in routes.items():
        for vid in ids:
            v = visit_of[vid]
            assert may_serve(v, shifts[shift_id], pooled=True)
            assert night.visits.index(v) in allowed


def test_a_route_that_breaks_a_rule_loses_only_the_visits_that_break_it() -> None:
    # v2's window closes before the nurse can be there after v1; v1 and v3 fit
    visits = [
        visit("v1", "A", 2, 0, 0, 1),
        visit("v2", "A", -6, 0, 0, 0.3),
        visit("v3", "A", 2.5, 0, 1, 3),
    ]
    night = night_of(visits, [shift("s1", "A"), shift("s2", "A")])
    matrices = grid_matrices(night)
    options = SolveOptions()
    allowed, _ = _prefilter(night, matrices, options)
    model = _build(night, matrices, allowed, options)
    model.routing.CloseModelWithParameters(_parameters(options, night))
    index = {
        night.visits[i].visit_id: model.manager.NodeToIndex(n[0])
        for i, n in model.node_of_visit.items()
    }
    routes = [[index["v1"], index["v2"], index["v3"]], []]
    assert model.routing.ReadAssignmentFromRoutes(routes, True) is None
    trimmed = _trimmed(model, routes, float("inf"))
    assert trimmed == [[index["v1"], index["v3"]], []]
    assert model.routing.ReadAssignmentFromRoutes(trimmed, True) is not None


def test_the_solver_places_again_what_a_start_left_out() -> None:
    # a start that packs every visit on one shift, through its break, does not fit as a
    # whole; the solver keeps what fits and plans the rest: as many visits as from scratch
    brk = {
        "break_window": TimeWindow(NIGHT_START + 2 * H, NIGHT_START + 3 * H),
        "break_duration_s": 45 * 60,
    }
    visits = [visit(f"v{i}", "A", 1 + 0.3 * i, 0, 1.5 + 0.25 * i, 2 + 0.25 * i) for i in range(6)]
    night = night_of(visits, [shift("s1", "A", **brk), shift("s2", "A", **brk)])
    matrices = grid_matrices(night)
    start = {"s1": [v.visit_id for v in visits]}
    plan = solve(night, matrices, SolveOptions(time_limit_s=2), initial_routes=start)
    cold = solve(night, matrices, SolveOptions(time_limit_s=2, construction="ortools"))
    assert check_plan(night, matrices, plan) == []
    assert len(plan.planned_ids()) == len(cold.planned_ids()) >= 5
    assert len({r.shift_id for r in plan.routes if r.stops}) == 2


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_visits=st.integers(5, 30), n_shifts=st.integers(1, 4))
def test_default_solves_start_from_pyvrp_and_every_plan_is_clean(
    seed: int, n_visits: int, n_shifts: int
) -> None:
    # breaks, maximum drive times, bikes, optional visits, levels and consent: what the
    # relaxation leaves out is enforced by OR-Tools
    night = random_night(seed, n_visits, n_shifts)
    matrices = grid_matrices(night)
    seen: list[float] = []
    plan = solve(
        night, matrices, SolveOptions(time_limit_s=1.5), progress=lambda t, _o: seen.append(t)
    )
    assert check_plan(night, matrices, plan) == []
    ids = plan.planned_ids() + [u.visit_id for u in plan.unplanned]
    assert sorted(ids) == sorted(v.visit_id for v in night.visits)
    if plan.routes:  # a checked plan came before PyVRP's share of the budget was spent
        assert seen and seen[0] < 0.75


def test_pyvrp_start_is_at_least_as_good_as_a_first_plan() -> None:
    # the search from PyVRP's routes never ends above OR-Tools' own first plan of the night
    night = random_night(11, 60, 4)
    matrices = grid_matrices(night)
    first = solve(night, matrices, SolveOptions(max_solutions=1, construction="ortools"))
    plan = solve(night, matrices, SolveOptions(time_limit_s=3))
    assert check_plan(night, matrices, plan) == []
    assert plan.objective <= first.objective


def test_a_night_too_large_for_profiles_is_solved_without_pyvrp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(construct, "MAX_PROFILE_BYTES", 1)
    night = random_night(5, 20, 3)
    matrices = grid_matrices(night)
    options = SolveOptions(time_limit_s=1)
    allowed, _ = _prefilter(night, matrices, options)
    assert _pyvrp_start(night, matrices, allowed, options) is None
    plan = solve(night, matrices, options)
    assert check_plan(night, matrices, plan) == []
    ids = plan.planned_ids() + [u.visit_id for u in plan.unplanned]
    assert sorted(ids) == sorted(v.visit_id for v in night.visits)


def test_a_hint_is_followed_by_insertion_and_not_by_the_recreate_step() -> None:
    from ortools.constraint_solver import routing_enums_pb2

    fs = routing_enums_pb2.FirstSolutionStrategy
    night = random_night(1, 10, 2)
    params = _parameters(SolveOptions(), night, hint=True)
    assert params.first_solution_strategy == fs.LOCAL_CHEAPEST_INSERTION
    recreate = params.iterated_local_search_parameters.ruin_recreate_parameters
    assert recreate.recreate_strategy.heuristic == fs.PARALLEL_CHEAPEST_INSERTION
    assert params.use_iterated_local_search


def test_nights_above_the_pyvrp_limit_are_solved_by_or_tools_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zorgroute import solver

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("PyVRP asked for a night above the limit")

    monkeypatch.setattr(solver, "PYVRP_MAX_VISITS", 2)
    monkeypatch.setattr(construct, "pyvrp_routes", refuse)
    night = random_night(7, 12, 3)
    matrices = grid_matrices(night)
    plan = solve(night, matrices, SolveOptions(time_limit_s=1))
    assert len(plan.planned_ids()) > 2  # above the limit, and planned
    assert check_plan(night, matrices, plan) == []
    ids = plan.planned_ids() + [u.visit_id for u in plan.unplanned]
    assert sorted(ids) == sorted(v.visit_id for v in night.visits)
