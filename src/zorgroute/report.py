"""The report of a solo-versus-pooled comparison: tables, charts and a map.

:func:`write_report` turns a :class:`~zorgroute.pooling.Comparison` (and, when given, the
allocations of the saving, their core checks and a handover sweep) into files a coordinator
and the providers' planners open:

- ``report.md`` and ``report.html``: the night, a ledger table per provider with the total,
  a bar chart of solo versus pooled kilometres, the allocation and core-check tables, the
  handover sweep, and a short paragraph in plain words generated from the numbers. The HTML
  file is self-contained (inline CSS, images as base64) so it can be mailed as one file;
- ``km.png`` (and ``sweep.png`` with a sweep): the charts;
- ``map.html``: both plans as map layers, one colour per provider (folium; it loads Leaflet
  and the map tiles from the web when it is opened);
- ``comparison.json``: ledgers, totals, allocations, core checks and sweep as plain JSON;
- ``providers.csv`` (:meth:`~zorgroute.pooling.Comparison.table`) and ``sweep.csv``.

All of these show every provider's figures and, on the map, every client's address: they
are the *coordinator's* view. A provider gets :func:`write_provider_views` instead: its own
clients in full, other providers' clients only as a pseudonymous visit id and a village.

Charts use matplotlib's object-oriented API on the Agg canvas (no pyplot, no global backend
switch, nothing left open), so reports can be rendered in a server. This module draws; it
never plans: it imports neither OR-Tools nor osmnx (:mod:`zorgroute.pooling` is imported
only inside :func:`write_provider_views`, for :func:`~zorgroute.pooling.provider_view`).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import html
import json
import logging
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from zorgroute.exceptions import InputError, MissingDependencyError, Problem
from zorgroute.output import plan_geojson

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from zorgroute.matrix import TravelMatrix
    from zorgroute.model import Night, Plan
    from zorgroute.network import RoadNetwork
    from zorgroute.pooling import Comparison, Ledger

log = logging.getLogger(__name__)

DEFAULT_TITLE = "Pooling the night: solo versus pooled"

#: Columns a handover sweep (:func:`~zorgroute.pooling.handover_sweep`) needs for its plot.
SWEEP_COLUMNS = ("handovers", "km_saved")

#: Colours of the providers on the map and in the legend (matplotlib's tab10, then tab20's
#: lighter tones), in the order of :attr:`Comparison.providers`.
PROVIDER_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)
_SOLO_COLOUR = "#b0b0b0"
_POOLED_COLOUR = "#1f77b4"
_UNKNOWN_COLOUR = "#333333"

_COORDINATOR_NOTE = (
    "This is the coordinator's view: it shows every provider's figures, and its map shows "
    "every client's address. Give each provider only its own view (one file per provider, "
    "written by zorgroute.report.write_provider_views), which shows other providers' "
    "clients only as a pseudonymous visit id and a village."
)


# --------------------------------------------------------------------------------------------
# What the report takes from the allocation module (duck-typed: zorgroute.allocation)
# --------------------------------------------------------------------------------------------


class AllocationLike(Protocol):
    """An allocation of the pooled cost (:class:`zorgroute.allocation.Allocation`).

    ``cost_share`` and ``saving`` are euros per provider; ``std_error`` (per provider, if
    the method estimates, e.g. by sampling) and ``note`` are shown where given.
    """

    @property
    def method(self) -> str: ...

    @property
    def cost_share(self) -> Mapping[str, float]: ...

    @property
    def saving(self) -> Mapping[str, float]: ...

    @property
    def std_error(self) -> Mapping[str, float] | None: ...

    @property
    def note(self) -> str | None: ...


class CoreCheckLike(Protocol):
    """The core check of one allocation (:class:`zorgroute.allocation.CheckCore`).

    The violations may take any shape :func:`violations` reads. Where the check also has
    ``coalitions_checked``, ``exhaustive`` and ``note``, the report shows them.
    """

    @property
    def individually_rational(self) -> bool: ...

    @property
    def ir_violations(self) -> object: ...

    @property
    def in_core(self) -> bool | None: ...

    @property
    def core_violations(self) -> object: ...


@dataclass(frozen=True)
class Violation:
    """A coalition (sorted provider names) whose cost shares break a condition, and by how much.

    ``excess_eur`` is the amount the check reports (``None`` if it gives none).
    """

    coalition: tuple[str, ...]
    excess_eur: float | None

    @property
    def label(self) -> str:
        return " + ".join(self.coalition)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_report(
    out_dir: str | Path,
    comparison: Comparison,
    *,
    allocations: Sequence[AllocationLike] = (),
    core_checks: Mapping[str, CoreCheckLike] | None = None,
    sweep: pd.DataFrame | None = None,
    networks: Mapping[str, RoadNetwork] | None = None,
    travel: Mapping[str, TravelMatrix] | None = None,
    title: str = DEFAULT_TITLE,
) -> dict[str, Path]:
    """Write the coordinator's report of ``comparison`` to ``out_dir`` (created if needed).

    Parameters
    ----------
    out_dir
        Folder for the files; existing files of the same names are replaced.
    comparison
        The solo and pooled plans and their ledgers (:func:`zorgroute.pooling.compare`).
    allocations
        Allocations of the pooled cost (:mod:`zorgroute.allocation`), one table column
        group per method.
    core_checks
        Core checks of the allocations, by method name.
    sweep
        A handover sweep (:func:`zorgroute.pooling.handover_sweep`): shown as a table and
        plotted as kilometres saved against visits handed over.
    networks, travel
        Road networks and travel matrices per mode, so the map's routes follow the roads
        (straight lines without them); see :func:`zorgroute.output.plan_geojson`.
    title
        The report's title.

    Returns
    -------
    dict of str to Path
        The files written: ``markdown``, ``html``, ``map``, ``json``, ``providers_csv``,
        ``km_png``, and with a sweep ``sweep_csv`` and ``sweep_png``.

    Raises
    ------
    InputError
        If ``sweep`` lacks the columns ``handovers`` or ``km_saved``.
    MissingDependencyError
        If matplotlib or folium (the ``report`` extra) is not installed.
    """
    if sweep is not None:
        _check_sweep(sweep)  # before writing anything
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": out / "report.md",
        "html": out / "report.html",
        "map": out / "map.html",
        "json": out / "comparison.json",
        "providers_csv": out / "providers.csv",
        "km_png": out / "km.png",
    }
    if sweep is not None:
        paths["sweep_csv"] = out / "sweep.csv"
        paths["sweep_png"] = out / "sweep.png"

    comparison.table().to_csv(paths["providers_csv"], index=False)
    images = {"km.png": _save(km_chart(comparison), paths["km_png"])}
    if sweep is not None:
        sweep.to_csv(paths["sweep_csv"], index=False)
        images["sweep.png"] = _save(sweep_chart(sweep), paths["sweep_png"])
    write_map(paths["map"], comparison, networks=networks, travel=travel)

    checks = dict(core_checks or {})
    data = comparison_data(comparison, allocations=allocations, core_checks=checks, sweep=sweep)
    paths["json"].write_text(
        json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8"
    )

    blocks = _blocks(comparison, allocations, checks, sweep, title)
    paths["markdown"].write_text(_markdown(blocks), encoding="utf-8")
    paths["html"].write_text(_html(blocks, title, images), encoding="utf-8")
    log.info("wrote the pooling report to %s", out)
    return paths


def write_provider_views(out_dir: str | Path, comparison: Comparison) -> dict[str, Path]:
    """Write what each provider may see: one JSON file per provider.

    Each file holds :func:`zorgroute.pooling.provider_view`: the provider's own clients in
    full, other providers' clients only as a pseudonymous visit id and a village (no client
    id, no coordinates), its own ledger and the aggregate total. File names are
    ``provider_<name>.json`` with the name reduced to letters, digits, ``-`` and ``_`` (and
    a short hash added where two names would give the same file).

    Parameters
    ----------
    out_dir
        Folder for the files (created if needed).
    comparison
        The comparison to show.

    Returns
    -------
    dict of str to Path
        The file of each provider, by provider name.
    """
    from zorgroute.pooling import provider_view

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [ledger.name for ledger in comparison.providers]
    paths: dict[str, Path] = {}
    for name, stem in zip(names, file_stems(names), strict=True):
        path = out / f"provider_{stem}.json"
        view = json_ready(provider_view(comparison, name))
        path.write_text(
            json.dumps(view, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8"
        )
        paths[name] = path
    log.info("wrote %d provider views to %s", len(paths), out)
    return paths


def file_stems(names: Sequence[str]) -> list[str]:
    """Safe, distinct file-name stems for ``names`` (also on case-insensitive file systems).

    Each name becomes ASCII letters, digits, ``-`` and ``_`` (at most 60 characters);
    names that would collide get a short hash of the full name appended.
    """
    slugs = [_slug(n) for n in names]
    count: dict[str, int] = {}
    for s in slugs:
        count[s.lower()] = count.get(s.lower(), 0) + 1
    stems = [
        f"{s}-{hashlib.sha1(n.encode()).hexdigest()[:8]}" if count[s.lower()] > 1 else s
        for s, n in zip(slugs, names, strict=True)
    ]
    seen: set[str] = set()
    for i, s in enumerate(stems):  # two equal names (or a name looking like a hashed one)
        if s.lower() in seen:
            stems[i] = f"{s}-{i + 1}"
        seen.add(stems[i].lower())
    return stems


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^0-9A-Za-z_-]+", "-", ascii_name).strip("-_")[:60].strip("-_")
    return slug or "provider"


# --------------------------------------------------------------------------------------------
# Data (comparison.json)
# --------------------------------------------------------------------------------------------


def ledger_record(ledger: Ledger) -> dict[str, Any]:
    """A ledger as a plain dict: its fields plus ``saved_km`` and ``saved_eur``."""
    record = {f.name: json_ready(getattr(ledger, f.name)) for f in dataclasses.fields(ledger)}
    record["saved_km"] = json_ready(ledger.saved_km)
    record["saved_eur"] = json_ready(ledger.saved_eur)
    return record


def comparison_data(
    comparison: Comparison,
    *,
    allocations: Sequence[AllocationLike] = (),
    core_checks: Mapping[str, CoreCheckLike] | None = None,
    sweep: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The content of ``comparison.json``: only plain JSON types (no NaN).

    Keys: ``view`` (``"coordinator"``), ``night``, ``settings``, ``options``, ``providers``
    (one :func:`ledger_record` each), ``total``, ``allocations``, ``core_checks`` (by
    method) and ``sweep`` (its rows, or ``None``).
    """
    return {
        "view": "coordinator",
        "night": _night_info(comparison),
        "settings": json_ready(comparison.settings),
        "options": json_ready(comparison.options),
        "providers": [ledger_record(x) for x in comparison.providers],
        "total": ledger_record(comparison.total),
        "unplanned": {
            "solo": [json_ready(u) for u in comparison.solo.unplanned],
            "pooled": [json_ready(u) for u in comparison.pooled.unplanned],
        },
        "allocations": [
            {
                "method": a.method,
                "cost_share": json_ready(a.cost_share),
                "saving": json_ready(a.saving),
                "std_error": json_ready(a.std_error),
                "note": a.note,
                "epsilon": json_ready(getattr(a, "epsilon", None)),
            }
            for a in allocations
        ],
        "core_checks": {
            method: {
                "individually_rational": bool(c.individually_rational),
                "ir_violations": [_violation_record(v) for v in violations(c.ir_violations)],
                "in_core": None if c.in_core is None else bool(c.in_core),
                "core_violations": [_violation_record(v) for v in violations(c.core_violations)],
                "coalitions_checked": json_ready(getattr(c, "coalitions_checked", None)),
                "exhaustive": json_ready(getattr(c, "exhaustive", None)),
                "note": json_ready(getattr(c, "note", None)),
            }
            for method, c in (core_checks or {}).items()
        },
        "sweep": None if sweep is None else json_ready(sweep.to_dict(orient="records")),
    }


