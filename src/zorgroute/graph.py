"""Road graphs of a region from OpenStreetMap: the one module of zorgroute that speaks osmnx.

A planner's region becomes a directed road graph for one travel profile (car or bike):

1. read the OSM data, from a local file (``.osm``, ``.osm.bz2``, ``.osm.pbf``, via pyosmium)
   or online from a place name, bounding box or polygon (osmnx, with its HTTP cache);
2. keep the ways the profile may use (:data:`CAR` keeps drivable roads, :data:`BIKE` adds
   cycle paths and ignores one-way restrictions);
3. keep the largest strongly connected component, so every address can reach every other;
4. give every edge a speed (from ``maxspeed``, else the profile's default per road type)
   and a travel time, *before* simplification, so merged edges sum exact times;
5. simplify (merge chains of edges between junctions).

The result is a networkx ``MultiDiGraph`` with ``length`` (m), ``speed_kph`` and
``travel_time`` (s) on every edge and the source, mode and build date in ``G.graph``. It is
saved as GraphML (optionally gzip-compressed) and turned into a plain-array
:class:`~zorgroute.network.RoadNetwork` for the travel-matrix engine by :func:`to_network`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import logging
import math
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np

from zorgroute import __version__
from zorgroute.exceptions import (
    DownloadError,
    GraphWarning,
    InputError,
    MissingDependencyError,
    Problem,
)
from zorgroute.network import RoadNetwork

log = logging.getLogger(__name__)

#: A road graph as osmnx makes it (nodes are OSM ids).
RoadGraph: TypeAlias = "nx.MultiDiGraph[Any]"

# --------------------------------------------------------------------------------------------
# Travel profiles
# --------------------------------------------------------------------------------------------

#: Default car speeds (km/h) per OSM road type where a way has no usable ``maxspeed``.
#: Chosen for Dutch rural roads: 80 is the legal limit outside built-up areas but most
#: municipal rural roads are 60 zones, residential streets are 30 zones, a ``woonerf``
#: (living street) is walking pace, and farm and service roads are slow.
DUTCH_RURAL_CAR_KPH: Mapping[str, float] = {
    "motorway": 100.0,
    "motorway_link": 70.0,
    "trunk": 80.0,
    "trunk_link": 60.0,
    "primary": 80.0,
    "primary_link": 60.0,
    "secondary": 70.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 50.0,
    "unclassified": 60.0,
    "road": 50.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
}

#: Speed limits implied by ``maxspeed`` zone values (``NL:rural``, ``BE-VLG:urban`` …), km/h.
ZONE_KPH: Mapping[str, float] = {
    "NL:urban": 50.0,
    "NL:rural": 80.0,
    "NL:motorway": 100.0,
    "NL:trunk": 100.0,
    "BE:urban": 50.0,
    "BE-VLG:urban": 50.0,
    "BE-VLG:rural": 70.0,
    "BE-WAL:rural": 90.0,
    "BE-BRU:urban": 30.0,
    "BE:rural": 90.0,
    "BE:motorway": 120.0,
    "DE:urban": 50.0,
    "DE:rural": 100.0,
    "DE:motorway": 130.0,
    "walk": 6.0,
    "living_street": 15.0,
}


@dataclass(frozen=True)
class TravelProfile:
    """How one mode of travel uses the roads.

    Attributes
    ----------
    name
        ``"car"`` or ``"bike"`` (or a name of your own).
    highways
        OSM ``highway`` values this mode may use.
    speed_kph_by_highway
        Speed per ``highway`` value where ``maxspeed`` is absent or not used.
    default_speed_kph
        Speed for a ``highway`` value missing from ``speed_kph_by_highway``.
    use_maxspeed
        Take the speed from the way's ``maxspeed`` tag where it parses.
    max_speed_kph
        Cap on any speed (a bike does not go 80 on a road signed 80).
    two_way
        Ignore one-way restrictions (cyclists in the Netherlands mostly may ride both ways).
    conditional_highways
        ``highway`` values usable only if one of the ``mode_tags`` says yes or designated
        (a footway a cyclist may use).
    mode_tags
        Access tags that speak for this mode, most specific last (``motor_vehicle``,
        ``motorcar`` for cars; ``bicycle`` for bikes).
    excluded_access
        Values of ``access`` (or a mode tag) that exclude a way.
    excluded_service
        Values of ``service`` that exclude a way (parking aisles, driveways).
    """

    name: str
    highways: frozenset[str]
    speed_kph_by_highway: Mapping[str, float]
    default_speed_kph: float
    use_maxspeed: bool = True
    max_speed_kph: float = 130.0
    two_way: bool = False
    conditional_highways: frozenset[str] = frozenset()
    mode_tags: tuple[str, ...] = ()
    excluded_access: frozenset[str] = frozenset({"no", "private"})
    excluded_service: frozenset[str] = frozenset()
    extra_tags: tuple[str, ...] = field(default=())

    def overpass_filter(self) -> str:
        """The Overpass QL way filter that downloads what this profile can use."""
        kinds = sorted(self.highways | self.conditional_highways)
        return f'["highway"~"^({"|".join(kinds)})$"]["area"!~"yes"]'


CAR = TravelProfile(
    name="car",
    highways=frozenset(DUTCH_RURAL_CAR_KPH),
    speed_kph_by_highway=DUTCH_RURAL_CAR_KPH,
    default_speed_kph=50.0,
    mode_tags=("motor_vehicle", "motorcar"),
    excluded_service=frozenset(
        {"parking", "parking_aisle", "driveway", "private", "emergency_access", "drive-through"}
    ),
)

#: Cycling at a steady 15 km/h (a district nurse on an e-bike rides faster: override it).
BIKE_KPH = 15.0

BIKE = TravelProfile(
    name="bike",
    highways=frozenset(
        {
            "primary",
            "primary_link",
            "secondary",
            "secondary_link",
            "tertiary",
            "tertiary_link",
            "unclassified",
            "residential",
            "living_street",
            "service",
            "road",
            "cycleway",
            "track",
            "path",
        }
    ),
    conditional_highways=frozenset({"footway", "pedestrian", "bridleway", "trunk", "trunk_link"}),
    speed_kph_by_highway={},
    default_speed_kph=BIKE_KPH,
    use_maxspeed=False,
    max_speed_kph=BIKE_KPH,
    two_way=True,
    mode_tags=("bicycle",),
    excluded_service=frozenset({"parking_aisle", "emergency_access"}),
)

PROFILES: Mapping[str, TravelProfile] = {"car": CAR, "bike": BIKE}

_WAY_TAGS = (
    "access",
    "area",
    "highway",
    "junction",
    "maxspeed",
    "name",
    "oneway",
    "ref",
    "service",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "bicycle",
)


def profile_for(mode: str | TravelProfile) -> TravelProfile:
    """The travel profile named ``mode`` (``"car"`` or ``"bike"``), or ``mode`` itself.

    Raises
    ------
    InputError
        If ``mode`` names no known profile.
    """
    if isinstance(mode, TravelProfile):
        return mode
    try:
        return PROFILES[mode]
    except KeyError:
        raise InputError.single(
            f"unknown travel mode {mode!r}; choose one of {', '.join(PROFILES)}",
            column="mode",
            value=str(mode),
        ) from None


# --------------------------------------------------------------------------------------------
# Speeds
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")
_ZONE = re.compile(r"zone:?(\d+)$", re.IGNORECASE)


def parse_maxspeed(value: Any) -> float | None:
    """Speed in km/h from an OSM ``maxspeed`` value, or ``None`` if it does not parse.

    Understands plain numbers, ``mph``, zone codes (``NL:rural``, ``BE:zone30``), ``walk``
    and several values (``"50;70"`` or a list after simplification: the lowest counts).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    values: list[Any] = list(value) if isinstance(value, list | tuple) else [value]
    speeds: list[float] = []
    for item in values:
        for part in str(item).split(";"):
            part = part.strip()
            match = _NUMBER.match(part)
            if match:
                kph = float(match.group(1))
                if match.group(2) == "mph":
                    kph *= 1.609344
                if kph > 0:
                    speeds.append(kph)
                continue
            if part in ZONE_KPH:
                speeds.append(ZONE_KPH[part])
                continue
            zone = _ZONE.search(part)
            if zone:
                speeds.append(float(zone.group(1)))
            elif part.endswith(":urban"):
                speeds.append(50.0)
            elif part.endswith(":rural"):
                speeds.append(80.0)
    return min(speeds) if speeds else None


