"""The Oost-Drenthe night: a scripted night shaped like the region zorgroute was made for.

In the peat villages of Borger-Odoorn and Aa en Hunze eighteen parties signed a covenant to
pool care: home-care providers, welfare organisations, housing corporations, volunteers and
informal carers (DOMAIN.md). Only the home-care providers have clients at night, and only
some of them run night shifts; the small ones rely on the others. A night has a few clients
per village, and only part of the clients consent to a nurse of another provider.

:func:`oost_drenthe_night` builds that night from the region's village table
(``data/villages/oost-drenthe.csv``, GeoNames):

- online, at the villages' real positions (plan it on the real Oost-Drenthe road graph,
  ``--region oost-drenthe``);
- offline, on the bundled demo graph: the villages' layout is moved and scaled onto the demo
  region (the Kempen), keeping its shape and populations, so the same night plans without
  internet. Distances are then shorter than in Drenthe by the stated scale factor.

All 18 parties are named (fictitious names; no real organisation is meant) and returned, so
the night reads with ``providers=`` and parties without clients tonight still appear in the
comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from zorgroute.generate import GeneratorSettings, generate_night
from zorgroute.network import RoadNetwork

#: The 18 covenant parties (fictitious). The first seven are home-care providers with
#: clients at night; the first five of those run night shifts.
PARTIES: tuple[str, ...] = (
    "Thuiszorg Veenkoloniën",
    "Zorggroep Hunzedal",
    "Wijkverpleging Borger-Odoorn",
    "Zorg aan de Monden",
    "Thuiszorg Exloo",
    "Buurtzorg Drouwenerveen",
    "Zorgcoöperatie Nieuw-Buinen",
    "Welzijn Borger-Odoorn",
    "Welzijnswerk Aa en Hunze",
    "Woningstichting Veenland",
    "Woonbedrijf De Monden",
    "Vrijwilligerspunt Oost-Drenthe",
    "Mantelzorg Drenthe-Oost",
    "Huisartsenpost Veenkoloniën",
    "Gemeente Borger-Odoorn (Wmo)",
    "Gemeente Aa en Hunze (Wmo)",
    "Zorgverzekeraar Noord (wijkverpleging)",
    "Dorpsbelangen Monden",
)
CARE_PROVIDERS = 7
NIGHT_SHIFT_PROVIDERS = 5


@dataclass(frozen=True)
class ScenarioNight:
    """A generated night with the list of every party and how it was placed."""

    visits: pd.DataFrame
    shifts: pd.DataFrame
    providers: tuple[str, ...]
    scale: float  # 1.0 at the real positions; < 1 when squeezed onto a smaller region
    note: str
    villages: pd.DataFrame  # the villages where they were placed (for naming in reports)


def fit_onto(
    villages: pd.DataFrame, bbox: tuple[float, float, float, float], margin: float = 0.1
) -> tuple[pd.DataFrame, float]:
    """Move and scale the village layout into ``bbox`` (S, W, N, E), keeping its shape.

    Returns the moved table and the scale factor of distances.
    """
    south, west, north, east = bbox
    lat, lon = villages["lat"].to_numpy(float), villages["lon"].to_numpy(float)
    lat0, lon0 = (lat.min() + lat.max()) / 2, (lon.min() + lon.max()) / 2
    coslat_src = np.cos(np.radians(lat0))
    coslat_dst = np.cos(np.radians((south + north) / 2))
    height_km = (lat.max() - lat.min()) * 111.195
    width_km = (lon.max() - lon.min()) * 111.195 * coslat_src
    box_h = (north - south) * 111.195 * (1 - 2 * margin)
    box_w = (east - west) * 111.195 * coslat_dst * (1 - 2 * margin)
    scale = float(min(1.0, box_h / max(height_km, 1e-9), box_w / max(width_km, 1e-9)))
    dy_km = (lat - lat0) * 111.195 * scale
    dx_km = (lon - lon0) * 111.195 * coslat_src * scale
    moved = villages.copy()
    moved["lat"] = (south + north) / 2 + dy_km / 111.195
    moved["lon"] = (west + east) / 2 + dx_km / (111.195 * coslat_dst)
    return moved, scale


def oost_drenthe_night(
    *,
    network: RoadNetwork | None = None,
    n_visits: int = 90,
    seed: int = 0,
    consent_rate: float = 0.6,
) -> ScenarioNight:
    """The Oost-Drenthe night, at the real villages or squeezed onto ``network``'s region.

    Parameters
    ----------
    network
        If given (e.g. the bundled demo graph), the villages are moved onto its region and
        the clients placed on its roads; else they stay at their real positions.
    n_visits
        Visits tonight (a few clients per village: the region has about 20 villages).
    seed
        Seed of the generator.
    consent_rate
        Share of clients who consent to a nurse of another provider.
    """
    from zorgroute.places import load_villages

    villages = load_villages("oost-drenthe")
    # the towns at the edge (Emmen, Stadskanaal) are served from elsewhere at night
    villages = villages[villages["population"] <= 10_000].reset_index(drop=True)
    scale = 1.0
    note = "villages at their real positions"
    if network is not None:
        bbox = (
            float(network.node_lat.min()),
            float(network.node_lon.min()),
            float(network.node_lat.max()),
            float(network.node_lon.max()),
        )
        villages, scale = fit_onto(villages, bbox)
        region = network.source or "the given region"
        note = (
            f"village layout of Oost-Drenthe moved onto the road graph of {region}, "
            f"distances scaled by {scale:.2f}"
        )
    settings = replace(GeneratorSettings(), consent_rate=consent_rate)
    visits, shifts = generate_night(
        villages,
        n_visits=n_visits,
        n_providers=CARE_PROVIDERS,
        n_shifts=NIGHT_SHIFT_PROVIDERS,
        seed=seed,
        network=network,
        settings=settings,
    )
    # name the providers after the covenant's care parties, largest first
    names = sorted(set(visits["provider"]) | set(shifts["provider"]))
    rename = {old: PARTIES[k] for k, old in enumerate(names)}
    visits = visits.assign(provider=visits["provider"].map(rename))
    shifts = shifts.assign(provider=shifts["provider"].map(rename))
    return ScenarioNight(visits, shifts, PARTIES, scale, note, villages)
