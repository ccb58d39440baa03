"""Synthetic but plausible nights (or days) of pooled home care for a region.

zorgroute needs realistic inputs to be tried, tested and benchmarked without real client data,
which are health data under the GDPR and must not leave a provider. This module makes the two
tables of a night (visits and shifts, exactly in the format of ``docs/input-formats.md``) from
a region's village table, seeded so the same call always gives the same night. Every figure
below is a field of :class:`GeneratorSettings`, so a scenario can change any of them.

Modelling choices and their sources
-----------------------------------
"DOMAIN" is the project's domain notes on Dutch home care; "assumption" marks a plausible
choice with no published figure behind it.

Providers (``n_providers``)
    Fictitious by construction: ``"Zorggroep A"``, ``"Zorggroep B"``, … (``provider_prefix``),
    never names of real companies. Market shares follow a Zipf law, share ∝ rank^-s
    (``zipf_exponent`` s = 1), times a seeded log-normal factor (``share_jitter``), sorted so
    that A is the largest: a regional home-care market with one or two large providers and a
    tail of small ones (assumption; DOMAIN gives no market shares). Each provider has one
    office in a village drawn with probability ∝ population; its shifts start and end there.

Clients and visits (``n_visits``)
    A client lives in a village drawn ∝ population, so the visits per village are
    proportional to population in expectation. (GeoNames populations, see
    :mod:`zorgroute.places`; the share of elderly is taken as equal across villages, an
    assumption.) A client has 1–3 visits (``night_visits_per_client``: at night e.g. turning
    twice, DOMAIN), belongs to one provider drawn by market share, and consents to pooling
    with probability ``consent_rate`` (0.6, assumption: consent is the client's choice and
    not everyone gives it). Ids are pseudonymous: ``c0001`` for clients, ``v0001`` for visits
    (DOMAIN: never a citizen service number).

Addresses
    With a road network, a client lives at a random point along a road (uniform per metre of
    road geometry, so ribbon villages along a canal come out as ribbons) within the village
    radius of the village centre, moved up to ``sideways_m`` (30 m) to either side of the
    road: an address snaps within a few tens of metres of its road, as a house does. The
    radius grows with the square root of population (``village_radius_m_per_sqrt_pop`` × √pop,
    kept within ``village_radius_m`` = 0.5–2 km: a village's area grows with its population;
    assumption). Without a network, clients are uniform in the disc of that radius. Offices
    are placed the same way within ``office_radius_m`` (300 m) of the centre.

Shifts (``n_shifts``)
    Shifts are divided over providers ∝ market share (each next shift goes to the provider
    farthest below its quota ``share × n_shifts``), with at least one for every provider that
    has visits whenever ``n_shifts`` allows it (every provider when
    ``n_shifts >= n_providers``). Should ``n_shifts`` be smaller than the number of providers
    with visits, the providers with the fewest visits get no shift, and all their clients
    consent to pooling so that another provider may serve them; such a night lists providers in
    its visits that have no shift, so it must be read with the full provider list (a visit's
    provider that has no shift is otherwise an unknown provider). At night a shift is
    23:00–07:00 or 22:00–06:00 (``night_shift_patterns``; DOMAIN: "often about 23:00–07:00"; at
    most ``max_night_shift_h`` = 10 h, Arbeidstijdenwet); by day 07:00–15:00 style
    (``day_shift_patterns``, assumption). Night teams are "small and mostly level 3–4" (DOMAIN):
    ``night_shift_levels`` 3/4/5 with weights 0.5/0.4/0.1; day teams are broader
    (``day_shift_levels``, levels 2–5, assumption). Night shifts drive (``mode`` car: distances
    in sparse regions); by day a share ``bike_share`` (0.2) of the shifts cycles. A shift of
    more than ``break_after_work_h`` (5.5 h) gets a break of ``break_min`` (30 min,
    Arbeidstijdenwet) somewhere in the middle part of the shift (``break_window_frac``).

Visit times and needs
    A visit takes 10–30 minutes at night (DOMAIN: turning, toileting, medication, catheter or
    stoma care), 15–60 by day (``*_visit_duration_min``, in steps of ``time_step_min``). Its
    time window (service must start inside it) is 30–120 minutes long (``window_min``,
    assumption) on a 5-minute grid. Each client is the regular client of one shift of its own
    provider (or of any shift, when its provider has none): the windows of its visits are spread
    through that shift in equal parts, no earlier than ``lead_min`` (20 min) after the shift
    starts and leaving the visit's duration plus ``return_min`` (30 min) to drive back before
    the shift ends (assumptions: a drive across a sparse region). The minimum level of a visit
    is mostly 2–3, some 4 at night (``night_visit_levels`` 0.40/0.45/0.15; by day also level 1,
    ``day_visit_levels``; assumptions), and never above the level of that regular shift, so
    every visit can be served by a shift it may be given to. Most visits are mandatory; a share
    ``optional_share`` (10 %, assumption) is optional, with a weight in minutes of driving drawn
    from ``optional_weights_min``.

Not modelled: two-carer visits (hoist transfers), unplanned alarm calls (DOMAIN: response
within about 30 minutes), extra windows, preferred nurses and drive-time limits.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from zorgroute.exceptions import InputError, Problem, ZorgrouteWarning
from zorgroute.geo import EARTH_RADIUS_M
from zorgroute.network import RoadNetwork

__all__ = [
    "SHIFT_COLUMNS",
    "VISIT_COLUMNS",
    "GeneratorSettings",
    "GeneratorWarning",
    "generate_night",
    "generate_region_night",
    "write_night",
]

log = logging.getLogger(__name__)

#: Columns of a generated visits table. ``village`` (where the client lives) is an extra
#: column the input format ignores; it allows per-village aggregates without addresses.
VISIT_COLUMNS: tuple[str, ...] = (
    "visit_id",
    "client_id",
    "provider",
    "lat",
    "lon",
    "window_start",
    "window_end",
    "duration_min",
    "level",
    "pooling",
    "priority",
    "village",
)

#: Columns of a generated shifts table. ``office`` (the village of the provider's office) is
#: an extra column the input format ignores.
SHIFT_COLUMNS: tuple[str, ...] = (
    "shift_id",
    "provider",
    "start_lat",
    "start_lon",
    "end_lat",
    "end_lon",
    "shift_start",
    "shift_end",
    "level",
    "mode",
    "break_start",
    "break_end",
    "break_min",
    "office",
)

Kind = Literal["night", "day"]
#: ``(value, weight)`` pairs of a discrete distribution; weights need not sum to one.
Weighted = tuple[tuple[int, float], ...]
#: ``(start "HH:MM", end "HH:MM", weight)`` of a shift pattern; an end before the start is
#: the next morning.
ShiftPattern = tuple[str, str, float]
#: The validation's callback: ``bad(field, reason, value)`` records one problem.
_Reporter = Callable[[str, str, object], None]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_DAY_MIN = 24 * 60


class GeneratorWarning(ZorgrouteWarning):
    """A generated night is usable but less plausible than asked (e.g. a village far from roads)."""


@dataclass(frozen=True)
class GeneratorSettings:
    """The figures behind a generated night; each one overridable.

    Fields prefixed ``night_`` or ``day_`` apply to that ``kind`` only; the properties
    without the prefix (:attr:`shift_patterns`, :attr:`visit_duration_min`, …) give the ones
    in force. See the module docstring for the source of every default.

    Attributes
    ----------
    kind
        ``"night"`` or ``"day"``.
    night_shift_patterns, day_shift_patterns
        Shift hours ``(start, end, weight)`` as ``HH:MM``; a shift draws one by weight.
    max_night_shift_h
        Longest allowed night shift pattern in hours (Arbeidstijdenwet: 10).
    night_visit_duration_min, day_visit_duration_min
        Shortest and longest visit in minutes (drawn in steps of ``time_step_min``).
    window_min
        Shortest and longest time window in minutes.
    night_visit_levels, day_visit_levels
        Distribution of a visit's minimum qualification level (1–5).
    night_shift_levels, day_shift_levels
        Distribution of a shift's (carer's) qualification level (1–5).
    night_visits_per_client, day_visits_per_client
        Distribution of the number of visits a client has in one shift.
    consent_rate
        Probability that a client consents to a carer of another provider.
    optional_share
        Probability that a visit is optional rather than mandatory.
    optional_weights_min
        Distribution of an optional visit's weight (minutes of driving it is worth).
    bike_share
        Probability that a day shift cycles (night shifts always drive).
    zipf_exponent
        Exponent ``s`` of the Zipf market shares, share ∝ rank^-s.
    share_jitter
        Standard deviation of the log-normal factor on each provider's share (0: pure Zipf).
    provider_prefix
        Provider names are this plus a letter: ``"Zorggroep A"``, ….
    village_radius_m_per_sqrt_pop
        A village's radius in metres per square root of its population.
    village_radius_m
        Smallest and largest village radius in metres.
    office_radius_m
        An office lies within this many metres of its village's centre.
    sideways_m
        An address lies up to this many metres beside its road.
    lead_min
        A visit's window starts at least this long after its shift starts (driving out).
    return_min
        After a visit's latest end, at least this long remains of its shift (driving back).
    time_step_min
        Window starts are on this grid of minutes; window lengths and durations go in
        steps of it.
    break_min
        Length of a shift's break in minutes (0: no breaks).
    break_after_work_h
        Shifts longer than this many hours get a break (Arbeidstijdenwet: 5.5).
    break_window_frac
        The break window as fractions of the shift from its start, e.g. 0.3–0.8.

    Raises
    ------
    InputError
        Listing every invalid field (probabilities outside 0–1, empty or reversed ranges,
        levels outside 1–5, unreadable times, shifts too short to hold a visit, …).
    """

    kind: Kind = "night"
    night_shift_patterns: tuple[ShiftPattern, ...] = (
        ("23:00", "07:00", 0.7),
        ("22:00", "06:00", 0.3),
    )
    day_shift_patterns: tuple[ShiftPattern, ...] = (
        ("07:00", "15:00", 0.6),
        ("07:30", "15:30", 0.2),
        ("08:00", "16:00", 0.2),
    )
    max_night_shift_h: float = 10.0
    night_visit_duration_min: tuple[int, int] = (10, 30)
    day_visit_duration_min: tuple[int, int] = (15, 60)
    window_min: tuple[int, int] = (30, 120)
    night_visit_levels: Weighted = ((2, 0.40), (3, 0.45), (4, 0.15))
    day_visit_levels: Weighted = ((1, 0.10), (2, 0.35), (3, 0.40), (4, 0.15))
    night_shift_levels: Weighted = ((3, 0.50), (4, 0.40), (5, 0.10))
    day_shift_levels: Weighted = ((2, 0.20), (3, 0.45), (4, 0.30), (5, 0.05))
    night_visits_per_client: Weighted = ((1, 0.60), (2, 0.30), (3, 0.10))
    day_visits_per_client: Weighted = ((1, 0.70), (2, 0.25), (3, 0.05))
    consent_rate: float = 0.6
    optional_share: float = 0.1
    optional_weights_min: Weighted = ((30, 0.3), (60, 0.5), (120, 0.2))
    bike_share: float = 0.2
    zipf_exponent: float = 1.0
    share_jitter: float = 0.25
    provider_prefix: str = "Zorggroep"
    village_radius_m_per_sqrt_pop: float = 15.0
    village_radius_m: tuple[float, float] = (500.0, 2000.0)
    office_radius_m: float = 300.0
    sideways_m: float = 30.0
    lead_min: int = 20
    return_min: int = 30
    time_step_min: int = 5
    break_min: int = 30
    break_after_work_h: float = 5.5
    break_window_frac: tuple[float, float] = (0.3, 0.8)

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise InputError(problems, summary="invalid generator settings")

    # -- the figures in force for this kind ------------------------------------------------

    @property
    def shift_patterns(self) -> tuple[ShiftPattern, ...]:
        """The shift patterns of :attr:`kind`."""
        return self.night_shift_patterns if self.kind == "night" else self.day_shift_patterns

    @property
    def visit_duration_min(self) -> tuple[int, int]:
        """The visit duration range of :attr:`kind`."""
        if self.kind == "night":
            return self.night_visit_duration_min
        return self.day_visit_duration_min

    @property
    def visit_levels(self) -> Weighted:
        """The visit level distribution of :attr:`kind`."""
        return self.night_visit_levels if self.kind == "night" else self.day_visit_levels

    @property
    def shift_levels(self) -> Weighted:
        """The shift level distribution of :attr:`kind`."""
        return self.night_shift_levels if self.kind == "night" else self.day_shift_levels

    @property
    def visits_per_client(self) -> Weighted:
        """The visits-per-client distribution of :attr:`kind`."""
        if self.kind == "night":
            return self.night_visits_per_client
        return self.day_visits_per_client

    @property
    def effective_bike_share(self) -> float:
        """The share of bike shifts: :attr:`bike_share` by day, 0 at night."""
        return self.bike_share if self.kind == "day" else 0.0

    # -- validation -----------------------------------------------------------------------

    def _problems(self) -> list[Problem]:
        out: list[Problem] = []

        def bad(name: str, reason: str, value: object) -> None:
            out.append(Problem(reason, "GeneratorSettings", column=name, value=repr(value)))

        if self.kind not in ("night", "day"):
            bad("kind", "must be 'night' or 'day'", self.kind)
        for name in ("consent_rate", "optional_share", "bike_share"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                bad(name, "a probability must lie in 0..1", p)
        for name in (
            "night_visit_levels",
            "day_visit_levels",
            "night_shift_levels",
            "day_shift_levels",
            "night_visits_per_client",
            "day_visits_per_client",
            "optional_weights_min",
        ):
            table = getattr(self, name)
            if (reason := _weighted_problem(table)) is not None:
                bad(name, reason, table)
            elif name.endswith("_levels") and any(not 1 <= v <= 5 for v, _ in table):
                bad(name, "levels must be 1..5", table)
            elif any(v < 1 for v, _ in table):
                bad(name, "values must be at least 1", table)
        for name in ("night_visit_duration_min", "day_visit_duration_min", "window_min"):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                bad(name, "needs 0 < smallest <= largest", (lo, hi))
        for name in ("night_visit_duration_min", "day_visit_duration_min"):
            if getattr(self, name)[1] > 480:
                bad(name, "a visit lasts at most 480 minutes", getattr(self, name))
        lo_r, hi_r = self.village_radius_m
        if not 0 < lo_r <= hi_r:
            bad("village_radius_m", "needs 0 < smallest <= largest", self.village_radius_m)
        for name in (
            "village_radius_m_per_sqrt_pop",
            "office_radius_m",
            "max_night_shift_h",
            "break_after_work_h",
        ):
            if not getattr(self, name) > 0:
                bad(name, "must be positive", getattr(self, name))
        for name in ("sideways_m", "share_jitter", "zipf_exponent", "lead_min", "return_min"):
            if not getattr(self, name) >= 0:
                bad(name, "must not be negative", getattr(self, name))
        if self.time_step_min < 1:
            bad("time_step_min", "must be at least 1", self.time_step_min)
        if self.break_min < 0:
            bad("break_min", "must not be negative", self.break_min)
        f0, f1 = self.break_window_frac
        if not 0.0 <= f0 < f1 <= 1.0:
            bad("break_window_frac", "needs 0 <= start < end <= 1", self.break_window_frac)
        if not self.provider_prefix.strip():
            bad("provider_prefix", "must not be empty", self.provider_prefix)
        for name in ("night_shift_patterns", "day_shift_patterns"):
            self._pattern_problems(name, bad)
        return out

    def _pattern_problems(self, name: str, bad: _Reporter) -> None:
        patterns: tuple[ShiftPattern, ...] = getattr(self, name)
        if not patterns:
            bad(name, "needs at least one pattern", patterns)
            return
        if not (all(w >= 0 for *_, w in patterns) and sum(w for *_, w in patterns) > 0):
            bad(name, "weights must be >= 0 with a positive sum", patterns)
        night = name.startswith("night")
        duration = self.night_visit_duration_min if night else self.day_visit_duration_min
        step = max(self.time_step_min, 1)
        for start, end, _ in patterns:
            if not (_HHMM.match(start) and _HHMM.match(end)):
                bad(name, "times must be HH:MM", (start, end))
                continue
            length = (_minutes(end) - _minutes(start)) % _DAY_MIN or _DAY_MIN
            if night and length > self.max_night_shift_h * 60:
                bad(name, f"a night shift lasts at most {self.max_night_shift_h:g} h", (start, end))
            # one visit must fit: the shortest window, the longest visit and grid rounding
            need = self.lead_min + self.window_min[0] + duration[1] + 2 * step + self.return_min
            if length < need:
                bad(
                    name, f"a shift must last at least {need} minutes to hold a visit", (start, end)
                )


def _weighted_problem(table: Weighted) -> str | None:
    if not table:
        return "needs at least one (value, weight) pair"
    if any(w < 0 for _, w in table) or sum(w for _, w in table) <= 0:
        return "weights must be >= 0 with a positive sum"
    return None


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    m = minutes % _DAY_MIN
    return f"{m // 60:02d}:{m % 60:02d}"


def _draw(rng: np.random.Generator, table: Weighted, size: int) -> NDArray[np.int64]:
    values = np.array([v for v, _ in table], dtype=np.int64)
    weights = np.array([w for _, w in table], dtype=float)
    return values[rng.choice(values.size, size=size, p=weights / weights.sum())]


def _ceil_to(x: float, step: int) -> int:
    return math.ceil(x / step - 1e-9) * step


def _floor_to(x: float, step: int) -> int:
    return math.floor(x / step + 1e-9) * step


# --------------------------------------------------------------------------------------------
# Places: villages, road points, addresses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Villages:
    """The columns of a village table used here, as arrays."""

    names: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    population: NDArray[np.float64]


def _check_villages(villages: pd.DataFrame) -> _Villages:
    """The villages as arrays, or an :class:`InputError` listing every fault."""
    if not isinstance(villages, pd.DataFrame):
        raise InputError.single("must be a pandas DataFrame", source="villages")
    columns = {str(c).lower(): c for c in villages.columns}
    missing = [c for c in ("name", "lat", "lon", "population") if c not in columns]
    if missing:
        raise InputError(
            [Problem("required column missing", "villages", column=c) for c in missing],
            summary="invalid village table",
        )

    def numbers(column: str) -> NDArray[np.float64]:
        values = pd.to_numeric(villages[columns[column]], errors="coerce")
        return np.asarray(values.to_numpy(dtype=float, na_value=np.nan), dtype=float)

    table = _Villages(
        names=[str(v) for v in villages[columns["name"]]],
        lat=numbers("lat"),
        lon=numbers("lon"),
        population=numbers("population"),
    )
    checks = (
        (
            "lat",
            table.lat,
            np.isfinite(table.lat) & (np.abs(table.lat) <= 90),
            "latitude missing or outside -90..90",
        ),
        (
            "lon",
            table.lon,
            np.isfinite(table.lon) & (np.abs(table.lon) <= 180),
            "longitude missing or outside -180..180",
        ),
        (
            "population",
            table.population,
            np.isfinite(table.population) & (table.population >= 0),
            "population missing or negative",
        ),
    )
    problems = [
        Problem(reason, "villages", f"{i} ({table.names[i]})", column, str(values[i]))
        for column, values, ok, reason in checks
        for i in np.flatnonzero(~ok)
    ]
    if not problems and not table.population.sum() > 0:
        problems.append(
            Problem("needs at least one village with people in it", "villages", column="population")
        )
    if problems:
        raise InputError(problems, summary="invalid village table")
    return table


@dataclass(frozen=True)
class _Plane:
    """A local equirectangular plane in metres around a region (accurate to ~0.1 % there).

    Forward and back use the same formula, so road points survive the round trip exactly and
    an address moved 30 m sideways in the plane is 30 m from its road on the ground.
    """

    lon0: float
    lat0: float

    @property
    def _kx(self) -> float:
        return math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(self.lat0))

    @property
    def _ky(self) -> float:
        return math.radians(1.0) * EARTH_RADIUS_M

    def forward(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return (lon - self.lon0) * self._kx, (lat - self.lat0) * self._ky

    def inverse(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.lon0 + x / self._kx, self.lat0 + y / self._ky


@dataclass(frozen=True, eq=False)
class _Roads:
    """The road geometry of a network as straight segments in the plane."""

    x0: NDArray[np.float64]
    y0: NDArray[np.float64]
    dx: NDArray[np.float64]
    dy: NDArray[np.float64]
    length: NDArray[np.float64]
    mid_x: NDArray[np.float64]
    mid_y: NDArray[np.float64]

    @classmethod
    def of(cls, network: RoadNetwork, plane: _Plane) -> _Roads:
        x, y = plane.forward(
            np.asarray(network.geom_lon, dtype=float), np.asarray(network.geom_lat, dtype=float)
        )
        n = x.size
        # a segment joins point i to i+1 unless i+1 starts the next edge
        first = np.zeros(n, dtype=bool)
        starts = np.asarray(network.geom_offsets, dtype=np.int64)
        first[starts[(starts > 0) & (starts < n)]] = True
        seg = np.flatnonzero(~first[1:]) if n > 1 else np.zeros(0, dtype=np.int64)
        dx, dy = x[seg + 1] - x[seg], y[seg + 1] - y[seg]
        length = np.hypot(dx, dy)
        keep = length > 0.5  # drop degenerate segments (repeated points)
        seg, dx, dy, length = seg[keep], dx[keep], dy[keep], length[keep]
        return cls(
            x0=x[seg],
            y0=y[seg],
            dx=dx,
            dy=dy,
            length=length,
            mid_x=x[seg] + dx / 2,
            mid_y=y[seg] + dy / 2,
        )


def _village_radius_m(
    population: NDArray[np.float64], settings: GeneratorSettings
) -> NDArray[np.float64]:
    lo, hi = settings.village_radius_m
    raw = settings.village_radius_m_per_sqrt_pop * np.sqrt(np.maximum(population, 0.0))
    return np.asarray(np.clip(raw, lo, hi), dtype=float)


def _addresses(
    rng: np.random.Generator,
    centre_x: float,
    centre_y: float,
    radius_m: float,
    n: int,
    roads: _Roads | None,
    settings: GeneratorSettings,
    village: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` plane points near a village centre: beside a road if there are roads."""
    if roads is None or roads.length.size == 0:
        r = radius_m * np.sqrt(rng.uniform(0.0, 1.0, n))
        phi = rng.uniform(0.0, 2 * np.pi, n)
        return centre_x + r * np.cos(phi), centre_y + r * np.sin(phi)
    dist = np.hypot(roads.mid_x - centre_x, roads.mid_y - centre_y)
    near = np.flatnonzero(dist <= radius_m)
    if near.size == 0:
        nearest = float(dist.min())
        warnings.warn(
            f"no road within {radius_m:.0f} m of the centre of {village}; its addresses are "
            f"placed on the nearest roads, {nearest:.0f} m away",
            GeneratorWarning,
            stacklevel=3,  # the caller of generate_night
        )
        near = np.flatnonzero(dist <= nearest + radius_m)
    weights = roads.length[near]
    seg = near[rng.choice(near.size, size=n, p=weights / weights.sum())]
    t = rng.uniform(0.0, 1.0, n)
    side = rng.uniform(-settings.sideways_m, settings.sideways_m, n)
    # unit normal of each segment: (-dy, dx) / length
    x = roads.x0[seg] + t * roads.dx[seg] - side * roads.dy[seg] / roads.length[seg]
    y = roads.y0[seg] + t * roads.dy[seg] + side * roads.dx[seg] / roads.length[seg]
    return x, y


