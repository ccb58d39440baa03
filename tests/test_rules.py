"""Home-care rules beyond plain routing: each binds on a hand-made night, and the checker
catches a plan that breaks it."""

from __future__ import annotations

from dataclasses import replace

from zorgroute.check import check_plan
from zorgroute.model import Plan, TimeWindow
from zorgroute.solver import SolveOptions, routes_of, solve

from .test_solver import NIGHT_START, H, grid_matrices, night_of, shift, visit

FAST = SolveOptions(time_limit_s=5, max_solutions=400)
EAST = 6 + 6 / 68.46  # a second office 6 km east


def stops_of(plan: Plan, vid: str) -> list[tuple[str, int]]:
    return sorted(
        (r.shift_id, s.service_start_s) for r in plan.routes for s in r.stops if s.visit_id == vid
    )


def codes(night, plan: Plan) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.code for v in check_plan(night, grid_matrices(night), plan)}


def move_stop(plan: Plan, shift_id: str, vid: str, delta_s: int) -> Plan:
    routes = []
    for r in plan.routes:
        stops = tuple(
            replace(
                s,
                service_start_s=s.service_start_s + delta_s,
                service_end_s=s.service_end_s + delta_s,
            )
            if r.shift_id == shift_id and s.visit_id == vid
            else s
            for s in r.stops
        )
        routes.append(replace(r, stops=stops))
    return replace(plan, routes=tuple(routes))


def test_two_carers_at_the_same_time() -> None:
    # a hoist transfer 3 km east; A's nurse could come early, B's (6 km east) later
    hoist = visit("hoist", "A", 3, 0, 0.5, 3, staff=2, pooling=True, duration_s=30 * 60)
    night = night_of(
        [hoist],
        [shift("sa", "A"), shift("sb", "B", start_lon=EAST, end_lon=EAST, start_s=NIGHT_START + H)],
    )
    plan = solve(night, grid_matrices(night), FAST)
    assert check_plan(night, grid_matrices(night), plan) == []
    carers = stops_of(plan, "hoist")
    assert [c[0] for c in carers] == ["sa", "sb"]
    assert carers[0][1] == carers[1][1] >= NIGHT_START + H  # waits for the later carer
    assert "carers_not_together" in codes(night, move_stop(plan, "sb", "hoist", 300))


def test_two_carers_need_two_shifts_or_consent() -> None:
    hoist = visit("hoist", "A", 3, 0, 0.5, 3, staff=2, pooling=False)
    night = night_of([hoist], [shift("sa", "A"), shift("sb", "B")])
    plan = solve(night, grid_matrices(night), FAST)
    assert [u.code for u in plan.unplanned] == ["no_second_carer"]
    assert check_plan(night, grid_matrices(night), plan) == []


def test_second_carer_in_order_with_a_gap() -> None:
    v = visit(
        "wash",
        "A",
        2,
        0,
        0.5,
        4,
        staff=2,
        sync="ordered",
        second_gap_min_s=20 * 60,
        second_gap_max_s=40 * 60,
    )
    night = night_of([v], [shift("s1", "A"), shift("s2", "A")])
    plan = solve(night, grid_matrices(night), FAST)
    assert check_plan(night, grid_matrices(night), plan) == []
    (_, t1), (_, t2) = sorted(stops_of(plan, "wash"), key=lambda c: c[1])
    assert 20 * 60 <= t2 - t1 <= 40 * 60
    late = move_stop(
        plan,
        next(r.shift_id for r in plan.routes if r.stops[0].service_start_s == t2),
        "wash",
        30 * 60,
    )
    assert "carer_gap_wrong" in codes(night, late)


def test_follow_up_after_a_gap() -> None:
    med = visit("med", "A", 2, 0, 0, 6, duration_s=15 * 60)
    check = visit(
        "check", "A", 2.1, 0, 0, 6, after="med", after_gap_min_s=H, after_gap_max_s=90 * 60
    )
    night = night_of([check, med], [shift("s", "A")])
    plan = solve(night, grid_matrices(night), FAST)
    assert check_plan(night, grid_matrices(night), plan) == []
    (_, t_med), (_, t_check) = stops_of(plan, "med")[0], stops_of(plan, "check")[0]
    gap = t_check - (t_med + 15 * 60)
    assert H <= gap <= 90 * 60  # without the rule both would be done back to back
    assert "precedence_gap_wrong" in codes(night, move_stop(plan, "s", "check", -40 * 60))