def _highway_value(value: Any, profile: TravelProfile) -> str:
    """One ``highway`` value for an edge (osmnx may give a list): the fastest known one."""
    if isinstance(value, list | tuple):
        known = sorted(str(v) for v in value)
        return max(
            known, key=lambda v: (profile.speed_kph_by_highway.get(v, profile.default_speed_kph), v)
        )
    return str(value)


def edge_speed_kph(data: Mapping[str, Any], profile: TravelProfile) -> float:
    """Travel speed (km/h) of one edge for ``profile``: maxspeed, else the road-type default."""
    speed: float | None = None
    if profile.use_maxspeed:
        speed = parse_maxspeed(data.get("maxspeed"))
    if speed is None:
        highway = _highway_value(data.get("highway", ""), profile)
        speed = profile.speed_kph_by_highway.get(highway, profile.default_speed_kph)
    return float(min(speed, profile.max_speed_kph))


def add_travel_times(G: RoadGraph, profile: TravelProfile) -> None:
    """Set ``speed_kph`` and ``travel_time`` (s) on every edge of ``G`` in place."""
    for _, _, data in G.edges(data=True):
        kph = edge_speed_kph(data, profile)
        data["speed_kph"] = kph
        data["travel_time"] = float(data["length"]) / (kph / 3.6)