def _violation_record(v: Violation) -> dict[str, Any]:
    return {"coalition": list(v.coalition), "excess_eur": v.excess_eur}


def _night_info(comparison: Comparison) -> dict[str, Any]:
    night = comparison.night
    first, last = _night_span(night)
    return {
        "origin": night.origin.isoformat(timespec="seconds"),
        "date": first.date().isoformat(),
        "start": first.isoformat(timespec="minutes"),
        "end": last.isoformat(timespec="minutes"),
        "visits": len(night.visits),
        "visits_pooling_consent": sum(1 for v in night.visits if v.pooling),
        "providers": [x.name for x in comparison.providers],
        "shifts": len(night.shifts),
        "shifts_by_mode": {
            m: sum(1 for s in night.shifts if s.mode == m)
            for m in sorted({s.mode for s in night.shifts})
        },
    }


def _night_span(night: Night) -> tuple[dt.datetime, dt.datetime]:
    """From the first shift start to the last shift end (the visit windows without shifts)."""
    if night.shifts:
        return (
            night.at(min(s.start_s for s in night.shifts)),
            night.at(max(s.end_s for s in night.shifts)),
        )
    windows = [w for v in night.visits for w in v.windows]
    if windows:
        return night.at(min(w.start_s for w in windows)), night.at(max(w.end_s for w in windows))
    return night.origin, night.origin