def test_follow_up_of_an_unplannable_visit_is_not_planned() -> None:
    med = visit("med", "A", 60, 0, 0, 0.1)  # 60 km away: cannot be reached in time
    check = visit("check", "A", 1, 0, 0, 6, after="med")
    night = night_of([med, check], [shift("s", "A")])
    plan = solve(night, grid_matrices(night), FAST)
    assert {u.visit_id: u.code for u in plan.unplanned} == {
        "med": "window_unreachable",
        "check": "predecessor_unplanned",
    }


def test_not_this_nurse_and_preferred_nurse() -> None:
    visits = [
        visit("v1", "A", 0.5, 0, 0, 6, not_nurses=("near",)),
        visit("v2", "A", 0.5, 0.2, 0, 6, preferred_nurse="far"),
    ]
    shifts = [shift("near", "A"), shift("far", "A", start_lon=EAST, end_lon=EAST)]
    night = night_of(visits, shifts)
    plan = solve(night, grid_matrices(night), FAST)
    assert check_plan(night, grid_matrices(night), plan) == []
    served = {s.visit_id: r.shift_id for r in plan.routes for s in r.stops}
    # the excluded nurse is right there, but v1 goes to the far one; v2's wish is met
    # because it is cheap: the far nurse comes anyway
    assert served == {"v1": "far", "v2": "far"}
    swapped = replace(
        plan,
        routes=tuple(replace(r, shift_id="near") for r in plan.routes),
    )
    assert "nurse_excluded" in codes(night, swapped)


def test_preferred_nurse_is_soft() -> None:
    # the preferred nurse is 6 km away and the other next door: a 600 s wish loses
    # against 1,000 s of extra driving, and wins against 100 s
    v = visit("v", "A", 0.2, 0, 0, 6, preferred_nurse="far")
    shifts = [shift("near", "A"), shift("far", "A", start_lon=EAST, end_lon=EAST)]
    night = night_of([v], shifts)
    cheap = solve(night, grid_matrices(night), replace(FAST, preference_cost_s=100))
    keen = solve(night, grid_matrices(night), replace(FAST, preference_cost_s=100_000))
    assert cheap.routes[0].shift_id == "near"
    assert keen.routes[0].shift_id == "far"


def test_continuous_drive_limit() -> None:
    # a client 14 km away needs a 20-minute drive; the limit is 15 minutes
    visits = [visit("near", "A", 2, 0, 0, 6), visit("far", "A", 0, 14, 0, 6)]
    limited = night_of(visits, [shift("s", "A", max_leg_drive_s=15 * 60)])
    plan = solve(limited, grid_matrices(limited), FAST)
    assert plan.planned_ids() == ["near"]
    free = night_of(visits, [shift("s", "A")])
    plan_free = solve(free, grid_matrices(free), FAST)
    assert sorted(plan_free.planned_ids()) == ["far", "near"]
    # the unlimited plan breaks the limited night's rule, and the checker says so
    assert "continuous_drive_exceeded" in codes(limited, plan_free)


def test_break_window_binds() -> None:
    visits = [visit(f"v{i}", "A", 1 + i, 0, 0, 8, duration_s=40 * 60) for i in range(4)]
    s = shift(
        "s",
        "A",
        break_window=TimeWindow(NIGHT_START + 2 * H, NIGHT_START + 3 * H),
        break_duration_s=30 * 60,
    )
    night = night_of(visits, [s])
    plan = solve(night, grid_matrices(night), FAST)
    assert check_plan(night, grid_matrices(night), plan) == []
    route = plan.routes[0]
    assert route.break_start_s is not None
    moved = replace(plan, routes=(replace(route, break_start_s=NIGHT_START + 5 * H),))
    assert "break_outside_window" in codes(night, moved)


def test_skills_decide_who_may_serve() -> None:
    wound = visit("wound", "A", 0.5, 0, 0, 6, skill="wound care")
    shifts = [
        shift("near", "A", skills=frozenset({"medication"})),
        shift("far", "A", start_lon=EAST, end_lon=EAST, skills=frozenset({"wound care"})),
    ]
    night = night_of([wound], shifts)
    plan = solve(night, grid_matrices(night), FAST)
    assert [r.shift_id for r in plan.routes] == ["far"]
    wrong = replace(plan, routes=(replace(plan.routes[0], shift_id="near"),))
    assert "skill_missing" in codes(night, wrong)


