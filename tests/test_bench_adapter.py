"""The VRPTW benchmark adapter (``benchmarks/solomon.py``): instance → night, routes → checked plan.

Offline and fast; skipped when the shared data (``../shared/data/vrptw``) or ``vrplib`` (the
``bench`` extra) is absent.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.conftest import shared_file
from zorgroute.check import check_plan
from zorgroute.model import Matrices, Night

pytest.importorskip("vrplib")

ROOT = Path(__file__).resolve().parents[1]


def _load_adapter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("solomon", ROOT / "benchmarks" / "solomon.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("solomon", module)
    spec.loader.exec_module(module)
    return module


adapter = _load_adapter()


C101 = tuple[Any, Night, Matrices]  # the adapter's Instance, the night, its matrices


@pytest.fixture(scope="module")
def c101() -> C101:
    path = shared_file("data", "vrptw", "solomon", "C101.txt")
    instance = adapter.read_instance(path)
    night, matrices = adapter.to_night(instance)
    return instance, night, matrices


@pytest.fixture(scope="module")
def c101_bks_routes() -> list[list[int]]:
    return adapter.read_solution_routes(shared_file("data", "vrptw", "solomon", "C101.sol"))


def test_c101_converts_to_100_visits_and_25_shifts(c101: C101) -> None:
    _instance, night, matrices = c101
    assert len(night.visits) == 100
    assert len(night.shifts) == 25
    assert matrices.duration_s["car"].shape == (150, 150)
    # customer 1 of C101: (45, 68), demand 10, window [912, 967], service 90; ×10
    v = night.visits[0]
    assert (v.visit_id, v.lon, v.lat, v.demand) == ("1", 45.0, 68.0, 10)
    assert (v.windows[0].start_s, v.windows[0].end_s, v.duration_s) == (9120, 9670, 900)
    assert v.level == 1 and len({x.provider for x in night.visits}) == 1
    s = night.shifts[0]
    assert (s.start_s, s.end_s, s.capacity) == (0, 12360, 200)
    assert (s.start_lon, s.start_lat) == (s.end_lon, s.end_lat) == (40.0, 50.0)
    assert all(sh.level >= v.level for sh in night.shifts)


def test_matrix_is_truncated_one_decimal_euclidean_times_ten(c101: C101) -> None:
    _instance, night, matrices = c101
    arcs = matrices.distance_m["car"]
    assert arcs is matrices.duration_s["car"] or np.array_equal(arcs, matrices.duration_s["car"])
    assert arcs.dtype == np.int64
    lat, lon = night.location_arrays()
    for i in range(night.n_locations):
        for j in range(night.n_locations):
            d = math.hypot(lon[i] - lon[j], lat[i] - lat[j])
            assert arcs[i, j] == math.floor(10 * d + 1e-9), (i, j)
    # depot (40, 50) -> customer 1 (45, 68): sqrt(349) = 18.68… -> 18.6 -> 186
    assert arcs[night.location_index(start=0), 0] == 186
    # exact where a float might round across: 3-4-5 is 50 tenths, not 49
    tiny = adapter.tenths_matrix(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]))
    assert tiny.tolist() == [[0, 50, 14], [50, 0, 36], [14, 36, 0]]


def test_bks_route_of_c101_passes_the_checker_at_827_3(
    c101: C101, c101_bks_routes: list[list[int]]
) -> None:
    instance, night, matrices = c101
    plan = adapter.routes_to_plan(night, matrices, c101_bks_routes)
    assert check_plan(night, matrices, plan, tolerance_s=0, tolerance_m=0) == []
    assert not plan.unplanned and len(plan.routes) == 10
    checked = adapter.check_routes(instance, night, matrices, c101_bks_routes)
    assert checked.feasible, checked.problems
    assert checked.distance == pytest.approx(827.3, abs=1e-9)
    assert plan.distance_m == 8273  # the matrix and the coordinates agree
    assert checked.vehicles == 10
    assert adapter.gap_pct(checked.distance, adapter.read_bks()["C101"]) == pytest.approx(0.0)


def test_tampered_bks_route_is_caught(c101: C101, c101_bks_routes: list[list[int]]) -> None:
    instance, night, matrices = c101
    routes = [list(r) for r in c101_bks_routes]
    # route 1 starts 5 [15, 67], 3 [65, 146]: serving 3 first reaches 5 only after 67
    assert routes[0][:2] == [5, 3]
    routes[0][0], routes[0][1] = routes[0][1], routes[0][0]
    plan = adapter.routes_to_plan(night, matrices, routes)
    violations = check_plan(night, matrices, plan, tolerance_s=0, tolerance_m=0)
    # 5 is late, and so is every later stop of the route (the earliest schedule is pushed)
    assert (violations[0].code, violations[0].visit_id) == ("outside_window", "5")
    assert {v.code for v in violations} == {"outside_window"}
    assert {v.shift_id for v in violations} == {night.shifts[0].shift_id}
    checked = adapter.check_routes(instance, night, matrices, routes)
    assert not checked.feasible
    assert "outside_window" in checked.problems[0]


def test_missing_customer_or_too_many_routes_is_infeasible(
    c101: C101, c101_bks_routes: list[list[int]]
) -> None:
    instance, night, matrices = c101
    short = [list(r) for r in c101_bks_routes]
    short[0].pop()
    checked = adapter.check_routes(instance, night, matrices, short)
    assert not checked.feasible and "1 customers not served" in checked.problems
    singles = [[c] for r in c101_bks_routes for c in r]  # 100 routes, 25 vehicles
    checked = adapter.check_routes(instance, night, matrices, singles)
    assert not checked.feasible and "vehicles" in checked.problems[0]


def test_family_names() -> None:
    assert [adapter.family_of(n) for n in ("C101", "RC205", "r1_2_3", "c2_2_10")] == [
        "C1",
        "RC2",
        "R1",
        "C2",
    ]
