"""Travel matrices: snapping, shortest paths checked against networkx, caching, bad input."""

from __future__ import annotations

import itertools
import warnings
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from zorgroute import matrix
from zorgroute.exceptions import FallbackWarning, InputError, SnapWarning
from zorgroute.geo import haversine_m
from zorgroute.network import RoadNetwork


def random_addresses(net: RoadNetwork, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Addresses near the roads: random road points moved up to ~150 m sideways."""
    rng = np.random.default_rng(seed)
    points = rng.integers(0, net.geom_lon.size, n)
    lat = net.geom_lat[points] + rng.uniform(-0.0013, 0.0013, n)
    lon = net.geom_lon[points] + rng.uniform(-0.002, 0.002, n)
    return lat, lon


def reference_matrix(net: RoadNetwork, snap: matrix.Snap, access_kph: float) -> np.ndarray:
    """Independent check: split every snapped edge in networkx and run Dijkstra on it."""
    G = nx.MultiDiGraph()
    on_edge: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for a in range(snap.edge.size):
        on_edge[int(snap.edge[a])].append((float(snap.fraction[a]), f"a{a}"))
        if snap.reverse_edge[a] >= 0:
            on_edge[int(snap.reverse_edge[a])].append((1 - float(snap.fraction[a]), f"a{a}"))
        elif snap.fraction[a] <= 1e-6:  # on the junction at the start of a one-way road
            G.add_edge(f"a{a}", int(net.edge_u[snap.edge[a]]), t=0.0)
        elif snap.fraction[a] >= 1 - 1e-6:
            G.add_edge(int(net.edge_v[snap.edge[a]]), f"a{a}", t=0.0)
    for e in range(net.n_edges):
        u, v, time = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_time_s[e])
        chain = sorted(on_edge.get(e, []))
        stops = [(0.0, u), *chain, (1.0, v)]
        for (f0, n0), (f1, n1) in itertools.pairwise(stops):
            G.add_edge(n0, n1, t=(f1 - f0) * time)
    access = snap.offset_m / (access_kph / 3.6)
    n = snap.edge.size
    out = np.zeros((n, n))
    for a in range(n):
        lengths = nx.single_source_dijkstra_path_length(G, f"a{a}", weight="t")
        for b in range(n):
            if a != b:
                out[a, b] = lengths[f"a{b}"] + access[a] + access[b]
    return out


def test_matrix_equals_networkx_on_split_edges(demo_network: RoadNetwork) -> None:
    lat, lon = random_addresses(demo_network, 40, seed=7)
    m = matrix.travel_matrix(demo_network, lat, lon, cache=False)
    assert m.snap is not None
    expected = reference_matrix(demo_network, m.snap, matrix.ACCESS_SPEED_KPH)
    np.testing.assert_allclose(m.duration_s, expected, atol=1.0)


def test_matrix_equals_networkx_at_junctions(demo_car: nx.MultiDiGraph) -> None:
    from zorgroute.graph import to_network

    net = to_network(demo_car)
    rng = np.random.default_rng(3)
    idx = rng.choice(net.n_nodes, 30, replace=False)
    m = matrix.travel_matrix(net, net.node_lat[idx], net.node_lon[idx], cache=False)
    nodes = list(demo_car.nodes)
    for a in range(0, 30, 3):
        lengths, paths = nx.single_source_dijkstra(demo_car, nodes[idx[a]], weight="travel_time")
        for b in range(30):
            target = nodes[idx[b]]
            assert m.duration_s[a, b] == pytest.approx(lengths[target], abs=1.0)
            path = paths[target]
            metres = sum(
                min(d["length"] for d in demo_car[u][v].values())
                for u, v in itertools.pairwise(path)
            )
            assert m.distance_m[a, b] == pytest.approx(metres, abs=1.0, rel=0.01)


def test_two_way_roads_give_symmetric_matrix(wechel_bike: nx.MultiDiGraph) -> None:
    from zorgroute.graph import to_network

    net = to_network(wechel_bike)
    lat, lon = random_addresses(net, 30, seed=11)
    m = matrix.travel_matrix(net, lat, lon, cache=False)
    np.testing.assert_allclose(m.duration_s, m.duration_s.T, atol=1)
    np.testing.assert_allclose(m.distance_m, m.distance_m.T, atol=2)


def test_distance_not_shorter_than_straight_line(demo_network: RoadNetwork) -> None:
    lat, lon = random_addresses(demo_network, 50, seed=5)
    m = matrix.travel_matrix(demo_network, lat, lon, cache=False)
    crow = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert np.all(m.distance_m >= np.floor(crow) - 1)
    assert np.all(np.diag(m.duration_s) == 0)
    assert m.duration_s.dtype == np.int64 and m.distance_m.dtype == np.int64


def line_network() -> RoadNetwork:
    """Two junctions 1 km apart: a one-way road 0->1 (60 s) and a detour 1->0 (300 s)."""
    return RoadNetwork(
        node_osmid=np.array([10, 11]),
        node_lon=np.array([6.0, 6.0147]),
        node_lat=np.array([52.0, 52.0]),
        edge_u=np.array([0, 1]),
        edge_v=np.array([1, 0]),
        edge_length_m=np.array([1000.0, 5000.0]),
        edge_time_s=np.array([60.0, 300.0]),
        geom_offsets=np.array([0, 2, 5]),
        geom_lon=np.array([6.0, 6.0147, 6.0147, 6.007, 6.0]),
        geom_lat=np.array([52.0, 52.0, 52.0, 52.02, 52.0]),
    )


def test_same_one_way_road_ahead_and_around() -> None:
    net = line_network()
    # two clients on the one-way road, at about 1/4 and 3/4 of it, right on the road
    m = matrix.travel_matrix(net, [52.0, 52.0], [6.0037, 6.0110], cache=False)
    assert m.snap is not None and np.all(m.snap.reverse_edge == -1)
    assert m.duration_s[0, 1] == pytest.approx(30, abs=1)  # straight ahead, half the road
    assert m.distance_m[0, 1] == pytest.approx(500, abs=10)
    # back: to the end of the road, the detour, then to the first client
    assert m.duration_s[1, 0] == pytest.approx(15 + 300 + 15, abs=1)


def test_snap_warning_names_far_addresses(demo_network: RoadNetwork) -> None:
    north = float(demo_network.geom_lat.max())
    at = int(np.argmax(demo_network.geom_lat))
    lon = float(demo_network.geom_lon[at])
    lat = north + 800 / 111_195  # 800 m north of the northernmost road point
    with pytest.warns(SnapWarning, match=r"client-far \(8\d\d m\)"):
        snap = matrix.snap_to_roads(
            demo_network,
            [lat, demo_network.geom_lat[0]],
            [lon, demo_network.geom_lon[0]],
            labels=["client-far", "client-near"],
        )
    assert 750 < snap.offset_m[0] <= 801
    assert snap.offset_m[1] < 1


def test_addresses_off_the_graph_are_all_listed(demo_network: RoadNetwork) -> None:
    lat0, lon0 = float(demo_network.node_lat[0]), float(demo_network.node_lon[0])
    lats = [lat0, lat0 + 0.36, lat0 - 0.4, lat0]
    lons = [lon0, lon0, lon0, lon0 + 1.0]
    with pytest.raises(InputError) as info:
        matrix.travel_matrix(demo_network, lats, lons, labels=["ok", "v1", "v2", "v3"])
    rows = [p.row for p in info.value.problems]
    assert rows == ["v1", "v2", "v3"]
    assert "km from the nearest road" in str(info.value)


def test_snap_limit_is_configurable(demo_network: RoadNetwork) -> None:
    lat0, lon0 = float(demo_network.geom_lat.max()), 4.8
    with pytest.raises(InputError, match=r"limit 0\.5 km"):
        matrix.snap_to_roads(demo_network, [lat0 + 0.009], [lon0], max_snap_m=500)


def test_bad_coordinates_listed(demo_network: RoadNetwork) -> None:
    with pytest.raises(InputError) as info:
        matrix.travel_matrix(
            demo_network, [51.25, float("nan"), 95.0], [4.75, 4.7, 4.7], labels=["a", "b", "c"]
        )
    assert [p.row for p in info.value.problems] == ["b", "c"]


def test_empty_address_list(demo_network: RoadNetwork) -> None:
    m = matrix.travel_matrix(demo_network, [], [], cache=False)
    assert m.duration_s.shape == (0, 0)


def test_cache_round_trip(demo_network: RoadNetwork, tmp_path: Path) -> None:
    lat, lon = random_addresses(demo_network, 12, seed=2)
    first = matrix.travel_matrix(demo_network, lat, lon, cache_dir=tmp_path)
    files = list((tmp_path / "matrix").glob("*.npz"))
    assert len(files) == 1
    second = matrix.travel_matrix(demo_network, lat, lon, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.duration_s, second.duration_s)
    # other locations get another entry; a corrupt entry is recomputed, not trusted
    matrix.travel_matrix(demo_network, lat[:5], lon[:5], cache_dir=tmp_path)
    assert len(list((tmp_path / "matrix").glob("*.npz"))) == 2
    files[0].write_bytes(b"garbage")
    third = matrix.travel_matrix(demo_network, lat, lon, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.distance_m, third.distance_m)


def test_straight_line_fallback_warns() -> None:
    lat, lon = np.array([52.90, 52.95]), np.array([6.90, 6.95])
    with pytest.warns(FallbackWarning, match="straight lines"):
        m = matrix.straight_line_matrix(lat, lon, detour_factor=1.3, speed_kph=60)
    crow = haversine_m(lat[0], lon[0], lat[1], lon[1])
    assert m.distance_m[0, 1] == pytest.approx(1.3 * crow, abs=1)
    assert m.duration_s[0, 1] == pytest.approx(1.3 * crow / (60 / 3.6), abs=1)
    assert m.method == "straight-line"


def test_leg_geometry_follows_the_road(demo_network: RoadNetwork) -> None:
    lat, lon = random_addresses(demo_network, 6, seed=9)
    m = matrix.travel_matrix(demo_network, lat, lon, cache=False)
    assert m.snap is not None
    for a, b in [(0, 1), (2, 5), (4, 3)]:
        points = np.array(matrix.leg_geometry(demo_network, m, a, b))
        assert points[0] == pytest.approx([m.snap.lon[a], m.snap.lat[a]], abs=1e-5)
        assert points[-1] == pytest.approx([m.snap.lon[b], m.snap.lat[b]], abs=1e-5)
        along = haversine_m(points[:-1, 1], points[:-1, 0], points[1:, 1], points[1:, 0]).sum()
        road = m.distance_m[a, b] - m.snap.offset_m[a] - m.snap.offset_m[b]
        assert along == pytest.approx(road, rel=0.02, abs=5)


def test_unreachable_addresses_are_reported() -> None:
    # a one-way road with no way back: the far client cannot return
    net = RoadNetwork(
        node_osmid=np.array([1, 2]),
        node_lon=np.array([6.0, 6.01]),
        node_lat=np.array([52.0, 52.0]),
        edge_u=np.array([0]),
        edge_v=np.array([1]),
        edge_length_m=np.array([680.0]),
        edge_time_s=np.array([50.0]),
        geom_offsets=np.array([0, 2]),
        geom_lon=np.array([6.0, 6.01]),
        geom_lat=np.array([52.0, 52.0]),
    )
    with warnings.catch_warnings(), pytest.raises(InputError, match="cannot reach"):
        matrix.travel_matrix(net, [52.0, 52.0], [6.002, 6.008], labels=["x", "y"], cache=False)