def json_ready(x: object) -> Any:
    """``x`` as JSON types: dataclasses and mappings as dicts, NaN as ``None``.

    Numpy and pandas scalars become Python numbers; a set of names (a coalition) as a
    mapping key becomes ``"a + b"``. Used for ``comparison.json`` and by the API.
    """
    if x is None or isinstance(x, bool | str):
        return x
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        f = float(x)
        return f if math.isfinite(f) else None
    if isinstance(x, dt.date | dt.time):
        return x.isoformat()
    if x is pd.NA or x is pd.NaT:
        return None
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: json_ready(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, Mapping):
        return {_key(k): json_ready(v) for k, v in x.items()}
    if isinstance(x, set | frozenset):
        return sorted((json_ready(v) for v in x), key=str)
    if isinstance(x, Iterable):
        return [json_ready(v) for v in x]
    return str(x)


def _key(k: object) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, Iterable):
        return " + ".join(sorted(str(m) for m in k))
    return str(k)


def violations(value: object) -> list[Violation]:
    """The violating coalitions of a core check, whatever shape the check gives them in.

    Accepts ``None``, a mapping of coalition to excess, or a sequence of coalitions, of
    ``(coalition, excess)`` pairs, of ``(coalition, allocated cost, stand-alone cost)``
    triples (as :func:`zorgroute.allocation.check_core` gives them; the excess is the
    difference), or of objects with ``coalition`` (or ``members``) and ``excess``
    attributes. A coalition is a provider name or a collection of names.
    """
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [Violation(_members(k), _number(v)) for k, v in value.items()]
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [_one_violation(value)]
    return [_one_violation(item) for item in value]


def _one_violation(item: object) -> Violation:
    for attr in ("coalition", "members"):
        if hasattr(item, attr):
            return Violation(_members(getattr(item, attr)), _number(getattr(item, "excess", None)))
    if isinstance(item, tuple) and not isinstance(item[0], numbers.Real):
        numbers_ = [_number(x) for x in item[1:]]
        if len(item) == 2 and numbers_[0] is not None:  # (coalition, excess)
            return Violation(_members(item[0]), numbers_[0])
        if len(item) == 3 and numbers_[0] is not None and numbers_[1] is not None:
            # (coalition, allocated cost, stand-alone cost): the excess is their difference
            return Violation(_members(item[0]), numbers_[0] - numbers_[1])
    return Violation(_members(item), None)


def _members(coalition: object) -> tuple[str, ...]:
    if isinstance(coalition, str):
        return (coalition,)
    if isinstance(coalition, Iterable):
        return tuple(sorted(str(m) for m in coalition))
    return (str(coalition),)


def _number(x: object) -> float | None:
    if isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_):
        f = float(x)
        return f if math.isfinite(f) else None
    return None


# --------------------------------------------------------------------------------------------
# Plain words
# --------------------------------------------------------------------------------------------


def _km(x: float) -> str:
    return f"{x:.1f}"


def _eur(x: float) -> str:
    return f"€{abs(x):,.2f}"


def _pct(part: float, whole: float) -> str:
    p = 100 * part / whole
    return f"{p:.0f}" if abs(p) >= 10 else f"{p:.1f}"


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def plain_summary(
    comparison: Comparison, core_checks: Mapping[str, CoreCheckLike] | None = None
) -> str:
    """What the numbers mean for the providers, in plain words, generated from the numbers.

    Every sentence states a figure of the comparison (or of the core checks); none claims
    anything the ledgers do not show. The report shows the same sentences, one line per
    provider.
    """
    overall, providers, closing = _summary_parts(comparison, core_checks)
    return " ".join([*overall, *providers, *closing])