# --------------------------------------------------------------------------------------------
# Providers and shifts
# --------------------------------------------------------------------------------------------


def _provider_names(n: int, prefix: str) -> list[str]:
    """``prefix A`` … ``prefix Z``, then ``prefix AA``, ``prefix AB``, …."""
    names = []
    for i in range(n):
        label, k = "", i
        while True:
            label = chr(ord("A") + k % 26) + label
            k = k // 26 - 1
            if k < 0:
                break
        names.append(f"{prefix} {label}")
    return names


def _market_shares(
    rng: np.random.Generator, n: int, settings: GeneratorSettings
) -> NDArray[np.float64]:
    ranks = np.arange(1, n + 1, dtype=float)
    raw = ranks ** (-settings.zipf_exponent) * np.exp(rng.normal(0.0, settings.share_jitter, n))
    return np.asarray(np.sort(raw)[::-1] / raw.sum(), dtype=float)


def _shift_counts(
    shares: NDArray[np.float64], visits_per_provider: NDArray[np.int64], n_shifts: int
) -> NDArray[np.int64]:
    """Shifts per provider ∝ share, with one at least for every provider with visits if possible."""
    n = shares.size
    counts = np.zeros(n, dtype=np.int64)
    active = np.flatnonzero(visits_per_provider > 0)
    if n_shifts >= n:
        counts[:] = 1
    elif n_shifts >= active.size:
        counts[active] = 1
    else:
        # too few shifts: the providers with most visits get one each (ties: larger share)
        order = sorted(active, key=lambda p: (-visits_per_provider[p], p))
        counts[order[:n_shifts]] = 1
    quota = shares * n_shifts
    while counts.sum() < n_shifts:
        counts[int(np.argmax(quota - counts))] += 1
    return counts


