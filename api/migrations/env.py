"""Alembic environment: runs on the connection :func:`zorgroute_api.db.migrate` passes in.

Run from the command line with ``python -m zorgroute_api migrate`` (it builds the
configuration); logging is left to the caller.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from zorgroute_api.db import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is None:  # e.g. `alembic -x url=... upgrade head`
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database with -x url=... (or use python -m zorgroute_api)")
    with create_engine(url).begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