def _summary_parts(
    comparison: Comparison, core_checks: Mapping[str, CoreCheckLike] | None
) -> tuple[list[str], list[str], list[str]]:
    """The sentences on the night as a whole, on each provider, and on sharing and caveats."""
    t = comparison.total
    s = comparison.settings
    n_providers = len(comparison.providers)
    out: list[str] = []

    saved = round(t.saved_km, 1)
    if saved > 0 and t.solo_km > 0:
        out.append(
            f"Pooling saves {_km(t.saved_km)} km ({_pct(t.saved_km, t.solo_km)} %) tonight: "
            f"the nurses of the {_n(n_providers, 'provider')} drive {_km(t.pooled_km)} km "
            f"together instead of {_km(t.solo_km)} km when each provider plans alone."
        )
    elif saved == 0:
        out.append(
            f"Pooling saves no kilometres tonight: the nurses drive {_km(t.solo_km)} km "
            "whether the providers plan alone or together."
        )
    else:
        out.append(
            f"Pooled, the nurses drive {_km(-t.saved_km)} km more than solo tonight "
            f"({_km(t.pooled_km)} km instead of {_km(t.solo_km)} km)."
        )

    if t.pooled_planned != t.solo_planned:
        out.append(
            f"Pooled, {t.pooled_planned} of the {_n(t.visits, 'visit')} are planned, against "
            f"{t.solo_planned} when each provider plans alone."
        )
    elif t.pooled_planned < t.visits:
        out.append(
            f"{t.visits - t.pooled_planned} of the {_n(t.visits, 'visit')} remain unplanned "
            "in both plans."
        )
    if t.served_by_others:
        out.append(
            f"{_n(t.served_by_others, 'visit is', 'visits are')} served by a nurse of another "
            f"provider, with {_km(t.km_for_others)} km of driving to those visits."
        )
    else:
        out.append("No visit is served by a nurse of another provider tonight.")
    if t.pooled_shifts_used != t.solo_shifts_used:
        out.append(
            f"The pooled plan uses {_n(t.pooled_shifts_used, 'shift')} instead of "
            f"{t.solo_shifts_used}."
        )
    if t.solo_co2_kg or t.pooled_co2_kg:
        out.append(
            f"Car CO₂ is {t.pooled_co2_kg:.1f} kg instead of {t.solo_co2_kg:.1f} kg "
            f"(at {s.co2_kg_per_km:g} kg per car km)."
        )
    if t.solo_lonely_trips or t.pooled_lonely_trips:
        out.append(
            f"Lonely trips (more than {s.lonely_trip_km:g} km to one client while another "
            f"provider's nurse is in the same village within {s.lonely_window_s // 60} min): "
            f"{t.solo_lonely_trips} solo, {t.pooled_lonely_trips} pooled."
        )

    per_provider = [_provider_sentence(ledger, comparison) for ledger in comparison.providers]

    closing: list[str] = []
    if core_checks:
        rational = [m for m, c in core_checks.items() if c.individually_rational]
        others = [m for m in core_checks if m not in rational]
        if rational:
            closing.append(
                "Under the allocation "
                + ("method " if len(rational) == 1 else "methods ")
                + ", ".join(rational)
                + ", no provider pays more than its solo cost (individually rational)."
            )
        if others:
            closing.append(
                "Under " + ", ".join(others) + ", at least one provider pays more than its "
                "solo cost."
            )
        in_core = [m for m, c in core_checks.items() if c.in_core]
        outside = [m for m, c in core_checks.items() if c.in_core is False]
        if in_core:
            closing.append(
                "In the core (no group of providers pays more than on its own): "
                + ", ".join(in_core)
                + "."
            )
        if outside:
            closing.append(
                "Not in the core (some group of providers pays more than on its own): "
                + ", ".join(outside)
                + "."
            )
    closing.append(
        "All figures are planned, not driven: they come from the travel matrix and the "
        "time budget the plans were made with."
    )
    return out, per_provider, closing


