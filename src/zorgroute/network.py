"""The road network as plain arrays: what the travel-matrix engine and the maps read.

:mod:`zorgroute.graph` builds an OpenStreetMap road graph with osmnx and hands it on as a
:class:`RoadNetwork`; nothing downstream of it needs osmnx or networkx. Nodes are numbered
``0..n_nodes-1``; every directed edge has its length (m), travel time (s) and the road
geometry as a run of lon/lat points.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network of one travel mode.

    Attributes
    ----------
    node_osmid, node_lon, node_lat
        OSM id and WGS84 position of each node.
    edge_u, edge_v
        Node numbers at the start and end of each directed edge.
    edge_length_m, edge_time_s
        Length in metres and travel time in seconds of each edge.
    geom_offsets, geom_lon, geom_lat
        Road geometry: the points of edge ``e`` are
        ``geom_lon[geom_offsets[e]:geom_offsets[e + 1]]`` (and lat likewise), from ``u`` to ``v``.
    mode
        Travel profile the network was built for (``"car"`` or ``"bike"``).
    source
        Where the road data came from (file name, place name or bounding box).
    """

    node_osmid: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length_m: FloatArray
    edge_time_s: FloatArray
    geom_offsets: IntArray
    geom_lon: FloatArray
    geom_lat: FloatArray
    mode: str = "car"
    source: str = ""
    _extra: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        return int(self.node_lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the network's content: equal networks give equal fingerprints."""
        digest = hashlib.sha256(self.mode.encode())
        for arr in (
            self.node_lon,
            self.node_lat,
            self.edge_u,
            self.edge_v,
            self.edge_length_m,
            self.edge_time_s,
        ):
            digest.update(np.ascontiguousarray(arr).tobytes())
        return digest.hexdigest()

    def edge_points(self, edge: int) -> tuple[FloatArray, FloatArray]:
        """Lon and lat arrays of the road geometry of ``edge``, from its start to its end."""
        lo, hi = int(self.geom_offsets[edge]), int(self.geom_offsets[edge + 1])
        return self.geom_lon[lo:hi], self.geom_lat[lo:hi]

    @cached_property
    def center_lonlat(self) -> tuple[float, float]:
        """Centre of the bounding box of the nodes."""
        return (
            float((self.node_lon.min() + self.node_lon.max()) / 2),
            float((self.node_lat.min() + self.node_lat.max()) / 2),
        )
