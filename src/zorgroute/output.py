"""A plan as files a planner opens: routes.csv, unplanned.csv, plan.geojson, summary.json.

- ``routes.csv``: one row per planned visit (shift_id, provider, stop, visit_id, arrival,
  service_start, service_end as ISO 8601 datetimes, travel_s and travel_m from the previous
  stop);
- ``unplanned.csv``: visit_id, reason (and a short code);
- ``plan.geojson``: each route along the roads, its stops, the unplanned visits, the offices;
- ``summary.json``: km, drive minutes, visits per shift and per provider, and the route
  details (departure, return, break, last leg) that :func:`read_plan` needs to read a plan
  back for checking.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from zorgroute.exceptions import InputError, Problem
from zorgroute.matrix import TravelMatrix, leg_geometry
from zorgroute.model import Night, Plan, Route, Stop, Unplanned
from zorgroute.network import RoadNetwork

ROUTE_COLUMNS = [
    "shift_id",
    "provider",
    "stop",
    "visit_id",
    "arrival",
    "service_start",
    "service_end",
    "travel_s",
    "travel_m",
    "carer",
]


def _iso(night: Night, t_s: int) -> str:
    return night.at(t_s).isoformat(timespec="seconds")


def routes_table(night: Night, plan: Plan) -> pd.DataFrame:
    """The rows of ``routes.csv``."""
    rows = [
        {
            "shift_id": route.shift_id,
            "provider": route.provider,
            "stop": n,
            "visit_id": stop.visit_id,
            "arrival": _iso(night, stop.arrival_s),
            "service_start": _iso(night, stop.service_start_s),
            "service_end": _iso(night, stop.service_end_s),
            "travel_s": stop.travel_s,
            "travel_m": stop.travel_m,
            "carer": stop.carer,
        }
        for route in plan.routes
        for n, stop in enumerate(route.stops, start=1)
    ]
    return pd.DataFrame(rows, columns=ROUTE_COLUMNS)


def summary(night: Night, plan: Plan) -> dict[str, Any]:
    """The content of ``summary.json``: totals, per shift and per provider."""
    provider_of_visit = {v.visit_id: v.provider for v in night.visits}
    providers: dict[str, dict[str, Any]] = {
        p: {
            "visits": 0,
            "visits_planned": 0,
            "served_for_others": 0,
            "served_by_others": 0,
            "shifts_used": 0,
            "km": 0.0,
            "drive_min": 0.0,
        }
        for p in night.providers or sorted({v.provider for v in night.visits})
    }
    for v in night.visits:
        providers.setdefault(v.provider, dict.fromkeys(providers.get("", {}), 0))
        providers[v.provider]["visits"] += 1
    shifts = []
    for route in plan.routes:
        p = providers.setdefault(route.provider, {})
        p["shifts_used"] = p.get("shifts_used", 0) + 1
        p["km"] = round(p.get("km", 0.0) + route.distance_m / 1000, 3)
        p["drive_min"] = round(p.get("drive_min", 0.0) + route.drive_s / 60, 2)
        for stop in route.stops:
            owner = provider_of_visit[stop.visit_id]
            providers[owner]["visits_planned"] += 1
            if owner != route.provider:
                p["served_for_others"] = p.get("served_for_others", 0) + 1
                providers[owner]["served_by_others"] += 1
        shifts.append(
            {
                "shift_id": route.shift_id,
                "provider": route.provider,
                "visits": len(route.stops),
                "km": round(route.distance_m / 1000, 3),
                "drive_min": round(route.drive_s / 60, 2),
                "depart": _iso(night, route.depart_s),
                "return": _iso(night, route.return_s),
                "break_start": (
                    _iso(night, route.break_start_s) if route.break_start_s is not None else None
                ),
                "return_travel_s": route.return_travel_s,
                "return_travel_m": route.return_travel_m,
            }
        )
    return {
        "status": plan.status,
        "pooled": plan.pooled,
        "origin": night.origin.isoformat(timespec="seconds"),
        "visits": len(night.visits),
        "visits_planned": len(plan.planned_visits()),
        "visits_unplanned": len(plan.unplanned),
        "unplanned_by_reason": dict(Counter(u.code for u in plan.unplanned)),
        "shifts": len(night.shifts),
        "shifts_used": len(plan.routes),
        "km": round(plan.distance_m / 1000, 3),
        "drive_min": round(plan.drive_s / 60, 2),
        "solver_runtime_s": round(plan.runtime_s, 2),
        "objective": plan.objective,
        "continuity": continuity(night, plan),
        "per_provider": providers,
        "per_shift": shifts,
    }


def continuity(night: Night, plan: Plan) -> dict[str, dict[str, int]]:
    """How many visits kept their client's preferred nurse (shift) and provider.

    Per wish: ``wished`` visits name one, ``planned`` of those are planned, ``kept`` of those
    are served by the preferred shift (provider); for a double-staffed visit either carer
    counts.
    """
    shifts: dict[str, set[str]] = {}
    providers: dict[str, set[str]] = {}
    for route in plan.routes:
        for stop in route.stops:
            shifts.setdefault(stop.visit_id, set()).add(route.shift_id)
            providers.setdefault(stop.visit_id, set()).add(route.provider)
    out: dict[str, dict[str, int]] = {}
    for wish, served in (("preferred_nurse", shifts), ("preferred_provider", providers)):
        wanted = [(v.visit_id, getattr(v, wish)) for v in night.visits if getattr(v, wish)]
        planned = [(vid, want) for vid, want in wanted if vid in served]
        out[wish] = {
            "wished": len(wanted),
            "planned": len(planned),
            "kept": sum(want in served[vid] for vid, want in planned),
        }
    return out


def plan_geojson(
    night: Night,
    plan: Plan,
    *,
    networks: Mapping[str, RoadNetwork] | None = None,
    travel: Mapping[str, TravelMatrix] | None = None,
) -> dict[str, Any]:
    """Routes along the roads (straight lines without a road network), stops and offices."""
    lat, lon = night.location_arrays()
    index_of_visit = {v.visit_id: i for i, v in enumerate(night.visits)}
    shift_index = {s.shift_id: k for k, s in enumerate(night.shifts)}
    features: list[dict[str, Any]] = []

    def point(loc: int, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lon[loc]), float(lat[loc])]},
            "properties": props,
        }

    for route in plan.routes:
        k = shift_index[route.shift_id]
        mode = night.shifts[k].mode
        locs = [night.location_index(start=k)]
        locs += [night.location_index(visit=index_of_visit[s.visit_id]) for s in route.stops]
        locs.append(night.location_index(end=k))
        coords: list[list[float]] = []
        network = networks.get(mode) if networks else None
        matrix = travel.get(mode) if travel else None
        for a, b in itertools.pairwise(locs):
            if network is not None and matrix is not None and matrix.snap is not None:
                leg = [[x, y] for x, y in leg_geometry(network, matrix, a, b)]
            else:
                leg = [[float(lon[a]), float(lat[a])], [float(lon[b]), float(lat[b])]]
            coords.extend(leg if not coords else leg[1:])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "kind": "route",
                    "shift_id": route.shift_id,
                    "provider": route.provider,
                    "visits": len(route.stops),
                    "km": round(route.distance_m / 1000, 3),
                    "drive_min": round(route.drive_s / 60, 2),
                },
            }
        )
        for n, stop in enumerate(route.stops, start=1):
            features.append(
                point(
                    locs[n],
                    {
                        "kind": "stop",
                        "visit_id": stop.visit_id,
                        "shift_id": route.shift_id,
                        "stop": n,
                        "service_start": _iso(night, stop.service_start_s),
                    },
                )
            )
    for u in plan.unplanned:
        features.append(
            point(
                index_of_visit[u.visit_id],
                {"kind": "unplanned", "visit_id": u.visit_id, "reason": u.reason},
            )
        )
    for k, s in enumerate(night.shifts):
        features.append(
            point(
                night.location_index(start=k),
                {"kind": "shift_start", "shift_id": s.shift_id, "provider": s.provider},
            )
        )
    return {"type": "FeatureCollection", "features": features}


def write_plan(
    out_dir: str | Path,
    night: Night,
    plan: Plan,
    *,
    networks: Mapping[str, RoadNetwork] | None = None,
    travel: Mapping[str, TravelMatrix] | None = None,
) -> dict[str, Path]:
    """Write the four plan files to ``out_dir`` (created if needed); returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "routes": out / "routes.csv",
        "unplanned": out / "unplanned.csv",
        "geojson": out / "plan.geojson",
        "summary": out / "summary.json",
    }
    routes_table(night, plan).to_csv(paths["routes"], index=False)
    pd.DataFrame(
        [{"visit_id": u.visit_id, "reason": u.reason, "code": u.code} for u in plan.unplanned],
        columns=["visit_id", "reason", "code"],
    ).to_csv(paths["unplanned"], index=False)
    geo = plan_geojson(night, plan, networks=networks, travel=travel)
    paths["geojson"].write_text(json.dumps(geo), encoding="utf-8")
    paths["summary"].write_text(json.dumps(summary(night, plan), indent=2), encoding="utf-8")
    return paths


