"""Storage: the Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from zorgroute_api import db


def test_migrations_match_the_models_on_sqlite(tmp_path: Path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    db.migrate(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.Base.metadata)
    assert diff == []
    engine.dispose()


def test_migrations_go_down_and_up_again(tmp_path: Path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    db.migrate(engine)
    db.migrate_down(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    db.migrate(engine)
    assert {"api_keys", "jobs", "job_providers"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_head_revision():
    assert db.head_revision() == "0001"
