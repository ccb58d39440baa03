"""Travel times and distances between addresses over the road network.

Every address (a client's home, a nurse's office) is *snapped* to the nearest point on the
nearest road edge, not to the nearest junction: on a rural graph several clients along one
long road would otherwise share a node and seem zero seconds apart. Travel from ``a`` to
``b`` is then the access leg from ``a`` to its road, along the road to a junction, the
shortest-time path between junctions, along ``b``'s road, and the access leg to ``b``;
or, when both lie on the same road, straight along it.

Shortest paths run in :func:`scipy.sparse.csgraph.dijkstra` from the unique junctions the
addresses leave by, in blocks; distances are summed along the same shortest-*time* paths by
pointer jumping over the predecessor arrays, so time and distance always describe one route.
Results are integer seconds and metres, cached on disk by network and locations.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.ops
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra as _dijkstra

from zorgroute.exceptions import FallbackWarning, InputError, Problem, SnapWarning
from zorgroute.geo import LocalProjection, haversine_m
from zorgroute.network import RoadNetwork

log = logging.getLogger(__name__)

dijkstra: Any = _dijkstra  # scipy-stubs reject a float csr_matrix, which scipy takes

#: Snapped farther than this from a road: a :class:`SnapWarning` names the address.
WARN_SNAP_M = 500.0
#: Snapped farther than this: the address is rejected as off the road graph.
MAX_SNAP_M = 5_000.0
#: Speed on the access leg between an address and its road (a drive or farm lane), km/h.
ACCESS_SPEED_KPH = 15.0
#: Road distance over straight-line distance in the straight-line fallback (rural roads).
DETOUR_FACTOR = 1.3
#: Average speed in the straight-line fallback, km/h, per mode.
FALLBACK_SPEED_KPH = {"car": 50.0, "bike": 15.0}

_CACHE_VERSION = "1"
#: Fractions this close to an edge's end count as standing on the junction.
_AT_JUNCTION = 1e-6


@dataclass(frozen=True, eq=False)
class Snap:
    """Where each address meets the road network.

    Attributes
    ----------
    edge
        The road edge each address is snapped to (index into the network's edges).
    reverse_edge
        The same road in the other direction, or -1 for a one-way road.
    fraction
        Position of the snapped point along ``edge``, 0 at its start, 1 at its end.
    offset_m
        Straight-line distance from the address to its snapped point (the access leg).
    lon, lat
        The snapped points.
    """

    edge: NDArray[np.int64]
    reverse_edge: NDArray[np.int64]
    fraction: NDArray[np.float64]
    offset_m: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel between every ordered pair of addresses.

    Attributes
    ----------
    duration_s
        ``duration_s[i, j]``: seconds from address ``i`` to address ``j`` (integers).
    distance_m
        ``distance_m[i, j]``: metres along the same route (integers).
    method
        ``"road"`` (shortest-time paths over the road network) or ``"straight-line"``.
    snap
        Where the addresses meet the roads (``None`` for straight lines).
    """

    duration_s: NDArray[np.int64]
    distance_m: NDArray[np.int64]
    method: str
    snap: Snap | None = None

    @property
    def size(self) -> int:
        return int(self.duration_s.shape[0])


def default_cache_dir() -> Path:
    """``$ZORGROUTE_CACHE_DIR``, else ``$XDG_CACHE_HOME/zorgroute``, else ``~/.cache/zorgroute``."""
    if env := os.environ.get("ZORGROUTE_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zorgroute"


# --------------------------------------------------------------------------------------------
# Snapping
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Geometry:
    """The network's edges as projected shapely lines, with a spatial index."""

    projection: LocalProjection
    lines: NDArray[np.object_]
    tree: shapely.STRtree


_GEOMETRY_CACHE: dict[str, _Geometry] = {}


def _geometry(network: RoadNetwork) -> _Geometry:
    cached = _GEOMETRY_CACHE.get(network.fingerprint)
    if cached is not None:
        return cached
    projection = LocalProjection(*network.center_lonlat)
    x, y = projection.forward(network.geom_lon, network.geom_lat)
    counts = np.diff(network.geom_offsets)
    indices = np.repeat(np.arange(network.n_edges), counts)
    lines = shapely.linestrings(np.column_stack([x, y]), indices=indices)
    line_array: Any = np.asarray(lines, dtype=object)
    geometry = _Geometry(projection, line_array, shapely.STRtree(line_array))
    if len(_GEOMETRY_CACHE) > 8:  # a long-running service sees few regions; keep it small
        _GEOMETRY_CACHE.clear()
    _GEOMETRY_CACHE[network.fingerprint] = geometry
    return geometry


def _reverse_edges(network: RoadNetwork, edges: NDArray[np.int64]) -> NDArray[np.int64]:
    """For each edge, the edge running back over the same road, or -1."""
    rev = np.full(edges.shape, -1, dtype=np.int64)
    by_pair: dict[tuple[int, int], list[int]] = {}
    for e in np.unique(edges):
        by_pair.setdefault((int(network.edge_v[e]), int(network.edge_u[e])), [])
    for e in range(network.n_edges):
        key = (int(network.edge_u[e]), int(network.edge_v[e]))
        if key in by_pair:
            by_pair[key].append(e)
    for i, e in enumerate(edges):
        candidates = by_pair[(int(network.edge_v[e]), int(network.edge_u[e]))]
        length = network.edge_length_m[e]
        best = [
            c for c in candidates if abs(network.edge_length_m[c] - length) <= 1 + 0.01 * length
        ]
        if best:
            rev[i] = min(best, key=lambda c: abs(network.edge_length_m[c] - length))
    return rev


def snap_to_roads(
    network: RoadNetwork,
    lats: ArrayLike,
    lons: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    warn_snap_m: float = WARN_SNAP_M,
    max_snap_m: float = MAX_SNAP_M,
    source: str = "addresses",
    _stacklevel: int = 2,
) -> Snap:
    """Snap each address to the nearest point of the nearest road.

    Parameters
    ----------
    network
        The road network.
    lats, lons
        WGS84 coordinates of the addresses.
    labels
        Names for the addresses in warnings and errors (default: their positions).
    warn_snap_m
        A :class:`SnapWarning` names every address snapped farther than this.
    max_snap_m
        Addresses farther than this from any road are rejected.
    source
        Name of the input, for error messages.

    Raises
    ------
    InputError
        Listing every address with a missing or impossible coordinate, or farther than
        ``max_snap_m`` from the road network.
    """
    lat = np.asarray(lats, dtype=float).reshape(-1)
    lon = np.asarray(lons, dtype=float).reshape(-1)
    names = list(labels) if labels is not None else [str(i) for i in range(lat.shape[0])]
    if lat.shape != lon.shape or len(names) != lat.shape[0]:
        raise ValueError("lats, lons and labels must have the same length")
    problems = [
        Problem(
            "coordinate missing or outside -90..90 / -180..180",
            source=source,
            row=names[i],
            column="lat/lon",
            value=f"{lat[i]}, {lon[i]}",
        )
        for i in np.flatnonzero(
            ~np.isfinite(lat) | ~np.isfinite(lon) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
        )
    ]
    if problems:
        raise InputError(problems, summary="bad coordinates")
    n = lat.shape[0]
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=float)
        return Snap(empty_i, empty_i, empty_f, empty_f, empty_f, empty_f)

    geometry = _geometry(network)
    x, y = geometry.projection.forward(lon, lat)
    points = shapely.points(x, y)
    (point_idx, edge_idx), dist = geometry.tree.query_nearest(
        points, all_matches=False, return_distance=True
    )
    edge = np.empty(n, dtype=np.int64)
    offset = np.empty(n, dtype=float)
    edge[point_idx] = edge_idx
    offset[point_idx] = dist
    lines = geometry.lines[edge]
    fraction = np.nan_to_num(shapely.line_locate_point(lines, points, normalized=True))
    fraction = np.clip(fraction, 0.0, 1.0)
    snapped = shapely.line_interpolate_point(lines, fraction, normalized=True)
    snap_lon, snap_lat = geometry.projection.inverse(shapely.get_x(snapped), shapely.get_y(snapped))

    too_far = np.flatnonzero(offset > max_snap_m)
    if too_far.size:
        raise InputError(
            [
                Problem(
                    f"{offset[i] / 1000:.1f} km from the nearest road of the graph "
                    f"(limit {max_snap_m / 1000:g} km): outside the region, or a wrong "
                    "coordinate (swapped lat/lon?)",
                    source=source,
                    row=names[i],
                    column="lat/lon",
                    value=f"{lat[i]:.6f}, {lon[i]:.6f}",
                )
                for i in too_far
            ],
            summary="addresses off the road graph",
        )
    far = np.flatnonzero(offset > warn_snap_m)
    if far.size:
        listed = ", ".join(f"{names[i]} ({offset[i]:.0f} m)" for i in far)
        warnings.warn(
            f"{far.size} address(es) more than {warn_snap_m:.0f} m from the nearest road; "
            f"check their coordinates: {listed}",
            SnapWarning,
            stacklevel=_stacklevel,
        )
    return Snap(
        edge=edge,
        reverse_edge=_reverse_edges(network, edge),
        fraction=fraction,
        offset_m=offset,
        lon=snap_lon,
        lat=snap_lat,
    )


# --------------------------------------------------------------------------------------------
# Shortest paths
# --------------------------------------------------------------------------------------------


#: Path weights pack travel time and length into one float: ``ms * _PACK + decimetres``.
#: Dijkstra then finds the fastest path, breaking ties by length, and the sum along it
#: carries the path's length exactly (integers below 2**53 add without rounding), so time
#: and distance always describe the same route without walking predecessor trees.
_PACK = 10_000_000  # room for 1,000 km of road in decimetres
_PACK_MAX_SPAN_KM = 300.0  # regions wider than this use predecessor trees instead


@dataclass(frozen=True, eq=False)
class _Adjacency:
    """The network as a sparse matrix of the fastest edge between each pair of nodes."""

    weight: csr_matrix  # packed time+length, or seconds when not packed
    packed: bool
    keys: NDArray[np.int64]  # sorted u * n + v of the kept edges
    length_m: NDArray[np.float64]  # aligned with keys
    edge: NDArray[np.int64]  # aligned with keys


_ADJACENCY_CACHE: dict[tuple[str, bool], _Adjacency] = {}


def _region_span_km(network: RoadNetwork) -> float:
    return (
        float(
            haversine_m(
                network.node_lat.min(),
                network.node_lon.min(),
                network.node_lat.max(),
                network.node_lon.max(),
            )
        )
        / 1000
    )


def _adjacency(network: RoadNetwork, *, pack: bool | None = None) -> _Adjacency:
    if pack is None:
        pack = _region_span_km(network) <= _PACK_MAX_SPAN_KM
    cached = _ADJACENCY_CACHE.get((network.fingerprint, pack))
    if cached is not None:
        return cached
    n = network.n_nodes
    keys = network.edge_u * n + network.edge_v
    # for parallel edges keep the fastest (then shortest): the first of each key
    order = np.lexsort((network.edge_length_m, network.edge_time_s, keys))
    keys_sorted = keys[order]
    first = np.ones(order.shape, dtype=bool)
    first[1:] = keys_sorted[1:] != keys_sorted[:-1]
    kept = order[first]
    if pack:
        time_ms = np.maximum(np.rint(network.edge_time_s[kept] * 1000), 1)
        weight = time_ms * _PACK + np.rint(network.edge_length_m[kept] * 10)
    else:
        # strictly positive: a zero weight would read as "no edge" in some scipy paths
        weight = np.maximum(network.edge_time_s[kept], 1e-3)
    matrix = csr_matrix((weight, (network.edge_u[kept], network.edge_v[kept])), shape=(n, n))
    adj = _Adjacency(matrix, pack, keys[kept], network.edge_length_m[kept], kept)
    if len(_ADJACENCY_CACHE) > 8:
        _ADJACENCY_CACHE.clear()
    _ADJACENCY_CACHE[(network.fingerprint, pack)] = adj
    return adj


def _tree_distances(pred: NDArray[np.int32], adj: _Adjacency, n: int) -> NDArray[np.float64]:
    """Metres along each shortest-path tree from its source to every node (pointer jumping)."""
    rows = pred.shape[0]
    base = (np.arange(rows, dtype=np.int64) * n)[:, None]
    nodes = np.broadcast_to(np.arange(n, dtype=np.int64), pred.shape)
    parent = pred.astype(np.int64)
    unreached = parent < 0
    parent[unreached] = nodes[unreached]  # sources and unreachable nodes point to themselves
    pos = np.searchsorted(adj.keys, parent * n + nodes)
    acc = np.where(unreached, 0.0, adj.length_m[np.minimum(pos, adj.keys.size - 1)]).ravel()
    flat = (parent + base).ravel()
    for _ in range(64):
        grand = flat.take(flat)
        if np.array_equal(grand, flat):
            break
        acc = acc + acc.take(flat)
        flat = grand
    return acc.reshape(pred.shape)


def _weight_seconds(weight: float, adj: _Adjacency) -> float:
    """Seconds of a path weight from :func:`_adjacency`."""
    return float(np.floor(weight / _PACK) / 1000) if adj.packed else weight


def _node_to_node(
    network: RoadNetwork,
    adj: _Adjacency,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    *,
    block_cells: int = 4_000_000,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shortest-time seconds and the metres along those paths, ``sources × targets``."""
    n = network.n_nodes
    time = np.empty((sources.size, targets.size))
    dist = np.empty((sources.size, targets.size))
    block = max(1, block_cells // max(n, 1))
    for lo in range(0, sources.size, block):
        chunk = sources[lo : lo + block]
        if adj.packed:
            w = dijkstra(adj.weight, directed=True, indices=chunk)[:, targets]
            reached = np.isfinite(w)
            ms = np.floor(np.where(reached, w, 0) / _PACK)
            time[lo : lo + block] = np.where(reached, ms / 1000, np.inf)
            dist[lo : lo + block] = np.where(reached, w - ms * _PACK, 0) / 10
        else:
            t, pred = dijkstra(adj.weight, directed=True, indices=chunk, return_predecessors=True)
            time[lo : lo + block] = t[:, targets]
            dist[lo : lo + block] = _tree_distances(pred, adj, n)[:, targets]
    return time, dist


def travel_matrix(
    network: RoadNetwork,
    lats: ArrayLike,
    lons: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    warn_snap_m: float = WARN_SNAP_M,
    max_snap_m: float = MAX_SNAP_M,
    access_speed_kph: float = ACCESS_SPEED_KPH,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    source: str = "addresses",
) -> TravelMatrix:
    """Road travel time (s) and distance (m) between every ordered pair of addresses.

    Parameters
    ----------
    network
        The road network (see :func:`zorgroute.graph.to_network`).
    lats, lons
        WGS84 coordinates of the addresses.
    labels
        Names of the addresses for warnings and errors.
    warn_snap_m, max_snap_m
        See :func:`snap_to_roads`.
    access_speed_kph
        Speed on the access leg from an address to its road.
    cache, cache_dir
        Keep results on disk, keyed by the network's content, the coordinates and the
        options; ``cache_dir`` defaults to :func:`default_cache_dir`.
    source
        Name of the input, for error messages.

    Returns
    -------
    TravelMatrix
        Integer seconds and metres; the diagonal is zero.

    Raises
    ------
    InputError
        If an address has a bad coordinate, lies off the road graph, or cannot reach or be
        reached from another (a network that is not strongly connected).
    """
    lat = np.asarray(lats, dtype=float).reshape(-1)
    lon = np.asarray(lons, dtype=float).reshape(-1)
    snap = snap_to_roads(
        network,
        lat,
        lon,
        labels=labels,
        warn_snap_m=warn_snap_m,
        max_snap_m=max_snap_m,
        source=source,
        _stacklevel=3,
    )
    cache_file: Path | None = None
    if cache and lat.size:
        key = hashlib.sha256(
            json.dumps(
                [_CACHE_VERSION, network.fingerprint, access_speed_kph], sort_keys=True
            ).encode()
            + lat.tobytes()
            + lon.tobytes()
        ).hexdigest()
        cache_file = Path(cache_dir or default_cache_dir()) / "matrix" / f"{key}.npz"
        if cache_file.is_file():
            try:
                with np.load(cache_file) as data:
                    log.info("travel matrix from cache %s", cache_file)
                    return TravelMatrix(
                        data["duration_s"], data["distance_m"], method="road", snap=snap
                    )
            except (OSError, ValueError, KeyError):
                log.warning("ignoring unreadable matrix cache file %s", cache_file)

    duration_s, distance_m = _road_matrix(network, snap, access_speed_kph, labels, source)
    result = TravelMatrix(duration_s, distance_m, method="road", snap=snap)
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez_compressed(tmp, duration_s=duration_s, distance_m=distance_m)
            tmp.replace(cache_file)
        except OSError as exc:  # a read-only cache must not stop planning
            log.warning("could not write matrix cache %s: %s", cache_file, exc)
    return result


def _road_matrix(
    network: RoadNetwork,
    snap: Snap,
    access_speed_kph: float,
    labels: Sequence[str] | None,
    source: str,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    n = snap.edge.size
    if n == 0:
        empty = np.zeros((0, 0), dtype=np.int64)
        return empty, empty.copy()
    adj = _adjacency(network)
    e, r, t = snap.edge, snap.reverse_edge, snap.fraction
    has_r = r >= 0
    r_safe = np.where(has_r, r, 0)
    inf = np.inf
    # Two ways onto the network from each address: ahead along its edge to the edge's end,
    # or (on a two-way road) back along the reverse edge to the edge's start; and the same
    # two ways in.
    # A one-way road's address snapped onto its very start (or end) sits on the junction
    # itself, and may leave (or arrive) by any road of that junction at no cost.
    at_start = ~has_r & (t <= _AT_JUNCTION)
    at_end = ~has_r & (t >= 1 - _AT_JUNCTION)
    e_s, e_m = network.edge_time_s[e], network.edge_length_m[e]
    r_s, r_m = network.edge_time_s[r_safe], network.edge_length_m[r_safe]
    exit_node = np.column_stack(
        [network.edge_v[e], np.where(has_r | at_start, network.edge_u[e], -1)]
    )
    exit_s = np.column_stack([(1 - t) * e_s, np.where(has_r, t * r_s, np.where(at_start, 0, inf))])
    exit_m = np.column_stack([(1 - t) * e_m, np.where(has_r, t * r_m, 0)])
    entry_node = np.column_stack(
        [network.edge_u[e], np.where(has_r | at_end, network.edge_v[e], -1)]
    )
    entry_s = np.column_stack([t * e_s, np.where(has_r, (1 - t) * r_s, np.where(at_end, 0, inf))])
    entry_m = np.column_stack([t * e_m, np.where(has_r, (1 - t) * r_m, 0)])

    sources, src_idx = np.unique(
        np.where(exit_node >= 0, exit_node, exit_node[:, :1]), return_inverse=True
    )
    src_idx = src_idx.reshape(exit_node.shape)
    targets, tgt_idx = np.unique(
        np.where(entry_node >= 0, entry_node, entry_node[:, :1]), return_inverse=True
    )
    tgt_idx = tgt_idx.reshape(entry_node.shape)
    log.info("shortest paths from %d junctions to %d junctions", sources.size, targets.size)
    node_s, node_m = _node_to_node(network, adj, sources.astype(np.int64), targets.astype(np.int64))

    best_s = np.full((n, n), inf)
    best_m = np.zeros((n, n))
    for i in range(2):
        for j in range(2):
            grid = np.ix_(src_idx[:, i], tgt_idx[:, j])
            cand_s = node_s[grid]
            cand_s += exit_s[:, i, None]
            cand_s += entry_s[None, :, j]
            better = cand_s < best_s
            np.copyto(best_s, cand_s, where=better)
            cand_m = node_m[grid]
            cand_m += exit_m[:, i, None]
            cand_m += entry_m[None, :, j]
            np.copyto(best_m, cand_m, where=better)

    # Both on the same road: straight along it, where the direction allows.
    a, b, edge, frac = _same_road_pairs(e, r, t)
    if a.size:
        cand_s = frac * network.edge_time_s[edge]
        better = cand_s < best_s[a, b]
        a, b, edge, frac = a[better], b[better], edge[better], frac[better]
        # one pair may be on the same road twice (both directions): the faster one wins
        order = np.argsort(-cand_s[better], kind="stable")
        best_s[a[order], b[order]] = (frac * network.edge_time_s[edge])[order]
        best_m[a[order], b[order]] = (frac * network.edge_length_m[edge])[order]

    unreachable = ~np.isfinite(best_s)
    np.fill_diagonal(unreachable, False)
    if unreachable.any():
        names = list(labels) if labels is not None else [str(i) for i in range(n)]
        bad_from = sorted({names[i] for i in np.flatnonzero(unreachable.any(axis=1))})
        raise InputError(
            [
                Problem(
                    "cannot reach every other address over the roads (the road graph is not "
                    "strongly connected here); rebuild it with `zorgroute graph build`",
                    source=source,
                    row=name,
                )
                for name in bad_from
            ],
            summary="unreachable addresses",
        )
    access_s = snap.offset_m / (access_speed_kph / 3.6)
    best_s = best_s + access_s[:, None] + access_s[None, :]
    best_m = best_m + snap.offset_m[:, None] + snap.offset_m[None, :]
    np.fill_diagonal(best_s, 0)
    np.fill_diagonal(best_m, 0)
    return np.rint(best_s).astype(np.int64), np.rint(best_m).astype(np.int64)


def _same_road_pairs(
    e: NDArray[np.int64], r: NDArray[np.int64], t: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Pairs ``(a, b)`` on one directed edge with ``b`` ahead of ``a``, and how far ahead.

    Each address sits on its edge at ``t`` and, on a two-way road, on the reverse edge at
    ``1 - t``. Returns the addresses, the edge and the fraction of it between them.
    """
    has_r = r >= 0
    addr = np.concatenate([np.arange(e.size), np.flatnonzero(has_r)])
    edge = np.concatenate([e, r[has_r]])
    frac = np.concatenate([t, 1 - t[has_r]])
    order = np.lexsort((frac, edge))
    addr, edge, frac = addr[order], edge[order], frac[order]
    bounds = np.flatnonzero(np.diff(edge)) + 1
    out_a, out_b, out_e, out_f = [], [], [], []
    for group in np.split(np.arange(edge.size), bounds):
        if group.size < 2:
            continue
        i, j = np.triu_indices(group.size, k=1)  # sorted by frac: j is ahead of i
        gi, gj = group[i], group[j]
        keep = addr[gi] != addr[gj]
        out_a.append(addr[gi][keep])
        out_b.append(addr[gj][keep])
        out_e.append(edge[gi][keep])
        out_f.append((frac[gj] - frac[gi])[keep])
        # equal positions: also the other way round
        same = keep & (frac[gj] == frac[gi])
        out_a.append(addr[gj][same])
        out_b.append(addr[gi][same])
        out_e.append(edge[gi][same])
        out_f.append(np.zeros(int(same.sum())))
    if not out_a:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return (
        np.concatenate(out_a),
        np.concatenate(out_b),
        np.concatenate(out_e),
        np.concatenate(out_f),
    )


def straight_line_matrix(
    lats: ArrayLike,
    lons: ArrayLike,
    *,
    mode: str = "car",
    detour_factor: float = DETOUR_FACTOR,
    speed_kph: float | None = None,
) -> TravelMatrix:
    """Estimated travel from great-circle distance × ``detour_factor`` at a fixed speed.

    A fallback for when no road graph is at hand: it always warns with
    :class:`FallbackWarning`, since it ignores rivers, canals and one-way streets.
    """
    lat = np.asarray(lats, dtype=float).reshape(-1)
    lon = np.asarray(lons, dtype=float).reshape(-1)
    kph = speed_kph if speed_kph is not None else FALLBACK_SPEED_KPH.get(mode, 50.0)
    warnings.warn(
        f"travel estimated from straight lines × {detour_factor} at {kph:g} km/h, "
        "not from roads; use a road graph for real plans",
        FallbackWarning,
        stacklevel=2,
    )
    metres = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) * detour_factor
    seconds = metres / (kph / 3.6)
    return TravelMatrix(
        np.rint(seconds).astype(np.int64), np.rint(metres).astype(np.int64), "straight-line"
    )


# --------------------------------------------------------------------------------------------
# Geometry of a leg, for maps
# --------------------------------------------------------------------------------------------


def leg_geometry(
    network: RoadNetwork, matrix: TravelMatrix, origin: int, destination: int
) -> list[tuple[float, float]]:
    """The road route from address ``origin`` to ``destination`` as ``(lon, lat)`` points.

    Follows the same shortest-time path as the matrix entry. Without a snap (a straight-line
    matrix) it is the straight segment between the two snapped points.
    """
    snap = matrix.snap
    if snap is None:
        raise ValueError("a straight-line matrix has no road geometry")
    if origin == destination:
        return [(float(snap.lon[origin]), float(snap.lat[origin]))]
    geometry = _geometry(network)
    proj = geometry.projection
    a, b = origin, destination

    def piece(edge: int, t0: float, t1: float) -> list[tuple[float, float]]:
        line = geometry.lines[edge]
        sub = shapely.ops.substring(line, t0, t1, normalized=True)
        xs, ys = np.asarray(sub.coords).T if not sub.is_empty else (np.zeros(0), np.zeros(0))
        lo, la = proj.inverse(xs, ys)
        return list(zip(lo.tolist(), la.tolist(), strict=True))

    # candidates: (cost, points) for each way out of a and into b, as in the matrix
    adj = _adjacency(network)
    outs = [(int(snap.edge[a]), float(snap.fraction[a]))]
    if snap.reverse_edge[a] >= 0:
        outs.append((int(snap.reverse_edge[a]), 1 - float(snap.fraction[a])))
    ins = [(int(snap.edge[b]), float(snap.fraction[b]))]
    if snap.reverse_edge[b] >= 0:
        ins.append((int(snap.reverse_edge[b]), 1 - float(snap.fraction[b])))
    best: tuple[float, list[tuple[float, float]]] | None = None
    for ea, ta in outs:
        for eb, tb in ins:
            if ea == eb and tb >= ta:
                cost = (tb - ta) * float(network.edge_time_s[ea])
                if best is None or cost < best[0]:
                    best = (cost, piece(ea, ta, tb))
    for ea, ta in outs:
        start = int(network.edge_v[ea])
        times, pred = dijkstra(adj.weight, directed=True, indices=start, return_predecessors=True)
        for eb, tb in ins:
            end = int(network.edge_u[eb])
            cost = (
                (1 - ta) * float(network.edge_time_s[ea])
                + _weight_seconds(float(times[end]), adj)
                + tb * float(network.edge_time_s[eb])
            )
            if best is not None and cost >= best[0]:
                continue
            path = [end]
            while path[-1] != start:
                path.append(int(pred[path[-1]]))
            path.reverse()
            points = piece(ea, ta, 1.0)
            n = network.n_nodes
            for u, v in itertools.pairwise(path):
                k = int(np.searchsorted(adj.keys, u * n + v))
                lo, la = network.edge_points(int(adj.edge[k]))
                points.extend(zip(lo.tolist(), la.tolist(), strict=True))
            points.extend(piece(eb, 0.0, tb))
            best = (cost, points)
    assert best is not None  # the network is strongly connected: some candidate exists
    return [(float(lon), float(lat)) for lon, lat in best[1]]