# --------------------------------------------------------------------------------------------
# Reading OSM data
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _osmnx_settings(**overrides: Any) -> Iterator[Any]:
    """osmnx with some settings changed for the duration of one call, then restored."""
    ox = _import_osmnx()
    old = {key: getattr(ox.settings, key) for key in overrides}
    try:
        for key, value in overrides.items():
            setattr(ox.settings, key, value)
        yield ox
    finally:
        for key, value in old.items():
            setattr(ox.settings, key, value)


def _import_osmnx() -> Any:
    try:
        import osmnx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("osmnx", "osm") from exc
    return osmnx


def _write_highways_xml(path: Path, out: Path) -> int:
    """Copy the highway ways of any OSM file into plain OSM XML that osmnx can read.

    A way that references nodes missing from the file (a clipped extract) is split at the
    gaps, so no edge jumps across them. Returns the number of ways written.
    """
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError("osmium", "osm") from exc

    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], dict[str, str]]] = []
    max_way_id = 0
    try:
        objects: Any = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        for obj in objects.with_locations():
            if not obj.is_way():
                continue
            max_way_id = max(max_way_id, obj.id)
            tags = {tag.k: tag.v for tag in obj.tags}
            if "highway" not in tags:
                continue
            run: list[int] = []
            runs: list[list[int]] = []
            for ref in obj.nodes:
                if ref.location.valid():
                    nodes[ref.ref] = (ref.location.lat, ref.location.lon)
                    run.append(ref.ref)
                else:
                    if len(run) >= 2:
                        runs.append(run)
                    run = []
            if len(run) >= 2:
                runs.append(run)
            kept = {k: v for k, v in tags.items() if k in _WAY_TAGS}
            for piece in runs:
                ways.append((piece, {**kept, "_way": str(obj.id)}))
    except RuntimeError as exc:
        raise InputError.single(
            f"cannot read OSM file: {exc}; is it a complete .osm, .osm.bz2 or .osm.pbf file?",
            source=str(path),
        ) from exc

    with out.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for node_id, (lat, lon) in nodes.items():
            f.write(f'<node id="{node_id}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>\n')
        seen: set[str] = set()
        for refs, tags in ways:
            original = tags.pop("_way")
            # a way split at gaps keeps its id for the first piece, fresh ids after that
            if original in seen:
                max_way_id += 1
                way_id = str(max_way_id)
            else:
                seen.add(original)
                way_id = original
            f.write(f'<way id="{way_id}" version="1">')
            f.write("".join(f'<nd ref="{r}"/>' for r in refs))
            f.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
            f.write("</way>\n")
        f.write("</osm>\n")
    return len(ways)


