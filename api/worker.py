"""The worker process: runs a job through the library and returns its result as JSON.

A worker is a separate process (started by :mod:`zorgroute_api.jobs`), so a job can be
cancelled or stopped at its time limit by ending the process, and a crash in the solver
never takes the server down. It keeps the road networks it has loaded, so only its first
job of a region pays for reading the graph.

The result holds two parts: ``full`` (the coordinator's: every plan, ledger, allocation
and map) and ``views`` (per provider, what that provider may see: its own clients in
full, others only as a pseudonymous visit id and a village, its own ledger and share,
aggregates, and a map without other providers' addresses). The privacy filtering happens
here, once, in the library's terms; the API only picks the part a caller may read.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import itertools
import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any, Literal, get_args

from zorgroute.report import json_ready
from zorgroute_api.nights import ReadOptions, Table, read

log = logging.getLogger(__name__)

AllocationMethod = Literal["proportional", "shapley", "equal_profit", "nucleolus"]

#: Allocation rules a request may ask for.
ALLOCATION_METHODS: tuple[AllocationMethod, ...] = get_args(AllocationMethod)

Progress = Callable[[str, float], None]


# --------------------------------------------------------------------------------------------
# The process
# --------------------------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    """The worker process's entry point: ``python -m zorgroute_api.worker FD [REGION]``.

    ``FD`` is the worker's end of a socket to the server; ``REGION``'s car network is read
    at once, before the first job asks for it.
    """
    worker_main(Connection(int(argv[1])), os.getppid(), preload=argv[2] if len(argv) > 2 else None)


def worker_main(conn: Connection, parent_pid: int, *, preload: str | None = None) -> None:
    """Serve jobs sent over ``conn`` until told to stop or the server goes away.

    Messages in: ``("run", job_id, payload)`` or ``("stop",)``. Messages out:
    ``("progress", stage, fraction)``, then ``("done", result)`` or ``("failed", error)``.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    _watch_parent(parent_pid)
    networks = NetworkCache()
    if preload:
        try:
            networks.get(preload, ["car"])
        except Exception:  # the job that needs it will report why
            log.warning("could not read the roads of %s ahead of the jobs", preload, exc_info=True)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] != "run":
            return
        _, job_id, payload = message
        progress = _Reporter(conn)
        try:
            result = run(payload, progress, networks)
        except Exception as exc:  # reported to the server, which fails the job
            conn.send(("failed", describe_error(exc)))
            if not _is_input_error(exc):
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        else:
            conn.send(("done", result))


class _Reporter:
    """Sends progress to the server: at most five reports a second within a stage."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sent_at = 0.0
        self.stage = ""

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage != self.stage or now - self.sent_at >= 0.2:
            self.sent_at, self.stage = now, stage
            self.conn.send(("progress", stage, float(fraction)))


def _watch_parent(parent_pid: int) -> None:
    """End this process when the server that started it is gone (killed, say).

    On Linux the kernel does it at once (``PR_SET_PDEATHSIG``); elsewhere, and as a
    fallback, a thread looks every second whether the parent has changed.
    """
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the server's thread ended
        if os.getppid() != parent_pid:  # it ended before the line above ran
            os._exit(3)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _is_input_error(exc: BaseException) -> bool:
    from zorgroute.exceptions import InputError

    return isinstance(exc, InputError)


def describe_error(exc: BaseException) -> dict[str, Any]:
    """A failed job's error as JSON: the summary and, for an InputError, every problem."""
    from zorgroute.exceptions import InputError

    if isinstance(exc, InputError):
        return {
            "detail": exc.summary,
            "problems": [dataclasses.asdict(p) for p in exc.problems],
        }
    return {"detail": f"internal error ({type(exc).__name__})", "problems": []}


class NetworkCache:
    """Road networks by (region, mode), loaded on first use and kept for the next jobs."""

    def __init__(self) -> None:
        self._networks: dict[tuple[str, str], Any] = {}

    def get(self, region: str, modes: Collection[str]) -> dict[str, Any]:
        from zorgroute import planning

        missing = [m for m in modes if (region, m) not in self._networks]
        if missing:
            loaded = planning.load_networks(missing, region=region)
            self._networks.update({(region, m): n for m, n in loaded.items()})
        return {m: self._networks[(region, m)] for m in modes}


# --------------------------------------------------------------------------------------------
# A job
# --------------------------------------------------------------------------------------------


