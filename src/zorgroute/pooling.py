"""Solo versus pooled: what each provider gains when the night is planned together.

For one night, :func:`compare` plans every provider alone (its own shifts, its own
clients) and all of them together (each visit open to the providers its client consented
to), on the same matrix, seed and time budget. The pooled search starts from the union of
the solo plans, so its cost is never higher than solo by construction.

The :class:`Ledger` per provider (and in total) shows kilometres, drive minutes, shifts
used, visits served for and by others, *lonely trips* (a nurse driving more than
``lonely_trip_km`` to one client while another provider's nurse is in the same village
within the hour), CO₂, and the settlement between providers for visits served for another
at a transfer price per visit and per kilometre.

Coalition costs for a fair split of the saving (:mod:`zorgroute.allocation`) come from
:func:`coalition_cost`, which plans any subset of providers with the same solver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from zorgroute.exceptions import InputError
from zorgroute.geo import haversine_m
from zorgroute.model import Matrices, Night, Plan
from zorgroute.solver import ProgressCallback, SolveOptions, routes_of, solve

log = logging.getLogger(__name__)

#: kg CO₂ per km by car: an average Dutch passenger car, tank to wheel, about 0.18 kg/km
#: (the order of the published Dutch emission factors for petrol and diesel cars).
CO2_KG_PER_KM_CAR = 0.18


@dataclass(frozen=True)
class PoolingSettings:
    """Thresholds, factors and prices of a comparison (all overridable).

    Attributes
    ----------
    lonely_trip_km
        A leg longer than this to one client counts as a lonely trip if another provider's
        nurse is in the same village within ``lonely_window_s``.
    lonely_window_s
        How close in time the other nurse must be.
    co2_kg_per_km
        Emission factor of a car kilometre (bikes emit none).
    transfer_eur_per_visit, transfer_eur_per_km
        What the client's provider pays the serving provider per visit served for it, and
        per kilometre of the leg to that visit.
    eur_per_km, eur_per_drive_hour, eur_per_unplanned_visit
        The cost model of a plan, for allocating the saving: mileage allowance, a carer's
        hourly cost while driving, and what an unplanned visit costs (a later extra trip).
    handover_cost_s, handover_cap
        Passed to the pooled solve (see :class:`~zorgroute.solver.SolveOptions`).
    """

    lonely_trip_km: float = 10.0
    lonely_window_s: int = 3600
    co2_kg_per_km: float = CO2_KG_PER_KM_CAR
    transfer_eur_per_visit: float = 15.0
    transfer_eur_per_km: float = 0.23
    eur_per_km: float = 0.23
    eur_per_drive_hour: float = 35.0
    eur_per_unplanned_visit: float = 60.0
    handover_cost_s: int = 0
    handover_cap: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Ledger:
    """Solo and pooled figures of one provider (or of all: ``name == "total"``)."""

    name: str
    visits: int
    solo_planned: int
    pooled_planned: int
    solo_km: float
    pooled_km: float
    solo_drive_min: float
    pooled_drive_min: float
    solo_shifts_used: int
    pooled_shifts_used: int
    served_for_others: int
    served_by_others: int
    km_for_others: float
    solo_lonely_trips: int
    pooled_lonely_trips: int
    solo_co2_kg: float
    pooled_co2_kg: float
    settlement_eur: float
    solo_cost_eur: float
    pooled_cost_eur: float

    @property
    def saved_km(self) -> float:
        return self.solo_km - self.pooled_km

    @property
    def saved_eur(self) -> float:
        return self.solo_cost_eur - self.pooled_cost_eur


@dataclass(frozen=True, eq=False)
class Comparison:
    """The solo and pooled plans of a night and the ledger per provider."""

    night: Night
    solo: Plan
    pooled: Plan
    providers: tuple[Ledger, ...]
    total: Ledger
    village_of: Mapping[str, str]
    settings: PoolingSettings
    options: SolveOptions
    modes: Mapping[str, str] = field(default_factory=dict)  # shift_id -> mode

    def table(self) -> pd.DataFrame:
        """One row per provider and a total row, with the saved km and euros."""
        rows = []
        for ledger in (*self.providers, self.total):
            row = {k: getattr(ledger, k) for k in Ledger.__dataclass_fields__}
            row["saved_km"] = ledger.saved_km
            row["saved_eur"] = ledger.saved_eur
            rows.append(row)
        return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Villages
# --------------------------------------------------------------------------------------------


def villages_of(night: Night, villages: pd.DataFrame | None = None) -> dict[str, str]:
    """The village of each visit: the nearest village of ``villages`` (name, lat, lon).

    Without a village table, a numbered grid cell of about 2 km ("area 3") stands in for
    a village.
    """
    if not night.visits:
        return {}
    lat = np.array([v.lat for v in night.visits])
    lon = np.array([v.lon for v in night.visits])
    if villages is not None and len(villages):
        d = haversine_m(
            lat[:, None],
            lon[:, None],
            villages["lat"].to_numpy()[None, :],
            villages["lon"].to_numpy()[None, :],
        )
        names = villages["name"].astype(str).to_numpy()[np.argmin(d, axis=1)]
        return {v.visit_id: str(n) for v, n in zip(night.visits, names, strict=True)}
    # neutral names: a cell's coordinates would tell other providers where a client lives
    cells = [(round(v.lat / 0.018), round(v.lon / 0.029)) for v in night.visits]
    number = {cell: k for k, cell in enumerate(sorted(set(cells)), start=1)}
    return {v.visit_id: f"area {number[c]}" for v, c in zip(night.visits, cells, strict=True)}


# --------------------------------------------------------------------------------------------
# Ledgers
# --------------------------------------------------------------------------------------------


def lonely_trips(
    night: Night, plan: Plan, village_of: Mapping[str, str], settings: PoolingSettings
) -> dict[str, int]:
    """Lonely trips per provider (of the serving nurse) in ``plan``."""
    visits_in: dict[str, list[tuple[int, str]]] = {}
    for route in plan.routes:
        for stop in route.stops:
            visits_in.setdefault(village_of[stop.visit_id], []).append(
                (stop.service_start_s, route.provider)
            )
    out: dict[str, int] = {}
    for route in plan.routes:
        for stop in route.stops:
            if stop.travel_m <= settings.lonely_trip_km * 1000:
                continue
            others = visits_in.get(village_of[stop.visit_id], [])
            if any(
                provider != route.provider
                and abs(t - stop.service_start_s) <= settings.lonely_window_s
                for t, provider in others
            ):
                out[route.provider] = out.get(route.provider, 0) + 1
    return out


def plan_cost_eur(
    plan: Plan,
    night: Night,
    settings: PoolingSettings,
    providers: Collection[str] | None = None,
) -> float:
    """The cost of a plan (or of the routes and visits of ``providers``) in euros."""
    keep = set(providers) if providers is not None else None
    owner = {v.visit_id: v.provider for v in night.visits}
    km = sum(r.distance_m for r in plan.routes if keep is None or r.provider in keep) / 1000
    hours = sum(r.drive_s for r in plan.routes if keep is None or r.provider in keep) / 3600
    unplanned = sum(1 for u in plan.unplanned if keep is None or owner[u.visit_id] in keep)
    return (
        km * settings.eur_per_km
        + hours * settings.eur_per_drive_hour
        + unplanned * settings.eur_per_unplanned_visit
    )


def _ledgers(
    night: Night,
    solo: Plan,
    pooled: Plan,
    village_of: Mapping[str, str],
    settings: PoolingSettings,
) -> tuple[tuple[Ledger, ...], Ledger]:
    owner = {v.visit_id: v.provider for v in night.visits}
    mode = {s.shift_id: s.mode for s in night.shifts}
    providers = list(night.providers) or sorted({v.provider for v in night.visits})
    lonely_solo = lonely_trips(night, solo, village_of, settings)
    lonely_pooled = lonely_trips(night, pooled, village_of, settings)

    def per_provider(plan: Plan, provider: str) -> tuple[int, float, float, int, float]:
        routes = [r for r in plan.routes if r.provider == provider]
        planned = sum(1 for r in plan.routes for s in r.stops if owner[s.visit_id] == provider)
        km = sum(r.distance_m for r in routes) / 1000
        car_km = sum(r.distance_m for r in routes if mode[r.shift_id] == "car") / 1000
        return planned, km, sum(r.drive_s for r in routes) / 60, len(routes), car_km

    ledgers = []
    for p in providers:
        s_planned, s_km, s_min, s_shifts, s_car = per_provider(solo, p)
        p_planned, p_km, p_min, p_shifts, p_car = per_provider(pooled, p)
        served_for = [
            st
            for r in pooled.routes
            if r.provider == p
            for st in r.stops
            if owner[st.visit_id] != p
        ]
        served_by = [
            st
            for r in pooled.routes
            if r.provider != p
            for st in r.stops
            if owner[st.visit_id] == p
        ]
        km_for = sum(st.travel_m for st in served_for) / 1000
        km_by = sum(st.travel_m for st in served_by) / 1000
        settlement = (
            len(served_for) * settings.transfer_eur_per_visit
            + km_for * settings.transfer_eur_per_km
            - len(served_by) * settings.transfer_eur_per_visit
            - km_by * settings.transfer_eur_per_km
        )
        ledgers.append(
            Ledger(
                name=p,
                visits=sum(1 for v in night.visits if v.provider == p),
                solo_planned=s_planned,
                pooled_planned=p_planned,
                solo_km=round(s_km, 3),
                pooled_km=round(p_km, 3),
                solo_drive_min=round(s_min, 2),
                pooled_drive_min=round(p_min, 2),
                solo_shifts_used=s_shifts,
                pooled_shifts_used=p_shifts,
                served_for_others=len(served_for),
                served_by_others=len(served_by),
                km_for_others=round(km_for, 3),
                solo_lonely_trips=lonely_solo.get(p, 0),
                pooled_lonely_trips=lonely_pooled.get(p, 0),
                solo_co2_kg=round(s_car * settings.co2_kg_per_km, 2),
                pooled_co2_kg=round(p_car * settings.co2_kg_per_km, 2),
                settlement_eur=round(settlement, 2),
                solo_cost_eur=round(plan_cost_eur(solo, night, settings, [p]), 2),
                pooled_cost_eur=round(plan_cost_eur(pooled, night, settings, [p]), 2),
            )
        )
    total = Ledger(
        name="total",
        visits=len(night.visits),
        solo_planned=sum(x.solo_planned for x in ledgers),
        pooled_planned=sum(x.pooled_planned for x in ledgers),
        solo_km=round(solo.distance_m / 1000, 3),
        pooled_km=round(pooled.distance_m / 1000, 3),
        solo_drive_min=round(solo.drive_s / 60, 2),
        pooled_drive_min=round(pooled.drive_s / 60, 2),
        solo_shifts_used=len(solo.routes),
        pooled_shifts_used=len(pooled.routes),
        served_for_others=sum(x.served_for_others for x in ledgers),
        served_by_others=sum(x.served_by_others for x in ledgers),
        km_for_others=round(sum(x.km_for_others for x in ledgers), 3),
        solo_lonely_trips=sum(x.solo_lonely_trips for x in ledgers),
        pooled_lonely_trips=sum(x.pooled_lonely_trips for x in ledgers),
        solo_co2_kg=round(sum(x.solo_co2_kg for x in ledgers), 2),
        pooled_co2_kg=round(sum(x.pooled_co2_kg for x in ledgers), 2),
        settlement_eur=round(sum(x.settlement_eur for x in ledgers), 2),
        solo_cost_eur=round(plan_cost_eur(solo, night, settings), 2),
        pooled_cost_eur=round(plan_cost_eur(pooled, night, settings), 2),
    )
    return tuple(ledgers), total


# --------------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------------


def compare(
    night: Night,
    matrices: Matrices,
    options: SolveOptions | None = None,
    settings: PoolingSettings | None = None,
    *,
    villages: pd.DataFrame | None = None,
    progress: ProgressCallback | None = None,
) -> Comparison:
    """Plan ``night`` solo and pooled with the same matrix, seed and budget, and compare.

    The pooled plan starts from the union of the solo plans, so its objective is never
    higher than the solo one.
    """
    options = options or SolveOptions()
    settings = settings or PoolingSettings()
    solo = solve(night, matrices, replace(options, pooled=False), progress=progress)
    pooled_options = replace(
        options,
        pooled=True,
        handover_cost_s=settings.handover_cost_s,
        handover_cap=settings.handover_cap,
    )
    pooled = solve(
        night, matrices, pooled_options, initial_routes=routes_of(solo), progress=progress
    )
    village_of = villages_of(night, villages)
    providers, total = _ledgers(night, solo, pooled, village_of, settings)
    return Comparison(
        night=night,
        solo=solo,
        pooled=pooled,
        providers=providers,
        total=total,
        village_of=village_of,
        settings=settings,
        options=options,
        modes={s.shift_id: s.mode for s in night.shifts},
    )


def subnight(night: Night, matrices: Matrices, providers: Sequence[str]) -> tuple[Night, Matrices]:
    """The part of a night that belongs to ``providers``: their visits and their shifts."""
    keep = set(providers)
    vis = [i for i, v in enumerate(night.visits) if v.provider in keep]
    sh = [k for k, s in enumerate(night.shifts) if s.provider in keep]
    sub = Night(
        tuple(night.visits[i] for i in vis),
        tuple(night.shifts[k] for k in sh),
        night.origin,
        tuple(p for p in night.providers if p in keep),
    )
    loc = np.array(
        vis
        + [night.location_index(start=k) for k in sh]
        + [night.location_index(end=k) for k in sh],
        dtype=np.int64,
    )
    grid = np.ix_(loc, loc)
    return sub, Matrices(
        duration_s={m: a[grid] for m, a in matrices.duration_s.items()},
        distance_m={m: a[grid] for m, a in matrices.distance_m.items()},
        method=matrices.method,
    )


def coalition_cost(
    night: Night,
    matrices: Matrices,
    solo: Plan,
    options: SolveOptions,
    settings: PoolingSettings,
    *,
    pooled: Plan | None = None,
) -> Callable[[frozenset[str]], float]:
    """The cost (euros) of each coalition of providers planning its visits together.

    A single provider costs its part of the solo plan; a coalition plans pooled among its
    members, starting from their solo routes, and never costs more than those (it could
    always choose not to pool). The coalition of all providers costs ``pooled`` (the
    comparison's pooled plan) when given, so that the shares add up to that plan's cost.
    """
    solo_routes = routes_of(solo)
    shift_provider = {s.shift_id: s.provider for s in night.shifts}
    everyone = frozenset(v.provider for v in night.visits) | frozenset(shift_provider.values())

    def cost(coalition: frozenset[str]) -> float:
        if not coalition:
            return 0.0
        alone = plan_cost_eur(solo, night, settings, coalition)
        if len(coalition) == 1:
            return alone
        if pooled is not None and coalition >= everyone:
            return min(alone, plan_cost_eur(pooled, night, settings))
        sub, sub_matrices = subnight(night, matrices, sorted(coalition))
        start = {k: v for k, v in solo_routes.items() if shift_provider[k] in coalition}
        plan = solve(sub, sub_matrices, replace(options, pooled=True), initial_routes=start)
        return min(alone, plan_cost_eur(plan, sub, settings))

    return cost


def handover_sweep(
    night: Night,
    matrices: Matrices,
    options: SolveOptions,
    costs_s: Sequence[int] = (0, 300, 900, 1800, 3600, 7200),
) -> pd.DataFrame:
    """Kilometres against visits handed over, for a range of handover costs.

    Each point is a pooled plan with that cost per visit served by another provider; the
    solo plan (no handover) is the last row. Partners choose a point on this curve.
    """
    solo = solve(night, matrices, replace(options, pooled=False))
    rows = []
    owner = {v.visit_id: v.provider for v in night.visits}
    for cost in costs_s:
        plan = solve(
            night,
            matrices,
            replace(options, pooled=True, handover_cost_s=int(cost)),
            initial_routes=routes_of(solo),
        )
        handed = sum(1 for r in plan.routes for s in r.stops if owner[s.visit_id] != r.provider)
        rows.append(_sweep_row(f"pooled, {cost} s per handover", cost, handed, plan, solo))
    rows.append(_sweep_row("solo", None, 0, solo, solo))
    return pd.DataFrame(rows)


def _sweep_row(
    label: str, cost: int | None, handed: int, plan: Plan, solo: Plan
) -> dict[str, object]:
    return {
        "plan": label,
        "handover_cost_s": cost,
        "handovers": handed,
        "km": round(plan.distance_m / 1000, 2),
        "km_saved": round((solo.distance_m - plan.distance_m) / 1000, 2),
        "drive_min": round(plan.drive_s / 60, 1),
        "unplanned": len(plan.unplanned),
    }


# --------------------------------------------------------------------------------------------
# Privacy
# --------------------------------------------------------------------------------------------


def provider_view(comparison: Comparison, provider: str) -> dict[str, object]:
    """What ``provider`` may see: its own clients in full, others' as pseudonym and village.

    Others' visits carry no coordinates, no client id and no name: only the visit id (a
    pseudonym), the village, the serving shift and the time. Ledgers of other providers are
    not included; the total is aggregate.
    """
    night = comparison.night
    own = {v.visit_id: v for v in night.visits if v.provider == provider}

    def stops(plan: Plan) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for route in plan.routes:
            for n, stop in enumerate(route.stops, start=1):
                mine = stop.visit_id in own
                if not mine and route.provider != provider:
                    continue
                entry: dict[str, object] = {
                    "shift_id": route.shift_id if route.provider == provider else "other",
                    "stop": n,
                    "visit_id": stop.visit_id,
                    "village": comparison.village_of.get(stop.visit_id, ""),
                    "service_start": night.at(stop.service_start_s).isoformat(),
                    "own_client": mine,
                }
                if mine:
                    v = own[stop.visit_id]
                    entry.update(client_id=v.client_id, lat=v.lat, lon=v.lon)
                out.append(entry)
        return out

    ledgers = [x for x in comparison.providers if x.name == provider]
    if not ledgers:
        raise InputError.single(
            f"no provider {provider!r} in this comparison",
            value=provider,
            summary="unknown provider",
        )
    ledger = ledgers[0]
    return {
        "provider": provider,
        "ledger": {k: getattr(ledger, k) for k in Ledger.__dataclass_fields__},
        "total": {
            "solo_km": comparison.total.solo_km,
            "pooled_km": comparison.total.pooled_km,
            "visits": comparison.total.visits,
            "providers": len(comparison.providers),
        },
        "solo_stops": stops(comparison.solo),
        "pooled_stops": stops(comparison.pooled),
    }