def _provider_sentence(ledger: Ledger, comparison: Comparison) -> str:
    s = comparison.settings
    saved = round(ledger.saved_km, 1)
    if saved > 0:
        drive = (
            f"its nurses drive {_km(ledger.saved_km)} km less "
            f"({_km(ledger.solo_km)} → {_km(ledger.pooled_km)} km)"
        )
    elif saved < 0:
        drive = (
            f"its nurses drive {_km(-ledger.saved_km)} km more "
            f"({_km(ledger.solo_km)} → {_km(ledger.pooled_km)} km)"
        )
    else:
        drive = f"its nurses drive as far as alone ({_km(ledger.solo_km)} km)"
    parts = [drive]
    if ledger.served_for_others:
        parts.append(
            f"they serve {_n(ledger.served_for_others, 'visit')} of other providers "
            f"({_km(ledger.km_for_others)} km to those visits)"
        )
    if ledger.served_by_others:
        parts.append(
            f"{ledger.served_by_others} of its {_n(ledger.visits, 'visit')} "
            f"{'is' if ledger.served_by_others == 1 else 'are'} served by other providers' nurses"
        )
    if ledger.pooled_planned != ledger.solo_planned:
        parts.append(
            f"{ledger.pooled_planned} of its visits are planned pooled against "
            f"{ledger.solo_planned} solo"
        )
    if ledger.served_for_others or ledger.served_by_others:
        prices = (
            f"at {_eur(s.transfer_eur_per_visit)} per visit and "
            f"{_eur(s.transfer_eur_per_km)} per km"
        )
        if round(ledger.settlement_eur, 2) > 0:
            parts.append(f"{prices} it receives {_eur(ledger.settlement_eur)} in settlement")
        elif round(ledger.settlement_eur, 2) < 0:
            parts.append(f"{prices} it pays {_eur(ledger.settlement_eur)} in settlement")
        else:
            parts.append(f"{prices} its settlement is even")
    return f"{ledger.name}: " + "; ".join(parts) + "."


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _figure(width_in: float, height_in: float) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("matplotlib", "report") from exc
    # a bare Figure on an Agg canvas: no pyplot state to change or to close
    fig = Figure(figsize=(width_in, height_in), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def km_chart(comparison: Comparison) -> Figure:
    """Bars of solo and pooled kilometres per provider (the total in the title)."""
    names = [x.name for x in comparison.providers]
    fig = _figure(max(6.0, 1.0 + 0.9 * len(names)), 4.0)
    ax = fig.add_subplot()
    x = np.arange(len(names), dtype=float)
    solo = ax.bar(
        x - 0.2, [p.solo_km for p in comparison.providers], 0.4, label="solo", color=_SOLO_COLOUR
    )
    pooled = ax.bar(
        x + 0.2,
        [p.pooled_km for p in comparison.providers],
        0.4,
        label="pooled",
        color=_POOLED_COLOUR,
    )
    ax.bar_label(solo, fmt="%.1f", fontsize=8)
    ax.bar_label(pooled, fmt="%.1f", fontsize=8)
    ax.set_xticks(
        x, names, rotation=30 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center"
    )
    ax.set_ylabel("km driven by the provider's nurses")
    t = comparison.total
    ax.set_title(f"Total: {_km(t.solo_km)} km solo, {_km(t.pooled_km)} km pooled")
    ax.legend(frameon=False)
    ax.margins(y=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def sweep_chart(sweep: pd.DataFrame) -> Figure:
    """Kilometres saved against visits handed over, each point labelled by its handover cost.

    Raises
    ------
    InputError
        If ``sweep`` lacks the columns ``handovers`` or ``km_saved``.
    """
    _check_sweep(sweep)
    from matplotlib.ticker import MaxNLocator

    fig = _figure(6.0, 4.0)
    ax = fig.add_subplot()
    rows = sweep.to_dict(orient="records")
    points = sorted(
        (
            (float(r["handovers"]), float(r["km_saved"]), _sweep_label(r))
            for r in rows
            if _number(r["handovers"]) is not None and _number(r["km_saved"]) is not None
        ),
        key=lambda p: (p[0], p[1]),
    )
    if points:
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=_POOLED_COLOUR)
        for x, y, label in points:
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("visits served by another provider's nurse")
    ax.set_ylabel("km saved against solo")
    ax.set_title("Kilometres saved against handovers (label: cost per handover)")
    ax.margins(0.12)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _check_sweep(sweep: pd.DataFrame) -> None:
    missing = [c for c in SWEEP_COLUMNS if c not in sweep.columns]
    if missing:
        raise InputError(
            [Problem("column missing", source="sweep", column=c) for c in missing],
            summary="not a handover sweep (see zorgroute.pooling.handover_sweep)",
        )


def _sweep_label(row: Mapping[Any, Any]) -> str:
    cost = _number(row.get("handover_cost_s"))
    if cost is None:
        return str(row.get("plan", "solo"))
    return f"{cost / 60:g} min"


def _save(fig: Figure, path: Path) -> bytes:
    fig.savefig(path, format="png")
    fig.clear()
    return path.read_bytes()


# --------------------------------------------------------------------------------------------
# Map
# --------------------------------------------------------------------------------------------


def provider_colours(comparison: Comparison) -> dict[str, str]:
    """One colour per provider (in the order of the comparison's providers)."""
    names = [x.name for x in comparison.providers]
    for v in comparison.night.visits:
        if v.provider not in names:
            names.append(v.provider)
    for sh in comparison.night.shifts:
        if sh.provider not in names:
            names.append(sh.provider)
    return {p: PROVIDER_COLOURS[i % len(PROVIDER_COLOURS)] for i, p in enumerate(names)}


def write_map(
    path: str | Path,
    comparison: Comparison,
    *,
    networks: Mapping[str, RoadNetwork] | None = None,
    travel: Mapping[str, TravelMatrix] | None = None,
) -> Path:
    """Write a folium map of both plans: layers ``Solo plan`` and ``Pooled plan``.

    Routes are drawn in the colour of the nurse's provider, along the roads when
    ``networks`` and ``travel`` are given (:func:`zorgroute.output.plan_geojson`). Stops
    are small circles outlined in the nurse's colour and filled in the client's provider's
    colour (so a handover shows as two colours), with the visit id and time in the popup;
    unplanned visits are white circles, shift starts large circles with a black ring (in a
    layer ``Shift starts``). The map shows every client's address: it is for
    the coordinator only.

    Raises
    ------
    MissingDependencyError
        If folium (the ``report`` extra) is not installed.
    """
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("folium", "report") from exc
    from branca.element import Figure as HtmlFigure

    night = comparison.night
    colours = provider_colours(comparison)
    lat, lon = night.location_arrays()
    fmap = folium.Map(
        location=(float(lat.mean()), float(lon.mean())) if lat.size else (52.5, 6.5),
        zoom_start=11 if lat.size else 8,
        control_scale=True,
    )
    all_lat = list(lat.astype(float))
    all_lon = list(lon.astype(float))
    for label, plan, show in (
        ("Solo plan", comparison.solo, False),
        ("Pooled plan", comparison.pooled, True),
    ):
        group = folium.FeatureGroup(name=label, show=show)
        for coords in _add_plan(group, night, plan, colours, networks, travel):
            all_lon.extend(c[0] for c in coords)
            all_lat.extend(c[1] for c in coords)
        group.add_to(fmap)
    offices = folium.FeatureGroup(name="Shift starts", show=True)
    for k, sh in enumerate(night.shifts):
        i = night.location_index(start=k)
        folium.CircleMarker(
            location=(float(lat[i]), float(lon[i])),
            radius=8,
            color="#000000",
            weight=3,
            fill=True,
            fill_color=colours[sh.provider],
            fill_opacity=1.0,
            tooltip=html.escape(f"{sh.shift_id} ({sh.provider}, {sh.mode}) starts here"),
        ).add_to(offices)
    offices.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    if all_lat:
        fmap.fit_bounds(
            [[min(all_lat), min(all_lon)], [max(all_lat), max(all_lon)]],
            padding=(20, 20),
            max_zoom=15,
        )
    root = fmap.get_root()
    if isinstance(root, HtmlFigure):
        root.html.add_child(folium.Element(_map_legend(colours)))
    out = Path(path)
    fmap.save(str(out))
    return out


def _add_plan(
    group: Any,
    night: Night,
    plan: Plan,
    colours: Mapping[str, str],
    networks: Mapping[str, RoadNetwork] | None,
    travel: Mapping[str, TravelMatrix] | None,
) -> list[list[list[float]]]:
    """Draw ``plan``'s routes, stops and unplanned visits into ``group``; return the lines."""
    import folium

    owner = {v.visit_id: v.provider for v in night.visits}
    provider_of_shift = {s.shift_id: s.provider for s in night.shifts}
    lines: list[list[list[float]]] = []
    geo = plan_geojson(night, plan, networks=networks, travel=travel)
    for feature in geo["features"]:
        props = feature["properties"]
        coords = feature["geometry"]["coordinates"]
        kind = props["kind"]
        if kind == "route":
            lines.append(coords)
            folium.PolyLine(  # type: ignore[no-untyped-call]  # folium leaves it unannotated
                [(c[1], c[0]) for c in coords],
                color=colours.get(props["provider"], _UNKNOWN_COLOUR),
                weight=4,
                opacity=0.8,
                tooltip=html.escape(
                    f"{props['shift_id']} ({props['provider']}): {props['visits']} visits, "
                    f"{props['km']:.1f} km"
                ),
            ).add_to(group)
        elif kind == "stop":
            nurse = provider_of_shift.get(props["shift_id"], "")
            client = owner.get(props["visit_id"], "")
            when = dt.datetime.fromisoformat(props["service_start"])
            text = (
                f"<b>{html.escape(props['visit_id'])}</b><br>"
                f"{when:%a %d %b %H:%M}<br>"
                f"client of {html.escape(client)}<br>"
                f"stop {props['stop']} of {html.escape(props['shift_id'])} "
                f"({html.escape(nurse)})"
            )
            folium.CircleMarker(
                location=(coords[1], coords[0]),
                radius=5,
                color=colours.get(nurse, _UNKNOWN_COLOUR),
                weight=2,
                fill=True,
                fill_color=colours.get(client, _UNKNOWN_COLOUR),
                fill_opacity=0.9,
                popup=folium.Popup(text, max_width=260),
                tooltip=html.escape(f"{props['visit_id']} {when:%H:%M}"),
            ).add_to(group)
        elif kind == "unplanned":
            text = (
                f"<b>{html.escape(props['visit_id'])}</b><br>not planned: "
                f"{html.escape(props['reason'])}"
            )
            folium.CircleMarker(
                location=(coords[1], coords[0]),
                radius=5,
                color=colours.get(owner.get(props["visit_id"], ""), _UNKNOWN_COLOUR),
                weight=2,
                dash_array="3",
                fill=True,
                fill_color="#ffffff",
                fill_opacity=1.0,
                popup=folium.Popup(text, max_width=260),
                tooltip=html.escape(f"{props['visit_id']} not planned"),
            ).add_to(group)
    return lines


def _map_legend(colours: Mapping[str, str]) -> str:
    items = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;'
        f'background:{c};margin-right:6px;border:1px solid #333"></span>{html.escape(p)}</div>'
        for p, c in colours.items()
    )
    return (
        '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;background:#fff;'
        'padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px sans-serif">'
        "<b>Providers</b>" + items + '<div style="margin-top:4px;color:#555">'
        "line: nurse's provider<br>circle fill: client's provider</div></div>"
    )


