"""Small geodesy helpers: a local metric projection and great-circle distances."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LocalProjection:
    """An azimuthal equidistant projection centred on a region (metres, accurate within ~100 km).

    Unlike a UTM zone it works anywhere, also for a region that straddles two zones.
    """

    lon0: float
    lat0: float

    @classmethod
    def around(cls, lons: ArrayLike, lats: ArrayLike) -> LocalProjection:
        lon = np.asarray(lons, dtype=float)
        lat = np.asarray(lats, dtype=float)
        return cls(lon0=float((lon.min() + lon.max()) / 2), lat0=float((lat.min() + lat.max()) / 2))

    def _transformer(self, inverse: bool = False) -> Transformer:
        return _transformer(self.lon0, self.lat0, inverse)

    def forward(
        self, lons: ArrayLike, lats: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lon/lat (degrees) to x/y (metres)."""
        x, y = self._transformer().transform(
            np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        )
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def inverse(
        self, xs: ArrayLike, ys: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """x/y (metres) back to lon/lat (degrees)."""
        lon, lat = self._transformer(inverse=True).transform(
            np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        )
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


@lru_cache(maxsize=32)
def _transformer(lon0: float, lat0: float, inverse: bool) -> Transformer:
    # building a pyproj Transformer costs milliseconds: keep the few a process uses
    proj = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    if inverse:
        return Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
    return Transformer.from_crs("EPSG:4326", proj, always_xy=True)


def haversine_m(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in metres (broadcasts like numpy)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1))), dtype=float)
