"""The app factory: settings in, a FastAPI app out, with its database, jobs and errors.

Run with ``uvicorn --factory zorgroute_api.main:create_app`` or ``python -m zorgroute_api
serve``. Everything the app holds (settings, engine, job store and runner) lives on
``app.state`` of that one app; nothing module-global changes at run time.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from zorgroute.exceptions import InputError
from zorgroute_api import __version__, db
from zorgroute_api.jobs import ApiError, JobRunner, JobStore
from zorgroute_api.limits import BodySizeLimit
from zorgroute_api.routes import STATIC, pages, router
from zorgroute_api.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """
Plan a night of home-care visits of several providers, solo and pooled, and share the
saving. Submit a night (JSON, or CSV/XLSX upload) and get a job id at once; poll the job;
read the plan, the solo-vs-pooled comparison and the allocation when it is done.

Every call but `/health`, `/version` and `/map` needs an API key in the `X-API-Key`
header. A **provider** key sees its own clients in full and other providers' clients only
as a pseudonymous visit id and a village; the **coordinator** key sees everything.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The planner service.

    Parameters
    ----------
    settings
        Configuration; by default read from the environment (``ZORGROUTE_API_*``).

    The database is migrated to the newest revision here if ``settings.auto_migrate``;
    worker processes start with the app's lifespan (uvicorn, or ``with TestClient(app)``).
    """
    settings = settings or Settings()
    engine = db.make_engine(settings.database_url)
    if settings.auto_migrate:
        db.migrate(engine)
    sessions = db.session_factory(engine)
    store = JobStore(settings, sessions)
    runner = JobRunner(settings, sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        try:
            yield
        finally:
            runner.stop()
            engine.dispose()

    app = FastAPI(
        title="zorgroute planner service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.store = store
    app.state.runner = runner
    app.include_router(router)
    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    _error_handlers(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        problems = [dataclasses.asdict(p) for p in exc.problems]
        return JSONResponse({"detail": exc.summary, "problems": problems}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        return JSONResponse({"detail": "invalid request", "problems": problems}, status_code=422)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail, "problems": []}, status_code=exc.status, headers=exc.headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return JSONResponse(
            {"detail": str(exc.detail), "problems": []},
            status_code=exc.status_code,
            headers=headers,
        )


def _allowed_methods(request: Request) -> str:
    """Every method of every route at the request's path (Starlette names only the first's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "\0"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def _problem(error: Any) -> dict[str, Any]:
    """A pydantic error as a Problem: ``("body", "visits", 3, "lat")`` → visits, item 3, lat."""
    loc = [str(x) for x in error.get("loc", ()) if x != "body"] or ["request"]
    source, row, column = loc[0], None, None
    rest = loc[1:]
    if rest and rest[0].isdigit():
        row, rest = f"item {rest[0]}", rest[1:]
    if rest:
        column = ".".join(rest)
    elif not row and len(loc) == 1 and source not in ("visits", "shifts"):
        source, column = "request", loc[0]
    value = error.get("input")
    shown = None
    if isinstance(value, str | int | float | bool):
        shown = str(value)[:200]
    return {
        "reason": str(error.get("msg", "invalid")),
        "source": source,
        "row": row,
        "column": column,
        "value": shown,
    }