def _check_osm_path(path: Path) -> None:
    problems = []
    if not path.exists():
        problems.append(Problem("file not found", source=str(path)))
    elif path.is_dir():
        problems.append(Problem("is a directory, not an OSM file", source=str(path)))
    elif not any(str(path).endswith(s) for s in (".osm", ".osm.bz2", ".osm.gz", ".pbf", ".xml")):
        problems.append(
            Problem(
                "unsupported file type: give an .osm, .osm.bz2 or .osm.pbf file",
                source=str(path),
            )
        )
    if problems:
        raise InputError(problems, summary=f"cannot read OSM file {path}")


def read_osm_file(
    path: str | Path, *, mode: str | TravelProfile = "car", simplify: bool = True
) -> RoadGraph:
    """Build the road graph of one travel mode from a local OpenStreetMap file.

    Parameters
    ----------
    path
        An ``.osm`` (XML), ``.osm.bz2`` or ``.osm.pbf`` file. Ways that run out of a clipped
        extract are cut where their nodes are missing.
    mode
        ``"car"``, ``"bike"`` or a :class:`TravelProfile`.
    simplify
        Merge chains of edges between junctions (the default); ``False`` keeps one edge per
        OSM way segment.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified, strongly connected, with ``length``, ``speed_kph`` and ``travel_time``
        on every edge (see the module docstring).

    Raises
    ------
    InputError
        If the file is missing, unreadable or corrupt, or holds no roads for ``mode``.
    """
    path = Path(path)
    profile = profile_for(mode)
    _check_osm_path(path)
    log.info("reading roads from %s", path)
    with tempfile.TemporaryDirectory(prefix="zorgroute-") as tmp:
        xml = Path(tmp) / "highways.osm"
        n_ways = _write_highways_xml(path, xml)
        if n_ways == 0:
            raise InputError.single(
                "the file holds no roads (no ways tagged highway=*); "
                "is it an OSM extract of the right area?",
                source=str(path),
            )
        with _osmnx_settings(useful_tags_way=list(_WAY_TAGS)) as ox:
            raw = ox.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    return prepare_graph(raw, profile=profile, source=path.name, simplify=simplify)


