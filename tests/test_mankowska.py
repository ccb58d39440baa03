"""The Mankowska benchmark adapter (``benchmarks/mankowska.py``): reader, night, scorer.

Offline and fast; skipped when the shared data (``../shared/data/hhc/mankowska2014``) is
absent. Two best-found solutions of the reference code (Kummer, Buriol & de Araújo, GECCO
2020, github.com/afkummer/gecco2020-brkga, ``solutions/routes/``, MIT licence) are quoted
below as route lists to check the scorer against the reference's own numbers.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.conftest import shared_file
from zorgroute.check import check_plan
from zorgroute.exceptions import InputError
from zorgroute.model import Plan, Route, Stop, Unplanned
from zorgroute.solver import SolveOptions, solve

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


mk = _load("mankowska")

DIR = ("data", "hhc", "mankowska2014")


@pytest.fixture(scope="module")
def a1() -> Any:
    return mk.read_instance(shared_file(*DIR, "InstanzCPLEX_HCSRP_10_1.txt"))


def _instance(name: str) -> Any:
    return mk.read_instance(shared_file(*DIR, f"{name}.txt"))


# --------------------------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------------------------


def test_reader_counts_on_instance_10_1(a1: Any) -> None:
    assert a1.name == "InstanzCPLEX_HCSRP_10_1"
    assert a1.label == "A1"
    assert (a1.n_nodes, a1.n_patients, a1.n_vehicles, a1.n_services) == (12, 10, 3, 6)
    # the file's DS line is "11 10 9", 1-based
    assert sorted(a1.double) == [8, 9, 10]
    assert [a1.sync(n) for n in (8, 9, 10)] == ["same_time", "ordered", "ordered"]
    assert a1.sync(1) == "single"
    assert a1.services(8) == (4, 5) and a1.services(9) == (0, 3) and a1.services(3) == (1,)
    assert (a1.gap_min[9], a1.gap_max[9]) == (51, 102)
    assert a1.qualified.tolist() == [
        [True, True, True, False, False, False],
        [False, False, False, False, True, True],
        [False, False, False, True, True, True],
    ]
    assert a1.distance.shape == (12, 12) and a1.distance[0, 1] == pytest.approx(38.470768)
    assert a1.processing.shape == (12, 3, 6) and a1.duration(5, 2) == 14
    assert (a1.tw_start[3], a1.tw_end[3]) == (247, 367)


def test_every_instance_reads_and_the_best_table_covers_them() -> None:
    paths = mk.instance_paths(shared_file(*DIR))
    assert len(paths) == 50
    best = mk.read_best(shared_file(*DIR, "best_found_kummer_brkga_gecco2020.csv"))
    sizes = {}
    for path in paths:
        inst = mk.read_instance(path)
        sizes[inst.n_patients] = sizes.get(inst.n_patients, 0) + 1
        assert best[inst.n_patients, inst.index].label == inst.label
    assert sizes == {10: 10, 25: 10, 50: 10, 75: 10, 100: 10}


def test_best_cost_is_the_mean_of_its_three_terms() -> None:
    best = mk.read_best(shared_file(*DIR, "best_found_kummer_brkga_gecco2020.csv"))
    assert len(best) == 50
    for b in best.values():  # the CSV prints 6 significant digits
        assert b.formula_cost() == pytest.approx(b.cost, rel=5e-6)


def test_reader_lists_every_problem(a1: Any, tmp_path: Path) -> None:
    text = shared_file(*DIR, "InstanzCPLEX_HCSRP_10_1.txt").read_text()
    # DS names a single-service patient (1-based 2 = node 1), and d loses a number
    broken = text.replace("DS\n11 10 9", "DS\n11 10 2").replace("\n0.0 38.470768", "\n38.470768", 1)
    path = tmp_path / "InstanzCPLEX_HCSRP_10_99.txt"
    path.write_text(broken)
    with pytest.raises(InputError) as err:
        mk.read_instance(path)
    reasons = " ".join(str(p) for p in err.value.problems)
    assert "d" in reasons and "143 numbers" in reasons
    path.write_text(text.replace("DS\n11 10 9", "DS\n11 10 2"))
    with pytest.raises(InputError) as err:
        mk.read_instance(path)
    reasons = " ".join(str(p) for p in err.value.problems)
    assert "row 2" in reasons and "double-service patient needs 1" in reasons
    assert "row 9" in reasons and "single-service patient needs 2" in reasons


# --------------------------------------------------------------------------------------------
# Adapter
# --------------------------------------------------------------------------------------------


def test_adapter_matrix_is_the_scaled_distance_matrix(a1: Any) -> None:
    night, matrices = mk.to_night(a1)
    nodes = mk.location_nodes(a1)
    assert nodes.tolist() == [*range(1, 11), 0, 0, 0, 11, 11, 11]
    want = np.ceil(np.round(a1.distance * 100, 6)).astype(np.int64)[np.ix_(nodes, nodes)]
    for table in (matrices.duration_s, matrices.distance_m):
        assert np.array_equal(table["car"], want)
        assert table["car"].shape == (night.n_locations, night.n_locations)
    diff = matrices.distance_m["car"] / 100 - a1.distance[np.ix_(nodes, nodes)]
    assert diff.min() >= 0 and diff.max() < 0.01  # rounded up, by less than a hundredth
    assert matrices.distance_m["car"][0, 1] == math.ceil(100 * 23.086792)  # p1 -> p2


def test_adapter_visits_and_shifts(a1: Any) -> None:
    night, _ = mk.to_night(a1)
    v = {x.visit_id: x for x in night.visits}
    assert len(night.visits) == 10 and len(night.shifts) == 3
    single, sync, ordered = v["p3"], v["p8"], v["p9"]
    assert (single.staff, single.skill, single.duration_s) == (1, "s1", 1400)
    assert single.windows[0].start_s == 24700 and single.windows[0].end_s == 36700
    assert (sync.staff, sync.sync, sync.skill, sync.second_skill) == (2, "same_time", "s4", "s5")
    assert (ordered.sync, ordered.skill, ordered.second_skill) == ("ordered", "s0", "s3")
    assert (ordered.second_gap_min_s, ordered.second_gap_max_s) == (5100, 10200)
    assert ordered.second_duration_s == 1400
    assert {x.level for x in night.visits} == {1} and {x.provider for x in night.visits} == {"hhc"}
    assert [s.skills for s in night.shifts] == [
        frozenset({"s0", "s1", "s2"}),
        frozenset({"s4", "s5"}),
        frozenset({"s3", "s4", "s5"}),
    ]
    assert all(s.start_s == 0 and s.level == 1 for s in night.shifts)
    assert night.shifts[0].end_s >= 100_000  # open: beyond the depot's l
    depot_night, _ = mk.to_night(a1, shift_end="depot")
    assert depot_night.shifts[0].end_s == 100_000


def test_a_planned_instance_passes_the_checker_with_qualified_carers(a1: Any) -> None:
    night, matrices = mk.to_night(a1)
    options = SolveOptions(
        objective="distance", lateness_cost_per_s=1, time_limit_s=10, max_solutions=30
    )
    plan = solve(night, matrices, options)
    assert plan.unplanned == ()
    assert check_plan(night, matrices, plan, allow_late=True) == []
    visits = {x.visit_id: x for x in night.visits}
    carers: dict[str, list[str]] = {}
    for route in plan.routes:
        k = int(route.shift_id[1:])
        for stop in route.stops:
            node = mk.node_of(stop.visit_id)
            service = a1.services(node)[stop.carer - 1]
            assert a1.qualified[k, service], (route.shift_id, stop.visit_id, service)
            assert visits[stop.visit_id].carer_skill(stop.carer) == f"s{service}"
            carers.setdefault(stop.visit_id, []).append(route.shift_id)
    for node in a1.double:
        assert len(set(carers[f"p{node}"])) == 2
    score = mk.score_plan(a1, plan)
    assert score.cost > 0 and score.distance == pytest.approx(plan.distance_m / 100, abs=0.2)


# --------------------------------------------------------------------------------------------
# Scorer
# --------------------------------------------------------------------------------------------


def _stop(node: int, start_s: int, carer: int = 1) -> Stop:
    # the scorer reads only the order, the visit and the start of care
    return Stop(f"p{node}", start_s, start_s, start_s + 1400, 0, 0, carer)


def test_scorer_on_a_hand_made_two_route_plan(a1: Any) -> None:
    # v0: depot -> 3 -> 5 -> depot; v2: depot -> 1 -> 4 -> depot
    # p3 starts 5.0 after its l = 367, p4 2.5 after its l = 513, the others in time
    plan = Plan(
        routes=(
            Route("v0", "hhc", 0, 0, (_stop(3, 37200), _stop(5, 35000)), 0, 0),
            Route("v2", "hhc", 0, 0, (_stop(1, 40000), _stop(4, 51550)), 0, 0),
        ),
        unplanned=(),
    )
    distance = (55.946404 + 53.15073 + 23.345236) + (38.470768 + 32.01562 + 7.28011)
    score = mk.score_plan(a1, plan)
    assert score.distance == pytest.approx(distance, abs=1e-6)
    assert score.tardiness == pytest.approx(7.5)
    assert score.max_tardiness == pytest.approx(5.0)
    assert score.cost == pytest.approx((distance + 7.5 + 5.0) / 3, abs=1e-6)


def test_scorer_refuses_an_incomplete_plan(a1: Any) -> None:
    plan = Plan(routes=(), unplanned=(Unplanned("p1", "shifts_full", "full"),))
    with pytest.raises(ValueError, match="leaves visits out"):
        mk.score_plan(a1, plan)


# Best-found routes of the reference (solution-10-8-2.txt and solution-50-1-1.txt): per
# vehicle, (patient, service) in order; the files' headers give Cost, Dist, Tard, TMax.
A8_SEED_2 = """# Cost = 232.049 Dist = 653.268 Tard = 26.5071 TMax = 16.3711
0 6
0 10 0 1
10 4 0 1
4 6 0 2
6 9 0 0
9 5 0 0
5 0 0 0
1 2
0 8 1 5
8 0 1 0
2 8
0 8 2 4
8 10 2 3
10 7 2 3
7 1 2 4
1 3 2 4
3 2 2 4
2 9 2 3
9 0 2 0
"""

C1_SEED_1_ROUTES = [
    "47:1 49:1 33:0 50:1 45:0 3:1 12:1 18:0 31:1 13:1 46:0 19:0 44:1 15:0 11:1",
    "17:2 48:2 30:2",
    "43:2 5:2 22:2 7:2 25:2 21:2",
    "47:5 27:4 37:4 48:4 39:4 16:4 29:3 36:4",
    "49:4 23:4 37:5 45:4 39:5 41:4 35:5 44:4",
    "42:4 8:4 32:4 38:4",
    "42:5 43:3 14:3 20:5 24:5 50:3 6:4 36:5",
    "40:5",
    "10:4 26:5 34:4 2:4 41:5 1:3 28:5 4:3 46:5",
    "9:4 40:3 38:3",
]
C1_SEED_1 = {"Cost": 965.154, "Dist": 1734.17, "Tard": 970.475, "TMax": 190.818}


def _compact(routes: list[str]) -> list[list[tuple[int, int]]]:
    return [[tuple(map(int, s.split(":"))) for s in r.split()] for r in routes]  # type: ignore[misc]


@pytest.mark.parametrize("case", ["A8", "C1"])
def test_scorer_reproduces_reference_solutions(case: str) -> None:
    if case == "A8":
        inst = _instance("InstanzCPLEX_HCSRP_10_8")
        header, routes = mk.read_reference_routes(A8_SEED_2)
        assert routes[1] == [(8, 5)]
    else:
        inst = _instance("InstanzCPLEX_HCSRP_50_1")
        header, routes = C1_SEED_1, _compact(C1_SEED_1_ROUTES)
    _, score = mk.reference_schedule(inst, routes)
    got = {
        "Cost": score.cost,
        "Dist": score.distance,
        "Tard": score.tardiness,
        "TMax": score.max_tardiness,
    }
    for key, value in header.items():  # the files print 6 significant digits
        assert got[key] == pytest.approx(value, rel=5e-6, abs=5e-4), key
    # the same routes as a zorgroute plan: valid on the scaled matrix, and scored alike
    night, matrices = mk.to_night(inst)
    plan = mk.routes_to_plan(inst, routes)
    assert check_plan(night, matrices, plan, allow_late=True, tolerance_s=0, tolerance_m=0) == []
    assert check_plan(night, matrices, plan, allow_late=False) != []  # late stops exist
    planned = mk.score_plan(inst, plan)
    assert planned.distance == pytest.approx(score.distance, abs=1e-9)
    # rounding arcs up only delays starts: a little more tardiness, never less
    assert score.tardiness <= planned.tardiness <= score.tardiness * 1.001 + 0.1
    assert planned.cost == pytest.approx(score.cost, rel=5e-4)


def test_reference_routes_must_cover_every_service(a1: Any) -> None:
    with pytest.raises(ValueError, match="in no route"):
        mk.reference_schedule(a1, [[(1, 3)]])


# --------------------------------------------------------------------------------------------
# Soft windows: the solver's hard-window start
# --------------------------------------------------------------------------------------------


def test_soft_windows_gain_from_a_hard_start() -> None:
    # the benchmark's soft-window variant: searching with soft windows from scratch settles
    # for late plans; starting from a hard-window plan (the default) is far better
    inst = _instance("InstanzCPLEX_HCSRP_25_1")
    night, matrices = mk.to_night(inst)
    base = SolveOptions(
        objective="distance", lateness_cost_per_s=1, time_limit_s=30, max_solutions=100
    )
    scratch = solve(night, matrices, replace(base, hard_first=False))
    started = solve(night, matrices, base)
    for plan in (scratch, started):
        assert not plan.unplanned
        assert check_plan(night, matrices, plan, allow_late=True) == []
    assert mk.score_plan(inst, started).cost < 0.8 * mk.score_plan(inst, scratch).cost


def test_progress_with_soft_windows_and_iterated_local_search() -> None:
    # OR-Tools calls back with the cost variable unbound here; reading it aborted the process
    night, matrices = mk.to_night(_instance("InstanzCPLEX_HCSRP_10_1"))
    options = SolveOptions(
        objective="distance",
        lateness_cost_per_s=1,
        hard_first=False,
        metaheuristic="iterated_local_search",
        time_limit_s=10,
        max_solutions=50,
    )
    seen: list[int] = []
    plan = solve(night, matrices, options, progress=lambda _t, o: seen.append(o))
    assert seen and plan.status == "solved"
    assert check_plan(night, matrices, plan, allow_late=True) == []
