"""From a night to a checked plan: road networks, travel matrices, solve, check.

This is the path every front end takes (the CLI, the API, the benchmarks):
:func:`load_networks` gets the road network of each travel mode the night's shifts use,
:func:`night_matrices` computes travel between all locations of the night, and
:func:`plan_night` solves and runs the independent checker over the result.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from zorgroute import graph, matrix
from zorgroute.check import Violation, check_plan
from zorgroute.exceptions import InputError
from zorgroute.matrix import TravelMatrix
from zorgroute.model import Matrices, Night, Plan
from zorgroute.network import RoadNetwork
from zorgroute.resources import data_path
from zorgroute.solver import ProgressCallback, SolveOptions, solve

log = logging.getLogger(__name__)

#: The bundled offline demo region.
DEMO_REGION = "kempen-demo"


def demo_graph_path(mode: str) -> Path:
    """The bundled demo region's road graph for ``mode``."""
    return data_path("demo", f"kempen-{mode}.graphml.gz")


def load_networks(
    modes: Collection[str],
    *,
    osm: str | Path | None = None,
    graph_file: str | Path | None = None,
    bike_graph_file: str | Path | None = None,
    region: str | None = None,
    cache_folder: str | Path | None = None,
) -> dict[str, RoadNetwork]:
    """The road network of every travel mode in ``modes``, from exactly one source.

    Parameters
    ----------
    modes
        Travel modes needed (``"car"``, ``"bike"``).
    osm
        A local OSM file: a graph is built for each mode.
    graph_file, bike_graph_file
        Saved graphs (:func:`zorgroute.graph.save_graph`): ``graph_file`` for cars,
        ``bike_graph_file`` for bikes.
    region
        ``"kempen-demo"`` for the bundled demo region (offline), or a region of
        :mod:`zorgroute.places`, downloaded from OpenStreetMap (online, then cached).
    cache_folder
        osmnx's HTTP cache for downloads.

    Raises
    ------
    InputError
        If not exactly one source is given, or a needed mode has no graph.
    """
    given = [
        name for name, value in (("osm", osm), ("graph", graph_file), ("region", region)) if value
    ]
    if len(given) != 1:
        raise InputError.single(
            "give exactly one road source: an OSM file, a graph file, or a region",
            value=", ".join(given) or "none",
        )
    networks: dict[str, RoadNetwork] = {}
    for mode in sorted(modes):
        if osm is not None:
            G = graph.read_osm_file(osm, mode=mode)
        elif graph_file is not None:
            path = graph_file if mode == "car" else bike_graph_file
            if path is None:
                raise InputError.single(
                    f"shifts travel by {mode}, but no graph for {mode} was given "
                    f"(--{mode}-graph), or give an OSM file to build both",
                    column="mode",
                    value=mode,
                )
            G = graph.load_graph(path)
        else:
            assert region is not None
            G = _region_graph(region, mode, cache_folder)
        networks[mode] = graph.to_network(G)
    return networks


def _region_graph(region: str, mode: str, cache_folder: str | Path | None) -> graph.RoadGraph:
    from zorgroute import places

    slug = places.region_slug(region)
    if slug == DEMO_REGION:
        return graph.load_graph(demo_graph_path(mode))
    stored = matrix.default_cache_dir() / "graphs" / f"{slug}-{mode}.graphml.gz"
    if stored.is_file():
        return graph.load_graph(stored)
    info = places.REGIONS[slug]
    # the bounding box covers every village of the region, also across municipal borders
    G = graph.fetch_graph(bbox=info.bbox, mode=mode, cache_folder=cache_folder)
    graph.save_graph(G, stored)
    return G


def night_matrices(
    night: Night,
    networks: Mapping[str, RoadNetwork] | None,
    *,
    cache: bool = True,
    max_snap_m: float = matrix.MAX_SNAP_M,
    source: str = "visits/shifts",
) -> tuple[Matrices, dict[str, TravelMatrix]]:
    """Travel between all locations of ``night`` for every mode its shifts use.

    Without ``networks`` travel is estimated from straight lines (with a
    :class:`~zorgroute.exceptions.FallbackWarning`).

    Raises
    ------
    InputError
        Listing every visit or shift location off the road graph, by id.
    """
    lat, lon = night.location_arrays()
    labels = night.location_labels()
    modes = sorted({s.mode for s in night.shifts}) or ["car"]
    travel: dict[str, TravelMatrix] = {}
    for mode in modes:
        if networks is None:
            travel[mode] = matrix.straight_line_matrix(lat, lon, mode=mode)
        else:
            if mode not in networks:
                raise InputError.single(f"no road network for mode {mode}", value=mode)
            travel[mode] = matrix.travel_matrix(
                networks[mode],
                lat,
                lon,
                labels=labels,
                cache=cache,
                max_snap_m=max_snap_m,
                source=source,
            )
    return (
        Matrices(
            duration_s={m: t.duration_s for m, t in travel.items()},
            distance_m={m: t.distance_m for m, t in travel.items()},
            method="road" if networks is not None else "straight-line",
        ),
        travel,
    )


@dataclass(frozen=True)
class CheckedPlan:
    """A plan and what the independent checker found in it (nothing, normally)."""

    plan: Plan
    violations: tuple[Violation, ...]


def plan_night(
    night: Night,
    matrices: Matrices,
    options: SolveOptions | None = None,
    *,
    initial_routes: Mapping[str, list[str]] | None = None,
    progress: ProgressCallback | None = None,
) -> CheckedPlan:
    """Solve ``night`` and check the plan independently.

    A violation found by the checker is a bug in zorgroute, not in the input: it is logged
    as an error and returned, never hidden.
    """
    options = options or SolveOptions()
    plan = solve(night, matrices, options, initial_routes=initial_routes, progress=progress)
    violations = tuple(check_plan(night, matrices, plan, pooled=options.pooled))
    for v in violations:
        log.error("plan check: %s", v)
    return CheckedPlan(plan, violations)
