"""API keys: 401 without a valid key, 403 for what a key may not do; keys stored hashed."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.conftest import PROVIDERS, Live
from zorgroute_api import auth, db

ENDPOINTS = [
    ("get", "/jobs"),
    ("get", "/jobs/{job}"),
    ("get", "/jobs/{job}/result"),
    ("get", "/jobs/{job}/plan"),
    ("get", "/jobs/{job}/comparison"),
    ("get", "/jobs/{job}/allocation"),
    ("get", "/jobs/{job}/geojson"),
    ("post", "/jobs/{job}/cancel"),
    ("post", "/jobs"),
    ("post", "/jobs/upload"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("key", [None, "", "zr_not-a-key", "x" * 500])
def test_missing_or_wrong_key_is_401_with_no_data(
    live: Live, done_job: str, night_body: dict[str, Any], method: str, path: str, key: str | None
):
    headers = {} if key is None else {"X-API-Key": key}
    kwargs: dict[str, Any] = {"headers": headers}
    if path == "/jobs" and method == "post":
        kwargs["json"] = night_body
    response = live.client.request(method, path.format(job=done_job), **kwargs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("APIKey")
    body = response.json()
    assert set(body) == {"detail", "problems"} and body["problems"] == []
    assert done_job not in response.text


def test_a_revoked_key_is_401(live: Live, done_job: str):
    store = live.app.state.store
    with store.sessions() as session:
        key = auth.create_key(session, name="temp", role="coordinator")
        row = session.scalars(select(db.ApiKey).where(db.ApiKey.name == "temp")).one()
    headers = {"X-API-Key": key}
    assert live.client.get(f"/jobs/{done_job}", headers=headers).status_code == 200
    with store.sessions() as session:
        assert auth.revoke(session, row.id)
    assert live.client.get(f"/jobs/{done_job}", headers=headers).status_code == 401


def test_keys_are_stored_only_as_hashes(live: Live):
    with live.app.state.store.sessions() as session:
        rows = session.scalars(select(db.ApiKey)).all()
    stored = {r.key_hash for r in rows}
    for key in [live.keys.coordinator, *live.keys.providers.values()]:
        assert hashlib.sha256(key.encode()).hexdigest() in stored
        for row in rows:
            assert key not in (row.key_hash, row.name, row.key_prefix)


def test_a_provider_may_not_submit_a_pooled_night(live: Live, night_body: dict[str, Any]):
    response = live.client.post("/jobs", json=night_body, headers=live.keys.header("Zorggroep A"))
    assert response.status_code == 403
    assert response.json()["problems"] == []


def test_a_provider_may_plan_its_own_night(live: Live, night_body: dict[str, Any]):
    own = {
        **night_body,
        "visits": [v for v in night_body["visits"] if v["provider"] == "Zorggroep A"],
        "shifts": [s for s in night_body["shifts"] if s["provider"] == "Zorggroep A"],
    }
    headers = live.keys.header("Zorggroep A")
    response = live.client.post("/jobs", json=own, headers=headers)
    assert response.status_code == 202, response.text
    job = live.wait(response.json()["id"], who="Zorggroep A")
    assert job["status"] == "done"
    result = live.client.get(f"/jobs/{job['id']}/result", headers=headers).json()
    assert result["view"] == "provider" and result["provider"] == "Zorggroep A"
    assert result["allocation"]["status"] == "skipped"
    # the other providers do not see it at all
    for other in PROVIDERS[1:]:
        other_headers = live.keys.header(other)
        assert live.client.get(f"/jobs/{job['id']}", headers=other_headers).status_code == 404
        listing = live.client.get("/jobs", headers=other_headers).json()
        assert job["id"] not in {j["id"] for j in listing["jobs"]}


def test_only_the_coordinator_or_submitter_may_cancel(live: Live, done_job: str):
    response = live.client.post(f"/jobs/{done_job}/cancel", headers=live.keys.header("Zorggroep B"))
    assert response.status_code == 403
