"""A small night on the bundled demo region: the OpenAPI example, and a working one.

Five visits of two providers and one night shift each (made with
:func:`zorgroute.generate.generate_night` on the demo road network, seed 3); the tests
submit it as the docs show it and check that it plans.
"""

from __future__ import annotations

from typing import Any


def _visit(
    n: int,
    provider: str,
    lat: float,
    lon: float,
    window: tuple[str, str],
    minutes: int,
    level: int,
    pooling: str,
) -> dict[str, Any]:
    return {
        "visit_id": f"v{n:04d}",
        "client_id": f"c{n:04d}",
        "provider": provider,
        "lat": lat,
        "lon": lon,
        "window_start": window[0],
        "window_end": window[1],
        "duration_min": minutes,
        "level": level,
        "pooling": pooling,
        "priority": "mandatory",
    }


def _shift(shift_id: str, provider: str, lat: float, lon: float, level: int) -> dict[str, Any]:
    return {
        "shift_id": shift_id,
        "provider": provider,
        "start_lat": lat,
        "start_lon": lon,
        "end_lat": lat,
        "end_lon": lon,
        "shift_start": "22:00",
        "shift_end": "06:00",
        "level": level,
        "mode": "car",
        "break_start": "00:25",
        "break_end": "04:20",
        "break_min": 30,
    }


EXAMPLE_NIGHT: dict[str, Any] = {
    "visits": [
        _visit(1, "Zorggroep A", 51.272024, 4.708463, ("02:25", "03:50"), 20, 2, "yes"),
        _visit(2, "Zorggroep B", 51.235804, 4.827427, ("02:05", "04:00"), 20, 3, "yes"),
        _visit(3, "Zorggroep A", 51.205826, 4.778714, ("01:50", "02:35"), 15, 2, "no"),
        _visit(4, "Zorggroep A", 51.265473, 4.778689, ("03:10", "04:55"), 15, 3, "yes"),
        _visit(5, "Zorggroep B", 51.230568, 4.831661, ("23:35", "00:20"), 10, 2, "no"),
    ],
    "shifts": [
        _shift("s01", "Zorggroep A", 51.297196, 4.693077, 3),
        _shift("s02", "Zorggroep B", 51.293657, 4.778204, 4),
    ],
    "date": "2024-03-05",
    "options": {"time_limit_s": 1, "max_solutions": 50, "coalition_time_limit_s": 1},
}