# --------------------------------------------------------------------------------------------
# The document: blocks rendered to Markdown and to HTML
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class _Para:
    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class _Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    bold_last: bool = False


@dataclass(frozen=True)
class _List:
    items: tuple[str, ...]


@dataclass(frozen=True)
class _Image:
    file: str
    alt: str


@dataclass(frozen=True)
class _Link:
    before: str
    file: str
    text: str
    after: str


_Block = _Heading | _Para | _Table | _List | _Image | _Link


def _fmt(x: object, digits: int = 1) -> str:
    """A table cell: integers as such, floats with ``digits`` decimals, missing as ``–``."""
    if x is None:
        return "–"
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Real):
        f = float(x)
        if not math.isfinite(f):
            return "–"
        if round(f, digits) == 0:
            f = 0.0  # no "-0.00"
        return f"{f:.{digits}f}"
    return str(x)


_LEDGER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("visits", "visits", 0),
    ("planned solo", "solo_planned", 0),
    ("planned pooled", "pooled_planned", 0),
    ("km solo", "solo_km", 1),
    ("km pooled", "pooled_km", 1),
    ("km saved", "saved_km", 1),
    ("drive min solo", "solo_drive_min", 0),
    ("drive min pooled", "pooled_drive_min", 0),
    ("shifts solo", "solo_shifts_used", 0),
    ("shifts pooled", "pooled_shifts_used", 0),
    ("served for others", "served_for_others", 0),
    ("served by others", "served_by_others", 0),
    ("km for others", "km_for_others", 1),
    ("lonely trips solo", "solo_lonely_trips", 0),
    ("lonely trips pooled", "pooled_lonely_trips", 0),
    ("CO₂ kg solo", "solo_co2_kg", 1),
    ("CO₂ kg pooled", "pooled_co2_kg", 1),
    ("settlement €", "settlement_eur", 2),
)