def fetch_graph(
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    polygon: Any = None,
    mode: str | TravelProfile = "car",
    cache_folder: str | Path | None = None,
) -> RoadGraph:
    """Download the road graph of a region from OpenStreetMap (needs internet).

    Exactly one of ``place``, ``bbox`` and ``polygon`` names the region. Downloads go through
    osmnx's HTTP cache, so a second build of the same region works offline.

    Parameters
    ----------
    place
        A place name Nominatim knows, e.g. ``"Borger-Odoorn, Drenthe, Netherlands"``.
    bbox
        ``(south, west, north, east)`` in degrees.
    polygon
        A shapely (Multi)Polygon in WGS84.
    mode
        ``"car"``, ``"bike"`` or a :class:`TravelProfile`.
    cache_folder
        Where osmnx keeps its HTTP cache (default: osmnx's ``./cache``).

    Raises
    ------
    InputError
        If not exactly one region is given, the place is unknown, or the region holds no roads.
    DownloadError
        If OpenStreetMap's servers cannot be reached.
    """
    profile = profile_for(mode)
    given = [name for name, v in (("place", place), ("bbox", bbox), ("polygon", polygon)) if v]
    if len(given) != 1:
        raise InputError.single(
            "give exactly one of place, bbox or polygon", value=", ".join(given) or "none"
        )
    problems: list[Problem] = []
    if bbox is not None:
        south, west, north, east = bbox
        if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
            problems.append(
                Problem(
                    "bounding box must be south,west,north,east with south < north and west < east",
                    column="bbox",
                    value=",".join(map(str, bbox)),
                )
            )
    if problems:
        raise InputError(problems, summary="bad region")
    settings: dict[str, Any] = {"use_cache": True, "useful_tags_way": list(_WAY_TAGS)}
    if cache_folder is not None:
        settings["cache_folder"] = str(cache_folder)
    with _osmnx_settings(**settings) as ox:
        kwargs = {"custom_filter": profile.overpass_filter(), "simplify": False, "retain_all": True}
        try:
            if place is not None:
                raw = ox.graph_from_place(place, **kwargs)
                source = place
            elif bbox is not None:
                south, west, north, east = bbox
                raw = ox.graph_from_bbox((west, south, east, north), **kwargs)
                source = f"bbox {south},{west},{north},{east}"
            else:
                raw = ox.graph_from_polygon(polygon, **kwargs)
                source = "polygon"
        except ox._errors.InsufficientResponseError as exc:
            raise InputError.single(
                f"OpenStreetMap returned nothing for this region: {exc}; "
                "check the spelling of the place, or give a bounding box",
                source=str(place or bbox or "polygon"),
            ) from exc
        except (OSError, ConnectionError) as exc:
            raise DownloadError(
                f"cannot reach OpenStreetMap ({exc}); check the internet connection, or build "
                "from a local file with `zorgroute graph build`"
            ) from exc
        except Exception as exc:
            if type(exc).__module__.startswith("requests"):
                raise DownloadError(f"download from OpenStreetMap failed: {exc}") from exc
            raise
    return prepare_graph(raw, profile=profile, source=source)


# --------------------------------------------------------------------------------------------
# From raw OSM graph to a routable one
# --------------------------------------------------------------------------------------------


def _usable(data: Mapping[str, Any], profile: TravelProfile) -> bool:
    highway = data.get("highway")
    if isinstance(highway, list):  # an already-simplified graph: any usable part counts
        return any(_usable({**data, "highway": h}, profile) for h in highway)
    if data.get("area") == "yes":
        return False
    mode_values = [data.get(tag) for tag in profile.mode_tags if data.get(tag)]
    mode_says = mode_values[-1] if mode_values else None
    if mode_says in profile.excluded_access:
        return False
    if highway in profile.conditional_highways:
        return mode_says in {"yes", "designated", "permissive", "destination"}
    if highway not in profile.highways:
        return False
    if data.get("service") in profile.excluded_service:
        return False
    access = data.get("access")
    return not (access in profile.excluded_access and mode_says not in {"yes", "designated"})


