"""The comparison report: files, numbers equal to the ledgers, the map, and privacy."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zorgroute import output, planning, report
from zorgroute.exceptions import InputError
from zorgroute.model import Night, Shift, TimeWindow, Visit
from zorgroute.network import RoadNetwork
from zorgroute.pooling import Comparison, Ledger, compare
from zorgroute.solver import SolveOptions

from .test_solver import ORIGIN, grid_matrices, night_of, shift, visit

NOORD, OOST, ZUID = "Noord", "Zorg & Co/Oost", "Zuid"
EAST_LON = 6 + 10 / 68.46  # the village 10 km east, where Oost's nurse lives
PNG = b"\x89PNG\r\n\x1a\n"


def tiny_comparison() -> Comparison:
    """Noord has two consenting clients in Oost's village, 10 km from its office."""
    visits = [
        visit("n1", NOORD, 10.0, 0.1, 1, 3, pooling=True),
        visit("n2", NOORD, 10.2, 0.3, 1, 3, pooling=True),
        visit("n3", NOORD, 0.5, 0.4, 2, 4),
        visit("o1", OOST, 10.1, -0.2, 1, 3),
        visit("z1", ZUID, -5.5, -1.1, 2, 5),
    ]
    shifts = [
        shift("sn", NOORD),
        shift("so", OOST, start_lon=EAST_LON, end_lon=EAST_LON),
        shift("sz", ZUID, start_lon=6 - 6 / 68.46, end_lon=6 - 6 / 68.46),
    ]
    night = night_of(visits, shifts)
    return compare(night, grid_matrices(night), SolveOptions(time_limit_s=5, max_solutions=100))


@dataclass(frozen=True)
class FakeAllocation:
    """Shaped as zorgroute.allocation.Allocation is described."""

    method: str
    cost_share: Mapping[str, float]
    saving: Mapping[str, float]
    std_error: Mapping[str, float] | None = None
    note: str = ""


@dataclass(frozen=True)
class FakeCore:
    individually_rational: bool
    ir_violations: object
    in_core: bool
    core_violations: object


def allocations_of(comparison: Comparison) -> list[FakeAllocation]:
    solo = {x.name: x.solo_cost_eur for x in comparison.providers}
    pooled = comparison.total.pooled_cost_eur
    share = {p: pooled * c / sum(solo.values()) for p, c in solo.items()}
    equal = {p: c - comparison.total.saved_eur / len(solo) for p, c in solo.items()}
    return [
        FakeAllocation(
            "proportional", share, {p: solo[p] - share[p] for p in solo}, note="by solo cost"
        ),
        FakeAllocation(
            "shapley-sampled",
            equal,
            {p: solo[p] - equal[p] for p in solo},
            std_error=dict.fromkeys(solo, 0.25),
            note="2000 permutations",
        ),
    ]


CORE_CHECKS = {
    "proportional": FakeCore(True, {}, True, []),
    "shapley-sampled": FakeCore(
        False, {ZUID: 0.5}, False, {frozenset({NOORD, ZUID}): 1.5, frozenset({ZUID}): 0.5}
    ),
}

SWEEP = pd.DataFrame(
    [
        {"plan": "pooled, 0 s per handover", "handover_cost_s": 0, "handovers": 2, "km": 30.0},
        {"plan": "pooled, 900 s per handover", "handover_cost_s": 900, "handovers": 1, "km": 40.0},
        {"plan": "solo", "handover_cost_s": None, "handovers": 0, "km": 50.0},
    ]
).assign(km_saved=lambda t: 50.0 - t["km"], drive_min=[40.0, 50.0, 60.0], unplanned=0)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return tiny_comparison()


