"""Solomon and Gehring–Homberger VRPTW instances as zorgroute nights, and routes back as plans.

An instance (Solomon text format, read with ``vrplib``) becomes a
:class:`~zorgroute.model.Night` with one :class:`~zorgroute.model.Visit` per customer and one
:class:`~zorgroute.model.Shift` per vehicle, plus :class:`~zorgroute.model.Matrices` in which
the travel time equals the distance.

Scaling (one step, everything ×10, integers):

- an arc's length is the Euclidean distance between the two points ×10, **truncated**:
  ``floor(10 · d)``, i.e. the distance in tenths with the DIMACS convention (each arc truncated
  to one decimal; the Solomon BKS in ``bks_cvrplib_dimacs.csv`` use it). For integer
  coordinates it is computed exactly with an integer square root,
  ``isqrt(100 · (dx² + dy²))``, so no floating-point rounding moves an arc by a tenth;
- the same matrix is the travel time: one unit of distance takes one unit of time;
- ready times, due dates and service times ×10 (Solomon's are integers, so exact);
- ``distance_m`` and ``duration_s`` of the matrices are therefore *tenths of an instance
  unit*, not metres and seconds; a plan's ``distance_m / 10`` is its distance.

Location order follows zorgroute's (visits, shift starts, shift ends); every shift starts and
ends at the depot and its hours are the depot's window. A visit's window is the customer's
``[ready, due]`` (service must start inside it); a shift's ``capacity`` is the vehicle
capacity and a visit's ``demand`` the customer's.

Routes of any solver (lists of customer numbers, the depot being 0) become a zorgroute
:class:`~zorgroute.model.Plan` with the earliest schedule (leave the depot at its opening,
start care at ``max(arrival, ready)``) by :func:`routes_to_plan`; :func:`check_routes` passes
that plan through :func:`zorgroute.check.check_plan` with zero tolerance and recomputes its
distance from the coordinates, independently of the matrix. A solution that fails the checker,
leaves a customer out or uses more routes than vehicles is infeasible.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from zorgroute.check import Violation, check_plan
from zorgroute.model import (
    REASONS,
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

#: One instance unit (of distance and of time) is this many units of the integer model.
SCALE = 10
#: The one travel mode of the adapted nights.
MODE = "car"
PROVIDER = "bench"
#: Where the shared data lies beside a checkout (never copied into the repository).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SOLOMON_DIR = SHARED / "data" / "vrptw" / "solomon"
HOMBERGER_200_DIR = SHARED / "data" / "vrptw" / "homberger_200"

FAMILIES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


@dataclass(frozen=True, eq=False)
class Instance:
    """A VRPTW instance as read from its file; node 0 is the depot, node ``c`` customer ``c``.

    Times and distances are in instance units (not scaled).
    """

    name: str
    coords: NDArray[np.float64]  # (n + 1, 2): x, y
    demand: NDArray[np.int64]
    ready: NDArray[np.float64]
    due: NDArray[np.float64]
    service: NDArray[np.float64]
    vehicles: int
    capacity: int

    @property
    def n_customers(self) -> int:
        return len(self.coords) - 1

    @property
    def family(self) -> str:
        return family_of(self.name)


@dataclass(frozen=True)
class BKS:
    """A best-known solution: distance and the number of routes it uses.

    ``hierarchical`` BKS minimise vehicles first (Gehring–Homberger from SINTEF) and are
    computed with full-precision arcs; the Solomon ones are distance-only with each arc
    truncated to one decimal.
    """

    distance: float
    vehicles: int
    hierarchical: bool


def family_of(name: str) -> str:
    """``C101`` → ``C1``, ``RC205`` → ``RC2``, ``c1_2_1`` (Gehring–Homberger) → ``C1``."""
    m = re.match(r"([A-Za-z]+)(\d)", name)
    if m is None:
        raise ValueError(f"not a Solomon or Gehring–Homberger instance name: {name!r}")
    return f"{m.group(1).upper()}{m.group(2)}"


def read_instance(path: str | Path) -> Instance:
    """Read a Solomon-format file (Solomon or Gehring–Homberger) with ``vrplib``."""
    import vrplib

    data = vrplib.read_instance(str(path), instance_format="solomon")
    tw = np.asarray(data["time_window"], dtype=float)
    return Instance(
        name=str(data["name"]),
        coords=np.asarray(data["node_coord"], dtype=float),
        demand=np.asarray(data["demand"], dtype=np.int64),
        ready=tw[:, 0],
        due=tw[:, 1],
        service=np.asarray(data["service_time"], dtype=float),
        vehicles=int(data["vehicles"]),
        capacity=int(data["capacity"]),
    )


def instance_path(name: str) -> Path:
    """The file of a Solomon (``C101``) or 200-customer Gehring–Homberger (``c1_2_1``) instance."""
    if "_" in name:
        return HOMBERGER_200_DIR / f"{name.lower()}.txt"
    return SOLOMON_DIR / f"{name.upper()}.txt"


def solomon_names() -> list[str]:
    """The 56 Solomon instances, in family order."""
    names = [p.stem for p in SOLOMON_DIR.glob("*.txt")]
    return sorted(names, key=lambda n: (FAMILIES.index(family_of(n)), n))


def homberger_200_names() -> list[str]:
    """The 60 Gehring–Homberger instances with 200 customers, in family order."""
    names = [p.stem for p in HOMBERGER_200_DIR.glob("*_2_*.txt")]
    return sorted(names, key=lambda n: (FAMILIES.index(family_of(n)), int(n.split("_")[-1])))


def read_bks() -> dict[str, BKS]:
    """Best-known solutions of every instance whose table is present, by instance name."""
    out: dict[str, BKS] = {}
    solomon = SOLOMON_DIR / "bks_cvrplib_dimacs.csv"
    if solomon.is_file():
        with solomon.open(newline="") as f:
            for row in csv.DictReader(f):
                out[row["instance"]] = BKS(
                    float(row["bks_distance_dimacs_truncated_1dec"]),
                    int(row["num_routes_in_bks"]),
                    hierarchical=False,
                )
    homberger = HOMBERGER_200_DIR / "bks_sintef_hierarchical_200.csv"
    if homberger.is_file():
        with homberger.open(newline="") as f:
            for row in csv.DictReader(f):
                out[row["instance"]] = BKS(
                    float(row["distance"]), int(row["routes"]), hierarchical=True
                )
    return out


# --------------------------------------------------------------------------------------------
# Distances
# --------------------------------------------------------------------------------------------


def _integral(coords: NDArray[np.float64]) -> bool:
    return bool(np.all(coords == np.round(coords)))


def arc_tenths(a: Sequence[float], b: Sequence[float]) -> int:
    """``floor(10 · |ab|)``: one arc in tenths, truncated (exact for integer coordinates)."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    if float(dx).is_integer() and float(dy).is_integer():
        return math.isqrt(SCALE * SCALE * int(dx * dx + dy * dy))
    return math.floor(SCALE * math.hypot(dx, dy) + 1e-9)