def run(payload: Mapping[str, Any], progress: Progress, networks: NetworkCache) -> dict[str, Any]:
    """Plan a night solo and pooled, allocate the saving, and build every view of it.

    ``payload`` holds ``spec`` (see :mod:`zorgroute_api.jobs`) and the two tables.

    Raises
    ------
    InputError
        The input does not read (it did when submitted, so only if the library changed) or
        a location lies too far from the region's roads.
    """
    from zorgroute import planning, pooling
    from zorgroute.check import check_plan
    from zorgroute.solver import SolveOptions

    spec = payload["spec"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        progress("reading the night", 0.02)
        night = read(
            Table(**payload["visits"]),
            Table(**payload["shifts"]),
            ReadOptions.from_json(spec["read"]),
        )
        progress("loading the road network", 0.05)
        region = spec["region"]
        nets = networks.get(region, sorted({s.mode for s in night.shifts}) or ["car"])
        progress("travel matrix", 0.12)
        matrices, travel = planning.night_matrices(night, nets, cache=False)
        options = SolveOptions(**spec["solve"])
        settings = pooling.PoolingSettings(**spec["pooling"])
        progress("planning solo and pooled", 0.2)
        comparison = pooling.compare(
            night,
            matrices,
            options,
            settings,
            villages=_villages(region),
            progress=_SolveProgress(progress, "planning solo and pooled", 0.2, 0.7, options),
        )
        progress("checking the plans", 0.7)
        violations = {
            "solo": check_plan(night, matrices, comparison.solo, pooled=False),
            "pooled": check_plan(night, matrices, comparison.pooled, pooled=True),
        }
        allocation = _allocate(
            comparison, matrices, options, settings, spec["allocation"], progress
        )
        progress("building the result", 0.97)
        full = _full(comparison, violations, allocation, nets, travel)
        views = {
            ledger.name: _provider_result(comparison, ledger.name, allocation, nets, travel)
            for ledger in comparison.providers
        }
    full["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    result: dict[str, Any] = plain({"full": full, "views": views})
    return result


class _SolveProgress:
    """The solver's progress callback as a fraction of a stage of ``solves`` solver runs.

    The solver reports (elapsed seconds, objective) of each run from 0; a smaller elapsed
    time than the last one means the next run has begun.
    """

    def __init__(
        self, report: Progress, stage: str, start: float, end: float, options: Any, solves: int = 2
    ) -> None:
        self.report, self.stage, self.start, self.end = report, stage, start, end
        self.limit_s = max(float(options.time_limit_s), 1e-6)
        self.solves = solves
        self.index = 0
        self.last_s = 0.0

    def __call__(self, elapsed_s: float, objective: int) -> None:
        if elapsed_s < self.last_s and self.index < self.solves - 1:
            self.index += 1
        self.last_s = elapsed_s
        part = (self.index + min(1.0, elapsed_s / self.limit_s)) / self.solves
        self.report(self.stage, self.start + (self.end - self.start) * part)


def _villages(region: str) -> Any:
    from zorgroute import places
    from zorgroute.exceptions import InputError

    try:
        return places.load_villages(region)
    except InputError:
        return None  # numbered areas stand in for villages


@dataclasses.dataclass(frozen=True)
class _Allocated:
    status: str  # "done", "skipped", "not requested"
    note: str
    players: tuple[str, ...] = ()
    results: tuple[tuple[Any, Any], ...] = ()  # (Allocation, CoreCheck)
    costs: Mapping[frozenset[str], float] = dataclasses.field(default_factory=dict)


def _allocate(
    comparison: Any,
    matrices: Any,
    options: Any,
    settings: Any,
    spec: Mapping[str, Any],
    progress: Progress,
) -> _Allocated:
    from zorgroute import allocation, pooling

    night = comparison.night
    methods = list(spec.get("methods") or [])
    players = tuple(sorted({v.provider for v in night.visits} | {s.provider for s in night.shifts}))
    if not methods:
        return _Allocated("not requested", "no allocation rule was asked for")
    if len(players) < 2:
        return _Allocated("skipped", "one provider: there is no saving to share", players)
    if len(players) > int(spec["max_providers"]):
        return _Allocated(
            "skipped",
            f"{len(players)} providers: the service allocates for at most "
            f"{spec['max_providers']} (every coalition is planned)",
            players,
        )
    cost = pooling.coalition_cost(
        night,
        matrices,
        comparison.solo,
        replace(options, time_limit_s=float(spec["coalition_time_limit_s"])),
        settings,
    )
    total = (1 << len(players)) - 1
    done = [0]

    def counted(coalition: frozenset[str]) -> float:
        done[0] += 1
        progress("allocating the saving", 0.72 + 0.24 * min(1.0, done[0] / total))
        return cost(coalition)

    progress("allocating the saving", 0.72)
    game = allocation.CostGame(players, counted)
    rules: dict[str, Callable[[Any], Any]] = {
        "proportional": allocation.proportional,
        "shapley": allocation.shapley,
        "equal_profit": allocation.equal_profit,
        "nucleolus": allocation.nucleolus,
    }
    results = []
    for method in methods:
        result = rules[method](game)
        results.append((result, allocation.check_core(game, result)))
    return _Allocated(
        "done",
        f"{len(players)} providers, {game.evaluations} coalition costs",
        players,
        tuple(results),
        dict(game.cache),
    )


# --------------------------------------------------------------------------------------------
# The coordinator's result
# --------------------------------------------------------------------------------------------


def _full(
    comparison: Any,
    violations: Mapping[str, list[Any]],
    allocated: _Allocated,
    nets: Mapping[str, Any],
    travel: Mapping[str, Any],
) -> dict[str, Any]:
    from zorgroute import output, report

    night = comparison.night
    data = report.comparison_data(comparison)
    plans = {"solo": comparison.solo, "pooled": comparison.pooled}
    return {
        "view": "coordinator",
        "night": data["night"],
        "plan": {
            name: {
                "summary": output.summary(night, plan),
                "routes": output.routes_table(night, plan).to_dict(orient="records"),
                "unplanned": [
                    {"visit_id": u.visit_id, "code": u.code, "reason": u.reason}
                    for u in plan.unplanned
                ],
                "violations": [str(v) for v in violations[name]],
            }
            for name, plan in plans.items()
        },
        "comparison": {
            "providers": data["providers"],
            "total": data["total"],
            "settings": data["settings"],
            "options": data["options"],
            "villages": dict(comparison.village_of),
        },
        "allocation": {
            "status": allocated.status,
            "note": allocated.note,
            "players": list(allocated.players),
            "methods": [_allocation_record(a, c) for a, c in allocated.results],
            "coalition_costs": [
                {"coalition": sorted(k), "cost_eur": v}
                for k, v in sorted(
                    allocated.costs.items(), key=lambda kv: (len(kv[0]), sorted(kv[0]))
                )
                if k
            ],
        },
        "geojson": {
            name: output.plan_geojson(night, plan, networks=nets, travel=travel)
            for name, plan in plans.items()
        },
    }


def _allocation_record(result: Any, check: Any) -> dict[str, Any]:
    return {
        "method": result.method,
        "cost_share": dict(result.cost_share),
        "saving": dict(result.saving),
        "std_error": dict(result.std_error) if result.std_error is not None else None,
        "epsilon": result.epsilon,
        "note": result.note,
        "core": {
            "individually_rational": check.individually_rational,
            "in_core": check.in_core,
            "exhaustive": check.exhaustive,
            "coalitions_checked": check.coalitions_checked,
            "violations": [
                {"coalition": sorted(c), "allocated_eur": x, "alone_eur": alone}
                for c, x, alone in check.core_violations
            ],
            "note": check.note,
        },
    }


# --------------------------------------------------------------------------------------------
# A provider's view
# --------------------------------------------------------------------------------------------


def _provider_result(
    comparison: Any,
    provider: str,
    allocated: _Allocated,
    nets: Mapping[str, Any],
    travel: Mapping[str, Any],
) -> dict[str, Any]:
    """What ``provider`` may see: built on :func:`zorgroute.pooling.provider_view`."""
    from zorgroute import pooling, report

    night = comparison.night
    view = pooling.provider_view(comparison, provider)
    ledger = next(x for x in comparison.providers if x.name == provider)
    own = {v.visit_id for v in night.visits if v.provider == provider}
    plans = {"solo": comparison.solo, "pooled": comparison.pooled}
    return {
        "view": "provider",
        "provider": provider,
        "night": {
            "origin": night.origin.isoformat(timespec="seconds"),
            "visits": len(night.visits),
            "own_visits": len(own),
            "own_shifts": sum(1 for s in night.shifts if s.provider == provider),
            "providers": len(comparison.providers),
        },
        "plan": {
            name: {
                "stops": view[f"{name}_stops"],
                "unplanned": [
                    {"visit_id": u.visit_id, "code": u.code, "reason": u.reason}
                    for u in plan.unplanned
                    if u.visit_id in own
                ],
            }
            for name, plan in plans.items()
        },
        "comparison": {"ledger": report.ledger_record(ledger), "total": view["total"]},
        "allocation": {
            "status": allocated.status,
            "note": allocated.note if allocated.status != "done" else "",
            "methods": [
                {
                    "method": a.method,
                    "cost_share": a.cost_share.get(provider),
                    "saving": a.saving.get(provider),
                    "std_error": a.std_error.get(provider) if a.std_error is not None else None,
                    "individually_rational": provider not in c.ir_violations,
                    "in_core": c.in_core,
                }
                for a, c in allocated.results
                if provider in a.cost_share
            ],
        },
        "geojson": {
            name: own_geojson(night, plan, provider, nets=nets, travel=travel)
            for name, plan in plans.items()
        },
    }


def own_geojson(
    night: Any,
    plan: Any,
    provider: str,
    *,
    nets: Mapping[str, Any] | None = None,
    travel: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The map of ``plan`` that ``provider`` may see.

    Its own shifts' routes, with only the legs between places it may know (its offices and
    its own clients); a leg to or from another provider's client is left out, since its
    end would show that client's address. Its own clients as points, whoever serves them
    (``served_by_own``); its own unplanned clients; its own offices.
    """
    from zorgroute.matrix import leg_geometry

    lat, lon = night.location_arrays()
    n_visits = len(night.visits)
    index_of_visit = {v.visit_id: i for i, v in enumerate(night.visits)}
    shift_index = {s.shift_id: k for k, s in enumerate(night.shifts)}
    own_visits = {i for i, v in enumerate(night.visits) if v.provider == provider}

    def known(loc: int) -> bool:
        return loc >= n_visits or loc in own_visits  # offices of own shifts, own clients

    def point(loc: int, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lon[loc]), float(lat[loc])]},
            "properties": props,
        }

    features: list[dict[str, Any]] = []
    for route in plan.routes:
        k = shift_index[route.shift_id]
        locs = [night.location_index(start=k)]
        locs += [index_of_visit[s.visit_id] for s in route.stops]
        locs.append(night.location_index(end=k))
        if route.provider == provider:
            mode = night.shifts[k].mode
            network = nets.get(mode) if nets else None
            matrix = travel.get(mode) if travel else None
            lines, hidden = [], 0
            for a, b in itertools.pairwise(locs):
                if not (known(a) and known(b)):
                    hidden += 1
                elif network is not None and matrix is not None and matrix.snap is not None:
                    lines.append([[x, y] for x, y in leg_geometry(network, matrix, a, b)])
                else:
                    lines.append([[float(lon[a]), float(lat[a])], [float(lon[b]), float(lat[b])]])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiLineString", "coordinates": lines},
                    "properties": {
                        "kind": "route",
                        "shift_id": route.shift_id,
                        "provider": provider,
                        "visits": len(route.stops),
                        "km": round(route.distance_m / 1000, 3),
                        "drive_min": round(route.drive_s / 60, 2),
                        "hidden_legs": hidden,
                    },
                }
            )
        for n, stop in enumerate(route.stops, start=1):
            i = index_of_visit[stop.visit_id]
            if i not in own_visits:
                continue
            mine = route.provider == provider
            visit = night.visits[i]
            features.append(
                point(
                    i,
                    {
                        "kind": "stop",
                        "visit_id": visit.visit_id,
                        "client_id": visit.client_id,
                        "shift_id": route.shift_id if mine else "other",
                        "stop": n if mine else None,
                        "served_by_own": mine,
                        "service_start": night.at(stop.service_start_s).isoformat(
                            timespec="seconds"
                        ),
                    },
                )
            )
    for u in plan.unplanned:
        i = index_of_visit[u.visit_id]
        if i in own_visits:
            features.append(
                point(i, {"kind": "unplanned", "visit_id": u.visit_id, "reason": u.reason})
            )
    for k, s in enumerate(night.shifts):
        if s.provider == provider:
            features.append(
                point(
                    night.location_index(start=k),
                    {"kind": "shift_start", "shift_id": s.shift_id, "provider": provider},
                )
            )
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


#: Results as JSON types: the same conversion as the report's comparison.json.
plain = json_ready


if __name__ == "__main__":
    main(sys.argv)
