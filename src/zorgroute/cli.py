"""The ``zorgroute`` command line: road graphs, travel matrices, and the demo.

Progress of long steps goes to stderr; results go to files or stdout. Bad input exits with
status 2 and lists every problem; a failed download exits with status 3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zorgroute import __version__
from zorgroute.exceptions import DownloadError, InputError, ZorgrouteWarning
from zorgroute.model import Night, Plan
from zorgroute.network import RoadNetwork

log = logging.getLogger("zorgroute")


@contextmanager
def step(what: str) -> Iterator[None]:
    """Log the start and the duration of a long step on stderr."""
    log.info("%s …", what)
    t0 = time.perf_counter()
    yield
    log.info("%s: done in %.1f s", what, time.perf_counter() - t0)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


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
# generate, plan, check
# --------------------------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    from zorgroute import generate, graph, planning

    network = None
    if args.region == planning.DEMO_REGION:
        network = graph.to_network(graph.load_graph(planning.demo_graph_path("car")))
    if args.scenario == "oost-drenthe":
        from zorgroute.oost_drenthe import oost_drenthe_night

        with step("scripting the Oost-Drenthe night"):
            scenario = oost_drenthe_night(network=network, n_visits=args.visits, seed=args.seed)
        visits_file, shifts_file = generate.write_night(scenario.visits, scenario.shifts, args.out)
        providers_file = Path(args.out) / "providers.txt"
        providers_file.write_text("\n".join(scenario.providers) + "\n", encoding="utf-8")
        scenario.villages.to_csv(Path(args.out) / "villages.csv", index=False)
        print(f"Oost-Drenthe night: {scenario.note}")
        print(
            f"wrote {visits_file} ({len(scenario.visits)} visits), {shifts_file} "
            f"({len(scenario.shifts)} shifts) and {providers_file} "
            f"({len(scenario.providers)} parties; pass it as --providers), and villages.csv "
            "(pass it as --villages)"
        )
        return 0
    with step(f"generating a night of {args.visits} visits in {args.region}"):
        visits, shifts = generate.generate_region_night(
            args.region,
            n_visits=args.visits,
            n_providers=args.providers,
            n_shifts=args.shifts,
            seed=args.seed,
            network=network,
        )
    paths = generate.write_night(visits, shifts, args.out)
    print(f"wrote {paths[0]} ({len(visits)} visits) and {paths[1]} ({len(shifts)} shifts)")
    return 0


def _read_night(args: argparse.Namespace) -> Night:
    from zorgroute import io

    return io.read_night(
        args.visits,
        args.shifts,
        providers=_providers(args.providers),
        date=args.date,
        horizon_start=args.horizon_start,
    )


def _providers(text: str | None) -> list[str] | None:
    """``--providers``: a comma-separated list, or a file with one provider per line."""
    if not text:
        return None
    path = Path(text)
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip()]
    return [p.strip() for p in text.split(",") if p.strip()]


def _load_night_and_roads(
    args: argparse.Namespace,
) -> tuple[Night, dict[str, RoadNetwork]]:
    from zorgroute import planning

    night = _read_night(args)
    modes = {s.mode for s in night.shifts} or {"car"}
    with step("loading road networks"):
        networks = planning.load_networks(
            modes,
            osm=args.osm,
            graph_file=args.graph,
            bike_graph_file=args.bike_graph,
            region=args.region,
        )
    return night, networks


def cmd_compare(args: argparse.Namespace) -> int:
    from zorgroute import allocation, planning, pooling, report
    from zorgroute.solver import SolveOptions

    night, networks = _load_night_and_roads(args)
    with step(f"travel matrix of {night.n_locations} locations"):
        matrices, travel = planning.night_matrices(night, networks)
    options = SolveOptions(time_limit_s=args.time_limit, seed=args.seed, objective=args.objective)
    settings = pooling.PoolingSettings(
        handover_cost_s=args.handover_cost, handover_cap=_caps(args.handover_cap)
    )
    villages = _villages(args)
    with step("planning solo and pooled"):
        comparison = pooling.compare(night, matrices, options, settings, villages=villages)
    for name, plan in (("solo", comparison.solo), ("pooled", comparison.pooled)):
        from zorgroute.check import check_plan

        violations = check_plan(night, matrices, plan, pooled=name == "pooled")
        if violations:
            sys.stderr.write(f"error: the {name} plan breaks {len(violations)} rule(s) (a bug)\n")
            return 1
    allocations, checks = [], {}
    if args.allocation != "none":
        players = sorted({v.provider for v in night.visits} | {s.provider for s in night.shifts})
        cost = pooling.coalition_cost(
            night,
            matrices,
            comparison.solo,
            replace(options, time_limit_s=args.coalition_time_limit),
            settings,
            pooled=comparison.pooled,
        )
        game = allocation.CostGame(players, cost)
        methods = ALLOCATIONS if args.allocation == "all" else [args.allocation]
        with step(f"sharing the saving among {len(players)} providers ({', '.join(methods)})"):
            for method in methods:
                result = _allocate(allocation, game, method)
                allocations.append(result)
                checks[result.method] = allocation.check_core(game, result)
    sweep = None
    if args.handover_sweep:
        with step("handover sweep"):
            sweep = pooling.handover_sweep(
                night, matrices, replace(options, time_limit_s=args.coalition_time_limit)
            )
    paths = report.write_report(
        args.out,
        comparison,
        allocations=allocations,
        core_checks=checks,
        sweep=sweep,
        networks=networks,
        travel=travel,
    )
    report.write_provider_views(Path(args.out) / "providers", comparison)
    t = comparison.total
    print(
        f"solo {t.solo_km:.1f} km, pooled {t.pooled_km:.1f} km: {t.saved_km:.1f} km saved "
        f"({100 * t.saved_km / t.solo_km if t.solo_km else 0:.0f} %); visits planned "
        f"{t.solo_planned} solo, {t.pooled_planned} pooled of {t.visits}"
    )
    for result in allocations:
        shares = ", ".join(f"{p}: {v:+.2f}" for p, v in result.saving.items())
        print(f"  saving by {result.method} (€): {shares}")
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return 0


ALLOCATIONS = ["proportional", "shapley", "equal_profit", "nucleolus"]


def _allocate(allocation: Any, game: Any, method: str) -> Any:
    if method == "proportional":
        return allocation.proportional(game)
    if method == "shapley":
        return allocation.shapley(game)
    if method == "nucleolus":
        return allocation.nucleolus(game)
    return allocation.equal_profit(game)


def _caps(text: str | None) -> dict[str, int] | None:
    if not text:
        return None
    caps = {}
    for part in text.split(","):
        name, _, value = part.rpartition("=")
        if not name or not value.strip().isdigit():
            raise InputError.single(
                "expected PROVIDER=N[,PROVIDER=N...]", column="--handover-cap", value=part
            )
        caps[name.strip()] = int(value)
    return caps


def _villages(args: argparse.Namespace) -> pd.DataFrame | None:
    if getattr(args, "villages", None):
        return pd.read_csv(args.villages)
    if args.region:
        from zorgroute import places

        try:
            return places.load_villages(args.region)
        except InputError:
            return None
    return None


def cmd_plan(args: argparse.Namespace) -> int:
    from zorgroute import output, planning
    from zorgroute.solver import SolveOptions

    night, networks = _load_night_and_roads(args)
    with step(f"travel matrix of {night.n_locations} locations"):
        matrices, travel = planning.night_matrices(night, networks)
    options = SolveOptions(
        pooled=not args.solo,
        time_limit_s=args.time_limit,
        seed=args.seed,
        objective=args.objective,
    )
    with _progress_bar(args.time_limit, quiet=args.quiet) as progress:
        result = planning.plan_night(night, matrices, options, progress=progress)
    paths = output.write_plan(args.out, night, result.plan, networks=networks, travel=travel)
    _print_summary(night, result.plan)
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    if result.violations:
        sys.stderr.write(
            f"error: the plan checker found {len(result.violations)} violation(s); "
            "this is a bug in zorgroute, please report it\n"
        )
        return 1
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from zorgroute import output, planning
    from zorgroute.check import check_plan

    night, networks = _load_night_and_roads(args)
    matrices, _ = planning.night_matrices(night, networks)
    plan = output.read_plan(args.plan, night)
    violations = check_plan(night, matrices, plan)
    if violations:
        for v in violations:
            print(f"violation: {v}")
        print(f"{len(violations)} violation(s)")
        return 1
    print(
        f"plan OK: {len(plan.planned_ids())} visits planned, {len(plan.unplanned)} unplanned, "
        f"{plan.distance_m / 1000:.1f} km"
    )
    return 0


def _print_summary(night: Night, plan: Plan) -> None:
    from zorgroute.output import summary

    info = summary(night, plan)
    kind = "pooled" if plan.pooled else "solo"
    print(
        f"{kind} plan: {info['visits_planned']} of {info['visits']} visits planned "
        f"in {info['shifts_used']} of {info['shifts']} shifts; {info['km']:.1f} km, "
        f"{info['drive_min']:.0f} min driving (solver {info['solver_runtime_s']:.1f} s)"
    )
    for code, count in sorted(info["unplanned_by_reason"].items()):
        print(f"  unplanned, {code}: {count}")
    for wish, c in info["continuity"].items():
        if c["wished"]:
            print(
                f"  {wish.replace('_', ' ')} kept: {c['kept']} of {c['planned']} planned visits "
                f"that name one ({c['wished']} in all)"
            )
    print(
        f"  {'provider':<24} {'visits':>6} {'planned':>7} {'by others':>9} "
        f"{'for others':>10} {'shifts':>6} {'km':>8}"
    )
    for name, p in info["per_provider"].items():
        print(
            f"  {name:<24} {p.get('visits', 0):>6} {p.get('visits_planned', 0):>7} "
            f"{p.get('served_by_others', 0):>9} {p.get('served_for_others', 0):>10} "
            f"{p.get('shifts_used', 0):>6} {p.get('km', 0.0):>8.1f}"
        )


@contextmanager
def _progress_bar(time_limit_s: float, *, quiet: bool) -> Iterator[Callable[[float, int], None]]:
    """A bar over the solver's time budget, moved on by each better plan."""
    from tqdm import tqdm

    total = round(time_limit_s, 1)
    bar = tqdm(
        total=total,
        desc="solving",
        unit="s",
        disable=quiet,
        file=sys.stderr,
        mininterval=0.5,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} s {postfix}",
    )

    def progress(elapsed_s: float, objective: int) -> None:
        bar.set_postfix_str(f"best cost {objective:,}", refresh=False)
        bar.update(max(0.0, min(round(elapsed_s, 1), total) - bar.n))

    try:
        yield progress
    finally:
        bar.n = total
        bar.close()


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate a night on the bundled demo region, plan it pooled, check it, summarise."""
    from zorgroute import generate, graph, output, planning
    from zorgroute.resources import data_path
    from zorgroute.solver import SolveOptions

    graph_file = planning.demo_graph_path("car")
    with step(f"loading the bundled demo region {graph_file.name}"):
        G = graph.load_graph(graph_file)
    print("== zorgroute demo: rural Kempen (map data © OpenStreetMap contributors, ODbL) ==")
    print("\n".join(graph.graph_info(G).lines()))
    network = graph.to_network(G)
    villages = pd.read_csv(data_path("villages", "kempen-demo.csv"))
    print(f"villages: {len(villages)} (GeoNames, CC BY 4.0)")
    out = Path(args.out)
    with step(f"generating a night of {args.visits} visits"):
        visits, shifts = generate.generate_night(
            villages,
            n_visits=args.visits,
            n_providers=args.providers,
            n_shifts=args.shifts,
            seed=args.seed,
            network=network,
        )
    visits_file, shifts_file = generate.write_night(visits, shifts, out)
    from zorgroute import io

    night = io.read_night(visits_file, shifts_file)
    with step(f"travel matrix of {night.n_locations} locations"):
        matrices, travel = planning.night_matrices(night, {"car": network})
    plans = {}
    for pooled in (False, True):
        options = SolveOptions(pooled=pooled, time_limit_s=args.time_limit, seed=args.seed)
        with _progress_bar(args.time_limit, quiet=args.quiet) as progress:
            result = planning.plan_night(night, matrices, options, progress=progress)
        if result.violations:
            sys.stderr.write("error: the plan checker found violations (a bug)\n")
            return 1
        plans[pooled] = result.plan
        folder = out / ("pooled" if pooled else "solo")
        output.write_plan(folder, night, result.plan, networks={"car": network}, travel=travel)
        _print_summary(night, result.plan)
        print(f"  checker: clean; files in {folder}")
    solo_km, pooled_km = plans[False].distance_m / 1000, plans[True].distance_m / 1000
    if solo_km > 0:
        print(
            f"pooling saves {solo_km - pooled_km:.1f} km of {solo_km:.1f} km "
            f"({100 * (solo_km - pooled_km) / solo_km:.0f} %) tonight"
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

    gen = sub.add_parser("generate", help="a synthetic but plausible night for a region")
    gen.add_argument("--region", default="kempen-demo", help="a region of zorgroute.places")
    gen.add_argument("--visits", type=int, default=300)
    gen.add_argument("--providers", type=int, default=6)
    gen.add_argument("--shifts", type=int, default=25)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", type=Path, required=True, help="folder for visits.csv, shifts.csv")
    gen.set_defaults(func=cmd_generate)

    gen.add_argument(
        "--scenario", choices=["oost-drenthe"], help="a scripted night shaped like a region"
    )

    for name, helptext in (
        ("plan", "plan a night"),
        ("check", "check a plan of a night"),
        ("compare", "solo vs pooled per provider, and a fair share of the saving"),
    ):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--visits", type=Path, required=True, help="CSV, JSON or XLSX")
        cmd.add_argument("--shifts", type=Path, required=True, help="CSV, JSON or XLSX")
        roads = cmd.add_mutually_exclusive_group(required=True)
        roads.add_argument("--osm", type=Path, help="local OSM file (.osm, .osm.bz2, .osm.pbf)")
        roads.add_argument("--graph", type=Path, help="car road graph (zorgroute graph build)")
        roads.add_argument("--region", help="kempen-demo (bundled) or a region to download")
        cmd.add_argument("--bike-graph", type=Path, help="bike road graph, with --graph")
        cmd.add_argument("--providers", help="all providers: comma-separated, or a file")
        cmd.add_argument("--date", type=_date, help="plan date YYYY-MM-DD (for HH:MM times)")
        cmd.add_argument("--horizon-start", help="HH:MM where the 24-hour horizon begins")
        if name == "compare":
            cmd.add_argument("--time-limit", type=float, default=30.0, help="per plan, s")
            cmd.add_argument("--seed", type=int, default=0)
            cmd.add_argument("--objective", choices=["time", "distance"], default="time")
            cmd.add_argument("--allocation", choices=["none", "all", *ALLOCATIONS], default="all")
            cmd.add_argument(
                "--coalition-time-limit",
                type=float,
                default=2.0,
                help="seconds per coalition plan (allocation) and per sweep point",
            )
            cmd.add_argument("--handover-cost", type=int, default=0, help="s per handover")
            cmd.add_argument("--handover-cap", help="PROVIDER=N,... most visits handed over")
            cmd.add_argument("--handover-sweep", action="store_true")
            cmd.add_argument("--villages", type=Path, help="CSV name,lat,lon (lonely trips)")
            cmd.add_argument("--out", type=Path, required=True, help="folder for the report")
            cmd.set_defaults(func=cmd_compare)
        elif name == "plan":
            cmd.add_argument("--solo", action="store_true", help="each provider plans alone")
            cmd.add_argument("--time-limit", type=float, default=30.0, help="solver seconds")
            cmd.add_argument("--seed", type=int, default=0)
            cmd.add_argument("--objective", choices=["time", "distance"], default="time")
            cmd.add_argument("--out", type=Path, required=True, help="folder for the plan files")
            cmd.set_defaults(func=cmd_plan)
        else:
            cmd.add_argument("--plan", type=Path, required=True, help="folder of a plan")
            cmd.set_defaults(func=cmd_check)

    from zorgroute.cli_sweep import add_sweep_parser

    add_sweep_parser(sub)

    demo = sub.add_parser("demo", help="generate and plan a night on the bundled demo region")
    demo.add_argument("--visits", type=int, default=120)
    demo.add_argument("--providers", type=int, default=5)
    demo.add_argument("--shifts", type=int, default=12)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--time-limit", type=float, default=10.0)
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
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
