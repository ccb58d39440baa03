"""An independent checker of plans: does a plan keep every rule of its night?

:func:`check_plan` recomputes a plan from its inputs alone, the :class:`~zorgroute.model.Night`
and the :class:`~zorgroute.model.Matrices`: every leg's travel time and distance is looked up
in the matrix of the shift's travel mode, and every time of the plan is checked against the
times that those legs, the visits' windows and durations and the shifts allow. The plan's own
numbers (``travel_s``, ``return_travel_s``, :attr:`~zorgroute.model.Route.drive_s`) are
compared with the recomputed ones, never used in their place. Only the order of the stops is
taken from the plan: the checker verifies a plan, it does not solve one.

The checker shares no code with the solver on purpose, so that a bug in one is caught by the
other. It is used by the tests, the benchmarks, the command line and the API alike.

Every violation found is reported, not only the first, as a :class:`Violation` with a code
from :data:`CODES`; an empty list means the plan is valid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from zorgroute.exceptions import InputError, Problem
from zorgroute.model import REASONS, Matrices, Night, Plan, Route, Shift, Stop, Visit

#: Every violation code :func:`check_plan` reports, and what it means.
CODES: Mapping[str, str] = {
    # every visit exactly once
    "visit_missing": "a visit of the night is neither in a route nor unplanned",
    "visit_duplicated": "a visit is planned more than once, or listed unplanned more than once",
    "visit_planned_and_unplanned": "a visit is both in a route and listed as unplanned",
    "visit_unknown": "a visit id in the plan is not a visit of the night",
    "unplanned_code_unknown": "an unplanned visit's code is not a known reason",
    # routes and shifts
    "shift_unknown": "a route's shift is not a shift of the night",
    "shift_reused": "a shift has more than one route",
    "provider_mismatch": "a route's provider is not its shift's provider",
    # who may serve whom
    "not_pooled": "a visit is served by another provider's shift in a plan that is not pooled",
    "not_consented": "a visit is served by another provider's shift without the client's consent",
    "level_too_low": "the shift's qualification level is below the visit's",
    # times and legs
    "travel_s_wrong": "a leg's travel time differs from the matrix",
    "travel_m_wrong": "a leg's distance differs from the matrix",
    "depart_before_shift": "the route leaves before its shift starts",
    "arrival_too_early": "arrival comes before the previous departure plus the travel time",
    "service_before_arrival": "care starts before the carer arrives",
    "outside_window": "care starts outside every time window of the visit",
    "service_end_wrong": "care does not end at its start plus the visit's duration",
    "return_too_early": "the return comes before the last departure plus the return leg",
    "return_after_shift": "the route returns after its shift ends",
    "max_drive_exceeded": "the route's travel time exceeds the shift's maximum",
    "capacity_exceeded": "the route's total demand exceeds the shift's capacity",
    "continuous_drive_exceeded": "a leg is longer than the shift's continuous drive limit",
    "carer_missing": "a visit needing two carers has only one",
    "same_carer_twice": "both carers of a double-staffed visit are the same shift",
    "carers_not_together": "the two carers of a synchronised visit start at different times",
    "carer_gap_wrong": "the second carer's start is outside the allowed gap after the first",
    "predecessor_missing": "a follow-up visit is planned without the visit it follows",
    "precedence_gap_wrong": "a follow-up visit starts outside its gap after the first ends",
    "nurse_excluded": "a client is served by a nurse it asked not to get",
    "carer_unknown": "a stop's carer number does not fit the visit",
    "skill_missing": "the carer is not qualified for the service the visit needs",
    # breaks
    "break_missing": "the shift has a break but its route has none",
    "break_unexpected": "the route has a break but its shift has none",
    "break_outside_window": "the break does not lie inside the shift's break window",
    "break_outside_route": "the break does not lie inside the shift's hours",
    "break_overlaps_care": "the break overlaps the care of a visit",
    "break_no_room": "the gap the break lies in is shorter than its travel plus the break",
}


@dataclass(frozen=True)
class Violation:
    """One rule a plan breaks.

    Attributes
    ----------
    code
        What kind of rule: a key of :data:`CODES`.
    message
        What exactly is wrong, with the numbers, for a planner to read.
    shift_id
        The shift (route) concerned, if any.
    visit_id
        The visit concerned, if any.
    """

    code: str
    message: str
    shift_id: str | None = None
    visit_id: str | None = None

    def __str__(self) -> str:
        where = [f"shift {self.shift_id}" if self.shift_id is not None else ""]
        where.append(f"visit {self.visit_id}" if self.visit_id is not None else "")
        place = ", ".join(w for w in where if w)
        return f"{self.code} ({place}): {self.message}" if place else f"{self.code}: {self.message}"


def check_plan(
    night: Night,
    matrices: Matrices,
    plan: Plan,
    *,
    pooled: bool | None = None,
    tolerance_s: int = 1,
    tolerance_m: int = 1,
    allow_late: bool = False,
) -> list[Violation]:
    """Every rule of ``night`` that ``plan`` breaks, recomputed from the night and matrices.

    With ``allow_late`` (soft windows) care may start after a visit's last window closes;
    how late is then a cost (:func:`tardiness_s`), not a violation.

    Checked, with the codes of :data:`CODES`:

    - every visit of the night appears exactly once: in one route's stops or once in
      ``plan.unplanned``, never both, never missing; no unknown visit ids, no unknown
      reason codes;
    - every route's shift exists, has no other route, and has the route's provider;
    - a visit goes to a shift of another provider only if the plan is pooled and the
      client consents (``Visit.pooling``), and always to a shift of at least its level;
    - along each route, in the plan's order of stops, with the matrix of the shift's mode:
      each leg's ``travel_s``/``travel_m`` (also the return leg's) equals the matrix; the
      route leaves no earlier than the shift starts; each arrival is no earlier than the
      previous departure (``depart_s`` or the previous ``service_end_s``) plus the leg;
      care starts no earlier than the arrival and inside one of the visit's windows, and
      ends after exactly the visit's duration; the return is no earlier than the last
      departure plus the return leg and no later than the shift's end; the route's travel
      time (the matrix's, return leg included) is at most the shift's ``max_drive_s``;
    - breaks: a shift with ``break_duration_s > 0`` needs ``break_start_s`` on a route with
      stops; the break ``[b, b + duration]`` lies inside the break window (if any) and
      between departure and return, overlaps no care, and the gap it lies in (between a
      departure or end of care and the next start of care or the return) holds the leg's
      travel plus the break: a break may be taken while travelling or waiting, never during
      care. A route of a shift without a break must have no ``break_start_s``.

    A visit with no windows at all may start at any time. Legs to or from an unknown visit
    cannot be looked up and are not checked (the unknown visit is reported).

    Parameters
    ----------
    night
        The visits and shifts the plan was made for.
    matrices
        Travel times and distances between the night's locations, per mode.
    plan
        The plan to check; only its routes' stop order is trusted.
    pooled
        Whether visits may go to other providers' shifts; ``None`` (default) takes
        ``plan.pooled``.
    tolerance_s
        Seconds a leg's time may differ from the matrix, and the slack allowed where a time
        is compared with a time plus a leg (arrival, return, a break's gap). Times compared
        with the input only (windows, shift bounds, durations, the maximum drive) are exact.
    tolerance_m
        Metres a leg's distance may differ from the matrix.

    Returns
    -------
    list of Violation
        Every violation found, the visit accounting first, then route by route in plan
        order; an empty list when the plan is valid.

    Raises
    ------
    InputError
        If the check itself cannot be made: a negative tolerance, duplicate visit or shift
        ids in the night, or no matrix (or a matrix of the wrong shape) for the travel mode
        of a shift that has a route. All such problems are listed in one error.
    """
    _validate(night, matrices, plan, tolerance_s, tolerance_m)
    checker = _Checker(
        night,
        matrices,
        pooled=plan.pooled if pooled is None else pooled,
        tolerance_s=tolerance_s,
        tolerance_m=tolerance_m,
        allow_late=allow_late,
    )
    violations = checker.accounting(plan)
    seen: set[str] = set()
    for route in plan.routes:
        violations += checker.route(route, seen)
    violations += checker.links(plan)
    return violations


def tardiness_s(night: Night, plan: Plan) -> dict[str, int]:
    """Seconds each planned stop starts after its visit's last window closes (> 0 only)."""
    visits = {v.visit_id: v for v in night.visits}
    out: dict[str, int] = {}
    for route in plan.routes:
        for stop in route.stops:
            v = visits.get(stop.visit_id)
            if v is None or not v.windows:
                continue
            late = stop.service_start_s - v.windows[-1].end_s
            if late > 0:
                key = stop.visit_id if stop.carer == 1 else f"{stop.visit_id}#{stop.carer}"
                out[key] = late
    return out


def summarize(violations: Iterable[Violation]) -> str:
    """A text for humans: how many violations of which kind, then one line each.

    Parameters
    ----------
    violations
        As returned by :func:`check_plan`.

    Returns
    -------
    str
        ``"plan OK: no violations"``, or a headline with the count per code followed by
        one indented line per violation.
    """
    found = list(violations)
    if not found:
        return "plan OK: no violations"
    counts = Counter(v.code for v in found)
    kinds = ", ".join(f"{code} ×{n}" for code, n in counts.items())
    head = f"{len(found)} violation{'' if len(found) == 1 else 's'} ({kinds}):"
    return "\n".join([head, *(f"  - {v}" for v in found)])


# --------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------


def _validate(
    night: Night, matrices: Matrices, plan: Plan, tolerance_s: int, tolerance_m: int
) -> None:
    """Raise one :class:`InputError` listing every reason the check cannot be made."""
    problems: list[Problem] = []
    for name, value in (("tolerance_s", tolerance_s), ("tolerance_m", tolerance_m)):
        if value < 0:
            problems.append(Problem("must not be negative", "check_plan", None, name, str(value)))
    for kind, ids in (
        ("visit", [v.visit_id for v in night.visits]),
        ("shift", [s.shift_id for s in night.shifts]),
    ):
        for dup, n in Counter(ids).items():
            if n > 1:
                problems.append(Problem(f"{kind} id appears {n} times in the night", "night", dup))
    shift_of = {s.shift_id: s for s in night.shifts}
    modes = sorted({shift_of[r.shift_id].mode for r in plan.routes if r.shift_id in shift_of})
    n = night.n_locations
    for mode in modes:
        for name, table in (
            ("duration_s", matrices.duration_s),
            ("distance_m", matrices.distance_m),
        ):
            if mode not in table:
                problems.append(
                    Problem(f"no {name} matrix for mode {mode!r}, used by a route", "matrices")
                )
            elif np.shape(table[mode]) != (n, n):
                problems.append(
                    Problem(
                        f"{name} matrix for mode {mode!r} has shape {np.shape(table[mode])}, "
                        f"the night has {n} locations",
                        "matrices",
                    )
                )
    if problems:
        raise InputError(problems, summary="cannot check the plan")


class _Checker:
    """The night, looked up by id, and the rules; one method per part of a plan."""

    def __init__(
        self,
        night: Night,
        matrices: Matrices,
        *,
        pooled: bool,
        tolerance_s: int,
        tolerance_m: int,
        allow_late: bool = False,
    ) -> None:
        self.allow_late = allow_late
        self.night = night
        self.matrices = matrices
        self.pooled = pooled
        self.tol_s = tolerance_s
        self.tol_m = tolerance_m
        self.visits: dict[str, tuple[int, Visit]] = {
            v.visit_id: (i, v) for i, v in enumerate(night.visits)
        }
        self.shifts: dict[str, tuple[int, Shift]] = {
            s.shift_id: (k, s) for k, s in enumerate(night.shifts)
        }
        self.labels = night.location_labels()

    def clock(self, t_s: int) -> str:
        """A time for messages: the clock time and the seconds from the origin."""
        return f"{self.night.at(t_s):%H:%M:%S} (t={t_s} s)"

    # ---- every visit exactly once -----------------------------------------------------------

    def accounting(self, plan: Plan) -> list[Violation]:
        """Every visit of the night exactly once: planned once, or unplanned once."""
        out: list[Violation] = []
        planned = Counter(plan.planned_ids())
        unplanned = Counter(u.visit_id for u in plan.unplanned)
        routes_of: dict[str, list[str]] = {}
        for route in plan.routes:
            for stop in route.stops:
                routes_of.setdefault(stop.visit_id, []).append(route.shift_id)
        for visit in self.night.visits:
            vid = visit.visit_id
            p, u = planned[vid], unplanned[vid]
            if p == 0 and u == 0:
                out.append(
                    Violation("visit_missing", "neither in a route nor unplanned", visit_id=vid)
                )
            where = ", ".join(routes_of.get(vid, []))
            if p > 0 and u > 0:
                out.append(
                    Violation(
                        "visit_planned_and_unplanned",
                        f"planned (in the route of {where}) and also listed as unplanned",
                        visit_id=vid,
                    )
                )
            if p > visit.staff:
                out.append(
                    Violation(
                        "visit_duplicated", f"planned {p} times (routes of {where})", visit_id=vid
                    )
                )
            if 0 < p < visit.staff:
                out.append(
                    Violation(
                        "carer_missing",
                        f"needs {visit.staff} carers, planned with {p} (route of {where})",
                        visit_id=vid,
                    )
                )
            if u > 1:
                out.append(
                    Violation("visit_duplicated", f"listed as unplanned {u} times", visit_id=vid)
                )
        for entry in plan.unplanned:
            if entry.visit_id not in self.visits:
                out.append(
                    Violation(
                        "visit_unknown",
                        "listed as unplanned but not a visit of the night",
                        visit_id=entry.visit_id,
                    )
                )
            if entry.code not in REASONS:
                out.append(
                    Violation(
                        "unplanned_code_unknown",
                        f"reason code {entry.code!r} is not one of {', '.join(REASONS)}",
                        visit_id=entry.visit_id,
                    )
                )
        # Unknown visits in routes are reported by route(), with their shift.
        return out

    # ---- one route ----------------------------------------------------------------------------

    def route(self, route: Route, seen: set[str]) -> list[Violation]:
        """The rules of one route; ``seen`` collects the shifts that have a route so far."""
        sid = route.shift_id
        found = self.shifts.get(sid)
        if found is None:
            # Without a shift there is no mode, start or end: only the visit ids can be checked.
            unknown = [
                Violation("visit_unknown", "in the route but not a visit of the night", sid, vid)
                for vid in (s.visit_id for s in route.stops)
                if vid not in self.visits
            ]
            return [
                Violation("shift_unknown", "the route's shift is not in the night", sid),
                *unknown,
            ]
        k, shift = found
        out: list[Violation] = []
        if sid in seen:
            out.append(Violation("shift_reused", "the shift has more than one route", sid))
        seen.add(sid)
        if route.provider != shift.provider:
            out.append(
                Violation(
                    "provider_mismatch",
                    f"route says provider {route.provider!r}, "
                    f"the shift belongs to {shift.provider!r}",
                    sid,
                )
            )
        if route.depart_s < shift.start_s:
            out.append(
                Violation(
                    "depart_before_shift",
                    f"leaves at {self.clock(route.depart_s)}, "
                    f"the shift starts at {self.clock(shift.start_s)}",
                    sid,
                )
            )
        durations = self.matrices.duration_s[shift.mode]
        distances = self.matrices.distance_m[shift.mode]

        # The recomputed travel time of each leg: into stop 0, 1, …, then the return leg;
        # None where an unknown visit leaves the leg unknown.
        legs: list[int | None] = []
        here: int | None = self.night.location_index(start=k)
        left_s = route.depart_s  # when the carer leaves the previous place, per the plan
        for stop in route.stops:
            found_visit = self.visits.get(stop.visit_id)
            there: int | None = None
            if found_visit is None:
                out.append(
                    Violation(
                        "visit_unknown",
                        "in the route but not a visit of the night",
                        sid,
                        stop.visit_id,
                    )
                )
            else:
                there, visit = found_visit[0], found_visit[1]
                out += self.eligibility(shift, visit)
            leg, wrong = self.leg(
                sid, stop.visit_id, here, there, stop.travel_s, stop.travel_m, durations, distances
            )
            out += wrong
            legs.append(leg)
            out += self.stop_times(sid, stop, left_s, leg)
            if found_visit is not None:
                out += self.care(sid, stop, found_visit[1])
            here, left_s = there, stop.service_end_s

        end = self.night.location_index(end=k)
        leg, wrong = self.leg(
            sid, None, here, end, route.return_travel_s, route.return_travel_m, durations, distances
        )
        out += wrong
        legs.append(leg)
        if leg is not None and route.return_s < left_s + leg - self.tol_s:
            out.append(
                Violation(
                    "return_too_early",
                    f"returns at {self.clock(route.return_s)}, but leaving at "
                    f"{self.clock(left_s)} with a {leg} s return leg it cannot be back before "
                    f"{self.clock(left_s + leg)}",
                    sid,
                )
            )
        if route.return_s > shift.end_s:
            out.append(
                Violation(
                    "return_after_shift",
                    f"returns at {self.clock(route.return_s)}, "
                    f"the shift ends at {self.clock(shift.end_s)}",
                    sid,
                )
            )
        if shift.max_drive_s is not None and None not in legs:
            drive_s = sum(leg_s for leg_s in legs if leg_s is not None)
            if drive_s > shift.max_drive_s:
                out.append(
                    Violation(
                        "max_drive_exceeded",
                        f"travels {drive_s} s (by the matrix), "
                        f"the shift allows {shift.max_drive_s} s",
                        sid,
                    )
                )
        if shift.max_leg_drive_s is not None:
            for leg_s in legs:
                if leg_s is not None and leg_s > shift.max_leg_drive_s:
                    out.append(
                        Violation(
                            "continuous_drive_exceeded",
                            f"a leg of {leg_s} s, the shift allows {shift.max_leg_drive_s} s "
                            "of driving without a stop",
                            sid,
                        )
                    )
        if shift.capacity is not None:
            load = sum(
                self.visits[stop.visit_id][1].demand
                for stop in route.stops
                if stop.visit_id in self.visits
            )
            if load > shift.capacity:
                out.append(
                    Violation(
                        "capacity_exceeded",
                        f"carries a demand of {load}, the shift's capacity is {shift.capacity}",
                        sid,
                    )
                )
        out += self.break_(route, shift, legs)
        return out

    def links(self, plan: Plan) -> list[Violation]:
        """Two carers of one visit together (or in order), and follow-ups after their first."""
        out: list[Violation] = []
        starts: dict[str, list[tuple[int, str]]] = {}
        ends: dict[str, int] = {}
        carers: dict[str, list[tuple[int, int, str]]] = {}
        for route in plan.routes:
            for stop in route.stops:
                starts.setdefault(stop.visit_id, []).append((stop.service_start_s, route.shift_id))
                carers.setdefault(stop.visit_id, []).append(
                    (stop.carer, stop.service_start_s, route.shift_id)
                )
                ends[stop.visit_id] = max(ends.get(stop.visit_id, 0), stop.service_end_s)
        for visit in self.night.visits:
            vid = visit.visit_id
            planned = sorted(starts.get(vid, []))
            if visit.staff == 2 and len(planned) == 2:
                by_carer = sorted(carers.get(vid, []))
                if [c for c, _, _ in by_carer] == [1, 2]:
                    (_, t1, s1), (_, t2, s2) = by_carer
                else:
                    out.append(
                        Violation(
                            "carer_unknown", "the two stops must be carer 1 and carer 2", None, vid
                        )
                    )
                    (t1, s1), (t2, s2) = planned
                if s1 == s2:
                    out.append(
                        Violation("same_carer_twice", "both carers are the same shift", s1, vid)
                    )
                gap = t2 - t1
                if visit.sync == "same_time" and gap != 0:
                    out.append(
                        Violation(
                            "carers_not_together",
                            f"the carers start {gap} s apart ({self.clock(t1)} and "
                            f"{self.clock(t2)})",
                            visit_id=vid,
                        )
                    )
                if visit.sync == "ordered" and not (
                    visit.second_gap_min_s <= gap <= visit.second_gap_max_s
                ):
                    out.append(
                        Violation(
                            "carer_gap_wrong",
                            f"the second carer starts {gap} s after the first, allowed "
                            f"{visit.second_gap_min_s}..{visit.second_gap_max_s} s",
                            visit_id=vid,
                        )
                    )
            if visit.after is not None and planned:
                if visit.after not in ends:
                    out.append(
                        Violation(
                            "predecessor_missing",
                            f"planned, but the visit it must follow ({visit.after}) is not",
                            visit_id=vid,
                        )
                    )
                    continue
                gap = min(t for t, _ in planned) - ends[visit.after]
                high = visit.after_gap_max_s
                if gap < visit.after_gap_min_s or (high is not None and gap > high):
                    allowed = f"{visit.after_gap_min_s}..{high if high is not None else '∞'}"
                    out.append(
                        Violation(
                            "precedence_gap_wrong",
                            f"starts {gap} s after {visit.after} ends, allowed {allowed} s",
                            visit_id=vid,
                        )
                    )
        return out

    def eligibility(self, shift: Shift, visit: Visit) -> list[Violation]:
        """May this shift serve this visit at all (provider, consent, level)?"""
        out: list[Violation] = []
        sid, vid = shift.shift_id, visit.visit_id
        if visit.provider != shift.provider:
            whose = f"a client of {visit.provider!r} served by {shift.provider!r}"
            if not self.pooled:
                out.append(
                    Violation("not_pooled", f"{whose} in a plan that is not pooled", sid, vid)
                )
            if not visit.pooling:
                out.append(
                    Violation(
                        "not_consented", f"{whose}, without consent to another provider", sid, vid
                    )
                )
        if shift.shift_id in visit.not_nurses:
            out.append(
                Violation("nurse_excluded", "the client asked not to get this nurse", sid, vid)
            )
        if shift.level < visit.level:
            out.append(
                Violation(
                    "level_too_low",
                    f"the visit needs level {visit.level}, the shift has level {shift.level}",
                    sid,
                    vid,
                )
            )
        return out

    def leg(
        self,
        sid: str,
        vid: str | None,
        here: int | None,
        there: int | None,
        travel_s: int,
        travel_m: int,
        durations: NDArray[np.int64],
        distances: NDArray[np.int64],
    ) -> tuple[int | None, list[Violation]]:
        """The matrix's time of the leg ``here → there``, and the plan's mismatches with it.

        The time is ``None`` if either end is unknown (an unknown visit).
        """
        if here is None or there is None:
            return None, []
        want_s = int(durations[here, there])
        want_m = int(distances[here, there])
        name = f"leg {self.labels[here]} → {self.labels[there]}"
        out: list[Violation] = []
        if abs(travel_s - want_s) > self.tol_s:
            out.append(
                Violation(
                    "travel_s_wrong", f"{name}: plan says {travel_s} s, matrix {want_s} s", sid, vid
                )
            )
        if abs(travel_m - want_m) > self.tol_m:
            out.append(
                Violation(
                    "travel_m_wrong", f"{name}: plan says {travel_m} m, matrix {want_m} m", sid, vid
                )
            )
        return want_s, out

    def stop_times(self, sid: str, stop: Stop, left_s: int, leg: int | None) -> list[Violation]:
        """Arrival after the leg from the previous place, and care not before the arrival."""
        out: list[Violation] = []
        vid = stop.visit_id
        if leg is not None and stop.arrival_s < left_s + leg - self.tol_s:
            out.append(
                Violation(
                    "arrival_too_early",
                    f"arrives at {self.clock(stop.arrival_s)}, but leaving at "
                    f"{self.clock(left_s)} with a {leg} s leg it cannot be there before "
                    f"{self.clock(left_s + leg)}",
                    sid,
                    vid,
                )
            )
        if stop.service_start_s < stop.arrival_s:
            out.append(
                Violation(
                    "service_before_arrival",
                    f"care starts at {self.clock(stop.service_start_s)}, "
                    f"before the arrival at {self.clock(stop.arrival_s)}",
                    sid,
                    vid,
                )
            )
        return out

    def care(self, sid: str, stop: Stop, visit: Visit) -> list[Violation]:
        """Care starts inside a window of the visit and lasts exactly its duration."""
        out: list[Violation] = []
        vid, start = visit.visit_id, stop.service_start_s
        late_ok = self.allow_late and start > visit.windows[-1].end_s if visit.windows else False
        if visit.windows and not late_ok and not any(w.contains(start) for w in visit.windows):
            if start < visit.windows[0].start_s:
                where = "before its first window opens"
            elif start > visit.windows[-1].end_s:
                where = "after its last window closes"
            else:
                where = "between its windows"
            windows = ", ".join(
                f"[{self.clock(w.start_s)}, {self.clock(w.end_s)}]" for w in visit.windows
            )
            out.append(
                Violation(
                    "outside_window",
                    f"care starts at {self.clock(start)}, {where} ({windows})",
                    sid,
                    vid,
                )
            )
        duration = visit.carer_duration_s(stop.carer)
        if stop.service_end_s != start + duration:
            out.append(
                Violation(
                    "service_end_wrong",
                    f"care ends at {self.clock(stop.service_end_s)}; starting at "
                    f"{self.clock(start)} and lasting {duration} s it ends at "
                    f"{self.clock(start + duration)}",
                    sid,
                    vid,
                )
            )
        if stop.carer not in range(1, visit.staff + 1):
            out.append(
                Violation(
                    "carer_unknown",
                    f"stop says carer {stop.carer}, the visit needs {visit.staff}",
                    sid,
                    vid,
                )
            )
        skill = visit.carer_skill(stop.carer)
        shift = self.shifts.get(sid)
        if skill is not None and shift is not None and skill not in shift[1].skills:
            out.append(
                Violation("skill_missing", f"the carer is not qualified for {skill!r}", sid, vid)
            )
        return out

    def break_(self, route: Route, shift: Shift, legs: list[int | None]) -> list[Violation]:
        """The break: present when due, in its window and the route, never during care.

        ``legs`` are the recomputed travel times into each stop and of the return leg.
        """
        sid, begin, length = route.shift_id, route.break_start_s, shift.break_duration_s
        if length <= 0:
            if begin is None:
                return []
            return [
                Violation(
                    "break_unexpected",
                    f"a break at {self.clock(begin)}, but the shift has no break",
                    sid,
                )
            ]
        if begin is None:
            if not route.stops:
                return []  # an unused shift need not plan its break
            return [
                Violation(
                    "break_missing",
                    f"the shift needs a break of {length} s, the route has none",
                    sid,
                )
            ]
        out: list[Violation] = []
        end = begin + length
        span = f"[{self.clock(begin)}, {self.clock(end)}]"
        window = shift.break_window
        if window is not None and not (window.start_s <= begin and end <= window.end_s):
            out.append(
                Violation(
                    "break_outside_window",
                    f"break {span} is not inside the break window "
                    f"[{self.clock(window.start_s)}, {self.clock(window.end_s)}]",
                    sid,
                )
            )
        # a break may also be taken at the office before leaving or after coming back:
        # the carer is on duty for the whole shift
        inside = shift.start_s <= begin and end <= shift.end_s
        if not inside:
            out.append(
                Violation(
                    "break_outside_route",
                    f"break {span} is not inside the shift "
                    f"[{self.clock(shift.start_s)}, {self.clock(shift.end_s)}]",
                    sid,
                )
            )
        overlaps = [s for s in route.stops if begin < s.service_end_s and end > s.service_start_s]
        for stop in overlaps:
            out.append(
                Violation(
                    "break_overlaps_care",
                    f"break {span} overlaps care from {self.clock(stop.service_start_s)} "
                    f"to {self.clock(stop.service_end_s)}",
                    sid,
                    stop.visit_id,
                )
            )
        if not inside or overlaps:
            return out
        # The gaps between consecutive events: (departure or end of care) → (next start of
        # care or the return). A break inside the route that overlaps no care lies in one of
        # them whenever the route's times are in order; when they are not, those times have
        # been reported already and there is no gap to check.
        gap_starts = [shift.start_s, route.depart_s, *(s.service_end_s for s in route.stops)]
        gap_ends = [route.depart_s, *(s.service_start_s for s in route.stops), route.return_s]
        gap_starts.append(route.return_s)
        gap_ends.append(shift.end_s)
        targets = [None, *(s.visit_id for s in route.stops), None, None]
        gap_legs: list[int | None] = [0, *legs, 0]
        for gap_start, gap_end, leg, vid in zip(
            gap_starts, gap_ends, gap_legs, targets, strict=True
        ):
            if not (gap_start <= begin and end <= gap_end):
                continue
            if leg is not None and gap_end - gap_start < leg + length - self.tol_s:
                towards = f"visit {vid}" if vid is not None else "the return"
                out.append(
                    Violation(
                        "break_no_room",
                        f"break {span} lies in the gap from {self.clock(gap_start)} to "
                        f"{self.clock(gap_end)} ({gap_end - gap_start} s) before {towards}, "
                        f"which must hold {leg} s of travel plus {length} s of break",
                        sid,
                        vid,
                    )
                )
            break
        return out
