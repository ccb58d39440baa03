"""Mankowska, Meisel & Bierwirth (2014) home-care instances as zorgroute nights, and their score.

The 50 instances of ``../shared/data/hhc/mankowska2014`` (10, 25, 50, 75 and 100 patients)
are the home health care routing and scheduling problem with interdependent services
(Mankowska, Meisel & Bierwirth, *Health Care Manag Sci* 17, 2014): every patient needs one
service, or two services by two different caregivers (a *double service*), either at the same
time or the second a minimum to a maximum time after the first; caregivers are qualified for
some of the six service types; windows are soft and lateness (*tardiness*) is a cost.

This module reads an instance file (:func:`read_instance`), turns it into a zorgroute
:class:`~zorgroute.model.Night` with :class:`~zorgroute.model.Matrices` (:func:`to_night`),
and scores a plan with the instances' objective as the reference code of Kummer, Buriol &
de Araújo (GECCO 2020, BRKGA; ``github.com/afkummer/gecco2020-brkga``, MIT) computes it
(:func:`score_plan`):

- **distance**: the instance's ``d`` matrix (unscaled) along every caregiver's route, from
  the depot and back to it; a double service is travelled to by both caregivers, so both
  legs count;
- **total tardiness**: per *service* (a double service is two), how long after the end of the
  patient's window ``l`` the service starts, ``max(0, start - l)``; a synchronised double
  service late by ``t`` adds ``2 t``;
- **max tardiness**: the largest of these;
- **cost** = (distance + total tardiness + max tardiness) / 3.

The file format (verified on all 50 files; the reference's ``Instance.cpp`` reads it the same
way): sections headed by a line with their name, then numbers, whitespace-separated:

==========  ================================================================================
``nbNodes`` ``N``: the patients plus two depot nodes, ``0`` and ``N - 1`` (the same place)
``nbVehi``  ``V``: caregivers
``nbServi`` ``S``: service types (6 in every file)
``r``       ``N × S`` 0/1: the services each node needs; the depot rows are all ones
``DS``      one line: the double-service patients, **1-based** node numbers
``a``       ``V × S`` 0/1: the services each caregiver is qualified for
``x``/``y`` ``N`` coordinates each
``d``       ``N × N`` distances (Euclidean; travel time = distance)
``p``       ``N × V`` rows of ``S`` processing times: node-major, one row per caregiver (the
            rows of a node are equal in all 50 files; the reference reads the first only)
``mind``    ``N``: minimum gap between the starts of a double service's two services
``maxd``    ``N``: maximum gap (both 0: synchronised; every file's other double services have
            ``mind > 0``, the reference's test for "ordered")
``e``/``l`` ``N``: the window ``[e, l]`` in which service should start (soft at ``l``)
==========  ================================================================================

Adapting (one scaling step, ``SCALE`` = 100, integers):

- one :class:`~zorgroute.model.Visit` per patient (``visit_id`` ``"p<node>"``), window
  ``[100 e, 100 l]``, duration ``100 p``; a double-service patient has ``staff=2``, ``skill``
  the lower-numbered service (carer 1), ``second_skill`` the other (carer 2), both durations,
  and ``sync="same_time"`` if its ``mind`` and ``maxd`` are both 0, else ``"ordered"`` with
  ``second_gap_min_s = 100 mind`` and ``second_gap_max_s = 100 maxd`` between the carers'
  starts (carer 1 first), as the reference does;
- one :class:`~zorgroute.model.Shift` per caregiver (``shift_id`` ``"v<k>"``, 0-based as in
  the reference's solution files), its qualified services as ``skills`` (named ``"s0"`` …
  ``"s5"``, 0-based), level 1, one provider, starting at the depot at ``100 e_0`` and ending
  there. The shift's end: the instances give the depot a window too (``l`` 1000 or 600), but
  the reference code never checks it and its best 100-patient solutions serve patients long
  after 600, so by default (``shift_end="open"``) the shift ends at :func:`open_horizon`,
  later than any plan needs; ``shift_end="depot"`` uses the end depot's ``l`` instead;
- one matrix for time and distance: ``ceil(100 d)`` (rounded *up*, after rounding ``100 d`` to
  6 decimals so that ``34.0`` stays ``3400``). Up, so that a plan feasible on the integer
  matrix is feasible with the real distances too: its start times, divided by 100, can be
  reached, and its tardiness is never understated by the rounding. ``p``, ``e``, ``l``,
  ``mind`` and ``maxd`` are whole numbers in every file, so ×100 is exact for them. The
  matrices' ``duration_s`` and ``distance_m`` are therefore *hundredths of an instance unit*,
  not seconds and metres; a visit's ``lat``/``lon`` are the instance's planar ``y``/``x``.

The solver's soft windows (``SolveOptions(lateness_cost_per_s=1)``) charge each carer's late
start at 1 per hundredth, the same unit as the distance objective: the solver minimises
distance + total tardiness, the reference's cost without the max tardiness term.

Reference solutions: :func:`read_reference_routes` reads a route file of the reference code
(``solutions/routes/solution-N-I-S.txt``), :func:`reference_schedule` times it as the
reference decoder does (``Solution::findInsertionCost``: leave the depot at 0, start at
``max(e, arrival)``; a synchronised service starts when both have arrived; an ordered one's
second service starts at ``max(arrival, first start + mind)``, and the first is pushed later
if the gap exceeds ``maxd``) and :func:`routes_to_plan` turns it into a zorgroute plan on the
scaled matrix, which :func:`zorgroute.check.check_plan` can check and :func:`score_plan` score.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from zorgroute.exceptions import InputError, Problem
from zorgroute.model import Matrices, Night, Plan, Route, Shift, Stop, TimeWindow, Visit

#: One instance unit (of distance and of time) is this many units of the integer model.
SCALE = 100
#: The one travel mode of the adapted nights.
MODE = "car"
PROVIDER = "hhc"
#: What time 0 stands for (the instances' times are abstract units, not clock time).
ORIGIN = dt.datetime(2014, 1, 1)
#: Where the shared data lies beside a checkout (never copied into the repository).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA_DIR = SHARED / "data" / "hhc" / "mankowska2014"
BEST_CSV = DATA_DIR / "best_found_kummer_brkga_gecco2020.csv"
#: Patients per instance size, and the letter the reference's article gives each size.
SIZES = (10, 25, 50, 75, 100)
FAMILY = {10: "A", 25: "B", 50: "C", 75: "D", 100: "E"}

ShiftEnd = Literal["open", "depot"]
Sync = Literal["single", "same_time", "ordered"]

_SECTIONS = (
    *("nbNodes", "nbVehi", "nbServi", "r", "DS", "a", "x", "y", "d", "p"),
    *("mind", "maxd", "e", "l"),
)


# --------------------------------------------------------------------------------------------
# Reading an instance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Instance:
    """A Mankowska instance as read from its file, in instance units (not scaled).

    Node ``0`` is the depot the caregivers leave, node ``n_nodes - 1`` the depot they return
    to (the same place), nodes ``1 … n_nodes - 2`` the patients. Services and caregivers are
    numbered from 0, nodes too (the file's ``DS`` line is 1-based; :attr:`double` is not).

    Attributes
    ----------
    name
        The file's stem, e.g. ``InstanzCPLEX_HCSRP_10_1``.
    requires
        ``(N, S)`` bool: the services each node needs.
    double
        The double-service patients, 0-based nodes, in the file's order.
    qualified
        ``(V, S)`` bool: the services each caregiver may give.
    x, y
        ``(N,)`` coordinates.
    distance
        ``(N, N)`` distances, which are also the travel times.
    processing
        ``(N, V, S)`` processing times (all caregivers' rows are equal in every file).
    gap_min, gap_max
        ``(N,)`` minimum and maximum gap between the starts of a double service's services.
    tw_start, tw_end
        ``(N,)`` the window ``[e, l]`` for the start of service.
    """

    name: str
    requires: NDArray[np.bool_]
    double: tuple[int, ...]
    qualified: NDArray[np.bool_]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    distance: NDArray[np.float64]
    processing: NDArray[np.float64]
    gap_min: NDArray[np.float64]
    gap_max: NDArray[np.float64]
    tw_start: NDArray[np.float64]
    tw_end: NDArray[np.float64]

    @property
    def n_nodes(self) -> int:
        return int(self.requires.shape[0])

    @property
    def n_patients(self) -> int:
        return self.n_nodes - 2

    @property
    def n_vehicles(self) -> int:
        return int(self.qualified.shape[0])

    @property
    def n_services(self) -> int:
        return int(self.requires.shape[1])

    @property
    def end_depot(self) -> int:
        return self.n_nodes - 1

    @property
    def patients(self) -> range:
        return range(1, self.n_nodes - 1)

    @property
    def index(self) -> int:
        """The instance's number within its size (``…_10_7`` → 7)."""
        return int(self.name.rsplit("_", 1)[1])

    @property
    def label(self) -> str:
        """The reference article's label: ``A1`` … ``E10`` (A: 10 patients … E: 100)."""
        return f"{FAMILY.get(self.n_patients, '?')}{self.index}"

    def services(self, node: int) -> tuple[int, ...]:
        """The services node ``node`` needs, lowest first (the first is carer 1's)."""
        return tuple(int(s) for s in np.flatnonzero(self.requires[node]))

    def sync(self, node: int) -> Sync:
        """``"single"``, or for a double service ``"same_time"`` or ``"ordered"``.

        The reference code's test: ordered if ``mind > 0``; every file's synchronised
        double services have ``mind = maxd = 0``.
        """
        if node not in self.double:
            return "single"
        return "same_time" if self.gap_min[node] == 0 and self.gap_max[node] == 0 else "ordered"

    def duration(self, node: int, service: int) -> float:
        """Processing time of ``service`` at ``node`` (the first caregiver's row, as upstream)."""
        return float(self.processing[node, 0, service])


def _sections(text: str, source: str) -> tuple[dict[str, list[list[str]]], list[Problem]]:
    """Lines of numbers under each section header, and what is wrong with the layout."""
    sections: dict[str, list[list[str]]] = {}
    problems: list[Problem] = []
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) == 1 and re.fullmatch(r"[A-Za-z]+", tokens[0]):
            current = tokens[0]
            if current not in _SECTIONS:
                problems.append(Problem("unknown section", source, f"line {number}", current))
            elif current in sections:
                problems.append(Problem("section appears twice", source, f"line {number}", current))
            sections[current] = []
            continue
        if current is None:
            problems.append(Problem("numbers before the first section", source, f"line {number}"))
            continue
        sections[current].append(tokens)
    missing = [s for s in _SECTIONS if s not in sections]
    for name in missing:
        problems.append(Problem("section missing", source, column=name))
    return sections, problems


def read_instance(path: str | Path) -> Instance:
    """Read an instance file (``InstanzCPLEX_HCSRP_*.txt`` / ``InstanzVNS_HCSRP_*.txt``).

    Every block is checked against the counts ``nbNodes``, ``nbVehi`` and ``nbServi``: ``r``
    is ``N × S`` and its first and last rows (the depot) are all ones, ``a`` is ``V × S``,
    ``d`` is ``N × N``, ``p`` has ``N × V`` rows of ``S``, the node vectors have ``N``
    values; ``DS`` names patients (1-based ``2 … N - 1``) that need exactly two services,
    and every other patient needs exactly one; every needed service has a qualified
    caregiver.

    Raises
    ------
    InputError
        Listing every problem found, if the file does not have this layout.
    """
    path = Path(path)
    source = path.name
    sections, problems = _sections(path.read_text(), source)
    if problems:
        raise InputError(problems, summary=f"cannot read {source}")

    def numbers(name: str) -> list[float]:
        try:
            return [float(t) for row in sections[name] for t in row]
        except ValueError as err:
            problems.append(Problem(f"not a number: {err}", source, column=name))
            return []

    def count(name: str) -> int:
        values = numbers(name)
        if len(values) != 1 or values[0] != int(values[0]) or values[0] < 1:
            problems.append(Problem("must be one positive whole number", source, column=name))
            return 0
        return int(values[0])

    n, v, s = count("nbNodes"), count("nbVehi"), count("nbServi")
    if problems:
        raise InputError(problems, summary=f"cannot read {source}")

    def block(name: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
        values = numbers(name)
        size = math.prod(shape)
        if len(values) != size:
            problems.append(
                Problem(
                    f"has {len(values)} numbers, expected {' × '.join(map(str, shape))} = {size}",
                    source,
                    column=name,
                )
            )
            return np.zeros(shape)
        return np.asarray(values, dtype=float).reshape(shape)

    r = block("r", (n, s))
    a = block("a", (v, s))
    x, y = block("x", (n,)), block("y", (n,))
    d = block("d", (n, n))
    p = block("p", (n, v, s))
    mind, maxd = block("mind", (n,)), block("maxd", (n,))
    e, l_ = block("e", (n,)), block("l", (n,))
    ds_rows = sections["DS"]
    if len(ds_rows) > 1:
        problems.append(Problem("must be one line", source, column="DS"))
    ds = numbers("DS")
    for name, values in (("r", r), ("a", a)):
        if not np.isin(values, (0, 1)).all():
            problems.append(Problem("must hold only 0 and 1", source, column=name))
    if problems:
        raise InputError(problems, summary=f"cannot read {source}")

    for depot in (0, n - 1):
        if not (r[depot] == 1).all():
            problems.append(
                Problem("a depot row must be all ones", source, f"row {depot + 1}", "r")
            )
    double: list[int] = []
    for value in ds:
        node = int(value) - 1  # the file is 1-based
        if value != int(value) or not 1 <= node <= n - 2:
            problems.append(
                Problem(f"not a patient node (1-based 2 … {n - 1})", source, None, "DS", str(value))
            )
        elif node in double:
            problems.append(Problem("listed twice", source, None, "DS", str(int(value))))
        else:
            double.append(node)
    for node in range(1, n - 1):
        need = int(r[node].sum())
        want = 2 if node in double else 1
        if need != want:
            kind = "a double-service patient" if want == 2 else "a single-service patient"
            problems.append(
                Problem(f"{kind} needs {need} services, expected {want}", source, f"row {node + 1}")
            )
        for k in np.flatnonzero(r[node]):
            if not a[:, k].any():
                problems.append(
                    Problem(f"needs service {k}, which no caregiver has", source, f"row {node + 1}")
                )
    if problems:
        raise InputError(problems, summary=f"cannot read {source}")
    return Instance(
        name=path.stem,
        requires=r.astype(bool),
        double=tuple(double),
        qualified=a.astype(bool),
        x=x,
        y=y,
        distance=d,
        processing=p,
        gap_min=mind,
        gap_max=maxd,
        tw_start=e,
        tw_end=l_,
    )


def instance_paths(directory: Path = DATA_DIR) -> list[Path]:
    """The instance files of ``directory``, by size then number (10_1, 10_2, …, 100_10)."""

    def key(path: Path) -> tuple[int, int]:
        size, index = path.stem.rsplit("_", 2)[1:]
        return int(size), int(index)

    return sorted(directory.glob("Instanz*_HCSRP_*.txt"), key=key)


# --------------------------------------------------------------------------------------------
# The reference's best-found costs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BestFound:
    """One row of ``best_found_kummer_brkga_gecco2020.csv``: the best of 15 BRKGA runs."""

    label: str
    cost: float
    distance: float
    tardiness: float
    max_tardiness: float
    seed: int
    runs: int

    def formula_cost(self) -> float:
        """(distance + tardiness + max tardiness) / 3 from the row's own columns."""
        return (self.distance + self.tardiness + self.max_tardiness) / 3


def read_best(path: Path = BEST_CSV) -> dict[tuple[int, int], BestFound]:
    """The reference's best-found solutions by ``(patients, instance number)``.

    Keyed by size and number, not by name: the CSV calls the 100-patient instances
    ``InstanzCPLEX_HCSRP_100_*``, their files are ``InstanzVNS_HCSRP_100_*``.
    """
    out: dict[tuple[int, int], BestFound] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            out[int(row["nodes"]), int(row["instance_id"])] = BestFound(
                label=row["family_label"],
                cost=float(row["best_cost"]),
                distance=float(row["dist"]),
                tardiness=float(row["tard"]),
                max_tardiness=float(row["tmax"]),
                seed=int(row["seed"]),
                runs=int(row["n_runs"]),
            )
    return out


# --------------------------------------------------------------------------------------------
# Instance -> night
# --------------------------------------------------------------------------------------------


def scaled(value: float) -> int:
    """A time or duration of the instance in the integer model (×100, exact for integers)."""
    return round(value * SCALE)


def scaled_matrix(distance: NDArray[np.float64]) -> NDArray[np.int64]:
    """``ceil(100 d)`` for every arc, as int64 (``100 d`` first rounded to 6 decimals)."""
    return np.ceil(np.round(distance * SCALE, 6)).astype(np.int64)


def open_horizon(instance: Instance) -> float:
    """An end of shift that no sensible plan reaches, in instance units.

    The latest window end plus, for every service, its processing time and the longest arc
    out of its patient: what one caregiver doing every service in turn, starting when the
    last window closes, would need at most.
    """
    extra = 0.0
    for node in instance.patients:
        for k in instance.services(node):
            extra += instance.duration(node, k) + float(instance.distance[node].max())
    return float(instance.tw_end.max()) + extra


def location_nodes(instance: Instance) -> NDArray[np.int64]:
    """The instance node of each location in zorgroute's order (patients, starts, ends)."""
    v = instance.n_vehicles
    return np.array([*instance.patients, *([0] * v), *([instance.end_depot] * v)], dtype=np.int64)


def visit_id(node: int) -> str:
    return f"p{node}"


def node_of(visit: str) -> int:
    """The instance node of a visit id (``"p7"`` → 7)."""
    return int(visit[1:])


def skill_name(service: int) -> str:
    return f"s{service}"


def to_night(instance: Instance, *, shift_end: ShiftEnd = "open") -> tuple[Night, Matrices]:
    """The instance as a zorgroute night and its matrices (see the module docstring).

    Parameters
    ----------
    instance
        As read by :func:`read_instance`.
    shift_end
        ``"open"``: shifts end at :func:`open_horizon` (the reference never checks the
        depot's window); ``"depot"``: at the end depot's ``l``.
    """
    visits = []
    for node in instance.patients:
        services = instance.services(node)
        sync = instance.sync(node)
        first = services[0]
        window = TimeWindow(scaled(instance.tw_start[node]), scaled(instance.tw_end[node]))
        common: dict[str, Any] = {
            "visit_id": visit_id(node),
            "client_id": visit_id(node),
            "provider": PROVIDER,
            "lat": float(instance.y[node]),
            "lon": float(instance.x[node]),
            "windows": (window,),
            "duration_s": scaled(instance.duration(node, first)),
            "level": 1,
            "skill": skill_name(first),
        }
        if sync == "single":
            visits.append(Visit(**common))
            continue
        second = services[1]
        visits.append(
            Visit(
                **common,
                staff=2,
                sync=sync,
                second_gap_min_s=scaled(instance.gap_min[node]) if sync == "ordered" else 0,
                second_gap_max_s=scaled(instance.gap_max[node]) if sync == "ordered" else 0,
                second_skill=skill_name(second),
                second_duration_s=scaled(instance.duration(node, second)),
            )
        )
    depot, end = 0, instance.end_depot
    if shift_end == "open":
        end_s = math.ceil(open_horizon(instance) * SCALE)
    elif shift_end == "depot":
        end_s = scaled(instance.tw_end[end])
    else:
        raise ValueError(f"shift_end must be 'open' or 'depot', not {shift_end!r}")
    shifts = tuple(
        Shift(
            shift_id=f"v{k}",
            provider=PROVIDER,
            start_lat=float(instance.y[depot]),
            start_lon=float(instance.x[depot]),
            end_lat=float(instance.y[end]),
            end_lon=float(instance.x[end]),
            start_s=scaled(instance.tw_start[depot]),
            end_s=end_s,
            level=1,
            skills=frozenset(skill_name(int(s)) for s in np.flatnonzero(instance.qualified[k])),
        )
        for k in range(instance.n_vehicles)
    )
    night = Night(tuple(visits), shifts, ORIGIN, (PROVIDER,))
    nodes = location_nodes(instance)
    arcs = scaled_matrix(instance.distance)[np.ix_(nodes, nodes)]
    matrices = Matrices(duration_s={MODE: arcs}, distance_m={MODE: arcs}, method="mankowska-d×100")
    return night, matrices


# --------------------------------------------------------------------------------------------
# The objective
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """The instances' objective, in instance units (as the reference reports it)."""

    distance: float
    tardiness: float
    max_tardiness: float

    @property
    def cost(self) -> float:
        return (self.distance + self.tardiness + self.max_tardiness) / 3


def score_plan(instance: Instance, plan: Plan) -> Score:
    """Distance, total and max tardiness of a plan of :func:`to_night`'s night.

    Distance is summed with the instance's own (unscaled) ``d`` along every route, depot to
    depot; tardiness is taken per stop (each carer of a double service is a stop) from the
    plan's start of care divided by :data:`SCALE`: ``max(0, start / 100 - l)``.

    Raises
    ------
    ValueError
        If a visit is unplanned (the objective is defined for complete plans only) or a stop
        is not a patient of the instance.
    """
    if plan.unplanned:
        missing = ", ".join(u.visit_id for u in plan.unplanned)
        raise ValueError(f"the plan leaves visits out ({missing}); it has no score")
    d = instance.distance
    distance = tardiness = worst = 0.0
    for route in plan.routes:
        here = 0
        for stop in route.stops:
            node = node_of(stop.visit_id)
            if node not in instance.patients:
                raise ValueError(f"stop {stop.visit_id!r} is not a patient of {instance.name}")
            distance += float(d[here, node])
            late = max(0.0, stop.service_start_s / SCALE - float(instance.tw_end[node]))
            tardiness += late
            worst = max(worst, late)
            here = node
        distance += float(d[here, instance.end_depot])
    return Score(distance, tardiness, worst)


# --------------------------------------------------------------------------------------------
# Reference solutions: read, time as the reference decoder does, turn into a plan
# --------------------------------------------------------------------------------------------

#: A caregiver's route in a reference solution: (patient node, service) in order.
RefRoute = list[tuple[int, int]]


def read_reference_routes(text: str) -> tuple[dict[str, float], list[RefRoute]]:
    """The header numbers (``Cost``, ``Dist``, ``Tard``, ``TMax``) and routes of a solution file.

    The file is what the reference's ``Solution::writeTxt`` writes: ``# Cost = … Dist = …``,
    then per vehicle a line ``<vehicle> <arcs>`` and its arcs ``<from> <to> <vehicle>
    <service>``; the depot is node 0 at both ends.

    Raises
    ------
    ValueError
        If an arc line does not continue its route or names another vehicle.
    """
    header: dict[str, float] = {}
    routes: list[RefRoute] = []
    arcs_left = 0
    here = 0
    for line in text.splitlines():
        if line.startswith("#"):
            for key, value in re.findall(r"(\w+) = ([-\d.eE+]+)", line):
                header[key] = float(value)
            continue
        tokens = [int(t) for t in line.split()]
        if not tokens:
            continue
        if arcs_left == 0:
            vehicle, arcs_left = tokens
            if vehicle != len(routes):
                raise ValueError(f"expected the route of vehicle {len(routes)}: {line!r}")
            routes.append([])
            here = 0
            continue
        origin, dest, vehicle, service = tokens
        if origin != here or vehicle != len(routes) - 1:
            raise ValueError(f"arc {line!r} does not continue vehicle {len(routes) - 1}'s route")
        if dest != 0:
            routes[-1].append((dest, service))
        here = dest
        arcs_left -= 1
    return header, routes


@dataclass(frozen=True)
class TimedStop:
    """A stop of a timed reference route: arrival (before waiting), start and leaving times."""

    node: int
    service: int
    arrival: float
    start: float
    leave: float


def _time_routes(
    instance: Instance,
    routes: Sequence[RefRoute],
    travel: NDArray[np.float64] | NDArray[np.int64],
    unit: float,
) -> list[list[TimedStop]]:
    """The reference decoder's schedule of ``routes``, with ``travel`` and times × ``unit``.

    Each caregiver's route is a chain and a double service joins two chains, so the
    services are timed in any order that respects both (the decoder appends every task at
    the end of its routes, so that order exists). ``unit`` 1 with the float matrix gives the
    reference's own numbers; :data:`SCALE` with the scaled matrix gives the integer plan.
    """

    def t(value: float) -> float:
        return round(value * unit) if unit != 1 else value

    where: dict[tuple[int, int], tuple[int, int]] = {}  # (node, service) -> (vehicle, position)
    for k, route in enumerate(routes):
        for pos, (node, service) in enumerate(route):
            if (node, service) in where:
                raise ValueError(f"service {service} of node {node} is in two routes")
            where[node, service] = (k, pos)
    for node in instance.patients:
        for service in instance.services(node):
            if (node, service) not in where:
                raise ValueError(f"service {service} of node {node} is in no route")
    timed: list[list[TimedStop]] = [[] for _ in routes]
    position = [0] * len(routes)
    at = [0] * len(routes)
    free = [t(float(instance.tw_start[0]))] * len(routes)

    def arrive(k: int, node: int) -> float:
        return float(max(t(float(instance.tw_start[node])), free[k] + travel[at[k], node]))

    def place(k: int, node: int, service: int, start: float, leave: float) -> None:
        arrival = free[k] + travel[at[k], node]
        timed[k].append(TimedStop(node, service, float(arrival), float(start), float(leave)))
        position[k] += 1
        at[k] = node
        free[k] = leave

    total = sum(len(r) for r in routes)
    done = 0
    while done < total:
        progressed = False
        for k, route in enumerate(routes):
            if position[k] >= len(route):
                continue
            node, service = route[position[k]]
            services = instance.services(node)
            if len(services) == 1:
                start = arrive(k, node)
                place(k, node, service, start, start + t(instance.duration(node, service)))
                done += 1
                progressed = True
                continue
            other = services[1] if service == services[0] else services[0]
            k2, pos2 = where[node, other]
            if position[k2] != pos2:
                continue  # the other caregiver is not there yet
            k0, k1 = (k, k2) if service == services[0] else (k2, k)
            s0, s1 = services
            a0, a1 = arrive(k0, node), arrive(k1, node)
            p0, p1 = t(instance.duration(node, s0)), t(instance.duration(node, s1))
            if instance.sync(node) == "same_time":
                start0 = start1 = max(a0, a1)
                leave0 = leave1 = start0 + max(p0, p1)
            else:
                start0 = a0
                start1 = max(a1, start0 + t(float(instance.gap_min[node])))
                start0 += max(0, (start1 - start0) - t(float(instance.gap_max[node])))
                leave0, leave1 = start0 + p0, start1 + p1
            place(k0, node, s0, start0, leave0)
            place(k1, node, s1, start1, leave1)
            done += 2
            progressed = True
        if not progressed:
            raise ValueError("the routes wait for each other in a cycle: no schedule exists")
    return timed


def reference_schedule(
    instance: Instance, routes: Sequence[RefRoute]
) -> tuple[list[list[TimedStop]], Score]:
    """Time reference routes as the reference decoder does, and score them its way.

    Returns the timed routes and the :class:`Score` computed as ``Solution.cpp`` does:
    distance of every route depot to depot, tardiness ``max(0, start - l)`` per service.

    Raises
    ------
    ValueError
        If a service is in no route or in two, or the routes cannot be timed.
    """
    timed = _time_routes(instance, routes, instance.distance, 1)
    d = instance.distance
    distance = tardiness = worst = 0.0
    for stops in timed:
        here = 0
        for stop in stops:
            distance += float(d[here, stop.node])
            late = max(0.0, stop.start - float(instance.tw_end[stop.node]))
            tardiness += late
            worst = max(worst, late)
            here = stop.node
        distance += float(d[here, instance.end_depot])
    return timed, Score(distance, tardiness, worst)


def routes_to_plan(instance: Instance, routes: Sequence[RefRoute]) -> Plan:
    """Reference routes as a zorgroute plan of :func:`to_night`'s night (scaled, integer).

    Timed as the reference decoder does, on the scaled matrix :func:`scaled_matrix`; the
    caregiver giving a double service's lower-numbered service is carer 1.

    Raises
    ------
    ValueError
        As :func:`reference_schedule`.
    """
    arcs = scaled_matrix(instance.distance)
    timed = _time_routes(instance, routes, arcs, SCALE)
    out = []
    for k, stops in enumerate(timed):
        if not stops:
            continue
        here = 0
        plan_stops = []
        for stop in stops:
            carer = 1 + instance.services(stop.node).index(stop.service)
            leg = int(arcs[here, stop.node])
            start = int(stop.start)
            plan_stops.append(
                Stop(
                    visit_id=visit_id(stop.node),
                    arrival_s=int(stop.arrival),
                    service_start_s=start,
                    service_end_s=start + scaled(instance.duration(stop.node, stop.service)),
                    travel_s=leg,
                    travel_m=leg,
                    carer=carer,
                )
            )
            here = stop.node
        back = int(arcs[here, instance.end_depot])
        out.append(
            Route(
                shift_id=f"v{k}",
                provider=PROVIDER,
                depart_s=scaled(instance.tw_start[0]),
                return_s=int(stops[-1].leave) + back,
                stops=tuple(plan_stops),
                return_travel_s=back,
                return_travel_m=back,
            )
        )
    return Plan(routes=tuple(out), unplanned=(), status="solved", pooled=True)


def plan_return_times(instance: Instance, plan: Plan) -> Mapping[str, float]:
    """When each route is back at the depot, in instance units (for the depot-window note)."""
    return {r.shift_id: r.return_s / SCALE for r in plan.routes}