def tenths_matrix(coords: NDArray[np.float64]) -> NDArray[np.int64]:
    """All arcs between the points in tenths, truncated: ``floor(10 · d)``, as int64."""
    diff = coords[:, None, :] - coords[None, :, :]
    if _integral(coords):
        squared = (diff.astype(np.int64) ** 2).sum(axis=2) * SCALE * SCALE
        # float sqrt, then correct by one where it rounded across an integer: exact isqrt
        root = np.floor(np.sqrt(squared.astype(float))).astype(np.int64)
        root -= (root * root > squared).astype(np.int64)
        root += ((root + 1) * (root + 1) <= squared).astype(np.int64)
        return root
    return np.floor(SCALE * np.hypot(diff[..., 0], diff[..., 1]) + 1e-9).astype(np.int64)


def route_tenths(instance: Instance, route: Sequence[int]) -> int:
    """Length of depot → customers → depot in tenths, each arc truncated, from coordinates."""
    nodes = [0, *route, 0]
    xy = instance.coords
    return sum(arc_tenths(xy[a], xy[b]) for a, b in itertools.pairwise(nodes))


def route_exact(instance: Instance, route: Sequence[int]) -> float:
    """Length of depot → customers → depot with full-precision Euclidean arcs."""
    nodes = [0, *route, 0]
    xy = instance.coords
    return float(sum(math.dist(xy[a], xy[b]) for a, b in itertools.pairwise(nodes)))