def _ledger_table(comparison: Comparison) -> _Table:
    rows = []
    for ledger in (*comparison.providers, comparison.total):
        name = "Total" if ledger is comparison.total else ledger.name
        cells = [name]
        for _, attr, digits in _LEDGER_COLUMNS:
            value = getattr(ledger, attr)
            if attr == "settlement_eur" and round(value, 2) != 0:
                cells.append(f"{value:+.2f}")
            else:
                cells.append(_fmt(value, digits))
        rows.append(tuple(cells))
    return _Table(
        ("provider", *(h for h, _, _ in _LEDGER_COLUMNS)),
        tuple(rows),
        (False, *([True] * len(_LEDGER_COLUMNS))),
        bold_last=True,
    )


def _allocation_blocks(
    comparison: Comparison, allocations: Sequence[AllocationLike]
) -> list[_Block]:
    s = comparison.settings
    names = [x.name for x in comparison.providers]
    for a in allocations:
        for p in (*a.cost_share, *a.saving):
            if p not in names:
                names.append(p)
    solo_cost = {x.name: x.solo_cost_eur for x in comparison.providers}
    headers = ["provider", "solo cost €"]
    for a in allocations:
        headers += [f"{a.method}: cost share €", f"{a.method}: saving €"]
        if a.std_error:
            headers.append(f"{a.method}: std error €")
    rows = []
    for p in names:
        cells = [p, _fmt(solo_cost.get(p), 2)]
        for a in allocations:
            cells += [_fmt(a.cost_share.get(p), 2), _fmt(a.saving.get(p), 2)]
            if a.std_error:
                cells.append(_fmt(a.std_error.get(p), 2))
        rows.append(tuple(cells))
    total = ["Total", _fmt(comparison.total.solo_cost_eur, 2)]
    for a in allocations:
        total += [_fmt(sum(a.cost_share.values()), 2), _fmt(sum(a.saving.values()), 2)]
        if a.std_error:
            total.append("–")
    rows.append(tuple(total))
    blocks: list[_Block] = [
        _Heading("Sharing the saving"),
        _Para(
            "How each allocation method splits the cost of the pooled plan between the "
            "providers: its cost share, and its saving against planning alone, as the method "
            "reports them (with a standard error where the method estimates). The solo cost "
            f"uses the comparison's cost model: {_eur(s.eur_per_km)} per km, "
            f"{_eur(s.eur_per_drive_hour)} per hour of driving and "
            f"{_eur(s.eur_per_unplanned_visit)} per unplanned visit."
        ),
        _Table(tuple(headers), tuple(rows), (False, *([True] * (len(headers) - 1))), True),
    ]
    notes = []
    for a in allocations:
        eps = _number(getattr(a, "epsilon", None))
        text = " ".join(
            t
            for t in (
                a.note or "",
                "" if eps is None else f"(least-core ε = {eps:.2f} €; above 0 the core is empty)",
            )
            if t
        )
        if text:
            notes.append(f"{a.method}: {text}")
    if notes:
        blocks.append(_List(tuple(notes)))
    return blocks


def _core_blocks(core_checks: Mapping[str, CoreCheckLike]) -> list[_Block]:
    rows = []
    notes = []
    for method, c in core_checks.items():
        ir = violations(c.ir_violations)
        core = violations(c.core_violations)
        rows.append(
            (
                method,
                "yes" if c.individually_rational else "no",
                _violation_text(ir),
                "–" if c.in_core is None else ("yes" if c.in_core else "no"),
                _violation_text(core),
                _checked(c),
            )
        )
        note = getattr(c, "note", None)
        if note:
            notes.append(f"{method}: {note}")
    blocks: list[_Block] = [
        _Heading("Core check"),
        _Para(
            "Individually rational (IR): no provider pays more than its solo cost. In the "
            "core: no group of providers pays more than it would by pooling on its own. "
            "Violations list the provider or group and its excess in euros: what its cost "
            "shares add up to beyond its own cost."
        ),
        _Table(
            (
                "method",
                "individually rational",
                "IR violations (excess €)",
                "in core",
                "violating coalitions (excess €)",
                "coalitions checked",
            ),
            tuple(rows),
            (False,) * 6,
        ),
    ]
    if notes:
        blocks.append(_List(tuple(notes)))
    return blocks


def _checked(check: CoreCheckLike) -> str:
    n = _number(getattr(check, "coalitions_checked", None))
    exhaustive = getattr(check, "exhaustive", None)
    if n is None:
        return "–"
    if exhaustive is None:
        return f"{n:.0f}"
    return f"all {n:.0f}" if exhaustive else f"{n:.0f} (a sample, not all)"


def _violation_text(items: Sequence[Violation]) -> str:
    if not items:
        return "none"
    return "; ".join(
        v.label if v.excess_eur is None else f"{v.label} ({v.excess_eur:.2f})" for v in items
    )


def _sweep_blocks(sweep: pd.DataFrame) -> list[_Block]:
    columns = [str(c).replace("_", " ") for c in sweep.columns]
    rows = tuple(
        tuple(_fmt(r[c], 2 if c in {"km", "km_saved"} else 0) for c in sweep.columns)
        for r in sweep.to_dict(orient="records")
    )
    numeric = tuple(bool(pd.api.types.is_numeric_dtype(sweep[c])) for c in sweep.columns)
    return [
        _Heading("Handovers against kilometres"),
        _Para(
            "Each pooled plan is made with a cost (in seconds of driving) for every visit "
            "served by another provider's nurse, a handover; the row without a handover cost "
            "is the solo plan. The chart shows the kilometres saved against the number of "
            "handovers: the partners can choose a point on this curve."
        ),
        _Table(tuple(columns), rows, numeric),
        _Image("sweep.png", "Kilometres saved against the number of handovers"),
    ]