def prepare_graph(
    raw: RoadGraph, *, profile: TravelProfile, source: str, simplify: bool = True
) -> RoadGraph:
    """Turn a raw (unsimplified) osmnx graph into a routable graph for ``profile``.

    Keeps the usable ways, adds reverse edges for two-way profiles, keeps the largest strongly
    connected component (warning with :class:`GraphWarning` if more than 5 % of the road
    length is lost), sets speeds and travel times, simplifies and records metadata.

    Raises
    ------
    InputError
        If no road is usable by ``profile``.
    """
    ox = _import_osmnx()
    G: RoadGraph = nx.MultiDiGraph()
    G.graph.update(raw.graph)
    G.add_nodes_from(raw.nodes(data=True))
    for u, v, k, d in raw.edges(keys=True, data=True):
        if _usable(d, profile):
            G.add_edge(u, v, key=k, **d)
    if profile.two_way:
        for u, v, d in list(G.edges(data=True)):
            if not G.has_edge(v, u):
                rev = dict(d)
                if "geometry" in rev:
                    rev["geometry"] = rev["geometry"].reverse()
                rev["reversed"] = True
                G.add_edge(v, u, **rev)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        raise InputError.single(
            f"no roads usable by {profile.name} in this data; "
            "is it an OSM extract of the right area, with highways in it?",
            source=source,
        )
    if any("length" not in d for _, _, d in G.edges(data=True)):
        G = ox.distance.add_edge_lengths(G)
    total_m = sum(float(d["length"]) for _, _, d in G.edges(data=True))
    G = ox.truncate.largest_component(G, strongly=True)
    kept_m = sum(float(d["length"]) for _, _, d in G.edges(data=True))
    if G.number_of_edges() == 0:
        raise InputError.single(
            "the roads do not form any connected network (every way is one-way into a dead "
            "end); check the file",
            source=source,
        )
    if kept_m < 0.95 * total_m:
        warnings.warn(
            f"{source}: the road graph is in several pieces; kept the largest strongly "
            f"connected one with {kept_m / 1000:.1f} of {total_m / 1000:.1f} km of road "
            f"({G.number_of_nodes()} nodes). Addresses near the dropped roads will snap to the "
            "kept ones; use a larger extract if that matters.",
            GraphWarning,
            stacklevel=2,
        )
    add_travel_times(G, profile)
    if simplify and not G.graph.get("simplified", False):
        G = ox.simplify_graph(G, edge_attr_aggs={"length": sum, "travel_time": sum})
        for _, _, d in G.edges(data=True):
            # merged attributes come as lists in set order: sort them so that every build of
            # the same data is the same graph (and the same file)
            for key, value in d.items():
                if isinstance(value, list):
                    d[key] = sorted(value, key=str)
            d["speed_kph"] = (
                round(float(d["length"]) / float(d["travel_time"]) * 3.6, 3)
                if d["travel_time"]
                else profile.default_speed_kph
            )
    G.graph.update(
        {
            "zorgroute_source": source,
            "zorgroute_mode": profile.name,
            "zorgroute_built_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "zorgroute_version": __version__,
            "zorgroute_speeds_kph": json.dumps(dict(profile.speed_kph_by_highway)),
            "zorgroute_default_speed_kph": profile.default_speed_kph,
            "zorgroute_attribution": "© OpenStreetMap contributors (ODbL 1.0)",
        }
    )
    log.info(
        "road graph for %s: %d nodes, %d edges", profile.name, G.number_of_nodes(), len(G.edges)
    )
    return G


# --------------------------------------------------------------------------------------------
# Saving, loading and describing
# --------------------------------------------------------------------------------------------


def save_graph(G: RoadGraph, path: str | Path) -> Path:
    """Save ``G`` as GraphML; a name ending in ``.gz`` is gzip-compressed.

    Source, mode and build date travel in the graph attributes (``zorgroute_*``).
    """
    ox = _import_osmnx()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with tempfile.TemporaryDirectory(prefix="zorgroute-") as tmp:
            plain = Path(tmp) / "graph.graphml"
            ox.save_graphml(G, plain)
            # mtime=0 keeps the file identical for identical graphs (reproducible builds)
            with plain.open("rb") as src, gzip.GzipFile(path, "wb", mtime=0) as dst:
                dst.write(src.read())
    else:
        ox.save_graphml(G, path)
    return path


def load_graph(path: str | Path) -> RoadGraph:
    """Load a road graph saved by :func:`save_graph` (or any osmnx GraphML file).

    A graph without travel times (saved by plain osmnx) gets them from the car profile, or
    the profile named in its ``zorgroute_mode``.

    Raises
    ------
    InputError
        If the file is missing or is not a readable GraphML road graph.
    """
    ox = _import_osmnx()
    path = Path(path)
    if not path.is_file():
        raise InputError.single("graph file not found", source=str(path))
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as f:
                G: RoadGraph = ox.load_graphml(graphml_str=f.read())
        else:
            G = ox.load_graphml(path)
    except Exception as exc:  # osmnx/networkx raise a zoo of types for a bad file
        raise InputError.single(
            f"not a readable GraphML road graph ({type(exc).__name__}: {exc}); build one with "
            "`zorgroute graph build`",
            source=str(path),
        ) from exc
    if G.number_of_edges() == 0:
        raise InputError.single("the graph has no edges", source=str(path))
    if any("travel_time" not in d for _, _, d in G.edges(data=True)):
        add_travel_times(G, profile_for(str(G.graph.get("zorgroute_mode", "car"))))
    return G


