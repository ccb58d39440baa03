"""A server killed mid-job and started again finishes the job: nothing accepted is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import free_port, make_keys, serve, sqlite_settings, wait_for
from zorgroute_api import db
from zorgroute_api.main import create_app


@contextmanager
def server_process(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``python -m zorgroute_api serve`` on a free port, as its own process."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zorgroute_api",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def test_a_job_interrupted_by_a_killed_server_is_run_again(tmp_path: Path, make_night: Any):
    settings = sqlite_settings(tmp_path)
    keys = make_keys(create_app(settings))  # migrates the database and stores the keys
    headers = keys.header("coordinator")
    env = {
        **os.environ,
        "ZORGROUTE_API_DATABASE_URL": settings.database_url,
        "ZORGROUTE_API_MAX_TIME_LIMIT_S": "2",
        "ZORGROUTE_API_POLL_INTERVAL_S": "0.05",
    }
    # no max_solutions: each solve runs its whole time limit, so the job is caught running
    night = make_night(n_visits=20, seed=7, time_limit_s=1, max_solutions=None, allocation=[])
    log = tmp_path / "server.log"

    with server_process(env, log) as (process, url), httpx.Client(base_url=url) as client:
        response = client.post("/jobs", json=night, headers=headers)
        assert response.status_code == 202
        job_id = response.json()["id"]
        wait_for(
            client,
            job_id,
            headers,
            until=lambda j: j["status"] == "running" and j["stage"].startswith("planning"),
        )
        workers = _children(process.pid)
        assert workers, "no worker process"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    engine = db.make_engine(settings.database_url)
    with db.session_factory(engine)() as session:
        job = session.get(db.Job, job_id)
        assert job is not None and job.status == "running" and job.attempts == 1
    engine.dispose()
    # the orphaned worker notices its server is gone and ends
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.1)

    with server_process(env, log) as (_, url), httpx.Client(base_url=url) as client:
        final = wait_for(client, job_id, headers, timeout_s=90)
        assert final["status"] == "done", final
        assert final["attempts"] == 2
        result = client.get(f"/jobs/{job_id}/comparison", headers=headers).json()
        assert result["data"]["total"]["visits"] == len(night["visits"])


def test_jobs_interrupted_too_often_are_failed(tmp_path: Path, night_body: dict[str, Any]):
    settings = sqlite_settings(tmp_path, workers=0, max_attempts=2)
    app = create_app(settings)
    keys = make_keys(app)
    store, runner = app.state.store, app.state.runner
    from zorgroute_api.auth import lookup
    from zorgroute_api.jobs import JobRequest
    from zorgroute_api.nights import ReadOptions, Table

    with store.sessions() as session:
        caller = lookup(session, keys.coordinator)
    assert caller is not None
    request = JobRequest(
        Table.from_records("visits", night_body["visits"]),
        Table.from_records("shifts", night_body["shifts"]),
        ReadOptions(),
    )
    ids = [store.submit(caller, request).id for _ in range(2)]
    with store.sessions() as session:
        for job_id, attempts in zip(ids, (1, 2), strict=True):
            job = session.get(db.Job, job_id)
            assert job is not None
            job.status, job.attempts = "running", attempts
        session.commit()
    assert runner.recover() == 1
    with store.sessions() as session:
        first, second = (session.get(db.Job, i) for i in ids)
        assert first is not None and second is not None
        assert (first.status, first.message) == ("queued", "queued again after a server restart")
        assert second.status == "failed"
        assert second.error == {
            "detail": "interrupted too often by a server restart",
            "problems": [],
        }
    app.state.engine.dispose()


def test_a_server_stopped_gracefully_queues_its_running_job_again(tmp_path: Path, make_night: Any):
    settings = sqlite_settings(tmp_path, max_time_limit_s=1)
    night = make_night(n_visits=20, seed=7, time_limit_s=1, max_solutions=None, allocation=[])
    with serve(settings) as server:
        headers = server.keys.header("coordinator")
        job_id = server.client.post("/jobs", json=night, headers=headers).json()["id"]
        wait_for(server.client, job_id, headers, until=lambda j: j["status"] == "running")
    engine = db.make_engine(settings.database_url)
    with db.session_factory(engine)() as session:
        job = session.get(db.Job, job_id)
        assert job is not None
        assert (job.status, job.message) == (
            "queued",
            "queued again: the server stopped while it ran",
        )
    engine.dispose()
