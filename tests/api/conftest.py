"""Fixtures of the API tests: a real server on a free port, keys, tiny nights.

Every test talks HTTP to a uvicorn server (in a thread of the test process, or as a
process of its own where the test kills it) over a real database: an SQLite file by
default, and PostgreSQL where ``postgres_url`` finds one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# the service's own dependencies (the `api` extra) and the test client; without them the
# API tests are skipped, not failed
for _module in (
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "pydantic_settings",
    "multipart",
    "httpx",
):
    pytest.importorskip(_module)
import httpx  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# --- Until pyproject maps api/ to the package zorgroute_api (package-dir), make it importable
# from a symlink in a temporary folder, here and in the worker and server processes the
# tests start (they inherit PYTHONPATH). A no-op once zorgroute_api is installed.
try:
    import zorgroute_api  # noqa: F401
except ModuleNotFoundError:
    _shim = Path(tempfile.mkdtemp(prefix="zorgroute-api-shim-"))
    (_shim / "zorgroute_api").symlink_to(REPO / "api", target_is_directory=True)
    atexit.register(shutil.rmtree, _shim, ignore_errors=True)
    sys.path.insert(0, str(_shim))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_shim), os.environ.get("PYTHONPATH", "")) if p
    )

import uvicorn  # noqa: E402

from zorgroute_api import auth  # noqa: E402
from zorgroute_api.main import create_app  # noqa: E402
from zorgroute_api.settings import Settings  # noqa: E402

PROVIDERS = ("Zorggroep A", "Zorggroep B", "Zorggroep C")
FINAL = {"done", "failed", "cancelled"}


# --------------------------------------------------------------------------------------------
# Nights
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_villages() -> Any:
    from zorgroute import places

    return places.load_villages("kempen-demo")


@pytest.fixture(scope="session")
def demo_car_network() -> Any:
    from zorgroute import planning

    return planning.load_networks({"car"}, region="kempen-demo")["car"]


@pytest.fixture(scope="session")
def make_night(demo_villages: Any, demo_car_network: Any) -> Callable[..., dict[str, Any]]:
    """A tiny generated night of three providers as a JSON body (with small budgets)."""

    def make(n_visits: int = 12, seed: int = 1, **options: Any) -> dict[str, Any]:
        from zorgroute import generate

        visits, shifts = generate.generate_night(
            demo_villages,
            n_visits=n_visits,
            n_providers=3,
            n_shifts=4,
            seed=seed,
            network=demo_car_network,
        )
        assert set(visits["provider"]) | set(shifts["provider"]) <= set(PROVIDERS)
        body = {
            "visits": visits.drop(columns=["village"]).to_dict(orient="records"),
            "shifts": shifts.drop(columns=["office"]).to_dict(orient="records"),
            "date": "2024-03-05",
            "options": {
                "time_limit_s": 1,
                "max_solutions": 30,
                "coalition_time_limit_s": 0.5,
                **options,
            },
        }
        return body

    return make


@pytest.fixture(scope="session")
def night_body(make_night: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_night()


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Keys:
    coordinator: str
    providers: dict[str, str]

    def header(self, who: str) -> dict[str, str]:
        key = self.coordinator if who == "coordinator" else self.providers[who]
        return {"X-API-Key": key}


@dataclass
class Live:
    """A running server: its URL, app, keys and an HTTP client."""

    url: str
    app: Any
    keys: Keys
    client: httpx.Client

    def wait(self, job_id: str, who: str = "coordinator", timeout_s: float = 60) -> dict[str, Any]:
        return wait_for(self.client, job_id, self.keys.header(who), timeout_s=timeout_s)


def wait_for(
    client: httpx.Client,
    job_id: str,
    headers: dict[str, str],
    *,
    until: Callable[[dict[str, Any]], bool] = lambda job: job["status"] in FINAL,
    timeout_s: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(f"/jobs/{job_id}", headers=headers).json()
        if until(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s} s")
        time.sleep(0.1)


def make_keys(app: Any) -> Keys:
    with app.state.store.sessions() as session:
        coordinator = auth.create_key(session, name="planner", role="coordinator")
        providers = {
            p: auth.create_key(session, name=f"{p} planning", role="provider", provider=p)
            for p in PROVIDERS
        }
    return Keys(coordinator, providers)


@contextlib.contextmanager
def serve(settings: Settings, *, keys: bool = True) -> Iterator[Live]:
    """Serve an app made from ``settings`` with uvicorn in a thread; stop it afterwards."""
    app = create_app(settings)
    made = make_keys(app) if keys else Keys("", {})
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield Live(url, app, made, client)
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


def sqlite_settings(folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{folder / 'api.db'}",
        "workers": 1,
        "default_time_limit_s": 1,
        "max_time_limit_s": 2,
        "default_coalition_time_limit_s": 0.5,
        "max_coalition_time_limit_s": 1,
        "job_timeout_s": 60,
        "max_active_jobs_per_key": 20,
        "poll_interval_s": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The shared server of most tests: SQLite, one worker process."""
    with serve(sqlite_settings(tmp_path_factory.mktemp("live"))) as server:
        yield server


@pytest.fixture(scope="session")
def done_job(live: Live, night_body: dict[str, Any]) -> str:
    """A tiny night planned to the end by the shared server (its id)."""
    response = live.client.post("/jobs", json=night_body, headers=live.keys.header("coordinator"))
    assert response.status_code == 202, response.text
    job = live.wait(response.json()["id"])
    assert job["status"] == "done", job
    return str(job["id"])