def read_plan(plan_dir: str | Path, night: Night) -> Plan:
    """Read a plan written by :func:`write_plan` back, to check it against a night.

    Raises
    ------
    InputError
        If a file is missing or a row does not parse.
    """
    folder = Path(plan_dir)
    problems: list[Problem] = []
    for name in ("routes.csv", "unplanned.csv", "summary.json"):
        if not (folder / name).is_file():
            problems.append(Problem("file not found", source=str(folder / name)))
    if problems:
        raise InputError(problems, summary=f"not a zorgroute plan folder: {folder}")
    try:
        table = pd.read_csv(folder / "routes.csv", dtype={"shift_id": str, "visit_id": str})
        unplanned_table = pd.read_csv(folder / "unplanned.csv", dtype=str).fillna("")
        info = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError.single(f"unreadable plan file ({exc})", source=str(folder)) from exc

    def secs(text: str) -> int:
        return int((dt.datetime.fromisoformat(text) - night.origin).total_seconds())

    routes = []
    for shift in info.get("per_shift", []):
        rows = table[table["shift_id"] == shift["shift_id"]].sort_values("stop")
        stops = tuple(
            Stop(
                visit_id=str(r.visit_id),
                arrival_s=secs(str(r.arrival)),
                service_start_s=secs(str(r.service_start)),
                service_end_s=secs(str(r.service_end)),
                travel_s=int(r.travel_s),
                travel_m=int(r.travel_m),
                carer=int(getattr(r, "carer", 1)),
            )
            for r in rows.itertuples()
        )
        routes.append(
            Route(
                shift_id=shift["shift_id"],
                provider=shift["provider"],
                depart_s=secs(shift["depart"]),
                return_s=secs(shift["return"]),
                stops=stops,
                return_travel_s=int(shift["return_travel_s"]),
                return_travel_m=int(shift["return_travel_m"]),
                break_start_s=secs(shift["break_start"]) if shift.get("break_start") else None,
            )
        )
    listed = {r["shift_id"] for r in info.get("per_shift", [])}
    for shift_id in sorted(set(table["shift_id"]) - listed):
        raise InputError.single(
            "shift in routes.csv but not in summary.json", source=str(folder), row=shift_id
        )
    unplanned = tuple(
        Unplanned(str(r["visit_id"]), str(r.get("code", "")), str(r["reason"]))
        for _, r in unplanned_table.iterrows()
    )
    return Plan(
        routes=tuple(routes),
        unplanned=unplanned,
        status=str(info.get("status", "solved")),
        pooled=bool(info.get("pooled", True)),
    )
