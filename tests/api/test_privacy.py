"""A provider key sees its own clients in full and others' only as pseudonym and village.

The test fetches every endpoint with each provider's key and looks for anything that
would place another provider's client: the client id, the address, and the point where
a route leg to that client meets the road (a route's line ends there). A positive control
shows the coordinator's answers do hold those points, so the search can find them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.api.conftest import PROVIDERS, Live

PATHS = [
    "/jobs",
    "/jobs/{job}",
    "/jobs/{job}/result",
    "/jobs/{job}/plan",
    "/jobs/{job}/comparison",
    "/jobs/{job}/allocation",
    "/jobs/{job}/geojson",
    "/map?job={job}",
]


def _pairs(value: Any) -> Iterator[tuple[float, float]]:
    """Every (lon, lat) a JSON value holds: GeoJSON positions and lat/lon fields."""
    if isinstance(value, dict):
        lat = next((value[k] for k in ("lat", "start_lat") if k in value), None)
        lon = next((value[k] for k in ("lon", "start_lon") if k in value), None)
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            yield float(lon), float(lat)
        for item in value.values():
            yield from _pairs(item)
    elif isinstance(value, list):
        if len(value) == 2 and all(isinstance(x, int | float) for x in value):
            yield float(value[0]), float(value[1])
        else:
            for item in value:
                yield from _pairs(item)


@pytest.fixture(scope="module")
def places(night_body: dict[str, Any], demo_car_network: Any) -> dict[str, np.ndarray]:
    """Per provider: its clients' addresses and where they meet the roads, as (lon, lat)."""
    from zorgroute.matrix import travel_matrix

    visits = night_body["visits"]
    lat = np.array([v["lat"] for v in visits])
    lon = np.array([v["lon"] for v in visits])
    snap = travel_matrix(demo_car_network, lat, lon, cache=False).snap
    assert snap is not None
    out = {}
    for provider in PROVIDERS:
        mine = [i for i, v in enumerate(visits) if v["provider"] == provider]
        out[provider] = np.array(
            [(lon[i], lat[i]) for i in mine] + [(snap.lon[i], snap.lat[i]) for i in mine]
        )
    return out


def _answers(live: Live, job: str, who: str) -> list[tuple[str, str]]:
    headers = live.keys.header(who)
    out = []
    for path in PATHS:
        response = live.client.get(path.format(job=job), headers=headers)
        assert response.status_code == 200, (path, response.text)
        out.append((path, response.text))
    return out


def _near(points: np.ndarray, pairs: list[tuple[float, float]], tol_deg: float = 2e-6) -> int:
    if not len(pairs) or not len(points):
        return 0
    found = np.array(pairs)
    d = np.abs(found[:, None, :] - points[None, :, :]).max(axis=2)
    return int((d <= tol_deg).any(axis=0).sum())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_never_receives_others_client_places(
    live: Live,
    done_job: str,
    night_body: dict[str, Any],
    places: dict[str, np.ndarray],
    provider: str,
):
    others = [p for p in PROVIDERS if p != provider]
    other_ids = [v["client_id"] for v in night_body["visits"] if v["provider"] in others]
    own_ids = [v["client_id"] for v in night_body["visits"] if v["provider"] == provider]
    for path, text in _answers(live, done_job, provider):
        for client_id in other_ids:
            assert f'"{client_id}"' not in text, (path, client_id)
        if not text.lstrip().startswith(("{", "[")):
            continue  # the map page: no data in it at all
        pairs = list(_pairs(json.loads(text)))
        for other in others:
            assert _near(places[other], pairs) == 0, (path, other)
    result = live.client.get(f"/jobs/{done_job}/result", headers=live.keys.header(provider))
    body = result.json()
    assert body["view"] == "provider" and body["provider"] == provider
    assert all(f'"{c}"' in result.text for c in own_ids)  # own clients in full
    assert [body["comparison"]["ledger"]["name"]] == [provider]
    for method in body["allocation"]["methods"]:
        assert isinstance(method["cost_share"], float)  # its own share, not a table


def test_the_coordinator_sees_every_place(live: Live, done_job: str, places: dict[str, np.ndarray]):
    """The positive control: the same search finds every client in the full result."""
    body = live.client.get(
        f"/jobs/{done_job}/result", headers=live.keys.header("coordinator")
    ).json()
    pairs = list(_pairs(body))
    for provider in PROVIDERS:
        n = len(places[provider]) // 2
        addresses, snapped = places[provider][:n], places[provider][n:]
        assert _near(addresses, pairs) == n
        # the legs of routes end where the clients meet the road (planned ones)
        assert _near(snapped, pairs) >= 1


def test_others_in_own_routes_are_pseudonyms_with_a_village(
    live: Live, done_job: str, night_body: dict[str, Any]
):
    owner = {v["visit_id"]: v["provider"] for v in night_body["visits"]}
    for provider in PROVIDERS:
        plan = live.client.get(f"/jobs/{done_job}/plan", headers=live.keys.header(provider)).json()[
            "data"
        ]
        for stop in plan["pooled"]["stops"] + plan["solo"]["stops"]:
            if owner[stop["visit_id"]] == provider:
                assert {"client_id", "lat", "lon"} <= set(stop)
            else:
                assert set(stop) == {
                    "shift_id",
                    "stop",
                    "visit_id",
                    "village",
                    "service_start",
                    "own_client",
                }
                assert stop["village"]


def test_a_provider_outside_a_night_cannot_see_it(live: Live, night_body: dict[str, Any]):
    pair = {
        **night_body,
        "visits": [v for v in night_body["visits"] if v["provider"] != "Zorggroep C"],
        "shifts": [s for s in night_body["shifts"] if s["provider"] != "Zorggroep C"],
        "options": {**night_body["options"], "allocation": []},
    }
    coordinator = live.keys.header("coordinator")
    job = live.client.post("/jobs", json=pair, headers=coordinator).json()
    assert live.wait(job["id"])["status"] == "done"
    outsider = live.keys.header("Zorggroep C")
    for path in PATHS[1:-1]:
        response = live.client.get(path.format(job=job["id"]), headers=outsider)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "no such job", "problems": []}
    assert live.client.post(f"/jobs/{job['id']}/cancel", headers=outsider).status_code == 404
    listing = live.client.get("/jobs", headers=outsider).json()
    assert job["id"] not in {j["id"] for j in listing["jobs"]}
    member = live.client.get("/jobs", headers=live.keys.header("Zorggroep A")).json()
    assert job["id"] in {j["id"] for j in member["jobs"]}


def test_a_failed_jobs_problems_go_only_to_the_submitter(live: Live, night_body: dict[str, Any]):
    """A visit far off the roads fails the job in the worker; its details are not shared."""
    night = {**night_body, "visits": [dict(v) for v in night_body["visits"]]}
    far = next(i for i, v in enumerate(night["visits"]) if v["provider"] == "Zorggroep B")
    night["visits"][far].update(lat=51.9, lon=5.9)  # far outside the demo region
    coordinator = live.keys.header("coordinator")
    job = live.client.post("/jobs", json=night, headers=coordinator).json()
    final = live.wait(job["id"])
    assert final["status"] == "failed"
    assert final["error"]["problems"], final
    assert any(
        p["row"] and night["visits"][far]["visit_id"] in p["row"]
        for p in final["error"]["problems"]
    )
    seen_by_a = live.client.get(f"/jobs/{job['id']}", headers=live.keys.header("Zorggroep A"))
    assert seen_by_a.status_code == 200
    assert seen_by_a.json()["error"]["problems"] == []
    assert "5.9" not in seen_by_a.text and "51.9" not in seen_by_a.text