def _pattern_minutes(
    settings: GeneratorSettings,
) -> tuple[int, list[tuple[int, int]], NDArray[np.float64]]:
    """The time origin (minutes of the day) and each pattern as minutes after it, with weights.

    The origin is noon when a pattern crosses midnight (as in ``docs/input-formats.md``), else
    midnight, so a shift's end is always after its start.
    """
    patterns = settings.shift_patterns
    crosses = any(_minutes(e) <= _minutes(s) for s, e, _ in patterns)
    origin = 12 * 60 if crosses else 0
    spans = []
    for s, e, _ in patterns:
        start = (_minutes(s) - origin) % _DAY_MIN
        end = (_minutes(e) - origin) % _DAY_MIN
        if end <= start:
            end += _DAY_MIN
        spans.append((start, end))
    weights = np.array([w for *_, w in patterns], dtype=float)
    return origin, spans, weights / weights.sum()


# --------------------------------------------------------------------------------------------
# The night
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VisitRow:
    """One generated visit before it becomes a table row; times in minutes after the origin."""

    client: int
    start_min: int
    end_min: int
    duration_min: int
    level: int
    priority: str


def generate_night(
    villages: pd.DataFrame,
    *,
    n_visits: int = 300,
    n_providers: int = 6,
    n_shifts: int = 25,
    seed: int = 0,
    network: RoadNetwork | None = None,
    settings: GeneratorSettings = GeneratorSettings(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic night (or day, per ``settings.kind``) of visits and shifts in a region.

    See the module docstring for the model and the source of each figure.

    Parameters
    ----------
    villages
        One row per village with columns ``name``, ``lat``, ``lon`` (WGS84 degrees) and
        ``population`` (any case; other columns are ignored), e.g. from
        :func:`zorgroute.places.load_villages`.
    n_visits
        Number of visits (rows of the visits table), 0 or more.
    n_providers
        Number of competing providers, at least 1.
    n_shifts
        Number of shifts (rows of the shifts table), at least 1.
    seed
        Seed of the random generator: the same arguments always give the same tables.
    network
        The region's road network: if given, addresses and offices lie beside its roads
        (within ``settings.sideways_m``); else they are scattered around village centres.
    settings
        The figures of the model.

    Returns
    -------
    visits : pandas.DataFrame
        The visits table of ``docs/input-formats.md`` (columns :data:`VISIT_COLUMNS`), times
        as ``HH:MM``, ``pooling`` as ``yes``/``no``, ``priority`` as ``mandatory`` or an
        optional visit's weight in minutes; plus the client's ``village``.
    shifts : pandas.DataFrame
        The shifts table (columns :data:`SHIFT_COLUMNS`), starting and ending at the
        provider's office; plus the office's village.

    Raises
    ------
    InputError
        If a count is out of range, or the village table lacks a column, has a missing or
        impossible coordinate or population, or has nobody living in it (every problem is
        listed).

    Warns
    -----
    GeneratorWarning
        If a village has no road within its radius (its clients go to the nearest roads).
    """
    problems = [
        Problem(reason, "generate_night", column=name, value=str(value))
        for name, value, ok, reason in (
            ("n_visits", n_visits, n_visits >= 0, "must not be negative"),
            ("n_providers", n_providers, n_providers >= 1, "must be at least 1"),
            ("n_shifts", n_shifts, n_shifts >= 1, "must be at least 1"),
        )
        if not ok
    ]
    if problems:
        raise InputError(problems, summary="invalid arguments")
    table = _check_villages(villages)
    rng = np.random.default_rng(seed)
    step = settings.time_step_min

    pop = table.population
    village_p = pop / pop.sum()
    names = table.names
    plane = _Plane(float(table.lon.mean()), float(table.lat.mean()))
    cx, cy = plane.forward(table.lon, table.lat)
    radius = _village_radius_m(pop, settings)
    roads = _Roads.of(network, plane) if network is not None else None

    # providers and their offices
    providers = _provider_names(n_providers, settings.provider_prefix)
    shares = _market_shares(rng, n_providers, settings)
    office_village = rng.choice(len(names), size=n_providers, p=village_p)
    office_x = np.empty(n_providers)
    office_y = np.empty(n_providers)
    for p, v in enumerate(office_village):
        ox, oy = _addresses(
            rng, cx[v], cy[v], settings.office_radius_m, 1, roads, settings, names[v]
        )
        office_x[p], office_y[p] = ox[0], oy[0]

    # clients: village, provider, number of visits, consent
    # every client has at least one visit, so n_visits draws are always enough
    drawn = _draw(rng, settings.visits_per_client, max(n_visits, 1))
    n_clients = int(np.searchsorted(np.cumsum(drawn), n_visits)) + 1 if n_visits else 0
    counts = drawn[:n_clients].copy()
    if n_clients:
        counts[-1] -= int(counts.sum()) - n_visits  # the last client's visits fill up exactly
    client_village = rng.choice(len(names), size=n_clients, p=village_p)
    client_provider = rng.choice(n_providers, size=n_clients, p=shares)
    consent = rng.uniform(0.0, 1.0, n_clients) < settings.consent_rate
    client_x = np.empty(n_clients)
    client_y = np.empty(n_clients)
    for v in np.unique(client_village):
        idx = np.flatnonzero(client_village == v)
        x, y = _addresses(rng, cx[v], cy[v], radius[v], idx.size, roads, settings, names[v])
        client_x[idx], client_y[idx] = x, y

    # shifts
    visits_per_provider = np.bincount(client_provider, weights=counts, minlength=n_providers)
    per_provider = _shift_counts(shares, visits_per_provider.astype(np.int64), n_shifts)
    shift_provider = np.repeat(np.arange(n_providers), per_provider)
    origin, spans, pattern_p = _pattern_minutes(settings)
    shift_pattern = rng.choice(len(spans), size=n_shifts, p=pattern_p)
    shift_level = _draw(rng, settings.shift_levels, n_shifts)
    shift_bike = rng.uniform(0.0, 1.0, n_shifts) < settings.effective_bike_share
    shift_start = np.array([spans[k][0] for k in shift_pattern], dtype=np.int64)
    shift_end = np.array([spans[k][1] for k in shift_pattern], dtype=np.int64)

    # clients of providers without shifts may only be served by others: they consent
    consent |= per_provider[client_provider] == 0

    # visits: a regular shift per client, windows spread through it, levels it can serve
    dur_lo, dur_hi = settings.visit_duration_min
    win_lo, win_hi = settings.window_min
    # the random figures of every visit, drawn at once (visit i is the i-th of its client's)
    visit_level = _draw(rng, settings.visit_levels, n_visits)
    visit_duration = rng.choice(np.arange(dur_lo, dur_hi + 1, step), size=n_visits)
    visit_width = rng.choice(np.arange(win_lo, win_hi + 1, step), size=n_visits)
    visit_place = rng.uniform(0.0, 1.0, n_visits)  # where in its room the window starts
    visit_optional = rng.uniform(0.0, 1.0, n_visits) < settings.optional_share
    visit_weight = _draw(rng, settings.optional_weights_min, n_visits)
    client_pick = rng.uniform(0.0, 1.0, n_clients)  # which able shift is the regular one
    first_visit = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    shifts_of = [np.flatnonzero(shift_provider == p) for p in range(n_providers)]
    rows: list[_VisitRow] = []
    for c in range(n_clients):
        k = int(counts[c])
        mine = slice(int(first_visit[c]), int(first_visit[c + 1]))
        levels = visit_level[mine]
        own = shifts_of[int(client_provider[c])]
        eligible = own if own.size else np.arange(n_shifts)
        able = eligible[shift_level[eligible] >= levels.max()]
        if able.size == 0:  # no such carer: the visits need no more than the best there is
            top = int(shift_level[eligible].max())
            levels = np.minimum(levels, top)
            able = eligible[shift_level[eligible] == top]
        anchor = int(able[min(int(client_pick[c] * able.size), able.size - 1)])
        lo = int(shift_start[anchor]) + settings.lead_min
        hi = int(shift_end[anchor]) - settings.return_min
        k_fit = max(1, min(k, (hi - lo) // (win_lo + dur_hi + 2 * step)))
        part = (hi - lo) / k_fit
        for j in range(k):
            i = mine.start + j
            # more visits than fit in the shift share the last part (only with odd settings)
            jj = min(j, k_fit - 1)
            duration = int(visit_duration[i])
            first = _ceil_to(lo + jj * part, step)
            room = _floor_to(lo + (jj + 1) * part - duration, step) - first
            width = min(int(visit_width[i]), room)
            slots = (room - width) // step + 1
            start = first + step * min(int(visit_place[i] * slots), slots - 1)
            priority = str(int(visit_weight[i])) if visit_optional[i] else "mandatory"
            rows.append(_VisitRow(c, start, start + width, duration, int(levels[j]), priority))

    visits = _visits_table(
        rows,
        plane,
        client_x,
        client_y,
        client_village,
        client_provider,
        consent,
        names,
        providers,
        origin,
    )
    shifts = _shifts_table(
        settings,
        plane,
        office_x,
        office_y,
        office_village,
        shift_provider,
        shift_start,
        shift_end,
        shift_level,
        shift_bike,
        names,
        providers,
        origin,
    )
    log.debug(
        "generated a %s: %d visits of %d clients, %d shifts, %d providers (seed %d)",
        settings.kind,
        len(visits),
        n_clients,
        len(shifts),
        n_providers,
        seed,
    )
    return visits, shifts


def _visits_table(
    rows: list[_VisitRow],
    plane: _Plane,
    client_x: NDArray[np.float64],
    client_y: NDArray[np.float64],
    client_village: NDArray[np.int64],
    client_provider: NDArray[np.int64],
    consent: NDArray[np.bool_],
    names: list[str],
    providers: list[str],
    origin: int,
) -> pd.DataFrame:
    lon, lat = plane.inverse(client_x, client_y)
    width = max(4, len(str(len(rows))))
    cwidth = max(4, len(str(client_x.size)))
    records = []
    for i, r in enumerate(rows):
        c = r.client
        records.append(
            {
                "visit_id": f"v{i + 1:0{width}d}",
                "client_id": f"c{c + 1:0{cwidth}d}",
                "provider": providers[int(client_provider[c])],
                "lat": round(float(lat[c]), 6),
                "lon": round(float(lon[c]), 6),
                "window_start": _hhmm(origin + r.start_min),
                "window_end": _hhmm(origin + r.end_min),
                "duration_min": r.duration_min,
                "level": r.level,
                "pooling": "yes" if consent[c] else "no",
                "priority": r.priority,
                "village": names[int(client_village[c])],
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(VISIT_COLUMNS))
    return frame.astype({"lat": float, "lon": float, "duration_min": int, "level": int})


def _shifts_table(
    settings: GeneratorSettings,
    plane: _Plane,
    office_x: NDArray[np.float64],
    office_y: NDArray[np.float64],
    office_village: NDArray[np.int64],
    shift_provider: NDArray[np.int64],
    shift_start: NDArray[np.int64],
    shift_end: NDArray[np.int64],
    shift_level: NDArray[np.int64],
    shift_bike: NDArray[np.bool_],
    names: list[str],
    providers: list[str],
    origin: int,
) -> pd.DataFrame:
    lon, lat = plane.inverse(office_x, office_y)
    step = settings.time_step_min
    width = max(2, len(str(shift_provider.size)))
    f0, f1 = settings.break_window_frac
    records = []
    for s in range(shift_provider.size):
        p = int(shift_provider[s])
        start, end = int(shift_start[s]), int(shift_end[s])
        has_break = settings.break_min > 0 and end - start > settings.break_after_work_h * 60
        b0 = _ceil_to(start + f0 * (end - start), step)
        b1 = max(_floor_to(start + f1 * (end - start), step), b0 + settings.break_min)
        records.append(
            {
                "shift_id": f"s{s + 1:0{width}d}",
                "provider": providers[p],
                "start_lat": round(float(lat[p]), 6),
                "start_lon": round(float(lon[p]), 6),
                "end_lat": round(float(lat[p]), 6),
                "end_lon": round(float(lon[p]), 6),
                "shift_start": _hhmm(origin + start),
                "shift_end": _hhmm(origin + end),
                "level": int(shift_level[s]),
                "mode": "bike" if shift_bike[s] else "car",
                "break_start": _hhmm(origin + b0) if has_break else "",
                "break_end": _hhmm(origin + min(b1, end)) if has_break else "",
                "break_min": settings.break_min if has_break else 0,
                "office": names[int(office_village[p])],
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(SHIFT_COLUMNS))
    return frame.astype({"level": int, "break_min": int})


def generate_region_night(
    region: str,
    *,
    n_visits: int = 300,
    n_providers: int = 6,
    n_shifts: int = 25,
    seed: int = 0,
    network: RoadNetwork | None = None,
    settings: GeneratorSettings = GeneratorSettings(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic night in one of zorgroute's regions, from its bundled village table.

    Parameters
    ----------
    region
        The region's slug or title (see :func:`zorgroute.places.region_slug`), e.g.
        ``"oost-drenthe"`` or ``"kempen-demo"``.
    n_visits, n_providers, n_shifts, seed, network, settings
        As for :func:`generate_night`.

    Returns
    -------
    visits, shifts : pandas.DataFrame
        As for :func:`generate_night`.

    Raises
    ------
    InputError
        If the region is unknown or its village table missing (see
        :func:`zorgroute.places.load_villages`), or as for :func:`generate_night`.
    """
    from zorgroute.places import load_villages

    return generate_night(
        load_villages(region),
        n_visits=n_visits,
        n_providers=n_providers,
        n_shifts=n_shifts,
        seed=seed,
        network=network,
        settings=settings,
    )


def write_night(
    visits: pd.DataFrame, shifts: pd.DataFrame, out_dir: str | Path
) -> tuple[Path, Path]:
    """Write a night as ``visits.csv`` and ``shifts.csv`` (UTF-8, header row, no index).

    Parameters
    ----------
    visits, shifts
        The tables, e.g. from :func:`generate_night`.
    out_dir
        Folder to write into; created (with its parents) if missing. Existing files of the
        same names are replaced.

    Returns
    -------
    tuple of pathlib.Path
        The paths of ``visits.csv`` and ``shifts.csv``.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    visits_path = folder / "visits.csv"
    shifts_path = folder / "shifts.csv"
    visits.to_csv(visits_path, index=False, encoding="utf-8", lineterminator="\n")
    shifts.to_csv(shifts_path, index=False, encoding="utf-8", lineterminator="\n")
    return visits_path, shifts_path
