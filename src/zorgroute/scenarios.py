"""What-if scenarios for analysts, and sweeps over grids of them (serial or on Dask).

Analysts ask "what if": more old people in ten years, fewer nurses, bikes instead of cars,
less consent, another region. A :class:`Scenario` is one such question, as plain values:

- a **region** (a slug of :data:`zorgroute.places.REGIONS`);
- a **demand model**: visits per inhabitant of each age group times the group's share of
  the region's inhabitants, grown by ``growth_per_year`` over ``years`` (or ``n_visits``
  today's visits instead of the age model), times a ``demand_factor``;
- **staff**: shifts per provider, shrunk by ``attrition_per_year`` over ``years``, plus
  volunteers or informal carers of an area team as level-1 shifts;
- the **travel mode** (car or bike), the clients' **consent rate**, **pooling** on or off,
  fixed **territories** of district teams, the **seed**, and a **solver budget**
  (``max_solutions``, with ``time_limit_s`` as a cap).

:func:`run_scenario` turns a scenario into a synthetic but plausible night
(:func:`zorgroute.generate.generate_night` on the region's village table), plans it solo and
pooled (:func:`zorgroute.pooling.compare`), checks both plans independently and returns one
tidy row: kilometres, drive hours, unplanned visits, shifts used (the staff needed) and the
saving against every provider planning alone. :func:`grid` builds the scenarios of every
combination of a few lists, and :func:`sweep` runs them (serially, on a local Dask cluster,
or on any Dask scheduler), appending each row to a results file as it finishes, so that a
sweep that stopped resumes where it was.

Offline by default
------------------
Every scenario plans **offline on the bundled demo road graph** (``kempen-demo``): a region
other than the demo region has its village layout moved and scaled onto the demo graph
(:func:`zorgroute.oost_drenthe.fit_onto`), keeping its shape and populations. Distances are
then shorter than in the real region by the factor in the row's ``scale`` column (``km /
scale`` is a rough estimate at the region's own size). ``online=True`` plans at the
villages' real positions on the region's own road graph, downloaded from OpenStreetMap once
and cached (see :func:`zorgroute.planning.load_networks`).

The demand model's figures
--------------------------
"Assumption" marks a plausible choice with no published figure behind it; every figure is a
field of :class:`Scenario` or a constant here, so a scenario can change it.

Age groups (:data:`AGE_GROUPS`: 65–74, 75–84, 85+) and their shares of the inhabitants
    :data:`AGE_SHARES` = 14 %, 9 %, 3 %: the shrinking rural regions of the project are older
    than the Dutch average (about 11 %, 6.5 %, 2.3 % around 2023); assumption.
Visits per inhabitant of an age group in one night or day
    :data:`NIGHT_VISIT_RATES` = 0.0002, 0.002, 0.01 and :data:`DAY_VISIT_RATES` = 0.002,
    0.02, 0.08 (assumptions). With them Oost-Drenthe's 59 000 inhabitants give about 30
    planned night visits and 270 day visits.
Growth
    ``growth_per_year`` = 3 %: the number of people over 75 in the Netherlands is expected to
    grow by roughly that much a year until about 2040 (an order of magnitude of the national
    forecasts; assumption for these regions).
Staff
    Without ``shifts_per_provider``, enough shifts for today's visits at
    :data:`VISITS_PER_SHIFT` (10 a night shift, 8 a day shift; assumptions), at least one per
    provider; ``attrition_per_year`` = 0. Demand that grows over ``years`` against a staff
    that does not makes visits go unplanned. A volunteer shift lasts ``volunteer_hours`` =
    4 h in the middle of the staff's shift hours (assumption).

Not modelled: a region's inhabitants are the GeoNames populations of its villages (rounded,
around 2020), shrinking total population (only the elderly count), and the difference in
cost between a night and a day shift.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.util
import itertools
import json
import logging
import math
import os
import time
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from zorgroute.exceptions import InputError, MissingDependencyError, Problem, ZorgrouteWarning
from zorgroute.generate import GeneratorSettings, generate_night
from zorgroute.geo import haversine_m
from zorgroute.model import Matrices, Night
from zorgroute.places import load_villages, region_slug
from zorgroute.planning import DEMO_REGION

if TYPE_CHECKING:
    from zorgroute.matrix import TravelMatrix
    from zorgroute.model import Plan
    from zorgroute.network import RoadNetwork
    from zorgroute.pooling import Comparison, PoolingSettings
    from zorgroute.solver import SolveOptions

__all__ = [
    "AGE_GROUPS",
    "AGE_SHARES",
    "AREA_TEAM",
    "DAY_VISIT_RATES",
    "NIGHT_VISIT_RATES",
    "RESULT_COLUMNS",
    "SCENARIO_FIELDS",
    "VISITS_PER_SHIFT",
    "PreparedScenario",
    "Scenario",
    "compare_scenario",
    "grid",
    "prepare",
    "read_results",
    "run_scenario",
    "scenarios_from_toml",
    "sweep",
]

log = logging.getLogger(__name__)

#: The age groups of the demand model.
AGE_GROUPS: tuple[str, ...] = ("65-74", "75-84", "85+")
#: Default share of a region's inhabitants in each of :data:`AGE_GROUPS` (assumption).
AGE_SHARES: tuple[float, ...] = (0.14, 0.09, 0.03)
#: Default planned night visits per inhabitant of each age group in one night (assumption).
NIGHT_VISIT_RATES: tuple[float, ...] = (0.0002, 0.002, 0.01)
#: Default planned day visits per inhabitant of each age group in one day (assumption).
DAY_VISIT_RATES: tuple[float, ...] = (0.002, 0.02, 0.08)

#: Planned visits per staff shift when the staff is sized to today's demand (assumptions: a
#: night nurse in a sparse region drives between short visits; a day visit takes longer).
VISITS_PER_SHIFT: Mapping[str, float] = MappingProxyType({"night": 10.0, "day": 8.0})

#: The provider name of the area team's volunteers and informal carers (level-1 shifts).
AREA_TEAM = "Gebiedsteam"

#: Part of every scenario's key: bump it when what a scenario computes changes, so that
#: results files made before are not taken for the new ones.
_KEY_VERSION = 1

Kind = Literal["night", "day"]
TravelMode = Literal["car", "bike"]
Scheduler = str | None
RunFunction = Callable[["Scenario"], Mapping[str, Any]]


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One what-if question: a region, its demand and staff, travel, consent and budget.

    Every field is a plain value, so scenarios are hashable, go into a TOML file
    (:func:`scenarios_from_toml`) and into a grid (:func:`grid`). Numbers are normalised on
    creation (``consent_rate=1`` becomes ``1.0``, lists become tuples, the region its slug),
    so equal questions have equal :attr:`key`.

    Attributes
    ----------
    region
        Slug or title of a region of :data:`zorgroute.places.REGIONS` (kept as the slug).
    kind
        ``"night"`` (night shifts, night visits) or ``"day"``.
    age_shares
        Share of the region's inhabitants in each age group (:data:`AGE_GROUPS`).
    visit_rates
        Visits per inhabitant of each age group in one night or day; ``None``:
        :data:`NIGHT_VISIT_RATES` or :data:`DAY_VISIT_RATES` by ``kind``.
    growth_per_year
        Yearly growth of the number of elderly inhabitants, hence of the visits (0.03: 3 %).
    years
        How many years ahead the scenario looks: demand grows and staff shrinks over them.
    demand_factor
        Multiplies the visits (e.g. 0.8: prevention avoids a fifth of them).
    n_visits
        Today's visits, instead of the age model's estimate (growth and ``demand_factor``
        still apply); ``None``: the age model.
    level1_share
        Share of visits that need only qualification level 1 (company, household help: what
        a volunteer may do); ``None``: the generator's default (10 % by day, none at night).
    n_providers
        Competing providers (or district teams, with ``territories``).
    shifts_per_provider
        Staff shifts per provider today; ``None``: enough shifts for today's visits (see
        :meth:`staff`). Over ``years`` the staff shrinks by ``attrition_per_year``.
    attrition_per_year
        Share of the staff lost each year, net of hiring (0.05: 5 %).
    volunteer_shifts
        Level-1 shifts of volunteers and informal carers of the area team
        (:data:`AREA_TEAM`), each starting from home in the region; they may serve only the
        level-1 visits of clients who consent to pooling.
    volunteer_hours
        Length of a volunteer shift, centred in the staff's shift hours.
    territories
        Each client belongs to the provider (district team) whose office is nearest, as
        with fixed territories, instead of to a provider drawn by market share. Then the
        solo plan is "fixed territories" and the pooled one "teams help across borders".
    mode
        ``"car"`` or ``"bike"``: how every shift travels.
    consent_rate
        Share of clients who consent to a carer of another provider.
    pooled
        Plan pooled as well as solo (``False``: only solo, and the savings are 0).
    seed
        Seed of the generated night and of the solver.
    max_solutions
        The solver's budget per plan: stop after this many solutions (machine-independent, so
        a sweep gives the same rows anywhere); ``None``: only the time cap.
    time_limit_s
        Wall-clock cap per plan, seconds.
    online
        Plan on the region's own road graph (downloaded once, then cached) at the villages'
        real positions instead of offline on the bundled demo graph.

    Raises
    ------
    InputError
        Listing every invalid field (an unknown region, a probability outside 0–1, a
        negative count, age shares and rates of different lengths, …).
    """

    region: str = DEMO_REGION
    kind: Kind = "night"
    age_shares: tuple[float, ...] = AGE_SHARES
    visit_rates: tuple[float, ...] | None = None
    growth_per_year: float = 0.03
    years: int = 0
    demand_factor: float = 1.0
    n_visits: int | None = None
    level1_share: float | None = None
    n_providers: int = 4
    shifts_per_provider: float | None = None
    attrition_per_year: float = 0.0
    volunteer_shifts: int = 0
    volunteer_hours: float = 4.0
    territories: bool = False
    mode: TravelMode = "car"
    consent_rate: float = 0.6
    pooled: bool = True
    seed: int = 0
    max_solutions: int | None = 200
    time_limit_s: float = 60.0
    online: bool = False

    def __post_init__(self) -> None:
        problems: list[Problem] = []

        def bad(name: str, reason: str, value: object) -> None:
            problems.append(Problem(reason, "Scenario", column=name, value=repr(value)))

        def number(name: str, *, lo: float | None = None, hi: float | None = None) -> None:
            value = getattr(self, name)
            if value is None and name in _OPTIONAL:
                return
            if isinstance(value, bool) or not isinstance(value, int | float):
                bad(name, "must be a number", value)
                return
            if not math.isfinite(value):
                bad(name, "must be finite", value)
            elif (lo is not None and value < lo) or (hi is not None and value > hi):
                span = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
                bad(name, f"must lie in {span}", value)
            else:
                object.__setattr__(self, name, float(value))

        def integer(name: str, *, lo: int) -> None:
            value = getattr(self, name)
            if value is None and name in _OPTIONAL:
                return
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                bad(name, "must be a whole number", value)
            elif value < lo:
                bad(name, f"must be at least {lo}", value)
            else:
                object.__setattr__(self, name, int(value))

        def flag(name: str) -> None:
            if not isinstance(getattr(self, name), bool):
                bad(name, "must be true or false", getattr(self, name))

        try:
            object.__setattr__(self, "region", region_slug(str(self.region)))
        except InputError:
            known = ", ".join(sorted(_regions()))
            bad("region", f"unknown region; known regions: {known}", self.region)
        if self.kind not in ("night", "day"):
            bad("kind", "must be 'night' or 'day'", self.kind)
        if self.mode not in ("car", "bike"):
            bad("mode", "must be 'car' or 'bike'", self.mode)
        if self._rates("age_shares", bad) and self._rates("visit_rates", bad):
            shares, rates = self.age_shares, self.visit_rates
            if rates is not None and len(shares) != len(rates):
                bad("visit_rates", f"needs one rate per age share ({len(shares)})", rates)
            if sum(shares) > 1.0 + 1e-9:
                bad("age_shares", "the shares of the inhabitants sum to more than 1", shares)
        number("growth_per_year", lo=-0.5, hi=1.0)
        integer("years", lo=0)
        number("demand_factor", lo=0.0)
        integer("n_visits", lo=0)
        number("level1_share", lo=0.0, hi=1.0)
        integer("n_providers", lo=1)
        number("shifts_per_provider", lo=0.0)
        if isinstance(self.shifts_per_provider, float) and self.shifts_per_provider == 0:
            bad("shifts_per_provider", "must be more than 0", self.shifts_per_provider)
        number("attrition_per_year", lo=0.0, hi=0.99)
        integer("volunteer_shifts", lo=0)
        number("volunteer_hours", lo=0.5, hi=10.0)
        number("consent_rate", lo=0.0, hi=1.0)
        integer("seed", lo=0)
        integer("max_solutions", lo=1)
        number("time_limit_s", lo=0.1)
        for name in ("territories", "pooled", "online"):
            flag(name)
        if problems:
            raise InputError(problems, summary="invalid scenario")

    def _rates(self, name: str, bad: Callable[[str, str, object], None]) -> bool:
        """Check a list of numbers ≥ 0 and keep it as a tuple of floats; False if bad."""
        value = getattr(self, name)
        if value is None and name in _OPTIONAL:
            return True
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            bad(name, "must be a non-empty list of numbers", value)
            return False
        if any(
            isinstance(x, bool) or not isinstance(x, int | float) or not 0 <= x < math.inf
            for x in value
        ):
            bad(name, "every entry must be a finite number ≥ 0", value)
            return False
        object.__setattr__(self, name, tuple(float(x) for x in value))
        return True

    # -- derived figures ------------------------------------------------------------------

    @property
    def key(self) -> str:
        """A stable hash of every field (16 hex digits): equal scenarios have equal keys.

        It names the scenario in a results file, so that a sweep skips what is done. It
        depends on nothing but the fields (not on the Python process, the machine or the
        order of a grid).
        """
        text = json.dumps({"_v": _KEY_VERSION, **dataclasses.asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def rates(self) -> tuple[float, ...]:
        """The visit rates in force: :attr:`visit_rates`, or the defaults of :attr:`kind`."""
        if self.visit_rates is not None:
            return self.visit_rates
        return NIGHT_VISIT_RATES if self.kind == "night" else DAY_VISIT_RATES

    def demand(self, population: int) -> int:
        """Visits of the night (or day) for a region of ``population`` inhabitants.

        ``n_visits`` (or ``population × Σ age share × rate``), times ``(1 + growth_per_year)
        ** years`` and ``demand_factor``, rounded.
        """
        if self.n_visits is not None:
            base = float(self.n_visits)
        else:
            base = population * sum(s * r for s, r in zip(self.age_shares, self.rates, strict=True))
        grown = base * (1.0 + self.growth_per_year) ** self.years * self.demand_factor
        return max(0, round(grown))

    def staff(self, population: int) -> int:
        """Staff shifts of the night (or day) for a region of ``population`` inhabitants.

        ``n_providers × shifts_per_provider``, or without ``shifts_per_provider`` enough for
        today's visits (before growth and ``demand_factor``) at :data:`VISITS_PER_SHIFT`
        each, at least one per provider; times ``(1 - attrition_per_year) ** years``,
        rounded, at least one.
        """
        if self.shifts_per_provider is not None:
            today = self.n_providers * self.shifts_per_provider
        else:
            visits = replace(self, years=0, demand_factor=1.0).demand(population)
            today = max(self.n_providers, math.ceil(visits / VISITS_PER_SHIFT[self.kind]))
        kept = (1.0 - self.attrition_per_year) ** self.years
        return max(1, round(today * kept))

    def solve_options(self) -> SolveOptions:
        """The solver options of this scenario (seed and budget; pooled as asked)."""
        from zorgroute.solver import SolveOptions

        return SolveOptions(
            pooled=self.pooled,
            time_limit_s=self.time_limit_s,
            seed=self.seed,
            max_solutions=self.max_solutions,
        )

    def record(self) -> dict[str, Any]:
        """The fields as plain values for a table row (lists of numbers as JSON text)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = json.dumps(list(value)) if isinstance(value, tuple) else value
        return out


_PANDAS_3 = int(pd.__version__.split(".", 1)[0]) >= 3

_OPTIONAL = frozenset(
    {"visit_rates", "n_visits", "level1_share", "shifts_per_provider", "max_solutions"}
)
_TUPLE_FIELDS = frozenset({"age_shares", "visit_rates"})
SCENARIO_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Scenario))


def _regions() -> Iterable[str]:
    from zorgroute.places import REGIONS

    return REGIONS.keys()


# --------------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------------


def grid(**lists: Any) -> list[Scenario]:
    """Every combination of the given values, as scenarios (the last field varies fastest).

    Parameters
    ----------
    **lists
        A field of :class:`Scenario` and its values: a list, tuple or range of values, or
        one value. For ``age_shares`` and ``visit_rates``, whose values are themselves
        lists of numbers, a list of numbers is one value and a list of lists is several.
        Fields not given keep the defaults of :class:`Scenario`.

    Returns
    -------
    list of Scenario
        ``∏ len(values)`` scenarios, in the order of :func:`itertools.product` over the
        fields as given.

    Raises
    ------
    InputError
        Listing every unknown field, empty list and invalid value (each once).

    Examples
    --------
    >>> len(grid(region="oost-drenthe", consent_rate=[0.2, 0.6, 1.0], seed=range(2)))
    6
    """
    problems: list[Problem] = []
    axes: list[list[Any]] = []
    for name, values in lists.items():
        if name not in SCENARIO_FIELDS:
            problems.append(
                Problem(
                    f"not a field of Scenario; fields: {', '.join(SCENARIO_FIELDS)}",
                    "grid",
                    column=name,
                )
            )
            continue
        options = _alternatives(name, values)
        if not options:
            problems.append(Problem("no values", "grid", column=name, value=repr(values)))
        axes.append(options)
    if problems:
        raise InputError(problems, summary="invalid scenario grid")
    names = list(lists)
    out: list[Scenario] = []
    invalid: dict[str, Problem] = {}  # each problem once, however many combinations have it
    for combo in itertools.product(*axes):
        try:
            out.append(Scenario(**dict(zip(names, combo, strict=True))))
        except InputError as exc:
            for p in exc.problems:
                invalid.setdefault(str(p), p)
    if invalid:
        raise InputError(list(invalid.values()), summary="invalid scenario grid")
    return out


def _alternatives(name: str, values: Any) -> list[Any]:
    """The values of one grid axis: a sequence is several, anything else one."""
    one_list = isinstance(values, list | tuple) and all(isinstance(x, int | float) for x in values)
    if name in _TUPLE_FIELDS and values and one_list:
        return [values]  # one list of numbers
    if isinstance(values, str) or values is None or not isinstance(values, Iterable):
        return [values]
    return list(values)


def scenarios_from_toml(path: str | os.PathLike[str]) -> list[Scenario]:
    """The scenarios of a TOML file: a ``[base]``, one or more ``[grid]`` and ``[[scenario]]``.

    ::

        [base]                 # fields all scenarios share (optional)
        region = "oost-drenthe"
        max_solutions = 200

        [grid]                 # every combination of these lists (or [[grid]] several times)
        consent_rate = [0.2, 0.6, 1.0]
        n_providers = [3, 7]
        seed = [0, 1]

        [[scenario]]           # single scenarios on top of the grid (optional)
        kind = "day"

    Each ``[grid]`` and ``[[scenario]]`` starts from ``[base]``. Scenarios that come out
    equal are listed once. TOML has no ``null``: leave a field out to keep its default.

    Raises
    ------
    InputError
        The file is missing or not valid TOML (with line and column), has an unknown
        section, or a grid or scenario is invalid (every problem listed).
    """
    source = Path(path)
    if not source.is_file():
        raise InputError.single("file not found", source=str(source))
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError.single(f"not valid TOML: {exc}", source=source.name) from exc
    problems: list[Problem] = []
    for name in sorted(set(data) - {"base", "grid", "scenario"}):
        problems.append(
            Problem(
                "unknown section; use [base], [grid] and [[scenario]]", source.name, column=name
            )
        )
    base = data.get("base", {})
    grids = data.get("grid", [])
    singles = data.get("scenario", [])
    if not isinstance(base, dict):
        problems.append(Problem("must be a table", source.name, column="base"))
        base = {}
    if isinstance(grids, dict):
        grids = [grids]
    if not isinstance(grids, list) or not all(isinstance(g, dict) for g in grids):
        problems.append(
            Problem("must be a table or an array of tables", source.name, column="grid")
        )
        grids = []
    if not isinstance(singles, list) or not all(isinstance(s, dict) for s in singles):
        problems.append(Problem("must be an array of tables", source.name, column="scenario"))
        singles = []
    out: dict[str, Scenario] = {}
    parts: list[tuple[str, dict[str, Any]]] = [
        (f"grid {k + 1}", {**base, **g}) for k, g in enumerate(grids)
    ]
    parts += [(f"scenario {k + 1}", {**base, **s}) for k, s in enumerate(singles)]
    if not parts:
        parts = [("base", dict(base))]
    for label, fields in parts:
        try:
            for s in grid(**fields):
                out.setdefault(s.key, s)
        except InputError as exc:
            problems += [replace(p, source=source.name, row=label) for p in exc.problems]
    if problems:
        raise InputError(problems, summary="invalid scenario file")
    return list(out.values())


# --------------------------------------------------------------------------------------------
# One scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PreparedScenario:
    """A scenario's night, ready to plan: what :func:`run_scenario` plans and notebooks map.

    Attributes
    ----------
    scenario
        The scenario.
    night
        The validated night (:func:`zorgroute.io.read_night`).
    matrices
        Travel between the night's locations for the scenario's mode.
    networks, travel
        The road network and travel matrix per mode (for maps along the roads).
    visits, shifts
        The generated tables (with the ``village`` of each client and ``office`` of each
        shift), after territories and volunteers.
    villages
        The villages where the clients were placed (moved onto the demo graph offline).
    graph
        The road graph planned on: ``"kempen-demo"`` offline, else the region.
    scale
        Distance scale of the village layout on that graph (1.0: the real positions).
    population
        Inhabitants of the region's villages (GeoNames).
    notes
        What was changed to build the night, in words (placement, capped levels, …).
    """

    scenario: Scenario
    night: Night
    matrices: Matrices
    networks: Mapping[str, RoadNetwork]
    travel: Mapping[str, TravelMatrix]
    visits: pd.DataFrame
    shifts: pd.DataFrame
    villages: pd.DataFrame
    graph: str
    scale: float
    population: int
    notes: tuple[str, ...] = field(default_factory=tuple)


@functools.lru_cache(maxsize=4)
def _demo_network(mode: str) -> RoadNetwork:
    """The bundled demo graph of ``mode``, loaded once per process (it takes about 1 s)."""
    from zorgroute import graph, planning

    return graph.to_network(graph.load_graph(planning.demo_graph_path(mode)))


@functools.lru_cache(maxsize=8)
def _region_network(region: str, mode: str) -> RoadNetwork:
    """The region's own road graph of ``mode`` (downloaded once, then from the cache)."""
    from zorgroute import planning

    return planning.load_networks([mode], region=region)[mode]


def _bbox(network: RoadNetwork) -> tuple[float, float, float, float]:
    return (
        float(network.node_lat.min()),
        float(network.node_lon.min()),
        float(network.node_lat.max()),
        float(network.node_lon.max()),
    )


def _settings(s: Scenario) -> GeneratorSettings:
    settings = GeneratorSettings(kind=s.kind, consent_rate=s.consent_rate)
    if s.level1_share is None:
        return settings
    others = [(level, w) for level, w in settings.visit_levels if level != 1]
    total = sum(w for _, w in others)
    levels = [(1, s.level1_share)] if s.level1_share > 0 else []
    if s.level1_share < 1:
        levels += [(level, w / total * (1 - s.level1_share)) for level, w in others]
    if s.kind == "night":
        return replace(settings, night_visit_levels=tuple(levels))
    return replace(settings, day_visit_levels=tuple(levels))


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _territories(visits: pd.DataFrame, shifts: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each client to the provider with the nearest office; levels capped to the team's."""
    offices = shifts.groupby("provider", sort=True)[["start_lat", "start_lon"]].first()
    d = haversine_m(
        visits["lat"].to_numpy(float)[:, None],
        visits["lon"].to_numpy(float)[:, None],
        offices["start_lat"].to_numpy(float)[None, :],
        offices["start_lon"].to_numpy(float)[None, :],
    )
    team = offices.index.to_numpy()[np.argmin(d, axis=1)] if len(visits) else []
    out = visits.assign(provider=team)
    # a team serves its territory at the levels it has (clients without consent keep to it)
    top = shifts.groupby("provider")["level"].max()
    limit = out["provider"].map(top).to_numpy(dtype=np.int64)
    own_only = (out["pooling"] == "no").to_numpy()
    capped = own_only & (out["level"].to_numpy(dtype=np.int64) > limit)
    out.loc[capped, "level"] = limit[capped]
    return out, int(capped.sum())


def _volunteers(s: Scenario, visits: pd.DataFrame, shifts: pd.DataFrame) -> pd.DataFrame:
    """Level-1 shifts of the area team, each from the home of a villager, mid-shift hours."""
    first = shifts.iloc[0]
    start, end = _minutes(str(first["shift_start"])), _minutes(str(first["shift_end"]))
    if end <= start:
        end += 24 * 60
    length = min(round(s.volunteer_hours * 60), end - start)
    begin = start + ((end - start - length) // 2) // 5 * 5
    rng = np.random.default_rng([s.seed, 1])
    rows = []
    for k in range(s.volunteer_shifts):
        if len(visits):
            home = visits.iloc[int(rng.integers(len(visits)))]
            lat, lon, village = float(home["lat"]), float(home["lon"]), str(home["village"])
        else:
            lat, lon = float(first["start_lat"]), float(first["start_lon"])
            village = str(first["office"])
        rows.append(
            {
                "shift_id": f"vol{k + 1:02d}",
                "provider": AREA_TEAM,
                "start_lat": lat,
                "start_lon": lon,
                "end_lat": lat,
                "end_lon": lon,
                "shift_start": _hhmm(begin),
                "shift_end": _hhmm(begin + length),
                "level": 1,
                "mode": s.mode,
                "break_start": "",
                "break_end": "",
                "break_min": 0,
                "office": village,
            }
        )
    return pd.DataFrame(rows, columns=shifts.columns)


def prepare(s: Scenario, *, cache: bool = True) -> PreparedScenario:
    """Build the scenario's night and its travel matrix (everything but the plans).

    Parameters
    ----------
    s
        The scenario.
    cache
        Keep travel matrices on disk (:func:`zorgroute.matrix.travel_matrix`): a rerun of
        the same scenario skips the shortest paths.

    Returns
    -------
    PreparedScenario

    Raises
    ------
    InputError
        If the generated night does not read (a bug, or an impossible combination) or an
        address lies off the road graph.
    DownloadError
        With ``online=True``, if the region's road graph is not cached and cannot be
        downloaded.

    Warns
    -----
    GeneratorWarning, SnapWarning
        A village without roads near its centre, an address far from its road.
    """
    from zorgroute import io, planning

    villages = load_villages(s.region)
    population = int(villages["population"].sum())
    notes: list[str] = []
    if s.online:
        place_on = _region_network(s.region, "car")
        network = place_on if s.mode == "car" else _region_network(s.region, s.mode)
        graph, scale = s.region, 1.0
        notes.append(f"villages of {s.region} at their real positions on its own road graph")
    else:
        place_on = _demo_network("car")
        network = place_on if s.mode == "car" else _demo_network(s.mode)
        graph, scale = DEMO_REGION, 1.0
        if s.region != DEMO_REGION:
            villages, scale = _fit_onto(villages, _bbox(place_on))
            notes.append(
                f"village layout of {s.region} moved onto the bundled {DEMO_REGION} road "
                f"graph, distances scaled by {scale:.2f}"
            )
    n_visits = s.demand(population)
    visits, shifts = generate_night(
        villages,
        n_visits=n_visits,
        n_providers=s.n_providers,
        n_shifts=s.staff(population),
        seed=s.seed,
        network=place_on,  # addresses along car roads, the same for car and bike scenarios
        settings=_settings(s),
    )
    shifts = shifts.assign(mode=s.mode)
    if s.territories:
        visits, capped = _territories(visits, shifts)
        notes.append("clients belong to the team with the nearest office (fixed territories)")
        if capped:
            notes.append(f"{capped} visits capped to the highest level of their team")
    if s.volunteer_shifts:
        shifts = pd.concat([shifts, _volunteers(s, visits, shifts)], ignore_index=True)
        if not (visits["level"] == 1).any():
            notes.append("no level-1 visits: the volunteers have nothing to do")
    providers = sorted(set(visits["provider"]) | set(shifts["provider"]))
    night = io.read_night(visits, shifts, providers=providers)
    networks: dict[str, RoadNetwork] = {s.mode: network}
    matrices, travel = planning.night_matrices(night, networks, cache=cache)
    return PreparedScenario(
        scenario=s,
        night=night,
        matrices=matrices,
        networks=networks,
        travel=travel,
        visits=visits,
        shifts=shifts,
        villages=villages,
        graph=graph,
        scale=scale,
        population=population,
        notes=tuple(notes),
    )


def _fit_onto(
    villages: pd.DataFrame, bbox: tuple[float, float, float, float]
) -> tuple[pd.DataFrame, float]:
    from zorgroute.oost_drenthe import fit_onto

    return fit_onto(villages, bbox)


def compare_scenario(prepared: PreparedScenario) -> Comparison:
    """Plan a prepared scenario solo and pooled (:func:`zorgroute.pooling.compare`).

    Both plans are made whatever the scenario's ``pooled`` says: the comparison holds the
    ledger of every provider (kilometres, visits served for others, settlement), for a
    closer look than a row gives.
    """
    from zorgroute import pooling

    options = replace(prepared.scenario.solve_options(), pooled=True)
    return pooling.compare(prepared.night, prepared.matrices, options, villages=prepared.villages)


def _figures(
    night: Night,
    plan: Plan,
    village_of: Mapping[str, str],
    settings: PoolingSettings,
) -> dict[str, Any]:
    """What a row tells of one plan."""
    from zorgroute.pooling import lonely_trips, plan_cost_eur

    owner = {v.visit_id: v.provider for v in night.visits}
    mode = {sh.shift_id: sh.mode for sh in night.shifts}
    car_m = sum(r.distance_m for r in plan.routes if mode[r.shift_id] == "car")
    volunteers = [r for r in plan.routes if r.provider == AREA_TEAM]
    return {
        "km": round(plan.distance_m / 1000, 3),
        "drive_h": round(plan.drive_s / 3600, 3),
        "unplanned": len(plan.unplanned),
        "shifts_used": len(plan.routes),
        "volunteer_shifts_used": len(volunteers),
        "volunteer_visits": sum(len(r.stops) for r in volunteers),
        "volunteer_km": round(sum(r.distance_m for r in volunteers) / 1000, 3),
        "served_by_others": sum(
            1 for r in plan.routes for st in r.stops if owner[st.visit_id] != r.provider
        ),
        "lonely_trips": sum(lonely_trips(night, plan, village_of, settings).values()),
        "co2_kg": round(car_m / 1000 * settings.co2_kg_per_km, 2),
        "cost_eur": round(plan_cost_eur(plan, night, settings), 2),
    }


#: The columns of a result row, in order: identity, the scenario's fields, what the night
#: was, the plan in force (pooled, or solo when pooling is off), solo, savings, checks.
RESULT_COLUMNS: tuple[str, ...] = (
    "key",
    "status",
    "error",
    *SCENARIO_FIELDS,
    "graph",
    "scale",
    "population",
    "visits",
    "visits_consenting",
    "shifts",
    "km",
    "drive_h",
    "unplanned",
    "shifts_used",
    "volunteer_shifts_used",
    "volunteer_visits",
    "volunteer_km",
    "served_by_others",
    "lonely_trips",
    "co2_kg",
    "cost_eur",
    "solo_km",
    "solo_drive_h",
    "solo_unplanned",
    "solo_shifts_used",
    "solo_lonely_trips",
    "solo_cost_eur",
    "saved_km",
    "saved_pct",
    "saved_drive_h",
    "saved_eur",
    "violations",
    "warnings",
    "note",
    "runtime_s",
)

_INT_COLUMNS = frozenset(
    {
        "years",
        "n_visits",
        "n_providers",
        "volunteer_shifts",
        "seed",
        "max_solutions",
        "population",
        "visits",
        "visits_consenting",
        "shifts",
        "unplanned",
        "shifts_used",
        "volunteer_shifts_used",
        "volunteer_visits",
        "served_by_others",
        "lonely_trips",
        "solo_unplanned",
        "solo_shifts_used",
        "solo_lonely_trips",
        "violations",
    }
)
_BOOL_COLUMNS = frozenset({"territories", "pooled", "online"})
_STR_COLUMNS = frozenset(
    {
        "key",
        "status",
        "error",
        "region",
        "kind",
        "age_shares",
        "visit_rates",
        "mode",
        "graph",
        "warnings",
        "note",
    }
)


def run_scenario(s: Scenario, *, cache: bool = True) -> dict[str, Any]:
    """Plan one scenario solo and pooled and return its tidy row.

    Warnings of zorgroute (a village far from the roads, an address snapped far) do not
    stop the run: their messages go into the row's ``warnings`` column, so a sweep reads the
    same serially and on a cluster. The two plans are checked by the independent checker
    (:func:`zorgroute.check.check_plan`); ``violations`` counts what it found (0, unless
    zorgroute has a bug).

    Parameters
    ----------
    s
        The scenario.
    cache
        Keep travel matrices on disk (see :func:`prepare`).

    Returns
    -------
    dict
        The row, keys in the order of :data:`RESULT_COLUMNS`: ``key``, ``status`` (``"ok"``)
        and ``error`` (``None``); the scenario's fields; ``graph``, ``scale`` (of the
        village layout on the graph planned on), ``population``, ``visits`` and
        ``visits_consenting``, ``shifts`` (available, volunteers included); the plan in force
        (pooled, or solo with ``pooled=False``): ``km``, ``drive_h``, ``unplanned``,
        ``shifts_used`` (the staff needed, volunteers included), ``volunteer_shifts_used``,
        ``volunteer_visits``, ``volunteer_km``, ``served_by_others`` (visits served by another
        provider), ``lonely_trips``, ``co2_kg``, ``cost_eur`` (the cost model of
        :class:`zorgroute.pooling.PoolingSettings`); the same for the solo plan
        (``solo_…``); the savings ``saved_km``, ``saved_pct`` (of solo km), ``saved_drive_h``
        and ``saved_eur``; ``violations``; ``warnings`` and ``note`` as text; ``runtime_s``.

    Raises
    ------
    InputError, DownloadError
        As :func:`prepare`.
    """
    from zorgroute.check import check_plan
    from zorgroute.pooling import PoolingSettings, villages_of
    from zorgroute.solver import solve

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ZorgrouteWarning)
        prepared = prepare(s, cache=cache)
        night, matrices = prepared.night, prepared.matrices
        if s.pooled:
            comparison = compare_scenario(prepared)
            solo, plan, settings = comparison.solo, comparison.pooled, comparison.settings
            village_of = dict(comparison.village_of)
        else:
            solo = solve(night, matrices, s.solve_options())
            plan, settings = solo, PoolingSettings()
            village_of = villages_of(night, prepared.villages)
    notes = _relay(caught)
    violations = len(check_plan(night, matrices, solo, pooled=False))
    if s.pooled:
        violations += len(check_plan(night, matrices, plan, pooled=True))
    now = _figures(night, plan, village_of, settings)
    alone = _figures(night, solo, village_of, settings)
    saved_km = round(alone["km"] - now["km"], 3)
    row: dict[str, Any] = {
        "key": s.key,
        "status": "ok",
        "error": None,
        **s.record(),
        "graph": prepared.graph,
        "scale": round(prepared.scale, 4),
        "population": prepared.population,
        "visits": len(night.visits),
        "visits_consenting": sum(1 for v in night.visits if v.pooling),
        "shifts": len(night.shifts),
        **now,
        "solo_km": alone["km"],
        "solo_drive_h": alone["drive_h"],
        "solo_unplanned": alone["unplanned"],
        "solo_shifts_used": alone["shifts_used"],
        "solo_lonely_trips": alone["lonely_trips"],
        "solo_cost_eur": alone["cost_eur"],
        "saved_km": saved_km,
        "saved_pct": round(100 * saved_km / alone["km"], 2) if alone["km"] else 0.0,
        "saved_drive_h": round(alone["drive_h"] - now["drive_h"], 3),
        "saved_eur": round(alone["cost_eur"] - now["cost_eur"], 2),
        "violations": violations,
        "warnings": "; ".join(notes) or None,
        "note": "; ".join(prepared.notes) or f"planned on the {prepared.graph} road graph",
        "runtime_s": round(time.perf_counter() - t0, 3),
    }
    return row


def _relay(caught: Iterable[warnings.WarningMessage]) -> list[str]:
    """zorgroute's warnings as distinct messages; any other warning is raised again as is."""
    notes: dict[str, None] = {}
    for w in caught:
        if issubclass(w.category, ZorgrouteWarning):
            notes.setdefault(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return list(notes)


# --------------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------------


def _run_safely(s: Scenario, run: RunFunction) -> dict[str, Any]:
    """``run(s)`` as a row that never raises: a failure is a row with its error text."""
    t0 = time.perf_counter()
    try:
        result = dict(run(s))
    except Exception as exc:  # any failure of one scenario must not end the sweep
        log.warning("scenario %s failed: %s: %s", s.key, type(exc).__name__, exc, exc_info=True)
        return _failed_row(s, exc, time.perf_counter() - t0)
    row = {"key": s.key, "status": "ok", "error": None, **s.record(), **result}
    row.setdefault("runtime_s", round(time.perf_counter() - t0, 3))
    return row


def _failed_row(s: Scenario, exc: BaseException | str, runtime_s: float | None) -> dict[str, Any]:
    error = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return {
        "key": s.key,
        "status": "failed",
        "error": error,
        **s.record(),
        "runtime_s": None if runtime_s is None else round(runtime_s, 3),
    }


def sweep(
    scenarios: Iterable[Scenario],
    *,
    scheduler: Scheduler = None,
    results_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    run: RunFunction = run_scenario,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    retry_failed: bool = True,
) -> pd.DataFrame:
    """Run many scenarios, serially or on Dask, and gather one row per scenario.

    Parameters
    ----------
    scenarios
        The scenarios, e.g. from :func:`grid`; a scenario given twice runs once.
    scheduler
        ``"serial"``: one after the other in this process. ``None`` (default): a
        ``dask.distributed.LocalCluster`` of ``n_workers`` processes with
        ``threads_per_worker`` threads each, started and closed by this call. Any other
        string: the address of a running Dask scheduler (``"tcp://10.0.0.5:8786"``) whose
        workers have zorgroute installed (the same version).
    results_path
        A ``.csv`` or ``.parquet`` file. Rows already in it whose scenario is done
        (``status == "ok"``) are not run again; every new row is appended as soon as it
        finishes, so an interrupted sweep resumes where it stopped. Keep one file per
        ``run`` function. Parquet needs ``pyarrow``.
    progress
        Show a progress bar (tqdm, on stderr).
    run
        What to do with each scenario: :func:`run_scenario`, or any function of a scenario
        that returns a mapping of column to plain value (importable by the workers).
    n_workers, threads_per_worker
        The local cluster's size (with ``scheduler=None``). Keep one thread per worker:
        :func:`run_scenario` records warnings, which Python does not do per thread.
    retry_failed
        Run scenarios again whose row in ``results_path`` says ``failed``.

    Returns
    -------
    pandas.DataFrame
        One row per distinct scenario, in the order given (those done before included), with
        the columns of :data:`RESULT_COLUMNS` (and any further ones ``run`` returns). A
        scenario that raised has ``status == "failed"`` and its error in ``error``; the others
        are not affected.

    Raises
    ------
    InputError
        If ``results_path`` is neither ``.csv`` nor ``.parquet``, or cannot be read.
    MissingDependencyError
        If ``dask.distributed`` (the ``scenarios`` extra) is needed but not installed, or
        ``pyarrow`` for a parquet file.
    TypeError
        If an item of ``scenarios`` is not a :class:`Scenario`, or ``scheduler`` is not a
        string.
    """
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError("scheduler must be None, 'serial' or a scheduler address")
    unique: dict[str, Scenario] = {}
    for s in scenarios:
        if not isinstance(s, Scenario):
            raise TypeError(f"sweep takes Scenario objects, not {type(s).__name__}")
        unique.setdefault(s.key, s)
    store = _ResultStore(Path(results_path)) if results_path is not None else None
    done = store.latest() if store is not None else {}
    rows: dict[str, dict[str, Any]] = {}
    todo: list[Scenario] = []
    for key, s in unique.items():
        old = done.get(key)
        if old is not None and (old.get("status") == "ok" or not retry_failed):
            rows[key] = old
        else:
            todo.append(s)
    if rows:
        log.info("%d of %d scenarios already done in %s", len(rows), len(unique), results_path)

    from tqdm import tqdm

    failed = 0
    with tqdm(total=len(todo), disable=not progress, desc="scenarios", unit="scenario") as bar:

        def finish(row: dict[str, Any]) -> None:
            nonlocal failed
            rows[str(row["key"])] = row
            if store is not None:
                store.append(row)
            if row.get("status") != "ok":
                failed += 1
                bar.set_postfix(failed=failed)
            bar.update(1)

        if not todo:
            pass
        elif scheduler == "serial":
            for s in todo:
                finish(_run_safely(s, run))
        else:
            _run_on_dask(todo, run, finish, scheduler, n_workers, threads_per_worker)
    if store is not None:
        store.compact()
    if failed:
        log.warning("%d of %d scenarios failed (see the error column)", failed, len(todo))
    return _table([rows[key] for key in unique])


def _run_on_dask(
    todo: Sequence[Scenario],
    run: RunFunction,
    finish: Callable[[dict[str, Any]], None],
    scheduler: str | None,
    n_workers: int,
    threads_per_worker: int,
) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("dask.distributed", "scenarios") from exc
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=n_workers,
                    threads_per_worker=threads_per_worker,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
            log.info("started a local Dask cluster of %d workers", n_workers)
        else:
            client = stack.enter_context(Client(scheduler))  # type: ignore[no-untyped-call]
            log.info("connected to the Dask scheduler at %s", scheduler)
        futures = [client.submit(_run_safely, s, run, pure=False) for s in todo]
        scenario_of = {f.key: s for f, s in zip(futures, todo, strict=True)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            s = scenario_of[future.key]
            if future.status == "finished":
                finish(future.result())
            elif future.status == "error":  # the worker died, or the result did not travel
                finish(_failed_row(s, future.exception(), None))
            else:
                finish(_failed_row(s, f"task {future.status}", None))
            future.release()


# --------------------------------------------------------------------------------------------
# Results files
# --------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A cell as a plain Python value; missing values (NaN, NA, empty text) become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, str) and value == "":
        return None
    return value


def _table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows as a DataFrame with the same columns and types whatever their origin."""
    columns = list(RESULT_COLUMNS)
    for r in records:
        columns += [c for c in r if c not in columns]
    frame = pd.DataFrame.from_records(
        [{c: _plain(r.get(c)) for c in columns} for r in records], columns=columns
    )
    for c in columns:
        if c in _STR_COLUMNS:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
        elif c in _INT_COLUMNS:
            frame[c] = frame[c].astype("Int64")
        elif c in _BOOL_COLUMNS:
            frame[c] = frame[c].astype("boolean")
        elif c in RESULT_COLUMNS:
            frame[c] = frame[c].astype("float64")
    return frame


def read_results(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows of a results file (``.csv`` or ``.parquet``), the last row of each scenario.

    Raises
    ------
    InputError
        If the file is missing, of another type, or not readable.
    MissingDependencyError
        For a parquet file without ``pyarrow``.
    """
    target = Path(path)
    if not target.is_file():
        raise InputError.single("file not found", source=str(target))
    return _table(list(_ResultStore(target).latest().values()))


class _ResultStore:
    """A results file that rows are appended to as they finish (CSV) or rewritten (parquet).

    A CSV file gets one line per row, flushed at once; should the header lack a column of a
    new row, the file is rewritten with the union of the columns. Parquet cannot append, so
    the file is rewritten (to a temporary file, then renamed) after every row. A last line
    that a crash cut off (no newline at its end) is dropped when the file is opened.
    """

    def __init__(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet", ".pq"):
            raise InputError.single(
                "results file must be .csv or .parquet", source=str(path), value=suffix
            )
        self.path = path
        self.parquet = suffix != ".csv"
        if self.parquet and importlib.util.find_spec("pyarrow") is None:
            raise MissingDependencyError("pyarrow", "scenarios")
        if not self.parquet and path.is_file():
            self._drop_cut_line()
        self.rows: list[dict[str, Any]] = self._read() if path.is_file() else []
        self.header: list[str] = self._columns(self.rows) if self.rows else []

    def _drop_cut_line(self) -> None:
        """Remove a last line cut off by a crash while writing it (it has no newline yet)."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            self.path.write_bytes(data[: data.rfind(b"\n") + 1])
            log.warning("dropped the incomplete last line of %s (an interrupted run)", self.path)

    def _read(self) -> list[dict[str, Any]]:
        try:
            if self.parquet:
                frame = pd.read_parquet(self.path)
            else:
                text = {c: "string" for c in _STR_COLUMNS}
                if _PANDAS_3:  # reads floats back exactly by default (and deprecates asking)
                    frame = pd.read_csv(self.path, dtype=text)
                else:
                    frame = pd.read_csv(self.path, dtype=text, float_precision="round_trip")
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise InputError.single(
                f"cannot read the results file: {exc}", source=str(self.path)
            ) from exc
        if "key" not in frame.columns:
            raise InputError.single(
                "not a results file of zorgroute.scenarios: no key column", source=str(self.path)
            )
        records = frame.to_dict(orient="records")
        return [{str(k): _plain(v) for k, v in r.items()} for r in records]

    @staticmethod
    def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
        columns = list(RESULT_COLUMNS)
        for r in rows:
            columns += [c for c in r if c not in columns]
        return columns

    def latest(self) -> dict[str, dict[str, Any]]:
        """The last row of every scenario key in the file."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.rows:
            if r.get("key") is not None:
                out[str(r["key"])] = r
        return out

    def append(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if self.parquet or not self.path.is_file() or any(c not in self.header for c in row):
            self._rewrite(self.rows)
            return
        line = pd.DataFrame([{c: _plain(row.get(c)) for c in self.header}], columns=self.header)
        with self.path.open("a", encoding="utf-8", newline="") as handle:
            line.to_csv(handle, header=False, index=False, lineterminator="\n")
            handle.flush()

    def compact(self) -> None:
        """Keep the last row of each scenario, if any scenario has several (a retry)."""
        latest = self.latest()
        if len(latest) < len(self.rows):
            self.rows = list(latest.values())
            self._rewrite(self.rows)

    def _rewrite(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.header = self._columns(rows)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        frame = _table(rows)[self.header]
        if self.parquet:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, lineterminator="\n")
        tmp.replace(self.path)
