"""The data of a planning night: visits, shifts, and the plan that serves them.

Everything here is a frozen dataclass of plain values. Times are integer seconds from the
night's *origin* (:attr:`Night.origin`, a datetime): a night shift from 22:00 to 07:00 is
simply ``[36_000, 68_400]`` when the origin is noon. Distances are integer metres.

Locations are numbered in one fixed order, which the solver and the checker share:
visits ``0..V-1``, then the shift starts ``V..V+S-1``, then the shift ends
``V+S..V+2S-1`` (see :meth:`Night.location_index`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Mode = Literal["car", "bike"]
Sync = Literal["same_time", "ordered"]
MODES: tuple[Mode, ...] = ("car", "bike")

#: Qualification levels of Dutch care staff (MBO/HBO): 1 care assistant … 5 HBO nurse.
LEVELS = range(1, 6)

#: Default penalty weight of an optional visit, in seconds of driving it is worth.
DEFAULT_OPTIONAL_WEIGHT_S = 3_600

#: Soft cost of not giving a client its preferred nurse or provider, in seconds of driving.
DEFAULT_PREFERENCE_COST_S = 600


@dataclass(frozen=True)
class TimeWindow:
    """``[start_s, end_s]`` in seconds from the night's origin; both ends included."""

    start_s: int
    end_s: int

    def contains(self, t_s: int) -> bool:
        return self.start_s <= t_s <= self.end_s


@dataclass(frozen=True)
class Visit:
    """One care visit to a client.

    Attributes
    ----------
    visit_id
        Unique id of the visit.
    client_id
        Pseudonymous client id (never a citizen service number).
    provider
        The provider whose client this is.
    lat, lon
        The client's address (WGS84).
    windows
        Service must *start* inside one of these (sorted, not overlapping).
    duration_s
        Length of the visit.
    level
        Minimum qualification level (1–5) of the carer.
    pooling
        The client consents to a carer of another provider.
    mandatory
        A mandatory visit is left out only if it cannot be planned at all.
    weight_s
        For an optional visit: what leaving it out costs, in seconds of driving.
    preferred_nurse
        A shift id the client would like, if any (a soft wish).
    demand
        Load the visit takes from its shift's ``capacity`` (0 in home care; used by
        capacitated benchmark instances such as Solomon's).
    staff
        Carers needed: 1, or 2 for a double-staffed visit (a hoist transfer). Each carer
        is a separate stop in a different route; both may come from different providers
        where the client consents.
    sync
        For two carers: ``"same_time"`` (both start together) or ``"ordered"`` (the second
        starts ``second_gap_min_s`` to ``second_gap_max_s`` after the first).
    after
        The visit id of a visit of the same client that must come first (medication, then
        a check); this one starts ``after_gap_min_s`` to ``after_gap_max_s`` (``None``: any
        time) after that one *ends*. If the first is not planned, neither is this one.
    preferred_provider
        A provider the client would like (soft, as ``preferred_nurse``).
    not_nurses
        Shift ids that must not serve this client (hard).
    skill
        A service type the carer must be qualified for (besides the level), if any.
    second_skill, second_duration_s
        For two carers: what the second carer must be qualified for and how long it stays,
        when it differs from the first (e.g. two different services of one visit).
    """

    visit_id: str
    client_id: str
    provider: str
    lat: float
    lon: float
    windows: tuple[TimeWindow, ...]
    duration_s: int
    level: int = 1
    pooling: bool = False
    mandatory: bool = True
    weight_s: int = DEFAULT_OPTIONAL_WEIGHT_S
    preferred_nurse: str | None = None
    demand: int = 0
    staff: int = 1
    sync: Sync = "same_time"
    second_gap_min_s: int = 0
    second_gap_max_s: int = 0
    after: str | None = None
    after_gap_min_s: int = 0
    after_gap_max_s: int | None = None
    preferred_provider: str | None = None
    not_nurses: tuple[str, ...] = ()
    skill: str | None = None
    second_skill: str | None = None
    second_duration_s: int | None = None

    def carer_skill(self, carer: int) -> str | None:
        """The skill carer 1 or 2 needs (the second carer's defaults to the first's)."""
        if carer == 2 and self.second_skill is not None:
            return self.second_skill
        return self.skill

    def carer_duration_s(self, carer: int) -> int:
        """How long carer 1 or 2 stays (the second carer's defaults to the visit's)."""
        if carer == 2 and self.second_duration_s is not None:
            return self.second_duration_s
        return self.duration_s


