"""The ``zorgroute`` command line: road graphs, travel matrices, and the demo.

Progress of long steps goes to stderr; results go to files or stdout. Bad input exits with
status 2 and lists every problem; a failed download exits with status 3.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from zorgroute import __version__
from zorgroute.exceptions import DownloadError, InputError, ZorgrouteWarning

log = logging.getLogger("zorgroute")


@contextmanager
def step(what: str) -> Iterator[None]:
    """Log the start and the duration of a long step on stderr."""
    log.info("%s …", what)
    t0 = time.perf_counter()
    yield
    log.info("%s: done in %.1f s", what, time.perf_counter() - t0)


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        south, west, north, east = (float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected S,W,N,E as four numbers, got {text!r}"
        ) from None
    return south, west, north, east


# --------------------------------------------------------------------------------------------
# graph
# --------------------------------------------------------------------------------------------


def cmd_graph_build(args: argparse.Namespace) -> int:
    from zorgroute import graph

    with step(f"building the {args.mode} road graph from {args.osmfile}"):
        G = graph.read_osm_file(args.osmfile, mode=args.mode)
    out = graph.save_graph(G, args.out)
    _print_info(graph.graph_info(G), out)
    return 0


def cmd_graph_fetch(args: argparse.Namespace) -> int:
    from zorgroute import graph

    region = args.place or f"bbox {args.bbox}"
    with step(f"downloading the {args.mode} road graph of {region} from OpenStreetMap"):
        G = graph.fetch_graph(
            place=args.place, bbox=args.bbox, mode=args.mode, cache_folder=args.cache_dir
        )
    out = graph.save_graph(G, args.out)
    _print_info(graph.graph_info(G), out)
    return 0


def cmd_graph_info(args: argparse.Namespace) -> int:
    from zorgroute import graph

    with step(f"loading {args.graphfile}"):
        G = graph.load_graph(args.graphfile)
    _print_info(graph.graph_info(G), None)
    return 0


def _print_info(info: object, out: Path | None) -> None:
    from zorgroute.graph import GraphInfo

    assert isinstance(info, GraphInfo)
    if out is not None:
        print(f"file:     {out}")
    print("\n".join(info.lines()))


# --------------------------------------------------------------------------------------------
# matrix
# --------------------------------------------------------------------------------------------


def cmd_matrix(args: argparse.Namespace) -> int:
    from zorgroute import graph, matrix

    points = _read_points(args.points)
    with step(f"loading {args.graph}"):
        network = graph.to_network(graph.load_graph(args.graph))
    with step(f"travel matrix of {len(points)} addresses"):
        m = matrix.travel_matrix(
            network,
            points["lat"].to_numpy(),
            points["lon"].to_numpy(),
            labels=points["id"].astype(str).tolist(),
            max_snap_m=args.max_snap_m,
            source=str(args.points),
        )
    ids = points["id"].astype(str).to_numpy()
    n = len(ids)
    table = pd.DataFrame(
        {
            "from": np.repeat(ids, n),
            "to": np.tile(ids, n),
            "duration_s": m.duration_s.reshape(-1),
            "distance_m": m.distance_m.reshape(-1),
        }
    )
    table.to_csv(args.out, index=False)
    print(f"wrote {args.out}: {n} × {n} travel times (s) and distances (m)")
    return 0


def _read_points(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError.single("file not found", source=str(path))
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError.single(f"not a readable CSV file ({exc})", source=str(path)) from exc
    missing = [c for c in ("id", "lat", "lon") if c not in table.columns]
    if missing:
        raise InputError.single(
            f"missing column(s) {', '.join(missing)}; expected id, lat, lon", source=str(path)
        )
    return table


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from zorgroute import graph, matrix
    from zorgroute.resources import data_path

    graph_file = data_path("demo", "kempen-car.graphml.gz")
    with step(f"loading the bundled demo region {graph_file.name}"):
        G = graph.load_graph(graph_file)
    info = graph.graph_info(G)
    print("== zorgroute demo: rural Kempen (© OpenStreetMap contributors, ODbL) ==")
    print("\n".join(info.lines()))
    villages_file = data_path("villages", "kempen-demo.csv")
    if villages_file.is_file():
        villages = pd.read_csv(villages_file)
        network = graph.to_network(G)
        with step(f"travel matrix between the {len(villages)} villages of the region"):
            m = matrix.travel_matrix(
                network,
                villages["lat"].to_numpy(),
                villages["lon"].to_numpy(),
                labels=villages["name"].tolist(),
                cache=False,
            )
        off = np.eye(m.size, dtype=bool)
        minutes = np.ma.masked_array(m.duration_s / 60, off)
        km = np.ma.masked_array(m.distance_m / 1000, off)
        print(f"villages: {len(villages)} (GeoNames, CC BY 4.0)")
        print(
            f"between villages: {float(km.mean()):.1f} km and {float(minutes.mean()):.1f} min "
            f"by car on average, farthest {float(km.max()):.1f} km"
        )
    return 0


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zorgroute",
        description="Shared home-care route planning for sparse rural regions.",
    )
    parser.add_argument("--version", action="version", version=f"zorgroute {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("graph", help="build, download or describe a road graph")
    gsub = g.add_subparsers(dest="graph_command", required=True)
    build = gsub.add_parser("build", help="road graph from a local OSM file")
    build.add_argument("osmfile", type=Path, help=".osm, .osm.bz2 or .osm.pbf")
    build.add_argument("--out", type=Path, required=True, help=".graphml or .graphml.gz")
    build.add_argument("--mode", choices=["car", "bike"], default="car")
    build.set_defaults(func=cmd_graph_build)

    fetch = gsub.add_parser("fetch", help="road graph downloaded from OpenStreetMap")
    where = fetch.add_mutually_exclusive_group(required=True)
    where.add_argument("--place", help='e.g. "Borger-Odoorn, Drenthe, Netherlands"')
    where.add_argument("--bbox", type=_bbox, help="S,W,N,E in degrees")
    fetch.add_argument("--out", type=Path, required=True)
    fetch.add_argument("--mode", choices=["car", "bike"], default="car")
    fetch.add_argument("--cache-dir", type=Path, default=None, help="osmnx HTTP cache")
    fetch.set_defaults(func=cmd_graph_fetch)

    info = gsub.add_parser("info", help="nodes, edges, km of road, area and source")
    info.add_argument("graphfile", type=Path)
    info.set_defaults(func=cmd_graph_info)

    mat = sub.add_parser("matrix", help="travel times and distances between addresses")
    mat.add_argument("--graph", type=Path, required=True)
    mat.add_argument("--points", type=Path, required=True, help="CSV with id, lat, lon")
    mat.add_argument("--out", type=Path, required=True, help="CSV: from, to, duration_s, ...")
    mat.add_argument("--max-snap-m", type=float, default=5000.0)
    mat.set_defaults(func=cmd_matrix)

    demo = sub.add_parser("demo", help="run zorgroute on the bundled demo region (offline)")
    demo.set_defaults(func=cmd_demo)
    return parser


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    sys.stderr.write(f"warning: {message}\n")


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Progress messages of the ``zorgroute`` loggers on stderr."""


def _log_to_stderr(*, quiet: bool) -> None:
    for handler in [h for h in log.handlers if isinstance(h, _CliHandler)]:
        log.removeHandler(handler)
    handler = _CliHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _log_to_stderr(quiet=args.quiet)
    func: Callable[[argparse.Namespace], int] = args.func
    old_show = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ZorgrouteWarning)
            return func(args)
    except InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except DownloadError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 3
    finally:
        warnings.showwarning = old_show


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