@dataclass(frozen=True)
class GraphInfo:
    """What a road graph holds, for ``zorgroute graph info``."""

    nodes: int
    edges: int
    road_km: float
    lane_km: float
    area_km2: float
    bbox: tuple[float, float, float, float]
    mode: str
    source: str
    built_at: str

    def lines(self) -> list[str]:
        s, w, n, e = self.bbox
        return [
            f"source:   {self.source}",
            f"mode:     {self.mode}",
            f"built:    {self.built_at}",
            f"nodes:    {self.nodes:,}",
            f"edges:    {self.edges:,} (directed)",
            f"roads:    {self.road_km:,.1f} km ({self.lane_km:,.1f} km counting each direction)",
            f"area:     {self.area_km2:,.1f} km² (convex hull of the nodes)",
            f"bbox:     S{s:.4f} W{w:.4f} N{n:.4f} E{e:.4f}",
        ]


def graph_info(G: RoadGraph) -> GraphInfo:
    """Size, length of road, area and provenance of ``G``."""
    from shapely import MultiPoint

    from zorgroute.geo import LocalProjection

    lane_m = 0.0
    road_m = 0.0
    for u, v, d in G.edges(data=True):
        length = float(d["length"])
        lane_m += length
        # a two-way road is two directed edges: count it once
        if not (G.has_edge(v, u) and u > v):
            road_m += length
    lons = np.array([d["x"] for _, d in G.nodes(data=True)], dtype=float)
    lats = np.array([d["y"] for _, d in G.nodes(data=True)], dtype=float)
    proj = LocalProjection.around(lons, lats)
    x, y = proj.forward(lons, lats)
    area = MultiPoint(np.column_stack([x, y])).convex_hull.area / 1e6
    return GraphInfo(
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
        road_km=road_m / 1000,
        lane_km=lane_m / 1000,
        area_km2=float(area),
        bbox=(float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())),
        mode=str(G.graph.get("zorgroute_mode", "unknown")),
        source=str(G.graph.get("zorgroute_source", "unknown")),
        built_at=str(G.graph.get("zorgroute_built_at", G.graph.get("created_date", "unknown"))),
    )


def to_network(G: RoadGraph) -> RoadNetwork:
    """The plain-array :class:`RoadNetwork` of ``G`` (nodes renumbered ``0..n-1``)."""
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    node_lon = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    node_lat = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    us, vs, lengths, times, offsets = [], [], [], [], [0]
    geom_lon: list[float] = []
    geom_lat: list[float] = []
    for u, v, d in G.edges(data=True):
        us.append(index[u])
        vs.append(index[v])
        lengths.append(float(d["length"]))
        times.append(float(d["travel_time"]))
        geom = d.get("geometry")
        if geom is not None:
            xs, ys = geom.xy
            geom_lon.extend(xs)
            geom_lat.extend(ys)
        else:
            geom_lon.extend((node_lon[index[u]], node_lon[index[v]]))
            geom_lat.extend((node_lat[index[u]], node_lat[index[v]]))
        offsets.append(len(geom_lon))
    return RoadNetwork(
        node_osmid=np.array([int(n) for n in nodes], dtype=np.int64),
        node_lon=node_lon,
        node_lat=node_lat,
        edge_u=np.array(us, dtype=np.int64),
        edge_v=np.array(vs, dtype=np.int64),
        edge_length_m=np.array(lengths, dtype=float),
        edge_time_s=np.array(times, dtype=float),
        geom_offsets=np.array(offsets, dtype=np.int64),
        geom_lon=np.array(geom_lon, dtype=float),
        geom_lat=np.array(geom_lat, dtype=float),
        mode=str(G.graph.get("zorgroute_mode", "car")),
        source=str(G.graph.get("zorgroute_source", "")),
    )
