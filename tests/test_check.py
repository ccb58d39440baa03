"""The plan checker: a hand-made valid plan passes, and every rule, broken alone, is caught.

The night: two providers, A and B; five visits; three shifts. Locations lie on a line (x in
km-ish units, below) and the matrices are built from it with a small asymmetry (going to a
higher location index costs a little more), so a checker that reads ``[to, from]`` instead
of ``[from, to]``, or the car matrix for a bike shift, fails the valid plan.

Location order (see ``Night.location_index``)::

    0 v1  1 v2  2 v3  3 v4  4 v5  5 sA:start  6 sB:start  7 sC:start  8 sA:end  9 sB:end  10 sC:end
    x: 10   20    40    50    30     0           60          30          0         60        30

    car : duration = 10·|dx| + 5 if i < j,  distance = 100·|dx| + 50 if i < j
    bike: duration = 30·|dx| + 15 if i < j, distance =  90·|dx| + 50 if i < j

The valid plan, worked out by hand:

- ``sA`` (A, car, level 4, break 100 s in [500, 900], max drive 1000 s):
  start →100 s→ v1 [100–200] →105 s→ v2 [305–355] →205 s→ (break 600–700) v3 [800–900]
  (its second window) →405 s→ back at 1305. Travel 815 s. v3 is B's client, pooled.
- ``sB`` (B, bike, level 3): start →300 s→ v4 [300–360] →315 s→ back at 675.
- ``sC`` (B, car) is not used; v5 needs level 5, which nobody has: unplanned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zorgroute.check import CODES, Violation, check_plan, summarize
from zorgroute.exceptions import InputError
from zorgroute.model import (
    Matrices,
    Night,
    Plan,
    Route,
    Shift,
    Stop,
    TimeWindow,
    Unplanned,
    Visit,
)

ORIGIN = dt.datetime(2024, 3, 4, 22, 0)
X = [10, 20, 40, 50, 30, 0, 60, 30, 0, 60, 30]


def _visit(vid: str, provider: str, windows: list[tuple[int, int]], **kw: Any) -> Visit:
    tws = tuple(TimeWindow(a, b) for a, b in windows)
    return Visit(vid, f"client-{vid}", provider, 52.9, 6.8, tws, **kw)


def _shift(sid: str, provider: str, **kw: Any) -> Shift:
    """A shift from and back to the office, 22:00–22:50 (t = 0 … 3000 s)."""
    return Shift(sid, provider, 52.9, 6.8, 52.9, 6.8, start_s=0, end_s=3000, **kw)


BREAK_A = TimeWindow(500, 900)
NIGHT = Night(
    visits=(
        _visit("v1", "A", [(100, 400)], duration_s=100, level=3, pooling=True),
        _visit("v2", "A", [(300, 600)], duration_s=50, level=2),
        _visit("v3", "B", [(200, 300), (800, 1000)], duration_s=100, level=4, pooling=True),
        _visit("v4", "B", [(0, 2000)], duration_s=60, level=3),
        _visit("v5", "A", [(0, 3000)], duration_s=30, level=5),
    ),
    shifts=(
        _shift(
            "sA",
            "A",
            level=4,
            mode="car",
            max_drive_s=1000,
            break_duration_s=100,
            break_window=BREAK_A,
        ),
        _shift("sB", "B", level=3, mode="bike"),
        _shift("sC", "B", level=4, mode="car"),
    ),
    origin=ORIGIN,
    providers=("A", "B"),
)


def _matrix(per_km: int, uphill: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    x = np.array(X, dtype=np.int64)
    n = len(X)
    up = np.triu(np.ones((n, n), dtype=np.int64), k=1) * uphill
    out: np.ndarray[Any, np.dtype[np.int64]] = np.abs(x[:, None] - x[None, :]) * per_km + up
    return out


MATRICES = Matrices(
    duration_s={"car": _matrix(10, 5), "bike": _matrix(30, 15)},
    distance_m={"car": _matrix(100, 50), "bike": _matrix(90, 50)},
    method="hand",
)

ROUTE_A = Route(
    shift_id="sA",
    provider="A",
    depart_s=0,
    return_s=1305,
    # visit, arrival, service start, service end, travel_s, travel_m
    stops=(
        Stop("v1", 100, 100, 200, 100, 1000),
        Stop("v2", 305, 305, 355, 105, 1050),
        Stop("v3", 560, 800, 900, 205, 2050),
    ),
    return_travel_s=405,
    return_travel_m=4050,
    break_start_s=600,
)
ROUTE_B = Route(
    shift_id="sB",
    provider="B",
    depart_s=0,
    return_s=675,
    # visit, arrival, service start, service end, travel_s, travel_m
    stops=(Stop("v4", 300, 300, 360, 300, 900),),
    return_travel_s=315,
    return_travel_m=950,
)
PLAN = Plan(
    routes=(ROUTE_A, ROUTE_B),
    unplanned=(Unplanned("v5", "no_qualified_nurse", "no qualified nurse"),),
    pooled=True,
)


# ---- helpers to break one rule --------------------------------------------------------------


def _route(plan: Plan, shift_id: str, **changes: Any) -> Plan:
    routes = tuple(
        dataclasses.replace(r, **changes) if r.shift_id == shift_id else r for r in plan.routes
    )
    return dataclasses.replace(plan, routes=routes)


def _stop(plan: Plan, which: str, **changes: Any) -> Plan:
    routes = tuple(
        dataclasses.replace(
            r,
            stops=tuple(
                dataclasses.replace(s, **changes) if s.visit_id == which else s for s in r.stops
            ),
        )
        for r in plan.routes
    )
    return dataclasses.replace(plan, routes=routes)


def _night_visit(visit_id: str, **changes: Any) -> Night:
    visits = tuple(
        dataclasses.replace(v, **changes) if v.visit_id == visit_id else v for v in NIGHT.visits
    )
    return dataclasses.replace(NIGHT, visits=visits)


def _night_shift(shift_id: str, **changes: Any) -> Night:
    shifts = tuple(
        dataclasses.replace(s, **changes) if s.shift_id == shift_id else s for s in NIGHT.shifts
    )
    return NIGHT.with_shifts(shifts)


def _only(violations: list[Violation]) -> Violation:
    """The single violation of a plan that breaks one rule."""
    assert len(violations) == 1, summarize(violations)
    return violations[0]


def _expect(
    violations: list[Violation],
    code: str,
    *,
    shift_id: str | None = None,
    visit_id: str | None = None,
) -> Violation:
    found = _only(violations)
    assert found.code == code, str(found)
    assert found.code in CODES
    assert (found.shift_id, found.visit_id) == (shift_id, visit_id), str(found)
    return found


# ---- the valid plan --------------------------------------------------------------------------


def test_matrices_are_asymmetric_and_differ_per_mode() -> None:
    """The fixture can tell a transposed or wrong-mode lookup from the right one."""
    car, bike = MATRICES.duration_s["car"], MATRICES.duration_s["bike"]
    assert (car[0, 1], car[1, 0]) == (105, 100)
    assert bike[6, 3] == 300 and car[6, 3] == 100


def test_valid_plan_is_clean() -> None:
    assert check_plan(NIGHT, MATRICES, PLAN) == []
    assert summarize([]) == "plan OK: no violations"


def test_transposed_matrices_are_noticed() -> None:
    transposed = Matrices(
        duration_s={m: a.T.copy() for m, a in MATRICES.duration_s.items()},
        distance_m={m: a.T.copy() for m, a in MATRICES.distance_m.items()},
    )
    codes = {v.code for v in check_plan(NIGHT, transposed, PLAN)}
    assert {"travel_s_wrong", "travel_m_wrong"} <= codes


def test_wrong_mode_is_noticed() -> None:
    """sB rides a bike: checking it with car times must fail."""
    night = _night_shift("sB", mode="car")
    codes = {v.code for v in check_plan(night, MATRICES, PLAN) if v.shift_id == "sB"}
    assert {"travel_s_wrong", "travel_m_wrong"} <= codes


def test_plan_numbers_are_not_trusted() -> None:
    """A plan consistent with a lie about a leg is caught by the matrix."""
    plan = _stop(PLAN, "v2", travel_s=50, arrival_s=250, service_start_s=300, service_end_s=350)
    codes = sorted(v.code for v in check_plan(NIGHT, MATRICES, plan))
    assert codes == ["arrival_too_early", "travel_s_wrong"]


def test_unused_shift_needs_no_route_and_empty_route_is_fine() -> None:
    # sC (no break) with no stops: leave, come straight back.
    empty = Route("sC", "B", 0, 5, (), return_travel_s=5, return_travel_m=50)
    plan = dataclasses.replace(PLAN, routes=(*PLAN.routes, empty))
    assert check_plan(NIGHT, MATRICES, plan) == []


# ---- every visit exactly once ---------------------------------------------------------------


def test_visit_missing() -> None:
    plan = dataclasses.replace(PLAN, unplanned=())
    _expect(check_plan(NIGHT, MATRICES, plan), "visit_missing", visit_id="v5")


def test_visit_planned_twice() -> None:
    # sC (car, B, level 4) from x=30 serves v1 as well: a route valid in itself.
    again = Route(
        "sC",
        "B",
        depart_s=0,
        return_s=505,
        stops=(Stop("v1", 200, 200, 300, travel_s=200, travel_m=2000),),
        return_travel_s=205,
        return_travel_m=2050,
    )
    plan = dataclasses.replace(PLAN, routes=(*PLAN.routes, again))
    found = _expect(check_plan(NIGHT, MATRICES, plan), "visit_duplicated", visit_id="v1")
    assert "sA" in found.message and "sC" in found.message


def test_visit_unplanned_twice() -> None:
    plan = dataclasses.replace(PLAN, unplanned=PLAN.unplanned * 2)
    _expect(check_plan(NIGHT, MATRICES, plan), "visit_duplicated", visit_id="v5")


def test_visit_planned_and_unplanned() -> None:
    extra = Unplanned("v1", "shifts_full", "shifts full")
    plan = dataclasses.replace(PLAN, unplanned=(*PLAN.unplanned, extra))
    _expect(check_plan(NIGHT, MATRICES, plan), "visit_planned_and_unplanned", visit_id="v1")


def test_unknown_visit_unplanned() -> None:
    extra = Unplanned("ghost", "shifts_full", "shifts full")
    plan = dataclasses.replace(PLAN, unplanned=(*PLAN.unplanned, extra))
    _expect(check_plan(NIGHT, MATRICES, plan), "visit_unknown", visit_id="ghost")


def test_unknown_visit_in_route_skips_its_legs() -> None:
    plan = _stop(PLAN, "v4", visit_id="ghost")
    violations = check_plan(NIGHT, MATRICES, plan)
    assert sorted((v.code, v.shift_id, v.visit_id) for v in violations) == [
        ("visit_missing", None, "v4"),
        ("visit_unknown", "sB", "ghost"),
    ]


def test_unknown_unplanned_code() -> None:
    plan = dataclasses.replace(PLAN, unplanned=(Unplanned("v5", "tired", "too tired"),))
    _expect(check_plan(NIGHT, MATRICES, plan), "unplanned_code_unknown", visit_id="v5")


# ---- routes and shifts ----------------------------------------------------------------------


def test_unknown_shift() -> None:
    ghost = Route("nobody", "B", 0, 0, (), return_travel_s=0, return_travel_m=0)
    plan = dataclasses.replace(PLAN, routes=(*PLAN.routes, ghost))
    _expect(check_plan(NIGHT, MATRICES, plan), "shift_unknown", shift_id="nobody")


def test_unknown_visit_on_unknown_shift_is_still_reported() -> None:
    ghost = Route("nobody", "B", 0, 0, (Stop("ghost", 0, 0, 0, 0, 0),), 0, 0)
    plan = dataclasses.replace(PLAN, routes=(*PLAN.routes, ghost))
    violations = check_plan(NIGHT, MATRICES, plan)
    assert [(v.code, v.shift_id, v.visit_id) for v in violations] == [
        ("shift_unknown", "nobody", None),
        ("visit_unknown", "nobody", "ghost"),
    ]


def test_shift_reused() -> None:
    twice = Route("sB", "B", 0, 15, (), return_travel_s=15, return_travel_m=50)
    plan = dataclasses.replace(PLAN, routes=(*PLAN.routes, twice))
    _expect(check_plan(NIGHT, MATRICES, plan), "shift_reused", shift_id="sB")


def test_provider_mismatch() -> None:
    plan = _route(PLAN, "sB", provider="A")
    _expect(check_plan(NIGHT, MATRICES, plan), "provider_mismatch", shift_id="sB")


# ---- who may serve whom ---------------------------------------------------------------------


def test_other_provider_with_consent_in_pooled_plan_is_fine() -> None:
    # v3 is B's client on A's shift sA; it consents and the plan is pooled.
    assert check_plan(NIGHT, MATRICES, PLAN, pooled=True) == []


def test_other_provider_without_consent() -> None:
    night = _night_visit("v3", pooling=False)
    _expect(check_plan(night, MATRICES, PLAN), "not_consented", shift_id="sA", visit_id="v3")


def test_other_provider_in_solo_plan() -> None:
    _expect(
        check_plan(NIGHT, MATRICES, PLAN, pooled=False), "not_pooled", shift_id="sA", visit_id="v3"
    )
    solo = dataclasses.replace(PLAN, pooled=False)
    _expect(check_plan(NIGHT, MATRICES, solo), "not_pooled", shift_id="sA", visit_id="v3")
    assert check_plan(NIGHT, MATRICES, solo, pooled=True) == []


def test_level_too_low() -> None:
    night = _night_visit("v4", level=4)
    found = _expect(
        check_plan(night, MATRICES, PLAN), "level_too_low", shift_id="sB", visit_id="v4"
    )
    assert "level 4" in found.message and "level 3" in found.message


# ---- times and legs -------------------------------------------------------------------------


def test_start_before_window() -> None:
    night = _night_visit("v1", windows=(TimeWindow(150, 400),))
    found = _expect(
        check_plan(night, MATRICES, PLAN), "outside_window", shift_id="sA", visit_id="v1"
    )
    assert "before its first window" in found.message


def test_start_between_windows() -> None:
    # v3 served on arrival at 560: after its first window closed, before its second opens.
    plan = _stop(PLAN, "v3", service_start_s=560, service_end_s=660)
    plan = _route(plan, "sA", break_start_s=700, return_s=1200)
    found = _expect(
        check_plan(NIGHT, MATRICES, plan), "outside_window", shift_id="sA", visit_id="v3"
    )
    assert "between its windows" in found.message


def test_start_after_last_window() -> None:
    night = _night_visit("v4", windows=(TimeWindow(0, 100),))
    found = _expect(
        check_plan(night, MATRICES, PLAN), "outside_window", shift_id="sB", visit_id="v4"
    )
    assert "after its last window" in found.message


def test_multi_window_visit_in_either_window() -> None:
    # The valid plan serves v3 in its second window [800, 1000] …
    assert PLAN.routes[0].stops[2].service_start_s == 800
    assert check_plan(NIGHT, MATRICES, PLAN) == []
    # … and B's own shift sC (car, from x=30) may serve it in its first one, [200, 300].
    first = Route(
        "sC",
        "B",
        depart_s=0,
        return_s=455,
        stops=(Stop("v3", 100, 250, 350, travel_s=100, travel_m=1000),),
        return_travel_s=105,
        return_travel_m=1050,
    )
    left_out = tuple(Unplanned(v, "shifts_full", "shifts full") for v in ("v1", "v2", "v5"))
    plan = dataclasses.replace(PLAN, routes=(ROUTE_B, first), unplanned=left_out)
    assert check_plan(NIGHT, MATRICES, plan) == []


def test_travel_s_wrong_and_tolerance() -> None:
    within = _stop(PLAN, "v2", travel_s=104)
    assert check_plan(NIGHT, MATRICES, within) == []
    _expect(
        check_plan(NIGHT, MATRICES, within, tolerance_s=0),
        "travel_s_wrong",
        shift_id="sA",
        visit_id="v2",
    )
    wrong = _stop(PLAN, "v2", travel_s=100)
    found = _expect(
        check_plan(NIGHT, MATRICES, wrong), "travel_s_wrong", shift_id="sA", visit_id="v2"
    )
    assert "v1 → v2" in found.message and "105" in found.message


def test_travel_m_wrong() -> None:
    plan = _stop(PLAN, "v4", travel_m=1000)  # the car's distance, not the bike's 900
    _expect(check_plan(NIGHT, MATRICES, plan), "travel_m_wrong", shift_id="sB", visit_id="v4")


def test_return_leg_wrong() -> None:
    plan = _route(PLAN, "sB", return_travel_s=300, return_travel_m=900)
    violations = check_plan(NIGHT, MATRICES, plan)
    assert sorted((v.code, v.shift_id, v.visit_id) for v in violations) == [
        ("travel_m_wrong", "sB", None),
        ("travel_s_wrong", "sB", None),
    ]
    assert "v4 → sB:end" in violations[0].message


def test_depart_before_shift() -> None:
    plan = _route(PLAN, "sA", depart_s=-10)
    _expect(check_plan(NIGHT, MATRICES, plan), "depart_before_shift", shift_id="sA")


def test_arrival_too_early() -> None:
    plan = _stop(PLAN, "v2", arrival_s=300)  # v1 ends at 200, the leg takes 105 s
    found = _expect(
        check_plan(NIGHT, MATRICES, plan), "arrival_too_early", shift_id="sA", visit_id="v2"
    )
    assert "22:05:05" in found.message  # the earliest possible arrival, on the clock


def test_service_before_arrival() -> None:
    plan = _stop(PLAN, "v2", service_start_s=300, service_end_s=350)
    _expect(
        check_plan(NIGHT, MATRICES, plan), "service_before_arrival", shift_id="sA", visit_id="v2"
    )


def test_service_end_wrong() -> None:
    plan = _stop(PLAN, "v1", service_end_s=190)
    _expect(check_plan(NIGHT, MATRICES, plan), "service_end_wrong", shift_id="sA", visit_id="v1")


def test_return_too_early() -> None:
    plan = _route(PLAN, "sA", return_s=1300)
    _expect(check_plan(NIGHT, MATRICES, plan), "return_too_early", shift_id="sA")


def test_return_after_shift_end() -> None:
    plan = _route(PLAN, "sA", return_s=3100)
    _expect(check_plan(NIGHT, MATRICES, plan), "return_after_shift", shift_id="sA")
    night = _night_shift("sB", end_s=600)
    _expect(check_plan(night, MATRICES, PLAN), "return_after_shift", shift_id="sB")


def test_max_drive_exceeded() -> None:
    night = _night_shift("sA", max_drive_s=800)  # the route travels 815 s
    found = _expect(check_plan(night, MATRICES, PLAN), "max_drive_exceeded", shift_id="sA")
    assert "815" in found.message
    assert check_plan(_night_shift("sA", max_drive_s=815), MATRICES, PLAN) == []


# ---- breaks -----------------------------------------------------------------------------------


def test_break_missing() -> None:
    plan = _route(PLAN, "sA", break_start_s=None)
    _expect(check_plan(NIGHT, MATRICES, plan), "break_missing", shift_id="sA")


def test_break_unexpected() -> None:
    plan = _route(PLAN, "sB", break_start_s=400)
    _expect(check_plan(NIGHT, MATRICES, plan), "break_unexpected", shift_id="sB")


def test_break_overlaps_care() -> None:
    plan = _route(PLAN, "sA", break_start_s=750)  # [750, 850] against v3's care [800, 900]
    _expect(check_plan(NIGHT, MATRICES, plan), "break_overlaps_care", shift_id="sA", visit_id="v3")


def test_break_outside_window() -> None:
    plan = _route(PLAN, "sA", break_start_s=450)  # [450, 550]; the window opens at 500
    _expect(check_plan(NIGHT, MATRICES, plan), "break_outside_window", shift_id="sA")


def test_break_outside_route() -> None:
    night = _night_shift("sA", break_window=TimeWindow(0, 4000))
    plan = _route(PLAN, "sA", break_start_s=2950)  # [2950, 3050]: the shift ends at 3000
    _expect(check_plan(night, MATRICES, plan), "break_outside_route", shift_id="sA")


def test_break_at_the_office_after_the_route_is_fine() -> None:
    night = _night_shift("sA", break_window=TimeWindow(0, 2000))
    plan = _route(PLAN, "sA", break_start_s=1400)  # back at 1305; still on shift until 3000
    assert check_plan(night, MATRICES, plan) == []


def test_break_no_room_in_its_gap() -> None:
    # v2 served later: the gap v2 → v3 is [550, 800], 250 s, for 205 s of travel + 100 s break.
    plan = _stop(PLAN, "v2", service_start_s=500, service_end_s=550)
    plan = _stop(plan, "v3", arrival_s=755)
    _expect(check_plan(NIGHT, MATRICES, plan), "break_no_room", shift_id="sA", visit_id="v3")


def test_break_before_return_needs_room() -> None:
    # A break after the last visit must leave time for the return leg.
    night = _night_shift("sA", break_window=TimeWindow(0, 2000))
    tight = _route(PLAN, "sA", break_start_s=1000, return_s=1405)  # 505 s for 405 + 100
    assert check_plan(night, MATRICES, tight) == []
    plan = _route(PLAN, "sA", break_start_s=1000, return_s=1400)
    _expect(check_plan(night, MATRICES, plan), "break_no_room", shift_id="sA")


def test_break_touching_care_is_fine() -> None:
    # [700, 800] ends exactly when v3's care starts; the gap [355, 800] holds 205 + 100.
    assert check_plan(NIGHT, MATRICES, _route(PLAN, "sA", break_start_s=700)) == []


# ---- several at once, and the text ----------------------------------------------------------


def test_every_violation_is_listed() -> None:
    plan = _route(PLAN, "sA", depart_s=-10, return_s=3100, break_start_s=None)
    plan = dataclasses.replace(plan, unplanned=())
    codes = {v.code for v in check_plan(NIGHT, MATRICES, plan)}
    assert codes == {"depart_before_shift", "return_after_shift", "break_missing", "visit_missing"}


def test_violation_str_and_summary() -> None:
    v = Violation("level_too_low", "needs level 4", shift_id="sB", visit_id="v4")
    assert str(v) == "level_too_low (shift sB, visit v4): needs level 4"
    assert (
        str(Violation("visit_missing", "gone", visit_id="v5")) == "visit_missing (visit v5): gone"
    )
    assert str(Violation("x", "plain")) == "x: plain"
    text = summarize([v, v, Violation("visit_missing", "gone", visit_id="v5")])
    lines = text.splitlines()
    assert lines[0] == "3 violations (level_too_low ×2, visit_missing ×1):"
    assert lines[1] == f"  - {v}" and len(lines) == 4
    assert summarize([v]).startswith("1 violation (")


# ---- what the checker refuses to check --------------------------------------------------------


def test_missing_mode_matrix_raises() -> None:
    car_only = Matrices(
        duration_s={"car": MATRICES.duration_s["car"]},
        distance_m={"car": MATRICES.distance_m["car"]},
    )
    with pytest.raises(InputError) as info:
        check_plan(NIGHT, car_only, PLAN)
    assert len(info.value.problems) == 2
    assert "'bike'" in str(info.value)
    # Without a bike route, the car matrices suffice.
    plan = dataclasses.replace(
        PLAN, routes=(ROUTE_A,), unplanned=(*PLAN.unplanned, Unplanned("v4", "shifts_full", "x"))
    )
    assert check_plan(NIGHT, car_only, plan) == []


def test_wrong_shape_matrix_raises() -> None:
    small = Matrices(
        duration_s={**MATRICES.duration_s, "car": MATRICES.duration_s["car"][:5, :5]},
        distance_m=MATRICES.distance_m,
    )
    with pytest.raises(InputError, match="shape"):
        check_plan(NIGHT, small, PLAN)


def test_negative_tolerance_and_duplicate_ids_raise_together() -> None:
    shifts = (*NIGHT.shifts[:2], dataclasses.replace(NIGHT.shifts[2], shift_id="sB"))
    night = NIGHT.with_shifts(shifts)
    with pytest.raises(InputError) as info:
        check_plan(night, MATRICES, PLAN, tolerance_s=-1, tolerance_m=-1)
    text = str(info.value)
    assert len(info.value.problems) == 3
    assert "tolerance_s" in text and "tolerance_m" in text and "row sB" in text


# ---- properties -------------------------------------------------------------------------------


def _slack_s(night: Night, route: Route) -> int:
    """How much later every time of ``route`` can be and still fit windows and shift."""
    shift = next(s for s in night.shifts if s.shift_id == route.shift_id)
    visits = {v.visit_id: v for v in night.visits}
    slack = shift.end_s - route.return_s
    for stop in route.stops:
        window = next(w for w in visits[stop.visit_id].windows if w.contains(stop.service_start_s))
        slack = min(slack, window.end_s - stop.service_start_s)
    if route.break_start_s is not None and shift.break_window is not None:
        slack = min(slack, shift.break_window.end_s - route.break_start_s - shift.break_duration_s)
    return slack


def _later(route: Route, delta_s: int) -> Route:
    stops = tuple(
        dataclasses.replace(
            s,
            arrival_s=s.arrival_s + delta_s,
            service_start_s=s.service_start_s + delta_s,
            service_end_s=s.service_end_s + delta_s,
        )
        for s in route.stops
    )
    brk = None if route.break_start_s is None else route.break_start_s + delta_s
    return dataclasses.replace(
        route,
        depart_s=route.depart_s + delta_s,
        return_s=route.return_s + delta_s,
        stops=stops,
        break_start_s=brk,
    )


@given(st.data())
def test_shifting_a_valid_plan_later_within_its_slack_stays_valid(data: st.DataObject) -> None:
    routes = []
    for route in PLAN.routes:
        slack = _slack_s(NIGHT, route)
        assert slack >= 0
        routes.append(_later(route, data.draw(st.integers(0, slack), label=route.shift_id)))
    plan = dataclasses.replace(PLAN, routes=tuple(routes))
    assert check_plan(NIGHT, MATRICES, plan) == []


@given(
    st.sampled_from([(r, k) for r in range(2) for k in range(len(PLAN.routes[r].stops))]),
    st.integers(1, 5_000),
    st.booleans(),
)
def test_service_before_arrival_is_always_caught(
    where: tuple[int, int], early_s: int, keep_duration: bool
) -> None:
    r, k = where
    stop = PLAN.routes[r].stops[k]
    start = stop.arrival_s - early_s
    end = (
        start + (stop.service_end_s - stop.service_start_s) if keep_duration else stop.service_end_s
    )
    plan = _stop(PLAN, stop.visit_id, service_start_s=start, service_end_s=end)
    found = [
        (v.shift_id, v.visit_id)
        for v in check_plan(NIGHT, MATRICES, plan)
        if v.code == "service_before_arrival"
    ]
    assert found == [(PLAN.routes[r].shift_id, stop.visit_id)]
