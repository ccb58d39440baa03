"""Road graphs from OSM files: filtering, connectivity, speeds, saving, and bad input."""

from __future__ import annotations

import bz2
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from zorgroute import graph
from zorgroute.exceptions import GraphWarning, InputError

from .conftest import shared_file

# A hand-made village: a two-way main road A-B-C (maxspeed 80), a residential side street
# C-D without maxspeed, a one-way street D-A, a cycleway B-E, a private drive C-F, and a
# separate road G-H that does not connect to the rest.
VILLAGE_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="52.9000" lon="6.9000"/>
  <node id="2" lat="52.9000" lon="6.9100"/>
  <node id="3" lat="52.9000" lon="6.9200"/>
  <node id="4" lat="52.9050" lon="6.9200"/>
  <node id="5" lat="52.8950" lon="6.9100"/>
  <node id="6" lat="52.8950" lon="6.9200"/>
  <node id="7" lat="52.9200" lon="6.9500"/>
  <node id="8" lat="52.9200" lon="6.9600"/>
  <node id="9" lat="52.9300" lon="6.9600"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="secondary"/><tag k="maxspeed" v="80"/></way>
  <way id="101"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
  <way id="102"><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="103"><nd ref="2"/><nd ref="5"/><tag k="highway" v="cycleway"/></way>
  <way id="104"><nd ref="3"/><nd ref="6"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/></way>
  <way id="105"><nd ref="7"/><nd ref="8"/><nd ref="9"/><tag k="highway" v="unclassified"/></way>
  <way id="106"><nd ref="1"/><nd ref="3"/><tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture
def village_file(tmp_path: Path) -> Path:
    path = tmp_path / "village.osm"
    path.write_text(VILLAGE_OSM, encoding="utf-8")
    return path


def edge_highways(G: nx.MultiDiGraph) -> set[str]:
    return {str(d["highway"]) for _, _, d in G.edges(data=True)}


def test_village_car_keeps_drivable_connected_roads(village_file: Path) -> None:
    with pytest.warns(GraphWarning, match="several pieces"):
        G = graph.read_osm_file(village_file, mode="car", simplify=False)
    # the cycleway, the private drive, the building and the separate road G-H are gone
    assert set(G.nodes) == {1, 2, 3, 4}
    assert "cycleway" not in edge_highways(G)
    assert not ({5, 6, 7, 8, 9} & set(G.nodes))
    assert nx.is_strongly_connected(G)
    # the one-way street D-A is one edge 4->1 only
    assert G.has_edge(4, 1) and not G.has_edge(1, 4)


def test_village_bike_uses_cycleway_both_ways(village_file: Path) -> None:
    with pytest.warns(GraphWarning):
        G = graph.read_osm_file(village_file, mode="bike", simplify=False)
    assert G.has_edge(2, 5) and G.has_edge(5, 2)
    assert G.has_edge(1, 4)  # the one-way street is two-way for bikes
    assert all(d["speed_kph"] == pytest.approx(graph.BIKE_KPH) for _, _, d in G.edges(data=True))