def test_two_services_with_their_own_skill_and_length() -> None:
    v = visit(
        "both",
        "A",
        2,
        0,
        0,
        6,
        staff=2,
        skill="bathing",
        second_skill="medication",
        second_duration_s=10 * 60,
        duration_s=40 * 60,
    )
    shifts = [
        shift("bath", "A", skills=frozenset({"bathing"})),
        shift("med", "A", skills=frozenset({"medication"})),
    ]
    night = night_of([v], shifts)
    plan = solve(night, grid_matrices(night), FAST)
    assert check_plan(night, grid_matrices(night), plan) == []
    by_shift = {r.shift_id: r.stops[0] for r in plan.routes}
    assert by_shift["bath"].carer == 1 and by_shift["med"].carer == 2
    assert by_shift["bath"].service_end_s - by_shift["bath"].service_start_s == 40 * 60
    assert by_shift["med"].service_end_s - by_shift["med"].service_start_s == 10 * 60


def test_soft_windows_allow_lateness_at_a_cost() -> None:
    # two clients at the same time 10 km apart, one nurse: with hard windows one is left
    # out; with soft windows both are served and one is late
    visits = [visit("a", "A", 5, 0, 1, 1.25), visit("b", "A", -5, 0, 1, 1.25)]
    night = night_of(visits, [shift("s", "A")])
    hard = solve(night, grid_matrices(night), FAST)
    assert len(hard.unplanned) == 1
    soft = solve(night, grid_matrices(night), replace(FAST, lateness_cost_per_s=1))
    assert not soft.unplanned
    from zorgroute.check import tardiness_s

    late = tardiness_s(night, soft)
    assert len(late) == 1 and next(iter(late.values())) > 0
    assert check_plan(night, grid_matrices(night), soft, allow_late=True) == []
    assert "outside_window" in codes(night, soft)  # with hard windows it would be wrong


def test_warm_start_gives_each_carer_back_their_shift(caplog) -> None:  # type: ignore[no-untyped-def]
    # the bathing carer must be carer 1 and the medication carer carer 2: a start that names
    # the medication shift first fits only if it says that shift is the visit's carer 2
    v = visit("both", "A", 2, 0, 0, 6, staff=2, skill="bathing", second_skill="medication")
    shifts = [
        shift("bath", "A", skills=frozenset({"bathing"})),
        shift("med", "A", skills=frozenset({"medication"})),
    ]
    night = night_of([v], shifts)
    plan = solve(night, grid_matrices(night), FAST)
    start = routes_of(plan)
    assert start == {"bath": ["both"], "med": ["both#2"]}
    med_first = {"med": start["med"], "bath": start["bath"]}
    with caplog.at_level("WARNING", logger="zorgroute.solver"):
        warm = solve(night, grid_matrices(night), FAST, initial_routes=med_first)
    assert "do not fit" not in caplog.text
    assert warm.objective <= plan.objective
    assert check_plan(night, grid_matrices(night), warm) == []
    caplog.clear()
    plain = {"med": ["both"], "bath": ["both"]}  # without "#2" the med shift would be carer 1
    with caplog.at_level("WARNING", logger="zorgroute.solver"):
        solve(night, grid_matrices(night), FAST, initial_routes=plain)
    assert "do not fit" in caplog.text


def test_soft_windows_start_from_a_plan_with_hard_windows() -> None:
    # three clients due at the same hour, one nurse: lateness is unavoidable; the soft plan
    # starts from the hard plan (two served on time, one left out) and is never worse
    visits = [
        visit("a", "A", 5, 0, 1, 1.25),
        visit("b", "A", -5, 0, 1, 1.25),
        visit("c", "A", 0, 5, 1, 1.5),
        visit("d", "A", 1, 1, 0, 6),
    ]
    night = night_of(visits, [shift("s", "A")])
    soft_options = replace(FAST, lateness_cost_per_s=1)
    hard = solve(night, grid_matrices(night), replace(FAST, time_limit_s=FAST.time_limit_s / 2))
    assert hard.unplanned
    seen: list[tuple[float, int]] = []
    soft = solve(
        night, grid_matrices(night), soft_options, progress=lambda t, o: seen.append((t, o))
    )
    assert not soft.unplanned
    assert soft.objective <= hard.objective
    assert seen[0][1] >= hard.objective  # the first half searched with hard windows
    assert [o for _, o in seen] == sorted((o for _, o in seen), reverse=True)
    assert [t for t, _ in seen] == sorted(t for t, _ in seen)
    assert check_plan(night, grid_matrices(night), soft, allow_late=True) == []
