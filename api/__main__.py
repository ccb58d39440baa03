"""``python -m zorgroute_api``: serve the app, migrate the database, manage API keys.

Examples::

    python -m zorgroute_api migrate
    python -m zorgroute_api keys add --role coordinator --name "pool planner"
    python -m zorgroute_api keys add --role provider --provider "Zorggroep A" --name "A planning"
    python -m zorgroute_api keys list
    python -m zorgroute_api keys revoke 3
    python -m zorgroute_api serve --host 127.0.0.1 --port 8000

Settings come from the environment (``ZORGROUTE_API_*``, see ``docs/api.md``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy import select

from zorgroute_api import auth, db
from zorgroute_api.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zorgroute_api", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    sub.add_parser("migrate", help="bring the database to the newest schema")
    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True)
    add = keys.add_parser("add", help="create a key and print it (shown only this once)")
    add.add_argument("--role", choices=auth.ROLES, required=True)
    add.add_argument("--provider", help="the provider's name, as in the visit lists")
    add.add_argument("--name", required=True, help="who uses the key")
    keys.add_parser("list", help="list keys (never the keys themselves)")
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", type=int)
    args = parser.parse_args(argv)

    settings = Settings()
    if args.command == "serve":
        import uvicorn

        from zorgroute_api.main import create_app

        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
        return 0
    engine = db.make_engine(settings.database_url)
    try:
        db.migrate(engine)
        if args.command == "migrate":
            print(f"database at revision {db.head_revision()}")
            return 0
        with db.session_factory(engine)() as session:
            if args.action == "add":
                try:
                    key = auth.create_key(
                        session, name=args.name, role=args.role, provider=args.provider
                    )
                except ValueError as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 2
                print(key)
            elif args.action == "list":
                for row in session.scalars(select(db.ApiKey).order_by(db.ApiKey.id)):
                    state = "revoked" if row.revoked_at else "active"
                    print(
                        f"{row.id}\t{row.key_prefix}…\t{row.role}\t{row.provider or '-'}\t"
                        f"{row.name}\t{state}"
                    )
            elif not auth.revoke(session, args.key_id):
                print(f"error: no active key {args.key_id}", file=sys.stderr)
                return 1
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