@pytest.fixture(scope="module")
def written(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return report.write_report(
        tmp_path_factory.mktemp("report"),
        comparison,
        allocations=allocations_of(comparison),
        core_checks=CORE_CHECKS,
        sweep=SWEEP,
        title="Tiny night",
    )


def test_the_night_pools(comparison: Comparison) -> None:
    # the fixture is what the other tests assume: Oost's nurse serves Noord's far clients
    served = {s.visit_id: r.shift_id for r in comparison.pooled.routes for s in r.stops}
    assert served["n1"] == served["n2"] == "so"
    assert comparison.total.saved_km > 0


def test_files_exist(written: dict[str, Path]) -> None:
    assert {p.name for p in written.values()} == {
        "report.md",
        "report.html",
        "map.html",
        "comparison.json",
        "providers.csv",
        "km.png",
        "sweep.csv",
        "sweep.png",
    }
    assert all(p.is_file() and p.stat().st_size > 0 for p in written.values())


def test_without_extras_only_the_core_files(comparison: Comparison, tmp_path: Path) -> None:
    paths = report.write_report(tmp_path, comparison)
    assert set(paths) == {"markdown", "html", "map", "json", "providers_csv", "km_png"}
    text = paths["markdown"].read_text(encoding="utf-8")
    assert "Sharing the saving" not in text and "Core check" not in text
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["sweep"] is None


def test_report_names_every_provider_the_total_and_the_coordinator(
    comparison: Comparison, written: dict[str, Path]
) -> None:
    md = written["markdown"].read_text(encoding="utf-8")
    page = written["html"].read_text(encoding="utf-8")
    assert md.startswith("# Tiny night")
    assert "coordinator's view" in md and "coordinator&#x27;s view" in page
    rows = {line.split("|")[1].strip(" *") for line in md.splitlines() if line.startswith("| ")}
    for ledger in comparison.providers:
        assert ledger.name in rows
        assert f"<td>{report.html.escape(ledger.name)}</td>" in page
    assert "Total" in rows
    total_row = next(line for line in md.splitlines() if line.startswith("| **Total**"))
    assert f"**{comparison.total.solo_km:.1f}**" in total_row
    assert f"**{comparison.total.pooled_km:.1f}**" in total_row
    # the night: date, visits, providers, shifts
    assert "Wednesday 25 November 2026, 22:00 to 07:00 (Thursday)" in md
    assert "5 visits, 2 of them with the client's consent" in md
    assert "3 providers" in md and "3 shifts (3 by car)" in md
    # what it means: one line per provider, and the core checks in words
    assert f"- {NOORD}: its nurses drive" in md and f"- {ZUID}: its nurses drive" in md
    assert "In the core (no group of providers pays more than on its own): proportional." in md
    assert "Not in the core (some group of providers pays more than on its own): " in md


def test_plain_words_follow_the_numbers(comparison: Comparison) -> None:
    t = comparison.total
    text = report.plain_summary(comparison)
    assert f"Pooling saves {t.saved_km:.1f} km" in text
    assert f"{t.pooled_km:.1f} km together instead of {t.solo_km:.1f} km" in text
    noord = next(x for x in comparison.providers if x.name == NOORD)
    oost = next(x for x in comparison.providers if x.name == OOST)
    assert f"{NOORD}: its nurses drive {noord.saved_km:.1f} km less" in text
    assert f"it pays €{-noord.settlement_eur:,.2f}" in text
    assert f"it receives €{oost.settlement_eur:,.2f}" in text

    # no saving claimed where there is none, and a loss said as such
    same = replace(comparison, total=replace(t, pooled_km=t.solo_km))
    assert "saves no kilometres" in report.plain_summary(same)
    worse = replace(comparison, total=replace(t, pooled_km=t.solo_km + 2))
    worse_text = report.plain_summary(worse)
    assert "Pooling saves" not in worse_text and "2.0 km more than solo" in worse_text


def test_providers_csv_equals_the_ledgers(comparison: Comparison, written: dict[str, Path]) -> None:
    table = pd.read_csv(written["providers_csv"], dtype={"name": str})
    ledgers = [*comparison.providers, comparison.total]
    assert list(table["name"]) == [x.name for x in ledgers]
    for ledger, row in zip(ledgers, table.to_dict(orient="records"), strict=True):
        for f in dataclasses.fields(Ledger):
            if f.name != "name":
                assert row[f.name] == pytest.approx(getattr(ledger, f.name)), f.name
        assert row["saved_km"] == pytest.approx(ledger.saved_km)
        assert row["saved_eur"] == pytest.approx(ledger.saved_eur)


def test_comparison_json_round_trips(comparison: Comparison, written: dict[str, Path]) -> None:
    text = written["json"].read_text(encoding="utf-8")
    data = json.loads(text)
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # plain JSON, no NaN
    assert data["view"] == "coordinator"
    names = [f.name for f in dataclasses.fields(Ledger)]
    again = [Ledger(**{k: d[k] for k in names}) for d in data["providers"]]
    assert again == list(comparison.providers)
    assert Ledger(**{k: data["total"][k] for k in names}) == comparison.total
    assert data["night"]["visits"] == 5 and data["night"]["providers"] == [NOORD, OOST, ZUID]

    allocations = allocations_of(comparison)
    assert [a["method"] for a in data["allocations"]] == [a.method for a in allocations]
    for a, d in zip(allocations, data["allocations"], strict=True):
        assert d["cost_share"] == pytest.approx(dict(a.cost_share))
        assert d["saving"] == pytest.approx(dict(a.saving))
        assert d["note"] == a.note
    assert data["allocations"][1]["std_error"] == dict.fromkeys([NOORD, OOST, ZUID], 0.25)
    core = data["core_checks"]["shapley-sampled"]
    assert core["individually_rational"] is False and core["in_core"] is False
    assert {"coalition": [NOORD, ZUID], "excess_eur": 1.5} in core["core_violations"]
    assert core["ir_violations"] == [{"coalition": [ZUID], "excess_eur": 0.5}]

    assert data["sweep"][-1]["handover_cost_s"] is None  # NaN became null
    assert [r["km_saved"] for r in data["sweep"]] == list(SWEEP["km_saved"])


def test_charts_are_pngs_embedded_in_the_html(written: dict[str, Path]) -> None:
    km = written["km_png"].read_bytes()
    assert km.startswith(PNG) and written["sweep_png"].read_bytes().startswith(PNG)
    page = written["html"].read_text(encoding="utf-8")
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(embedded[0]) == km
    assert len(embedded) == 2
    # self-contained: no scripts, no stylesheets or images from elsewhere; only the map link
    assert "<script" not in page and "<link" not in page
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert {r for r in refs if not r.startswith("data:image/png;base64,")} == {"map.html"}
    assert "[map.html](map.html)" in written["markdown"].read_text(encoding="utf-8")


def test_allocation_and_core_tables(written: dict[str, Path]) -> None:
    md = written["markdown"].read_text(encoding="utf-8")
    header = next(line for line in md.splitlines() if "solo cost €" in line)
    assert "proportional: cost share €" in header and "proportional: saving €" in header
    assert "shapley-sampled: std error €" in header
    assert "proportional: std error €" not in header  # only where given
    assert "- proportional: by solo cost" in md and "- shapley-sampled: 2000 permutations" in md
    core = next(line for line in md.splitlines() if line.startswith("| shapley-sampled"))
    assert [c.strip() for c in core.strip("|").split("|")] == [
        "shapley-sampled",
        "no",
        "Zuid (0.50)",
        "no",
        "Noord + Zuid (1.50); Zuid (0.50)",
        "–",  # the fake check does not say how many coalitions it checked
    ]
    ok = next(line for line in md.splitlines() if line.startswith("| proportional | yes"))
    assert ok.count("none") == 2


def test_sweep_table_and_csv(written: dict[str, Path]) -> None:
    md = written["markdown"].read_text(encoding="utf-8")
    assert "## Handovers against kilometres" in md and "![" in md and "(sweep.png)" in md
    assert "| solo | – | 0 | 50.00 | 0.00 |" in md
    again = pd.read_csv(written["sweep_csv"])
    pd.testing.assert_frame_equal(again, SWEEP, check_dtype=False)


def test_a_sweep_without_its_columns_is_refused(comparison: Comparison, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        report.write_report(tmp_path, comparison, sweep=SWEEP.drop(columns=["km_saved"]))
    assert [p.column for p in info.value.problems] == ["km_saved"]
    assert not (tmp_path / "report.md").exists()  # refused before writing anything


def test_map_has_both_plans_as_layers(comparison: Comparison, written: dict[str, Path]) -> None:
    page = written["map"].read_text(encoding="utf-8")
    assert "leaflet" in page.lower() and "L.map(" in page
    assert '"Solo plan"' in page and '"Pooled plan"' in page and "L.control.layers" in page
    assert "fitBounds" in page
    night = comparison.night
    assert page.count("L.circleMarker(") == 2 * len(night.visits) + len(night.shifts)
    assert "cdnjs.cloudflare.com/ajax/libs/leaflet-dvf" not in page  # no extra plugins
    assert page.count("L.polyline(") == len(comparison.solo.routes) + len(comparison.pooled.routes)
    colours = report.provider_colours(comparison)
    assert len(set(colours.values())) == 3 and all(c in page for c in colours.values())
    assert "Zorg &amp; Co/Oost" in page  # names escaped, also in the legend


def _strings_and_numbers(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings_and_numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_and_numbers(v)
    else:
        yield value


def test_provider_views_keep_other_clients_private(comparison: Comparison, tmp_path: Path) -> None:
    paths = report.write_provider_views(tmp_path, comparison)
    assert set(paths) == {NOORD, OOST, ZUID}
    night = comparison.night
    for provider, path in paths.items():
        text = path.read_text(encoding="utf-8")
        values = list(_strings_and_numbers(json.loads(text)))
        for v in night.visits:
            secrets = [json.dumps(v.lat), json.dumps(v.lon), json.dumps(v.client_id)]
            if v.provider == provider:  # its own clients in full
                assert all(s in text for s in secrets), (provider, v.visit_id)
                assert v.client_id in values and v.lat in values
            else:
                assert not any(s in text for s in secrets), (provider, v.visit_id)
                assert v.client_id not in values
                assert not any(x == v.lat or x == v.lon for x in values if isinstance(x, float))
    # Oost serves Noord's clients: it sees them, but only by visit id and village
    oost = json.loads(paths[OOST].read_text(encoding="utf-8"))
    seen = {s["visit_id"]: s for s in oost["pooled_stops"] if not s["own_client"]}
    assert {"n1", "n2"} <= set(seen)
    assert all(set(s) == {"shift_id", "stop", "visit_id", "village", "service_start",
                          "own_client"} for s in seen.values())  # fmt: skip


def test_provider_view_file_names_are_safe(comparison: Comparison, tmp_path: Path) -> None:
    paths = report.write_provider_views(tmp_path / "views", comparison)
    assert paths[OOST].name == "provider_Zorg-Co-Oost.json"
    assert all(p.parent == tmp_path / "views" for p in paths.values())
    stems = report.file_stems(["A/B", "A B", "a-b", "../..", "", "Zoë"])
    assert len({s.lower() for s in stems}) == 6
    assert all(re.fullmatch(r"[0-9A-Za-z_-]+", s) for s in stems)
    assert stems[3].startswith("provider") and stems[5] == "Zoe"


def test_violations_in_every_shape() -> None:
    v = report.Violation
    assert report.violations(None) == []
    assert report.violations({"A": 2}) == [v(("A",), 2.0)]
    assert report.violations({("B", "A"): 1.0}) == [v(("A", "B"), 1.0)]
    assert report.violations([frozenset({"B", "A"})]) == [v(("A", "B"), None)]
    assert report.violations([(("A", "C"), 0.5), "B"]) == [v(("A", "C"), 0.5), v(("B",), None)]
    # allocated and stand-alone cost, as zorgroute.allocation.check_core gives them
    assert report.violations([(frozenset({"B", "A"}), 7.0, 4.5)]) == [v(("A", "B"), 2.5)]

    @dataclass
    class Excess:
        coalition: frozenset[str]
        excess: float

    assert report.violations([Excess(frozenset({"A"}), 3.0)]) == [v(("A",), 3.0)]


def test_map_routes_follow_the_roads(demo_network: RoadNetwork, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    points = rng.integers(0, demo_network.geom_lon.size, 4)
    visits = [
        Visit(
            f"v{i}",
            f"c{i}",
            "AB"[i % 2],
            float(demo_network.geom_lat[p]),
            float(demo_network.geom_lon[p]),
            (TimeWindow(36_000, 60_000),),
            900,
            pooling=True,
        )
        for i, p in enumerate(points)
    ]
    office = (float(demo_network.node_lat[0]), float(demo_network.node_lon[0]))
    shifts = [Shift(f"s{p}", p, *office, *office, 36_000, 66_000) for p in "AB"]
    night = Night(tuple(visits), tuple(shifts), ORIGIN, ("A", "B"))
    networks = {"car": demo_network}
    matrices, travel = planning.night_matrices(night, networks, cache=False)
    comparison = compare(night, matrices, SolveOptions(time_limit_s=5, max_solutions=100))
    path = report.write_map(tmp_path / "map.html", comparison, networks=networks, travel=travel)
    page = path.read_text(encoding="utf-8")
    geo = output.plan_geojson(night, comparison.pooled, networks=networks, travel=travel)
    (line, *_) = [
        f["geometry"]["coordinates"]
        for f in geo["features"]
        if f["geometry"]["type"] == "LineString"
    ]
    assert len(line) > len(night.visits) + 2  # bends of the road, not stop to stop
    lon, lat = line[len(line) // 2]
    assert f"[{lat}, {lon}]" in page


def test_with_the_allocation_module(comparison: Comparison, tmp_path: Path) -> None:
    allocation = pytest.importorskip("zorgroute.allocation")
    # a hand-made game: Oost is cheap alone, and Oost with Zuid cheaper than both alone
    costs = {
        frozenset({NOORD}): 22.0,
        frozenset({OOST}): 1.0,
        frozenset({ZUID}): 3.0,
        frozenset({NOORD, OOST}): 6.0,
        frozenset({NOORD, ZUID}): 20.0,
        frozenset({OOST, ZUID}): 3.5,
        frozenset({NOORD, OOST, ZUID}): 7.0,
    }
    game = allocation.CostGame([NOORD, OOST, ZUID], costs.__getitem__)
    share = {NOORD: 1.0, OOST: 3.0, ZUID: 3.0}
    bad = allocation.Allocation(
        "hand-made", share, {p: costs[frozenset({p})] - x for p, x in share.items()}
    )
    shapley = allocation.shapley(game)
    checks = {
        "hand-made": allocation.check_core(game, bad),
        "shapley": allocation.check_core(game, shapley),
    }
    paths = report.write_report(
        tmp_path, comparison, allocations=[bad, shapley], core_checks=checks
    )
    md = paths["markdown"].read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| hand-made"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:2] == ["hand-made", "no"] and cells[2] == f"{OOST} (2.00)"
    assert cells[3] == "no" and f"{OOST} + {ZUID} (2.50)" in cells[4] and cells[5] == "all 7"
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["allocations"][1]["method"] == shapley.method
    assert data["allocations"][1]["cost_share"] == pytest.approx(dict(shapley.cost_share))
    assert data["core_checks"]["hand-made"]["exhaustive"] is True
