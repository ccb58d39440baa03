"""Shared fixtures: the project's shared data beside the checkout, and graphs built from it."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from zorgroute import graph
from zorgroute.network import RoadNetwork
from zorgroute.resources import data_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_file(*parts: str) -> Path:
    """A file of ../shared, or skip the test with the reason when a clone has none."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (the project's shared data sits beside a checkout)")
    return path


@pytest.fixture(scope="session")
def kempen_osm() -> Path:
    return shared_file("data", "osm", "kempen-highways.clipfixed.osm.bz2")


@pytest.fixture(scope="session")
def wechel_osm() -> Path:
    return shared_file("data", "osm", "wechel.clipfixed.osm.bz2")


@pytest.fixture(scope="session")
def kempen_car(kempen_osm: Path) -> nx.MultiDiGraph:
    return graph.read_osm_file(kempen_osm, mode="car")


@pytest.fixture(scope="session")
def wechel_car(wechel_osm: Path) -> nx.MultiDiGraph:
    return graph.read_osm_file(wechel_osm, mode="car")


@pytest.fixture(scope="session")
def wechel_bike(wechel_osm: Path) -> nx.MultiDiGraph:
    return graph.read_osm_file(wechel_osm, mode="bike")


@pytest.fixture(scope="session")
def demo_car() -> nx.MultiDiGraph:
    """The bundled demo region (committed, so no shared data needed)."""
    return graph.load_graph(data_path("demo", "kempen-car.graphml.gz"))


@pytest.fixture(scope="session")
def demo_network(demo_car: nx.MultiDiGraph) -> RoadNetwork:
    return graph.to_network(demo_car)
