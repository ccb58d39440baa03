"""The scripted Oost-Drenthe night: its shape, its parties, and that it plans offline."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from zorgroute import io, oost_drenthe, planning, pooling
from zorgroute.exceptions import ZorgrouteWarning
from zorgroute.geo import haversine_m
from zorgroute.network import RoadNetwork
from zorgroute.solver import SolveOptions


def scenario(network: RoadNetwork | None) -> oost_drenthe.ScenarioNight:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZorgrouteWarning)  # villages far from demo roads
        return oost_drenthe.oost_drenthe_night(network=network, n_visits=60, seed=3)


def test_fit_onto_keeps_the_shape() -> None:
    villages = pd.DataFrame(
        {"name": list("abc"), "lat": [52.8, 53.0, 52.9], "lon": [6.7, 6.8, 7.0]}
    )
    moved, scale = oost_drenthe.fit_onto(villages, (51.20, 4.66, 51.30, 4.90))
    assert 0 < scale < 1
    lat0, lon0 = villages.lat.to_numpy(), villages.lon.to_numpy()
    lat1, lon1 = moved.lat.to_numpy(), moved.lon.to_numpy()
    before = haversine_m(lat0[:, None], lon0[:, None], lat0, lon0)
    after = haversine_m(lat1[:, None], lon1[:, None], lat1, lon1)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(after[off] / before[off], scale, rtol=0.01)
    assert moved.lat.between(51.20, 51.30).all() and moved.lon.between(4.66, 4.90).all()


def test_real_positions_without_network() -> None:
    sc = scenario(None)
    assert sc.scale == 1.0
    assert sc.visits["lat"].between(52.7, 53.2).all()  # Drenthe, not the Kempen
    assert len(sc.providers) == 18


def test_night_on_demo_graph_reads_and_pools(demo_network: RoadNetwork) -> None:
    sc = scenario(demo_network)
    assert sc.scale < 1
    night = io.read_night(sc.visits, sc.shifts, providers=sc.providers)
    with_visits = {v.provider for v in night.visits}
    with_shifts = {s.provider for s in night.shifts}
    assert with_visits <= set(oost_drenthe.PARTIES[: oost_drenthe.CARE_PROVIDERS])
    assert len(with_shifts) <= oost_drenthe.NIGHT_SHIFT_PROVIDERS < len(with_visits)
    consent = np.mean([v.pooling for v in night.visits])
    assert 0.2 < consent < 1.0  # partial consent
    matrices, _ = planning.night_matrices(night, {"car": demo_network}, cache=False)
    c = pooling.compare(night, matrices, SolveOptions(time_limit_s=5, max_solutions=300))
    assert c.pooled.objective <= c.solo.objective
    assert c.total.pooled_planned >= c.total.solo_planned
    assert len(c.providers) == 18


@pytest.mark.parametrize("n_visits", [30, 120])
def test_a_few_clients_per_village(demo_network: RoadNetwork, n_visits: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZorgrouteWarning)
        sc = oost_drenthe.oost_drenthe_night(network=None, n_visits=n_visits, seed=1)
    assert len(sc.visits) == n_visits
    assert sc.visits["client_id"].nunique() <= n_visits