def _blocks(
    comparison: Comparison,
    allocations: Sequence[AllocationLike],
    core_checks: Mapping[str, CoreCheckLike],
    sweep: pd.DataFrame | None,
    title: str,
) -> list[_Block]:
    night = comparison.night
    s = comparison.settings
    info = _night_info(comparison)
    first, last = _night_span(night)
    overall, per_provider, closing = _summary_parts(comparison, core_checks)
    modes = ", ".join(f"{n} by {m}" for m, n in info["shifts_by_mode"].items())
    blocks: list[_Block] = [
        _Heading(title, 1),
        _Para(_COORDINATOR_NOTE, emphasis=True),
        _Heading("The night"),
        _List(
            (
                f"Night of {first:%A %d %B %Y}, {first:%H:%M} to {last:%H:%M}"
                + (f" ({last:%A})" if last.date() != first.date() else ""),
                f"{_n(len(night.visits), 'visit')}, {info['visits_pooling_consent']} of them "
                "with the client's consent to a nurse of another provider",
                f"{_n(len(comparison.providers), 'provider')}: "
                + ", ".join(x.name for x in comparison.providers),
                f"{_n(len(night.shifts), 'shift')}" + (f" ({modes})" if modes else ""),
            )
        ),
        _Heading("What it means"),
        _Para(" ".join(overall)),
        _List(tuple(per_provider)),
        _Para(" ".join(closing)),
        _Heading("Per provider"),
        _ledger_table(comparison),
        _List(
            (
                "km and drive minutes are those of the provider's own nurses, including "
                "visits they serve for other providers.",
                "served for others: visits of other providers' clients its nurses serve; "
                "served by others: its clients' visits served by other providers' nurses; "
                "km for others: the legs driven to the visits served for others.",
                f"lonely trip: a leg of more than {s.lonely_trip_km:g} km to one client while "
                "another provider's nurse is in the same village within "
                f"{s.lonely_window_s // 60} min.",
                f"CO₂: car kilometres at {s.co2_kg_per_km:g} kg per km (bikes emit none).",
                f"settlement: {_eur(s.transfer_eur_per_visit)} per visit and "
                f"{_eur(s.transfer_eur_per_km)} per km for each visit served for another "
                "provider; positive means the provider receives, negative that it pays.",
            )
        ),
        _Image("km.png", "Kilometres per provider, solo and pooled"),
        _Link("The routes of both plans: ", "map.html", "map.html", " (coordinator only)."),
    ]
    if allocations:
        blocks += _allocation_blocks(comparison, allocations)
    if core_checks:
        blocks += _core_blocks(core_checks)
    if sweep is not None:
        blocks += _sweep_blocks(sweep)
    blocks += [
        _Heading("Files"),
        _List(
            (
                "providers.csv: the table per provider; comparison.json: ledgers, totals, "
                "allocations, core checks and sweep.",
                "map.html: both plans on a map (loads Leaflet and map tiles from the web).",
            )
        ),
    ]
    return blocks


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(blocks: Sequence[_Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, _Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, _Para):
            out.append(f"*{b.text}*" if b.emphasis else b.text)
        elif isinstance(b, _List):
            out.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, _Image):
            out.append(f"![{b.alt}]({b.file})")
        elif isinstance(b, _Link):
            out.append(f"{b.before}[{b.text}]({b.file}){b.after}")
        else:
            lines = [
                "| " + " | ".join(_md_cell(h) for h in b.headers) + " |",
                "|" + "|".join("---:" if n else "---" for n in b.numeric) + "|",
            ]
            for i, row in enumerate(b.rows):
                cells = [_md_cell(c) for c in row]
                if b.bold_last and i == len(b.rows) - 1:
                    cells = [f"**{c}**" for c in cells]
                lines.append("| " + " | ".join(cells) + " |")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; background: #fff; }
h1 { font-size: 1.6rem; margin-top: 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
p.note { background: #fff6d5; border-left: 4px solid #e0b000; padding: .6rem .8rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; }
th { background: #f0f0f0; text-align: left; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f7f7f7; }
img { max-width: 100%; height: auto; }
li { margin: .2rem 0; }
"""


def _html(blocks: Sequence[_Block], title: str, images: Mapping[str, bytes]) -> str:
    e = html.escape
    body: list[str] = []
    for b in blocks:
        if isinstance(b, _Heading):
            body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, _Para):
            body.append(f'<p class="note">{e(b.text)}</p>' if b.emphasis else f"<p>{e(b.text)}</p>")
        elif isinstance(b, _List):
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, _Image):
            data = base64.b64encode(images[b.file]).decode("ascii")
            body.append(f'<img src="data:image/png;base64,{data}" alt="{e(b.alt)}">')
        elif isinstance(b, _Link):
            body.append(f'<p>{e(b.before)}<a href="{e(b.file)}">{e(b.text)}</a>{e(b.after)}</p>')
        else:
            head = "".join(
                f'<th class="num">{e(h)}</th>' if n else f"<th>{e(h)}</th>"
                for h, n in zip(b.headers, b.numeric, strict=True)
            )
            rows = []
            for i, row in enumerate(b.rows):
                cls = ' class="total"' if b.bold_last and i == len(b.rows) - 1 else ""
                cells = "".join(
                    f'<td class="num">{e(c)}</td>' if n else f"<td>{e(c)}</td>"
                    for c, n in zip(row, b.numeric, strict=True)
                )
                rows.append(f"<tr{cls}>{cells}</tr>")
            body.append(
                f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