@dataclass(frozen=True)
class Shift:
    """One carer's shift: a vehicle in routing terms.

    Attributes
    ----------
    shift_id
        Unique id of the shift (the carer, pseudonymous).
    provider
        The provider employing the carer.
    start_lat, start_lon, end_lat, end_lon
        Where the shift starts and ends (office or home).
    start_s, end_s
        The shift: leave no earlier than ``start_s``, be back by ``end_s``.
    level
        The carer's qualification level (1–5).
    mode
        ``"car"`` or ``"bike"``.
    break_window
        If set, a break of ``break_duration_s`` must start and end inside this window.
    break_duration_s
        Length of the break (0: none).
    max_drive_s
        Most seconds of travel in the shift, if limited.
    capacity
        Most total ``demand`` of the shift's visits, if limited.
    max_leg_drive_s
        Most seconds of continuous driving: no single leg between two stops may be longer
        (every visit interrupts the drive).
    skills
        Service types the carer is qualified for (visits that name a ``skill`` need it).
    """

    shift_id: str
    provider: str
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    start_s: int
    end_s: int
    level: int = 3
    mode: Mode = "car"
    break_window: TimeWindow | None = None
    break_duration_s: int = 0
    max_drive_s: int | None = None
    capacity: int | None = None
    max_leg_drive_s: int | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Night:
    """A planning problem: the visits and shifts of one night (or day) of several providers.

    Attributes
    ----------
    visits, shifts
        In input order; ids are unique.
    origin
        The datetime that time 0 stands for.
    providers
        Every provider taking part (also those with no visits or no shifts tonight).
    """

    visits: tuple[Visit, ...]
    shifts: tuple[Shift, ...]
    origin: dt.datetime
    providers: tuple[str, ...] = ()

    @property
    def n_locations(self) -> int:
        return len(self.visits) + 2 * len(self.shifts)

    def location_index(
        self, *, visit: int | None = None, start: int | None = None, end: int | None = None
    ) -> int:
        """Index in the location order of visit ``visit``, or shift ``start``'s or ``end``'s."""
        v, s = len(self.visits), len(self.shifts)
        if visit is not None:
            return visit
        if start is not None:
            return v + start
        if end is not None:
            return v + s + end
        raise ValueError("give visit, start or end")

    def location_arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Latitudes and longitudes of all locations, in the shared location order."""
        lat = [v.lat for v in self.visits]
        lon = [v.lon for v in self.visits]
        lat += [s.start_lat for s in self.shifts] + [s.end_lat for s in self.shifts]
        lon += [s.start_lon for s in self.shifts] + [s.end_lon for s in self.shifts]
        return np.array(lat, dtype=float), np.array(lon, dtype=float)

    def location_labels(self) -> list[str]:
        """Names of the locations for messages: visit ids, ``shift:start``, ``shift:end``."""
        return (
            [v.visit_id for v in self.visits]
            + [f"{s.shift_id}:start" for s in self.shifts]
            + [f"{s.shift_id}:end" for s in self.shifts]
        )

    def at(self, t_s: int) -> dt.datetime:
        """The datetime of ``t_s`` seconds after the origin."""
        return self.origin + dt.timedelta(seconds=int(t_s))

    def with_shifts(self, shifts: tuple[Shift, ...]) -> Night:
        return Night(self.visits, shifts, self.origin, self.providers)


@dataclass(frozen=True, eq=False)
class Matrices:
    """Travel between all locations of a night, per travel mode, in the shared order.

    ``duration_s[mode][i, j]`` and ``distance_m[mode][i, j]`` are integers.
    """

    duration_s: Mapping[str, NDArray[np.int64]]
    distance_m: Mapping[str, NDArray[np.int64]]
    method: str = "road"


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    """A visit in a route, with its times (s from origin) and the leg that led to it.

    ``carer`` is 1, or 2 for the second carer of a double-staffed visit.
    """

    visit_id: str
    arrival_s: int
    service_start_s: int
    service_end_s: int
    travel_s: int
    travel_m: int
    carer: int = 1


@dataclass(frozen=True)
class Route:
    """What one shift does: leave, visit the stops in order, come back.

    ``return_travel_s``/``return_travel_m`` is the leg from the last stop (or the start) to
    the shift's end location; ``break_start_s`` is when the break begins, if there is one.
    """

    shift_id: str
    provider: str
    depart_s: int
    return_s: int
    stops: tuple[Stop, ...]
    return_travel_s: int
    return_travel_m: int
    break_start_s: int | None = None

    @property
    def drive_s(self) -> int:
        return sum(s.travel_s for s in self.stops) + self.return_travel_s

    @property
    def distance_m(self) -> int:
        return sum(s.travel_m for s in self.stops) + self.return_travel_m


#: Why a visit was not planned (``Unplanned.code``), in the words a planner reads.
REASONS: Mapping[str, str] = {
    "no_qualified_nurse": "no qualified nurse: no shift that may serve this client has the level",
    "not_consented": "not consented to another provider, and the own provider's shifts "
    "cannot take it",
    "window_unreachable": "window unreachable from any shift that may serve it",
    "shifts_full": "shifts full: no room left in the shifts that may serve it",
    "no_solution": "the solver found no plan in the time limit",
    "no_second_carer": "needs two carers at once, and no second carer could be planned",
    "predecessor_unplanned": "must follow another visit of the client, which is not planned",
}


@dataclass(frozen=True)
class Unplanned:
    """A visit left out of the plan, and why (``code`` is a key of :data:`REASONS`)."""

    visit_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """The routes of a night and every visit not planned, with why.

    Attributes
    ----------
    routes
        One route per shift used (shifts without visits are left out).
    unplanned
        Every visit not in a route.
    status
        ``"solved"``, ``"empty"`` (nothing to plan), or ``"no_solution"``.
    pooled
        Whether visits could go to other providers' shifts.
    objective
        The solver's objective value (drive cost plus penalties).
    runtime_s
        Wall-clock seconds the solver ran.
    """

    routes: tuple[Route, ...]
    unplanned: tuple[Unplanned, ...]
    status: str = "solved"
    pooled: bool = True
    objective: int = 0
    runtime_s: float = 0.0
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    @property
    def drive_s(self) -> int:
        return sum(r.drive_s for r in self.routes)

    def planned_ids(self) -> list[str]:
        """The visit id of every stop (a double-staffed visit is there twice)."""
        return [s.visit_id for r in self.routes for s in r.stops]

    def planned_visits(self) -> set[str]:
        """The ids of the visits that are planned."""
        return set(self.planned_ids())