# --------------------------------------------------------------------------------------------
# Instance -> night
# --------------------------------------------------------------------------------------------


def scaled(x: float) -> int:
    """A time or service duration of the instance in model units (×10, rounded)."""
    return round(SCALE * float(x))


def to_night(instance: Instance) -> tuple[Night, Matrices]:
    """The instance as a night of ``n`` visits and one shift per vehicle, and its matrices.

    Visit ``i`` (0-based) is customer ``i + 1`` with id ``str(i + 1)``; shift ``k`` is
    vehicle ``k`` with id ``v{k:03d}``. See the module docstring for the scaling.
    """
    n, k = instance.n_customers, instance.vehicles
    x, y = instance.coords[:, 0], instance.coords[:, 1]
    visits = tuple(
        Visit(
            visit_id=str(c),
            client_id=str(c),
            provider=PROVIDER,
            lat=float(y[c]),
            lon=float(x[c]),
            windows=(TimeWindow(scaled(instance.ready[c]), scaled(instance.due[c])),),
            duration_s=scaled(instance.service[c]),
            level=1,
            pooling=False,
            mandatory=True,
            demand=int(instance.demand[c]),
        )
        for c in range(1, n + 1)
    )
    shifts = tuple(
        Shift(
            shift_id=f"v{v:03d}",
            provider=PROVIDER,
            start_lat=float(y[0]),
            start_lon=float(x[0]),
            end_lat=float(y[0]),
            end_lon=float(x[0]),
            start_s=scaled(instance.ready[0]),
            end_s=scaled(instance.due[0]),
            level=1,
            capacity=instance.capacity,
        )
        for v in range(k)
    )
    night = Night(visits, shifts, dt.datetime(2000, 1, 1), providers=(PROVIDER,))
    # location -> instance node: visits are customers 1..n, starts and ends the depot
    nodes = np.concatenate([np.arange(1, n + 1), np.zeros(2 * k, dtype=np.int64)])
    arcs = tenths_matrix(instance.coords)[np.ix_(nodes, nodes)]
    matrices = Matrices(duration_s={MODE: arcs}, distance_m={MODE: arcs}, method="euclid-tenths")
    return night, matrices


# --------------------------------------------------------------------------------------------
# Routes -> plan, checked
# --------------------------------------------------------------------------------------------