def test_speeds_from_maxspeed_else_road_type(village_file: Path) -> None:
    with pytest.warns(GraphWarning):
        G = graph.read_osm_file(village_file, mode="car", simplify=False)
    for u, v, d in G.edges(data=True):
        expected = 80.0 if d["highway"] == "secondary" else graph.DUTCH_RURAL_CAR_KPH["residential"]
        assert d["speed_kph"] == pytest.approx(expected), (u, v, d)
        assert d["travel_time"] == pytest.approx(d["length"] / (expected / 3.6))


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("50;70", 50.0),
        (["70", "50"], 50.0),
        ("NL:rural", 80.0),
        ("BE-VLG:rural", 70.0),
        ("NL:zone30", 30.0),
        ("walk", 6.0),
        ("none", None),
        ("signals", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_maxspeed(value: object, kph: float | None) -> None:
    assert graph.parse_maxspeed(value) == (pytest.approx(kph) if kph is not None else None)


def test_simplified_travel_time_is_sum_of_parts(village_file: Path) -> None:
    with pytest.warns(GraphWarning):
        raw = graph.read_osm_file(village_file, mode="car", simplify=False)
    with pytest.warns(GraphWarning):
        simple = graph.read_osm_file(village_file, mode="car")
    total_raw = sum(d["travel_time"] for _, _, d in raw.edges(data=True))
    total_simple = sum(d["travel_time"] for _, _, d in simple.edges(data=True))
    assert total_simple == pytest.approx(total_raw)


def test_kempen_car_graph(kempen_car: nx.MultiDiGraph) -> None:
    assert nx.is_strongly_connected(kempen_car)
    assert 1500 < kempen_car.number_of_nodes() < 4000
    for _, _, d in kempen_car.edges(data=True):
        assert d["travel_time"] > 0 and d["length"] > 0
        assert 5 <= d["speed_kph"] <= 130
    info = graph.graph_info(kempen_car)
    assert 400 < info.road_km < 1000 and 100 < info.area_km2 < 250
    assert info.mode == "car" and info.source.startswith("kempen-highways")


def test_wechel_bike_is_bigger_than_car(
    wechel_car: nx.MultiDiGraph, wechel_bike: nx.MultiDiGraph
) -> None:
    assert nx.is_strongly_connected(wechel_bike)
    car_km = graph.graph_info(wechel_car).road_km
    assert graph.graph_info(wechel_bike).road_km > car_km
    # every pair of road nodes has a way back for bikes
    for u, v in wechel_bike.edges():
        assert wechel_bike.has_edge(v, u)


def test_pbf_gives_same_graph_as_xml(wechel_car: nx.MultiDiGraph) -> None:
    pbf = shared_file("data", "osm", "wechel.osm.pbf")
    G = graph.read_osm_file(pbf, mode="car")
    assert G.number_of_nodes() == wechel_car.number_of_nodes()
    assert G.number_of_edges() == wechel_car.number_of_edges()


def test_build_is_deterministic(wechel_osm: Path, wechel_car: nx.MultiDiGraph) -> None:
    again = graph.read_osm_file(wechel_osm, mode="car")
    times_a = sorted((u, v, round(d["travel_time"], 6)) for u, v, d in wechel_car.edges(data=True))
    times_b = sorted((u, v, round(d["travel_time"], 6)) for u, v, d in again.edges(data=True))
    assert times_a == times_b


@pytest.mark.parametrize("name", ["g.graphml", "g.graphml.gz"])
def test_save_and_load_keep_graph_and_metadata(
    tmp_path: Path, wechel_car: nx.MultiDiGraph, name: str
) -> None:
    path = graph.save_graph(wechel_car, tmp_path / name)
    loaded = graph.load_graph(path)
    assert loaded.number_of_edges() == wechel_car.number_of_edges()
    assert loaded.graph["zorgroute_mode"] == "car"
    assert loaded.graph["zorgroute_source"] == "wechel.clipfixed.osm.bz2"
    assert loaded.graph["zorgroute_built_at"] == wechel_car.graph["zorgroute_built_at"]
    total = sum(d["travel_time"] for _, _, d in wechel_car.edges(data=True))
    assert sum(d["travel_time"] for _, _, d in loaded.edges(data=True)) == pytest.approx(total)


def test_to_network_arrays(wechel_car: nx.MultiDiGraph) -> None:
    net = graph.to_network(wechel_car)
    assert net.n_nodes == wechel_car.number_of_nodes()
    assert net.n_edges == wechel_car.number_of_edges()
    assert net.geom_offsets[-1] == net.geom_lon.size
    for e in range(0, net.n_edges, 17):
        lon, lat = net.edge_points(e)
        assert lon[0] == pytest.approx(net.node_lon[net.edge_u[e]])
        assert lat[-1] == pytest.approx(net.node_lat[net.edge_v[e]])
    assert np.all(net.edge_time_s > 0)


# ---- bad input ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        graph.read_osm_file(tmp_path / "nope.osm")


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.bz2"
    path.write_bytes(bz2.compress(b"<osm><node id='1' lat='5"))
    with pytest.raises(InputError, match="cannot read OSM file"):
        graph.read_osm_file(path)


def test_file_without_roads(tmp_path: Path) -> None:
    path = tmp_path / "houses.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" lat="52" lon="6"/><node id="2" lat="52.001" lon="6"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>'
    )
    with pytest.raises(InputError, match="no roads"):
        graph.read_osm_file(path)


def test_file_with_only_footways_has_no_car_roads(tmp_path: Path) -> None:
    path = tmp_path / "paths.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" lat="52" lon="6"/><node id="2" lat="52.001" lon="6"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>'
    )
    with pytest.raises(InputError, match="no roads usable by car"):
        graph.read_osm_file(path, mode="car")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "roads.shp"
    path.write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported file type"):
        graph.read_osm_file(path)


def test_unknown_mode(village_file: Path) -> None:
    with pytest.raises(InputError, match="unknown travel mode"):
        graph.read_osm_file(village_file, mode="helicopter")


def test_load_graph_rejects_non_graphml(tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    path.write_text("this is not xml")
    with pytest.raises(InputError, match="not a readable GraphML"):
        graph.load_graph(path)
    with pytest.raises(InputError, match="not found"):
        graph.load_graph(tmp_path / "missing.graphml")


def test_fetch_needs_exactly_one_region() -> None:
    with pytest.raises(InputError, match="exactly one"):
        graph.fetch_graph()
    with pytest.raises(InputError, match="bounding box"):
        graph.fetch_graph(bbox=(53.0, 6.0, 52.0, 7.0))


@pytest.mark.network
def test_fetch_place_online(tmp_path: Path) -> None:  # pragma: no cover - needs internet
    G = graph.fetch_graph(place="Exloo, Borger-Odoorn, Netherlands", cache_folder=tmp_path)
    assert nx.is_strongly_connected(G)


def test_fetch_maps_download_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    import osmnx as ox
    import requests

    from zorgroute.exceptions import DownloadError

    def offline(*args: object, **kwargs: object) -> None:
        raise requests.exceptions.ConnectionError("Name or service not known")

    def nothing(*args: object, **kwargs: object) -> None:
        raise ox._errors.InsufficientResponseError("Nominatim returned 0 results")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    with pytest.raises(DownloadError, match="cannot reach OpenStreetMap"):
        graph.fetch_graph(place="Nieuw-Buinen, Netherlands")
    monkeypatch.setattr(ox, "graph_from_place", nothing)
    with pytest.raises(InputError, match="returned nothing"):
        graph.fetch_graph(place="Atlantis, Netherlands")
