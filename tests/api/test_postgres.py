"""The service on PostgreSQL: migrations, submit → poll → result, privacy, restart recovery.

Uses ``ZORGROUTE_API_TEST_POSTGRES_URL`` if set (a database the test may fill), else starts
a throwaway server from Debian's PostgreSQL binaries (``/usr/lib/postgresql/*/bin``) in a
temporary folder, as the ``postgres`` user when run as root; skipped when neither is there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import free_port, serve, sqlite_settings

pytest.importorskip("psycopg")


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@contextlib.contextmanager
def _throwaway_server(log: Path) -> Iterator[str]:
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL server: apt-get install postgresql, or set "
            "ZORGROUTE_API_TEST_POSTGRES_URL"
        )
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser to start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    # outside pytest's folders, which only root may enter
    folder = Path(tempfile.mkdtemp(prefix="zorgroute-api-pg-"))
    folder.chmod(0o755)
    data = folder / "pgdata"
    data.mkdir()
    if as_user:
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(data / "server.log"),
            "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        if (data / "server.log").exists():
            shutil.copy(data / "server.log", log)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("ZORGROUTE_API_TEST_POSTGRES_URL"):
        _reset(url)
        yield url
        return
    with _throwaway_server(tmp_path_factory.mktemp("postgres") / "server.log") as url:
        yield url


def _reset(url: str) -> None:
    """Empty a given database of this service's tables (it is the test's to fill)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        for table in ("job_providers", "jobs", "api_keys", "alembic_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()


def test_migrations_match_the_models(postgres_url: str):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from zorgroute_api import db

    engine = db.make_engine(postgres_url)
    db.migrate(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.Base.metadata)
    engine.dispose()
    assert diff == []


def test_submit_poll_result_on_postgres(
    postgres_url: str, tmp_path: Path, night_body: dict[str, Any]
):
    settings = sqlite_settings(tmp_path).model_copy(update={"database_url": postgres_url})
    with serve(settings) as server:
        coordinator = server.keys.header("coordinator")
        response = server.client.post("/jobs", json=night_body, headers=coordinator)
        assert response.status_code == 202, response.text
        job = server.wait(response.json()["id"])
        assert job["status"] == "done", job
        full = server.client.get(f"/jobs/{job['id']}/result", headers=coordinator).json()
        assert full["plan"]["pooled"]["violations"] == []
        view = server.client.get(
            f"/jobs/{job['id']}/result", headers=server.keys.header("Zorggroep B")
        ).json()
        assert view["view"] == "provider"
        others = {v["client_id"] for v in night_body["visits"] if v["provider"] != "Zorggroep B"}
        text = str(view)
        assert not any(f"'{c}'" in text for c in others)
        listing = server.client.get(
            "/jobs", headers=server.keys.header("Zorggroep C"), params={"status": "done"}
        ).json()
        assert job["id"] in {j["id"] for j in listing["jobs"]}
        queued = server.client.post("/jobs", json=night_body, headers=coordinator).json()
        cancelled = server.client.post(f"/jobs/{queued['id']}/cancel", headers=coordinator)
        assert cancelled.status_code == 200


def test_running_jobs_are_queued_again_on_postgres(
    postgres_url: str, tmp_path: Path, night_body: dict[str, Any]
):
    from tests.api.conftest import make_keys
    from zorgroute_api import db
    from zorgroute_api.auth import lookup
    from zorgroute_api.jobs import JobRequest
    from zorgroute_api.main import create_app
    from zorgroute_api.nights import ReadOptions, Table

    settings = sqlite_settings(tmp_path, workers=0).model_copy(
        update={"database_url": postgres_url}
    )
    app = create_app(settings)
    keys = make_keys(app)
    store, runner = app.state.store, app.state.runner
    with store.sessions() as session:
        caller = lookup(session, keys.coordinator)
    assert caller is not None
    job = store.submit(
        caller,
        JobRequest(
            Table.from_records("visits", night_body["visits"]),
            Table.from_records("shifts", night_body["shifts"]),
            ReadOptions(),
        ),
    )
    assert runner._claim() == job.id  # as a worker slot would
    assert runner.recover() >= 1
    with store.sessions() as session:
        again = session.get(db.Job, job.id)
        assert again is not None and (again.status, again.attempts) == ("queued", 1)
    app.state.engine.dispose()