def routes_to_plan(night: Night, matrices: Matrices, routes: Sequence[Sequence[int]]) -> Plan:
    """A plan serving ``routes`` (customer numbers) with the earliest schedule.

    Route ``r`` goes to shift ``r``; empty routes are skipped; customers in no route are
    listed unplanned (``no_solution``). More non-empty routes than shifts raise
    :class:`ValueError` (the solution uses more vehicles than the instance has).
    """
    routes = [list(r) for r in routes if len(r)]
    if len(routes) > len(night.shifts):
        raise ValueError(f"{len(routes)} routes, the instance has {len(night.shifts)} vehicles")
    travel = matrices.duration_s[MODE]
    metres = matrices.distance_m[MODE]
    out: list[Route] = []
    served: set[int] = set()
    for k, customers in enumerate(routes):
        shift = night.shifts[k]
        here = night.location_index(start=k)
        clock = shift.start_s
        stops: list[Stop] = []
        for c in customers:
            i = int(c) - 1
            visit = night.visits[i]
            loc = night.location_index(visit=i)
            leg_s, leg_m = int(travel[here, loc]), int(metres[here, loc])
            arrival = clock + leg_s
            start = max(arrival, visit.windows[0].start_s)
            stops.append(
                Stop(visit.visit_id, arrival, start, start + visit.duration_s, leg_s, leg_m)
            )
            clock = start + visit.duration_s
            here = loc
            served.add(i)
        end = night.location_index(end=k)
        out.append(
            Route(
                shift_id=shift.shift_id,
                provider=shift.provider,
                depart_s=shift.start_s,
                return_s=clock + int(travel[here, end]),
                stops=tuple(stops),
                return_travel_s=int(travel[here, end]),
                return_travel_m=int(metres[here, end]),
            )
        )
    unplanned = tuple(
        Unplanned(v.visit_id, "no_solution", REASONS["no_solution"])
        for i, v in enumerate(night.visits)
        if i not in served
    )
    return Plan(routes=tuple(out), unplanned=unplanned, pooled=True)


def plan_routes(plan: Plan) -> list[list[int]]:
    """The customer numbers of each route of a plan made from an adapted night."""
    return [[int(s.visit_id) for s in r.stops] for r in plan.routes if r.stops]


@dataclass(frozen=True)
class Checked:
    """What the checker and the recomputation say about one solution.

    ``feasible`` means: the checker found no violation, every customer is served and no more
    vehicles are used than the instance has. ``distance`` is the sum of truncated one-decimal
    arcs recomputed from the coordinates, ``distance_exact`` with full-precision arcs (for the
    Gehring–Homberger BKS). ``problems`` names what made it infeasible.
    """

    feasible: bool
    distance: float
    distance_exact: float
    vehicles: int
    problems: tuple[str, ...]


def check_plan_of(instance: Instance, night: Night, matrices: Matrices, plan: Plan) -> Checked:
    """Check a zorgroute plan of an adapted night (zero tolerance) and recompute its distance."""
    violations: list[Violation] = check_plan(night, matrices, plan, tolerance_s=0, tolerance_m=0)
    problems = [str(v) for v in violations]
    if plan.unplanned:
        problems.append(f"{len(plan.unplanned)} customers not served")
    routes = plan_routes(plan)
    tenths = sum(route_tenths(instance, r) for r in routes)
    if not violations and plan.distance_m != tenths:
        problems.append(f"plan distance {plan.distance_m} ≠ recomputed {tenths} (tenths)")
    return Checked(
        feasible=not problems,
        distance=tenths / SCALE,
        distance_exact=sum(route_exact(instance, r) for r in routes),
        vehicles=len(routes),
        problems=tuple(problems),
    )


def check_routes(
    instance: Instance, night: Night, matrices: Matrices, routes: Sequence[Sequence[int]]
) -> Checked:
    """Turn a solver's routes (customer numbers) into a plan and check it."""
    try:
        plan = routes_to_plan(night, matrices, routes)
    except ValueError as err:
        used = [r for r in routes if len(r)]
        tenths = sum(route_tenths(instance, r) for r in used)
        exact = sum(route_exact(instance, r) for r in used)
        return Checked(False, tenths / SCALE, exact, len(used), (str(err),))
    return check_plan_of(instance, night, matrices, plan)


def gap_pct(distance: float, bks: BKS | None) -> float | None:
    """Percent above the best-known distance."""
    if bks is None or bks.distance <= 0:
        return None
    return 100.0 * (distance - bks.distance) / bks.distance


def read_solution_routes(path: str | Path) -> list[list[int]]:
    """The routes of a ``.sol`` file (customer numbers)."""
    import vrplib

    sol: Mapping[str, list[list[int]]] = vrplib.read_solution(str(path))
    return [list(map(int, r)) for r in sol["routes"]]
