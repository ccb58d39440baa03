"""Limits: request size (413), active jobs per key (429), the queue (503)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import Live, serve, sqlite_settings


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server that stores jobs but runs none, with small limits."""
    settings = sqlite_settings(
        tmp_path_factory.mktemp("limited"),
        workers=0,
        max_request_bytes=20_000,
        max_active_jobs_per_key=2,
        max_queued_jobs=3,
        max_visits=15,
    )
    with serve(settings) as server:
        yield server


def test_an_oversized_json_body_is_413(limited: Live, make_night: Any):
    body = make_night(n_visits=120)
    assert len(json.dumps(body)) > 20_000
    response = limited.client.post("/jobs", json=body, headers=limited.keys.header("coordinator"))
    assert response.status_code == 413
    assert response.json()["detail"] == "request body too large: at most 20000 bytes"


def test_an_oversized_upload_is_413(limited: Live):
    files = {"visits": ("visits.csv", b"x" * 30_000), "shifts": ("shifts.csv", b"y")}
    response = limited.client.post(
        "/jobs/upload", files=files, headers=limited.keys.header("coordinator")
    )
    assert response.status_code == 413


def test_an_oversized_chunked_body_is_413(limited: Live):
    """A body sent without Content-Length is counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b" " * 1_000

    response = limited.client.post(
        "/jobs",
        content=chunks(),
        headers={**limited.keys.header("coordinator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_small_chunked_body_goes_through(limited: Live):
    def chunks() -> Iterator[bytes]:
        yield b'{"visits": '
        yield b'"oops"}'

    response = limited.client.post(
        "/jobs",
        content=chunks(),
        headers={**limited.keys.header("coordinator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422  # read in full, then refused for what it says


def test_a_night_with_too_many_visits_is_422(limited: Live, make_night: Any):
    body = make_night(n_visits=16)
    response = limited.client.post("/jobs", json=body, headers=limited.keys.header("coordinator"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["reason"] == "16 visits; at most 15 per night"


def test_active_jobs_per_key_and_the_queue_are_limited(limited: Live, make_night: Any):
    body = make_night(n_visits=10)
    coordinator = limited.keys.header("coordinator")
    submitted = [limited.client.post("/jobs", json=body, headers=coordinator) for _ in range(2)]
    assert [r.status_code for r in submitted] == [202, 202]
    refused = limited.client.post("/jobs", json=body, headers=coordinator)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "10"
    # another key is not held up by this one's jobs ...
    own = {
        **body,
        "visits": [v for v in body["visits"] if v["provider"] == "Zorggroep A"],
        "shifts": [s for s in body["shifts"] if s["provider"] == "Zorggroep A"],
    }
    provider = limited.keys.header("Zorggroep A")
    assert limited.client.post("/jobs", json=own, headers=provider).status_code == 202
    # ... until the queue as a whole is full
    full = limited.client.post("/jobs", json=own, headers=provider)
    assert full.status_code == 503
    # a cancelled job makes room again
    job_id = submitted[0].json()["id"]
    assert limited.client.post(f"/jobs/{job_id}/cancel", headers=coordinator).status_code == 200
    assert limited.client.post("/jobs", json=body, headers=coordinator).status_code == 202


def test_malformed_json_is_422(limited: Live):
    response = limited.client.post(
        "/jobs",
        content=b'{"visits": [',
        headers={**limited.keys.header("coordinator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["reason"].startswith("JSON decode error")


def test_a_bad_multipart_body_is_refused(limited: Live):
    response = limited.client.post(
        "/jobs/upload",
        content=b"--xyz\r\nnot a part",
        headers={
            **limited.keys.header("coordinator"),
            "Content-Type": "multipart/form-data; boundary=xyz",
        },
    )
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from zorgroute_api.settings import Settings

    monkeypatch.setenv("ZORGROUTE_API_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("ZORGROUTE_API_WORKERS", "3")
    monkeypatch.setenv("ZORGROUTE_API_REGIONS", '["kempen-demo", "oost-drenthe"]')
    settings = Settings()
    assert settings.workers == 3
    assert settings.regions == ("kempen-demo", "oost-drenthe")
    monkeypatch.setenv("ZORGROUTE_API_DEFAULT_REGION", "westerveld")
    with pytest.raises(ValueError, match="default_region"):
        Settings()


def test_unknown_region_is_422(limited: Live, make_night: Any):
    body = make_night(n_visits=10, region="atlantis")
    response = limited.client.post("/jobs", json=body, headers=limited.keys.header("coordinator"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["column"] == "region"


def test_http_errors_keep_the_error_shape(limited: Live):
    assert limited.client.get("/nowhere").json() == {"detail": "Not Found", "problems": []}
    response = limited.client.delete("/jobs", headers=limited.keys.header("coordinator"))
    assert response.status_code == 405


def test_the_server_speaks_http(limited: Live):
    with httpx.Client(base_url=limited.url) as client:
        assert client.get("/health").json()["workers"] == 0


def test_health_is_503_when_the_database_does_not_answer(tmp_path: Path):
    pytest.importorskip("psycopg")
    from tests.api.conftest import free_port

    settings = sqlite_settings(tmp_path, workers=0, auto_migrate=False).model_copy(
        update={"database_url": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"}
    )
    with serve(settings, keys=False) as server:
        response = server.client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"detail": "the database does not answer", "problems": []}
