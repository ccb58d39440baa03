"""Benchmark: zorgroute's travel matrix against the networkx loop a user would write.

On the real rural Kempen road graph (``../shared/data/osm/kempen-highways.clipfixed.osm.bz2``)
it times, side by side in one run, for 100, 500 and 1,000 random addresses:

* **zorgroute**: ``travel_matrix(network, lats, lons, cache=False)``, the full path: snapping
  each address to the nearest point of the nearest road, shortest paths (scipy) and the
  distances along them;
* **networkx**: snap every address to its nearest graph node
  (``osmnx.distance.nearest_nodes``, vectorised), then one
  ``networkx.single_source_dijkstra_path_length(G, node, weight="travel_time")`` per unique
  source node in a Python loop, filling an n×n array of seconds.

Each size is timed best of k (k = 3, 2, 1 for 100, 500, 1,000 addresses; ``--quick``: 100 and
500 only, k = 1), the two engines alternating. Peak memory is measured in a separate run of
each engine under ``tracemalloc`` (which slows Python code, so it is never timed). A sanity
check asserts that for addresses placed exactly on graph nodes both give the same seconds.

Run from the repository root::

    .venv/bin/python benchmarks/bench_matrix.py            # -> benchmarks/results/matrix.md
    .venv/bin/python benchmarks/bench_matrix.py --quick    # -> benchmarks/results/matrix-quick.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import os
import platform
import shlex
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from zorgroute import graph
from zorgroute.exceptions import GraphWarning, SnapWarning
from zorgroute.matrix import travel_matrix
from zorgroute.network import RoadNetwork

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SOURCE = SHARED / "data" / "osm" / "kempen-highways.clipfixed.osm.bz2"

#: (addresses, repeats) of a full run and of ``--quick``.
FULL = ((100, 3), (500, 2), (1000, 1))
QUICK = ((100, 1), (500, 1))
#: The issue's target: the 1,000-address matrix at least this many times faster.
TARGET_RATIO = 40.0
#: Random addresses fall in the graph's bounding box shrunk by this share on every side.
SHRINK = 0.05
#: Addresses placed on graph nodes for the sanity check, and the tolerance in seconds.
SANITY_ADDRESSES = 100
SANITY_TOLERANCE_S = 1.0

PACKAGES = ("numpy", "scipy", "networkx", "osmnx", "shapely", "pyproj", "zorgroute")


# --------------------------------------------------------------------------------------------
# The two engines
# --------------------------------------------------------------------------------------------


def zorgroute_seconds(
    network: RoadNetwork, lat: NDArray[np.float64], lon: NDArray[np.float64]
) -> NDArray[np.int64]:
    """zorgroute's full path: snap to the nearest road, shortest paths, distances."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnapWarning)  # a random point may lie in a field
        return travel_matrix(network, lat, lon, cache=False).duration_s


@dataclass(frozen=True)
class Baseline:
    """What the networkx user holds: the graph and a projected copy for nearest_nodes.

    osmnx's ``nearest_nodes`` on an unprojected graph needs scikit-learn (a ball tree), which
    neither osmnx nor zorgroute installs; on a projected graph it uses scipy's k-d tree. So
    the user projects the graph once (setup, like building it) and projects the addresses
    on every call (timed).
    """

    G: nx.MultiDiGraph
    G_proj: nx.MultiDiGraph
    to_proj: Any  # pyproj.Transformer, WGS84 -> the projected graph's CRS


def make_baseline(G: nx.MultiDiGraph) -> Baseline:
    import osmnx as ox
    import pyproj

    G_proj = ox.project_graph(G)
    to_proj = pyproj.Transformer.from_crs("EPSG:4326", G_proj.graph["crs"], always_xy=True)
    return Baseline(G, G_proj, to_proj)


