"""Plan files: written as documented, read back unchanged, and checkable."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zorgroute import output, planning
from zorgroute.check import check_plan
from zorgroute.geo import haversine_m
from zorgroute.model import Night, Shift, TimeWindow, Visit
from zorgroute.network import RoadNetwork
from zorgroute.solver import SolveOptions, solve

from .test_solver import ORIGIN, grid_matrices, random_night


def solved(seed: int = 4):
    night = random_night(seed, 12, 3)
    matrices = grid_matrices(night)
    plan = solve(night, matrices, SolveOptions(time_limit_s=5, max_solutions=150))
    return night, matrices, plan


def test_files_round_trip(tmp_path: Path) -> None:
    night, matrices, plan = solved()
    paths = output.write_plan(tmp_path, night, plan)
    assert sorted(p.name for p in paths.values()) == [
        "plan.geojson",
        "routes.csv",
        "summary.json",
        "unplanned.csv",
    ]
    again = output.read_plan(tmp_path, night)
    assert again.routes == plan.routes
    assert [(u.visit_id, u.code) for u in again.unplanned] == [
        (u.visit_id, u.code) for u in plan.unplanned
    ]
    assert check_plan(night, matrices, again) == []


def test_routes_csv_columns_and_iso_times(tmp_path: Path) -> None:
    night, _, plan = solved()
    output.write_plan(tmp_path, night, plan)
    table = pd.read_csv(tmp_path / "routes.csv")
    assert list(table.columns) == output.ROUTE_COLUMNS
    assert len(table) == len(plan.planned_ids())
    first = plan.routes[0].stops[0]
    row = table.iloc[0]
    assert row["service_start"] == night.at(first.service_start_s).isoformat()
    assert row["service_start"].startswith("2026-11-2")  # a real date, not seconds


def test_summary_adds_up(tmp_path: Path) -> None:
    night, _, plan = solved(9)
    info = output.summary(night, plan)
    assert info["visits_planned"] + info["visits_unplanned"] == len(night.visits)
    assert info["km"] == pytest.approx(plan.distance_m / 1000, abs=0.01)
    per_provider_km = sum(p.get("km", 0.0) for p in info["per_provider"].values())
    assert per_provider_km == pytest.approx(info["km"], abs=0.01)
    served_by = sum(p["served_by_others"] for p in info["per_provider"].values())
    served_for = sum(p.get("served_for_others", 0) for p in info["per_provider"].values())
    assert served_by == served_for
    assert sum(s["visits"] for s in info["per_shift"]) == info["visits_planned"]


def test_geojson_follows_the_roads(tmp_path: Path, demo_network: RoadNetwork) -> None:
    rng = np.random.default_rng(1)
    points = rng.integers(0, demo_network.geom_lon.size, 6)
    visits = [
        Visit(
            f"v{i}",
            f"c{i}",
            "A",
            float(demo_network.geom_lat[p]),
            float(demo_network.geom_lon[p]),
            (TimeWindow(36_000, 60_000),),
            900,
        )
        for i, p in enumerate(points)
    ]
    office = (float(demo_network.node_lat[0]), float(demo_network.node_lon[0]))
    shifts = [Shift("s1", "A", *office, *office, 36_000, 66_000)]
    night = Night(tuple(visits), tuple(shifts), ORIGIN, ("A",))
    matrices, travel = planning.night_matrices(night, {"car": demo_network}, cache=False)
    plan = solve(night, matrices, SolveOptions(time_limit_s=5, max_solutions=100))
    paths = output.write_plan(tmp_path, night, plan, networks={"car": demo_network}, travel=travel)
    geo = json.loads(paths["geojson"].read_text())
    (line,) = [f for f in geo["features"] if f["properties"]["kind"] == "route"]
    coords = np.array(line["geometry"]["coordinates"])
    along = haversine_m(coords[:-1, 1], coords[:-1, 0], coords[1:, 1], coords[1:, 0]).sum()
    # the line runs along the roads: as long as the route (less the short access legs)
    assert along == pytest.approx(plan.distance_m, rel=0.05)
    kinds = {f["properties"]["kind"] for f in geo["features"]}
    assert {"route", "stop", "shift_start"} <= kinds


def test_read_plan_reports_missing_files(tmp_path: Path) -> None:
    night, _, _ = solved()
    from zorgroute.exceptions import InputError

    with pytest.raises(InputError) as info:
        output.read_plan(tmp_path, night)
    assert len(info.value.problems) == 3


def test_summary_counts_visits_that_kept_their_preferred_nurse() -> None:
    night, _, plan = solved()
    served = {s.visit_id: (r.shift_id, r.provider) for r in plan.routes for s in r.stops}
    ids = sorted(served)
    first, second = night.shifts[0].shift_id, night.shifts[1].shift_id
    wishes: dict[str, dict[str, str]] = {}
    for vid in ids[:3]:  # three wishes met
        wishes[vid] = {"preferred_nurse": served[vid][0], "preferred_provider": served[vid][1]}
    for vid in ids[3:5]:  # two not: another shift, a provider that does not serve it
        other = first if served[vid][0] != first else second
        wishes[vid] = {"preferred_nurse": other, "preferred_provider": "nobody"}
    unplanned = [v.visit_id for v in night.visits if v.visit_id not in served][:1]
    for vid in unplanned:  # a wish of a visit not planned counts as wished, not as planned
        wishes[vid] = {"preferred_nurse": first}
    visits = tuple(replace(v, **wishes.get(v.visit_id, {})) for v in night.visits)
    info = output.summary(replace(night, visits=visits), plan)["continuity"]
    assert info["preferred_nurse"] == {"wished": 5 + len(unplanned), "planned": 5, "kept": 3}
    assert info["preferred_provider"] == {"wished": 5, "planned": 5, "kept": 3}
