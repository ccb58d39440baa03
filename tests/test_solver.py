"""The solver on hand-made and random nights, always checked by the independent checker."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorgroute.check import check_plan
from zorgroute.model import Matrices, Night, Shift, TimeWindow, Visit
from zorgroute.solver import SolveOptions, routes_of, solve

ORIGIN = dt.datetime(2026, 11, 25, 12, 0)
H = 3600
NIGHT_START = 10 * H  # 22:00 when the origin is noon


def grid_matrices(night: Night, speed_mps: float = 12.0) -> Matrices:
    """Travel on a Manhattan grid of the locations (metres from lat/lon, fixed speed)."""
    lat, lon = night.location_arrays()
    y = lat * 111_195.0
    x = lon * 111_195.0 * np.cos(np.radians(52.0))
    metres = np.abs(x[:, None] - x[None, :]) + np.abs(y[:, None] - y[None, :])
    seconds = metres / speed_mps
    m = {"car": np.rint(metres).astype(np.int64), "bike": np.rint(metres).astype(np.int64)}
    s = {
        "car": np.rint(seconds).astype(np.int64),
        "bike": np.rint(seconds * 3).astype(np.int64),
    }
    return Matrices(duration_s=s, distance_m=m, method="grid")


def visit(
    vid: str,
    provider: str,
    dx_km: float,
    dy_km: float,
    start_h: float,
    end_h: float,
    **kw: object,
) -> Visit:
    return Visit(
        visit_id=vid,
        client_id="c" + vid,
        provider=provider,
        lat=52.0 + dy_km / 111.195,
        lon=6.0 + dx_km / 68.46,
        windows=(TimeWindow(int(NIGHT_START + start_h * H), int(NIGHT_START + end_h * H)),),
        duration_s=int(kw.pop("duration_s", 20 * 60)),  # type: ignore[call-overload]
        **kw,  # type: ignore[arg-type]
    )


def shift(sid: str, provider: str, **kw: object) -> Shift:
    base = {
        "start_lat": 52.0,
        "start_lon": 6.0,
        "end_lat": 52.0,
        "end_lon": 6.0,
        "start_s": NIGHT_START,
        "end_s": NIGHT_START + 9 * H,
        "level": 3,
    }
    base.update(kw)
    return Shift(shift_id=sid, provider=provider, **base)  # type: ignore[arg-type]


def night_of(visits: list[Visit], shifts: list[Shift]) -> Night:
    providers = tuple(sorted({v.provider for v in visits} | {s.provider for s in shifts}))
    return Night(tuple(visits), tuple(shifts), ORIGIN, providers)


FAST = SolveOptions(time_limit_s=5, max_solutions=300)


def solve_checked(night: Night, options: SolveOptions = FAST):
    matrices = grid_matrices(night)
    plan = solve(night, matrices, options)
    assert check_plan(night, matrices, plan, pooled=options.pooled) == []
    return plan


def test_two_providers_pool_a_village() -> None:
    # A's clients are in the village 10 km east; B's nurse lives there; A's office is west
    visits = [
        visit("a1", "A", 10, 0, 1, 3, pooling=True),
        visit("a2", "A", 10.2, 0.1, 1, 3, pooling=True),
        visit("b1", "B", 10.1, 0.2, 1, 3),
    ]
    shifts = [shift("sa", "A"), shift("sb", "B", start_lon=6 + 10 / 68.46, end_lon=6 + 10 / 68.46)]
    night = night_of(visits, shifts)
    solo = solve_checked(night, replace(FAST, pooled=False))
    pooled = solve_checked(night)
    assert not solo.unplanned and not pooled.unplanned
    assert pooled.distance_m < solo.distance_m / 2
    served = {s.visit_id: r.shift_id for r in pooled.routes for s in r.stops}
    assert served == {"a1": "sb", "a2": "sb", "b1": "sb"}


def test_no_consent_keeps_visit_with_own_provider() -> None:
    visits = [visit("a1", "A", 10, 0, 1, 3, pooling=False), visit("b1", "B", 10, 0.1, 1, 3)]
    shifts = [shift("sa", "A"), shift("sb", "B", start_lon=6 + 10 / 68.46, end_lon=6 + 10 / 68.46)]
    plan = solve_checked(night_of(visits, shifts))
    served = {s.visit_id: r.shift_id for r in plan.routes for s in r.stops}
    assert served == {"a1": "sa", "b1": "sb"}


def test_reasons_for_unplanned_visits() -> None:
    visits = [
        visit("lvl", "A", 1, 0, 1, 3, level=5),  # nobody has level 5
        visit("far", "A", 60, 0, 0, 0.1),  # 60 km: cannot be reached in its window
        visit("noc", "B", 1, 1, 1, 3, level=4, pooling=False),  # only A has level 4
        visit("ok", "A", 1, 1, 1, 3),
    ]
    shifts = [shift("sa", "A", level=4), shift("sb", "B", level=3)]
    plan = solve_checked(night_of(visits, shifts))
    codes = {u.visit_id: u.code for u in plan.unplanned}
    assert codes == {
        "lvl": "no_qualified_nurse",
        "far": "window_unreachable",
        "noc": "not_consented",
    }
    assert plan.planned_ids() == ["ok"]


def test_too_few_nurses_still_plans_what_fits() -> None:
    # 6 visits of 50 min all in the same hour, one nurse: at most 1-2 fit
    visits = [visit(f"v{i}", "A", 1 + 0.1 * i, 0, 1, 2, duration_s=50 * 60) for i in range(6)]
    plan = solve_checked(night_of(visits, [shift("s", "A")]))
    assert 1 <= len(plan.planned_ids()) <= 2
    assert {u.code for u in plan.unplanned} == {"shifts_full"}
    assert len(plan.planned_ids()) + len(plan.unplanned) == 6


def test_empty_night() -> None:
    plan = solve(night_of([], [shift("s", "A")]), Matrices({}, {}))
    assert plan.status == "empty" and not plan.routes and not plan.unplanned


def test_no_shifts_leaves_everything_unplanned_with_a_reason() -> None:
    night = night_of([visit("v", "A", 1, 0, 1, 2)], [])
    plan = solve(night, grid_matrices(night))
    assert [u.code for u in plan.unplanned] == ["no_qualified_nurse"]


def test_second_window_is_used() -> None:
    v = visit("v", "A", 2, 0, 1, 1.5)
    v = replace(
        v,
        windows=(
            TimeWindow(NIGHT_START - 2 * H, NIGHT_START - H),
            TimeWindow(NIGHT_START + 4 * H, NIGHT_START + 5 * H),
        ),
    )
    plan = solve_checked(night_of([v], [shift("s", "A")]))
    (stop,) = plan.routes[0].stops
    assert NIGHT_START + 4 * H <= stop.service_start_s <= NIGHT_START + 5 * H


def test_break_is_taken_outside_care() -> None:
    visits = [visit(f"v{i}", "A", 1 + i, 0, 0, 8, duration_s=40 * 60) for i in range(5)]
    s = shift(
        "s",
        "A",
        break_window=TimeWindow(NIGHT_START + 3 * H, NIGHT_START + 5 * H),
        break_duration_s=30 * 60,
    )
    plan = solve_checked(night_of(visits, [s]))
    route = plan.routes[0]
    assert route.break_start_s is not None
    assert NIGHT_START + 3 * H <= route.break_start_s <= NIGHT_START + 4.5 * H


def test_max_drive_time_binds() -> None:
    # two far clients; a 30-minute drive cap allows only the near one
    visits = [visit("near", "A", 2, 0, 0, 6), visit("far", "A", 0, 14, 0, 6)]
    night = night_of(visits, [shift("s", "A", max_drive_s=30 * 60)])
    plan = solve_checked(night)
    assert plan.planned_ids() == ["near"]
    assert plan.routes[0].drive_s <= 30 * 60


def test_optional_visit_dropped_when_not_worth_it() -> None:
    visits = [
        visit("home", "A", 1, 0, 0, 6),
        visit("opt", "A", 0, 30, 0, 6, mandatory=False, weight_s=60),
    ]
    plan = solve_checked(night_of(visits, [shift("s", "A")]))
    assert plan.planned_ids() == ["home"]
    assert [u.visit_id for u in plan.unplanned] == ["opt"]


def random_night(seed: int, n_visits: int, n_shifts: int) -> Night:
    rng = np.random.default_rng(seed)
    providers = ["A", "B", "C"][: int(rng.integers(1, 4))]
    visits = []
    for i in range(n_visits):
        start = float(rng.uniform(0, 7))
        visits.append(
            visit(
                f"v{i}",
                str(rng.choice(providers)),
                float(rng.uniform(-8, 8)),
                float(rng.uniform(-8, 8)),
                start,
                start + float(rng.uniform(0.3, 2)),
                duration_s=int(rng.integers(10, 40)) * 60,
                level=int(rng.integers(1, 5)),
                pooling=bool(rng.random() < 0.5),
                mandatory=bool(rng.random() < 0.8),
            )
        )
    shifts = [
        shift(
            f"s{k}",
            providers[k % len(providers)],
            start_lat=52 + float(rng.uniform(-0.05, 0.05)),
            start_lon=6 + float(rng.uniform(-0.08, 0.08)),
            level=int(rng.integers(2, 5)),
            mode=str(rng.choice(["car", "car", "bike"])),
            max_drive_s=int(rng.integers(1, 4)) * H if rng.random() < 0.3 else None,
            **(
                {
                    "break_window": TimeWindow(NIGHT_START + 3 * H, NIGHT_START + 5 * H),
                    "break_duration_s": 30 * 60,
                }
                if rng.random() < 0.3
                else {}
            ),
        )
        for k in range(n_shifts)
    ]
    for s in shifts:  # end where it starts
        object.__setattr__(s, "end_lat", s.start_lat)
        object.__setattr__(s, "end_lon", s.start_lon)
    return night_of(visits, shifts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_visits=st.integers(0, 14),
    n_shifts=st.integers(1, 4),
    pooled=st.booleans(),
)
def test_random_nights_are_clean(seed: int, n_visits: int, n_shifts: int, pooled: bool) -> None:
    night = random_night(seed, n_visits, n_shifts)
    matrices = grid_matrices(night)
    options = SolveOptions(pooled=pooled, time_limit_s=5, max_solutions=150)
    plan = solve(night, matrices, options)
    # the checker finds nothing, and every visit is planned once or reported once
    assert check_plan(night, matrices, plan, pooled=pooled) == []
    ids = plan.planned_ids() + [u.visit_id for u in plan.unplanned]
    assert sorted(ids) == sorted(v.visit_id for v in night.visits)
    # no visit goes to a provider its client did not consent to
    owner = {v.visit_id: v for v in night.visits}
    for route in plan.routes:
        for stop in route.stops:
            v = owner[stop.visit_id]
            assert route.provider == v.provider or (pooled and v.pooling)


def test_deterministic_for_same_seed_and_budget() -> None:
    night = random_night(3, 14, 3)
    matrices = grid_matrices(night)
    options = SolveOptions(time_limit_s=30, max_solutions=200, seed=5)
    first = solve(night, matrices, options)
    second = solve(night, matrices, options)
    assert routes_of(first) == routes_of(second)
    assert first.objective == second.objective


def test_warm_start_is_never_worse() -> None:
    night = random_night(8, 14, 3)
    matrices = grid_matrices(night)
    quick = solve(night, matrices, SolveOptions(time_limit_s=5, max_solutions=1))
    warm = solve(
        night,
        matrices,
        SolveOptions(time_limit_s=5, max_solutions=200),
        initial_routes=routes_of(quick),
    )
    assert check_plan(night, matrices, warm) == []
    assert warm.objective <= quick.objective


def test_capacity_binds_and_is_checked() -> None:
    visits = [replace(visit(f"v{i}", "A", 1 + 0.2 * i, 0, 0, 6), demand=4) for i in range(4)]
    shifts = [shift("s1", "A", capacity=8), shift("s2", "A", capacity=8)]
    night = night_of(visits, shifts)
    plan = solve_checked(night)
    assert not plan.unplanned
    assert all(len(r.stops) <= 2 for r in plan.routes)
    # one route carrying all four breaks the capacity: the checker says so
    all_in_one = replace(
        plan.routes[0],
        stops=tuple(s for r in plan.routes for s in r.stops),
    )
    bad = replace(plan, routes=(all_in_one,))
    codes = {v.code for v in check_plan(night, grid_matrices(night), bad)}
    assert "capacity_exceeded" in codes


def test_iterated_local_search_is_set_up_as_or_tools_runs_it() -> None:
    # OR-Tools 9.15 runs ILS only with a ruin strategy and greedy descent as its improvement
    # step (with guided local search there, GLS never hands back to the perturbation)
    from ortools.constraint_solver import routing_enums_pb2

    from zorgroute.solver import _parameters

    night = random_night(1, 10, 2)
    params = _parameters(SolveOptions(), night)
    assert params.use_iterated_local_search
    ruin = params.iterated_local_search_parameters.ruin_recreate_parameters
    assert len(ruin.ruin_strategies) == 1 and ruin.ruin_strategies[0].HasField("sisr")
    descent = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    assert params.local_search_metaheuristic == descent
    warm = _parameters(SolveOptions(), night, warm=True)  # from a given plan: guided local search
    assert not warm.use_iterated_local_search
    gls = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    assert warm.local_search_metaheuristic == gls
    plain = _parameters(SolveOptions(metaheuristic="guided_local_search"), night)
    assert not plain.use_iterated_local_search


def test_nights_with_linked_visits_are_searched_by_guided_local_search() -> None:
    from zorgroute.solver import search_strategies

    night = random_night(1, 10, 2)
    plain = ("parallel_cheapest_insertion", "iterated_local_search")
    assert search_strategies(night, SolveOptions()) == plain
    pair = replace(night.visits[0], staff=2)
    follow = replace(night.visits[1], after=night.visits[0].visit_id)
    for v, i in ((pair, 0), (follow, 1)):
        linked = replace(night, visits=(*night.visits[:i], v, *night.visits[i + 1 :]))
        chosen = ("parallel_cheapest_insertion", "guided_local_search")
        assert search_strategies(linked, SolveOptions()) == chosen
        asked = SolveOptions(metaheuristic="iterated_local_search")
        assert search_strategies(linked, asked) == plain  # what the caller names wins


def test_default_search_improves_on_its_first_plan() -> None:
    night = random_night(3, 40, 4)
    seen: list[int] = []
    plan = solve(
        night,
        grid_matrices(night),
        SolveOptions(time_limit_s=10, max_solutions=300),
        progress=lambda _t, o: seen.append(o),
    )
    assert len(seen) > 2 and seen[-1] < seen[0]
    assert check_plan(night, grid_matrices(night), plan) == []