def networkx_seconds(
    base: Baseline, lat: NDArray[np.float64], lon: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The plain approach: nearest node, then a networkx Dijkstra per unique source node."""
    import osmnx as ox

    x, y = base.to_proj.transform(lon, lat)
    nodes = np.asarray(ox.distance.nearest_nodes(base.G_proj, X=x, Y=y))
    targets = nodes.tolist()
    out = np.empty((nodes.size, nodes.size))
    for source in np.unique(nodes).tolist():
        seconds = nx.single_source_dijkstra_path_length(base.G, source, weight="travel_time")
        out[nodes == source] = [seconds[t] for t in targets]
    return out


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_mib(fn: Callable[[], object]) -> float:
    """Peak traced allocation (numpy arrays included) of one call, MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def random_addresses(
    network: RoadNetwork, n: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` points uniform in the nodes' bounding box shrunk by :data:`SHRINK` per side."""
    lon0, lon1 = float(network.node_lon.min()), float(network.node_lon.max())
    lat0, lat1 = float(network.node_lat.min()), float(network.node_lat.max())
    dlon, dlat = (lon1 - lon0) * SHRINK, (lat1 - lat0) * SHRINK
    lat = rng.uniform(lat0 + dlat, lat1 - dlat, n)
    lon = rng.uniform(lon0 + dlon, lon1 - dlon, n)
    return lat, lon


@dataclass
class Row:
    addresses: int
    repeats: int
    zr_s: list[float]
    nx_s: list[float]
    nx_sources: int
    zr_mib: float
    nx_mib: float

    @property
    def ratio(self) -> float:
        return min(self.nx_s) / min(self.zr_s)


def measure(
    network: RoadNetwork, base: Baseline, n: int, repeats: int, rng: np.random.Generator
) -> Row:
    lat, lon = random_addresses(network, n, rng)
    zr_s: list[float] = []
    nx_s: list[float] = []
    for rep in range(repeats):
        # alternate which engine goes first, so neither always runs on a warmer machine
        order = ("zr", "nx") if rep % 2 == 0 else ("nx", "zr")
        for engine in order:
            if engine == "zr":
                zr_s.append(timed(lambda: zorgroute_seconds(network, lat, lon)))
            else:
                nx_s.append(timed(lambda: networkx_seconds(base, lat, lon)))
        print(
            f"  {n:>5} addresses, run {rep + 1}/{repeats}: zorgroute {zr_s[-1]:.3f} s, "
            f"networkx {nx_s[-1]:.3f} s",
            flush=True,
        )
    x, y = base.to_proj.transform(lon, lat)
    import osmnx as ox

    sources = np.unique(ox.distance.nearest_nodes(base.G_proj, X=x, Y=y)).size
    zr_mib = peak_mib(lambda: zorgroute_seconds(network, lat, lon))
    nx_mib = peak_mib(lambda: networkx_seconds(base, lat, lon))
    print(f"  {n:>5} addresses, peak memory: zorgroute {zr_mib:.1f} MiB, networkx {nx_mib:.1f} MiB")
    return Row(n, repeats, zr_s, nx_s, sources, zr_mib, nx_mib)


def sanity_check(
    network: RoadNetwork, base: Baseline, rng: np.random.Generator
) -> tuple[str, bool]:
    """Addresses exactly on graph nodes: zorgroute and networkx must agree within 1 s."""
    picks = rng.choice(network.n_nodes, size=min(SANITY_ADDRESSES, network.n_nodes), replace=False)
    lat, lon = network.node_lat[picks], network.node_lon[picks]
    zr = zorgroute_seconds(network, lat, lon).astype(float)
    ref = networkx_seconds(base, lat, lon)
    diff = np.abs(zr - ref)
    worst = float(diff.max())
    ok = worst <= SANITY_TOLERANCE_S
    line = (
        f"{picks.size} addresses placed exactly on graph nodes ({picks.size**2:,} pairs): "
        f"largest |zorgroute - networkx| = {worst:.3f} s "
        f"({'within' if ok else 'MORE THAN'} {SANITY_TOLERANCE_S:g} s)"
    )
    if not ok:
        i, j = np.unravel_index(int(diff.argmax()), diff.shape)
        bad = int((diff > SANITY_TOLERANCE_S).sum())
        line += (
            f"; {bad} pairs differ, worst node {int(network.node_osmid[picks[i]])} -> "
            f"{int(network.node_osmid[picks[j]])}: zorgroute {zr[i, j]:.0f} s, "
            f"networkx {ref[i, j]:.1f} s"
        )
    return line, ok


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown RAM"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {os.cpu_count()} logical cores ({usable} usable), {ram}, {platform.system()}"


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return f"Python {platform.python_version()}; " + ", ".join(found)


def report(
    rows: list[Row],
    *,
    quick: bool,
    command: str,
    graph_size: str,
    setup: list[str],
    sanity: str,
    seed: int,
) -> str:
    lines = [
        "# Travel-matrix benchmark: zorgroute vs a networkx loop" + (" (quick)" if quick else ""),
        "",
        "Kempen rural road graph (car), random addresses; seconds are the best of the runs",
        "(every run listed below), the two engines alternating in one process.",
        "",
        "| addresses | runs | zorgroute s | networkx s | ratio networkx/zorgroute "
        "| zorgroute peak MiB | networkx peak MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.addresses:,} | {r.repeats} | {min(r.zr_s):.3f} | {min(r.nx_s):.3f} "
            f"| {r.ratio:.1f}× | {r.zr_mib:.1f} | {r.nx_mib:.1f} |"
        )
    lines += ["", "## Details", ""]
    for r in rows:
        zr = ", ".join(f"{s:.3f}" for s in r.zr_s)
        nxs = ", ".join(f"{s:.3f}" for s in r.nx_s)
        lines.append(
            f"- {r.addresses:,} addresses: zorgroute runs {zr} s; networkx runs {nxs} s "
            f"({r.nx_sources:,} Dijkstra runs, one per unique nearest node)"
        )
    target = next((r for r in rows if r.addresses == 1000), None)
    if target is not None:
        met = "met" if target.ratio >= TARGET_RATIO else "NOT met"
        lines.append(
            f"- Target (1,000 addresses at least {TARGET_RATIO:g}× faster): {met}, "
            f"measured {target.ratio:.1f}×."
        )
    lines += [f"- Sanity check: {sanity}.", *[f"- {s}" for s in setup]]
    lines += [
        "",
        "## What is measured",
        "",
        "- **zorgroute**: `zorgroute.matrix.travel_matrix(network, lats, lons, cache=False)`:",
        "  snapping each address to the nearest point on the nearest road edge (shapely",
        "  STRtree), scipy `csgraph.dijkstra` from the unique junctions, and metres along the",
        "  same shortest-time paths. It computes distances too; the baseline computes only",
        "  seconds.",
        "- **networkx**: project the addresses (pyproj) and `osmnx.distance.nearest_nodes` on a",
        "  projected copy of the graph (scipy k-d tree; the unprojected form needs",
        "  scikit-learn, which neither osmnx nor zorgroute installs), then",
        '  `networkx.single_source_dijkstra_path_length(G, node, weight="travel_time")` per',
        "  unique source node in a Python loop, filling an n×n array.",
        "- Not timed (one-time setup, listed above): reading the OSM file, `to_network`,",
        "  projecting the graph for the baseline, and zorgroute's first call, which builds the",
        "  STRtree of the edges (cached per network for later calls).",
        "- Peak memory: `tracemalloc` peak of one extra call of each engine (numpy arrays",
        "  included), measured apart from the timings.",
        f"- Addresses: seed {seed}, uniform in the graph's bounding box shrunk by"
        f" {SHRINK:.0%} per side.",
        "",
        "## Environment",
        "",
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        f"- Graph: {graph_size}",
        f"- Command (from the repository root): `{command}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 500 addresses, one run each")
    parser.add_argument(
        "--out",
        type=Path,
        help="markdown report (default benchmarks/results/matrix.md, or matrix-quick.md)",
    )
    parser.add_argument("--seed", type=int, default=20260, help="random seed (default 20260)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "benchmarks" / "results" / (
        "matrix-quick.md" if args.quick else "matrix.md"
    )
    if not SOURCE.is_file():
        sys.stderr.write(
            f"benchmark data not found: {SOURCE}\n"
            "The benchmark needs the project's shared data (../shared beside the checkout); "
            "a plain clone has none.\n"
        )
        return 2
    try:
        import osmnx  # noqa: F401
        import pyproj  # noqa: F401
    except ImportError as exc:
        sys.stderr.write(f"{exc}; install the extras: pip install -e '.[osm]'\n")
        return 2
    cmd_args = sys.argv[1:] if argv is None else argv
    command = shlex.join([".venv/bin/python", "benchmarks/bench_matrix.py", *cmd_args])

    setup: list[str] = []
    print(f"reading {SOURCE.name} ...", flush=True)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GraphWarning)
        G = graph.read_osm_file(SOURCE, mode="car")
    for w in caught:
        setup.append(f"Graph warning while building: {w.message}")
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    network = graph.to_network(G)
    to_network_s = time.perf_counter() - start
    start = time.perf_counter()
    base = make_baseline(G)
    project_s = time.perf_counter() - start
    graph_size = (
        f"{SOURCE.name}, car profile, simplified, largest strongly connected component: "
        f"{G.number_of_nodes():,} nodes, {G.number_of_edges():,} directed edges"
    )
    print(graph_size, flush=True)

    rng = np.random.default_rng(args.seed)
    # zorgroute's first call builds the edges' STRtree (cached per network): time it apart
    warm_lat, warm_lon = random_addresses(network, 100, rng)
    cold_s = timed(lambda: zorgroute_seconds(network, warm_lat, warm_lon))
    warm_s = timed(lambda: zorgroute_seconds(network, warm_lat, warm_lon))
    timed(lambda: networkx_seconds(base, warm_lat, warm_lon))  # warm up imports and caches
    setup.append(
        f"Setup (not timed above): read_osm_file {read_s:.1f} s, to_network {to_network_s:.2f} s,"
        f" project_graph for the baseline {project_s:.2f} s; zorgroute's first call on 100"
        f" addresses {cold_s:.3f} s cold (builds the STRtree) vs {warm_s:.3f} s warm."
    )

    sanity, ok = sanity_check(network, base, rng)
    print(("sanity check passed: " if ok else "SANITY CHECK FAILED: ") + sanity, flush=True)
    if not ok:
        sys.stderr.write("zorgroute and networkx disagree on node-to-node travel times\n")
        return 1

    rows = [measure(network, base, n, k, rng) for n, k in (QUICK if args.quick else FULL)]
    text = report(
        rows,
        quick=args.quick,
        command=command,
        graph_size=graph_size,
        setup=setup,
        sanity=sanity,
        seed=args.seed,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
