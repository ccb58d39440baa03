"""The HTTP handlers: parse the request, call the job store, shape the answer.

Every handler that returns data takes the caller from the ``X-API-Key`` header; what a
provider key gets is its view of a job (see :mod:`zorgroute_api.worker`), never the full
result.
"""

from __future__ import annotations

import html
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, Security, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyHeader
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from zorgroute.exceptions import InputError, Problem
from zorgroute_api import __version__, auth, db, nights
from zorgroute_api.auth import Caller
from zorgroute_api.jobs import ApiError, JobRequest, JobRunner, JobStore
from zorgroute_api.schemas import (
    ErrorOut,
    HealthOut,
    JobList,
    JobOptions,
    JobOut,
    JobStatus,
    NightIn,
    PartOut,
    ResultOut,
    VersionOut,
)
from zorgroute_api.settings import Settings
from zorgroute_api.worker import ALLOCATION_METHODS, AllocationMethod

STATIC = Path(__file__).resolve().parent / "static"


def no_unknown_query(request: Request) -> None:
    """Refuse query parameters the operation does not have (a typo would pass unseen).

    Raises
    ------
    InputError
        Naming every unknown parameter (422).
    """
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    known = _query_names(dependant) if dependant is not None else set()
    unknown = sorted({k for k in request.query_params if k not in known})
    if unknown:
        raise InputError(
            [Problem("unknown query parameter", "query", column=name) for name in unknown],
            summary="invalid request",
        )


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


router = APIRouter(
    # every bad field answers in the shape of the library's InputError, not FastAPI's default
    responses={422: {"model": ErrorOut, "description": "Invalid input: every bad field or row."}},
    dependencies=[Depends(no_unknown_query)],
)
api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="A provider's or the coordinator's API key.",
)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text_of = {
        400: "The request body does not parse.",
        401: "No API key, or an unknown or revoked one.",
        403: "The key may not do this.",
        404: "No such job, or not one this key may see.",
        409: "The job has no result (yet), or has already finished.",
        413: "The request body is too large.",
        422: "Invalid input: every bad field or row is listed.",
        429: "Too many active jobs for this key.",
        503: "The job queue is full, or the database does not answer.",
    }
    return {code: {"model": ErrorOut, "description": text_of[code]} for code in codes}


# --------------------------------------------------------------------------------------------
# Dependencies
# --------------------------------------------------------------------------------------------


def get_store(request: Request) -> JobStore:
    store: JobStore = request.app.state.store
    return store


def get_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.runner
    return runner


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_caller(
    request: Request, key: Annotated[str | None, Security(api_key_header)] = None
) -> Caller:
    """The caller of the request's key.

    Raises
    ------
    ApiError
        401 for a missing, unknown or revoked key.
    """
    if not key:
        raise ApiError(401, "an API key is needed (header X-API-Key)", headers=_CHALLENGE)
    with get_store(request).sessions() as session:
        caller = auth.lookup(session, key)
    if caller is None:
        raise ApiError(401, "unknown or revoked API key", headers=_CHALLENGE)
    return caller


_CHALLENGE = {"WWW-Authenticate": 'APIKey header="X-API-Key"'}

CallerDep = Annotated[Caller, Depends(get_caller)]
StoreDep = Annotated[JobStore, Depends(get_store)]


# --------------------------------------------------------------------------------------------
# Service
# --------------------------------------------------------------------------------------------


@router.get("/health", response_model=HealthOut, responses=_errors(503), tags=["service"])
def health(store: StoreDep, settings: Annotated[Settings, Depends(get_settings)]) -> HealthOut:
    """The database answers; how many worker processes may run, and jobs by status."""
    try:
        with store.sessions() as session:
            session.execute(text("SELECT 1"))
        counts = store.counts()
    except SQLAlchemyError as exc:
        raise ApiError(503, "the database does not answer") from exc
    return HealthOut(status="ok", database="ok", workers=settings.workers, jobs=counts)


@router.get("/version", response_model=VersionOut, tags=["service"])
def get_version() -> VersionOut:
    """Versions of the API, of the zorgroute library and of the database schema."""
    try:
        library = version("zorgroute")
    except PackageNotFoundError:  # a checkout that is not installed
        library = "unknown"
    return VersionOut(api=__version__, zorgroute=library, database_revision=db.head_revision())


# --------------------------------------------------------------------------------------------
# Submitting
# --------------------------------------------------------------------------------------------


def _submit(
    request: Request, response: Response, caller: Caller, job_request: JobRequest
) -> JobOut:
    job = get_store(request).submit(caller, job_request)
    get_runner(request).notify()
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job, caller)


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobOut,
    responses=_errors(400, 401, 403, 413, 422, 429, 503),
    tags=["jobs"],
)
def submit_night(night: NightIn, request: Request, response: Response, caller: CallerDep) -> JobOut:
    """Submit a night as JSON; answers at once with the job (poll it for progress).

    The coordinator submits the pooled night of all providers; a provider key may submit a
    night of its own visits and shifts only.
    """
    return _submit(
        request,
        response,
        caller,
        _job_request(
            nights.Table.from_records("visits", night.records(night.visits)),
            nights.Table.from_records("shifts", night.records(night.shifts)),
            nights.ReadOptions(
                providers=tuple(night.providers) if night.providers is not None else None,
                date=night.date,
                horizon_start=night.horizon_start,
                tz=night.tz,
            ),
            night.options,
        ),
    )


@router.post(
    "/jobs/upload",
    status_code=202,
    response_model=JobOut,
    responses=_errors(400, 401, 403, 413, 422, 429, 503),
    tags=["jobs"],
)
async def upload_night(
    request: Request,
    response: Response,
    caller: CallerDep,
    visits: Annotated[UploadFile, File(description="Visits table: .csv, .xlsx or .json")],
    shifts: Annotated[UploadFile, File(description="Shifts table: .csv, .xlsx or .json")],
    providers: Annotated[
        str | None, Form(max_length=10_000, description="Comma-separated provider names.")
    ] = None,
    date: Annotated[str | None, Form(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    horizon_start: Annotated[str | None, Form(pattern=r"^\d{1,2}:\d{2}$")] = None,
    tz: Annotated[str, Form(max_length=64)] = "Europe/Amsterdam",
    time_limit_s: Annotated[float | None, Form(gt=0, le=3600)] = None,
    max_solutions: Annotated[int | None, Form(ge=1, le=1_000_000)] = None,
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    objective: Annotated[Literal["time", "distance"], Form()] = "time",
    handover_cost_s: Annotated[int, Form(ge=0, le=86_400)] = 0,
    allocation: Annotated[
        str | None,
        Form(
            max_length=200,
            description="Comma-separated rules (proportional, shapley, equal_profit, "
            "nucleolus); 'none' for no allocation; default all.",
        ),
    ] = None,
    coalition_time_limit_s: Annotated[float | None, Form(gt=0, le=3600)] = None,
    region: Annotated[str | None, Form(max_length=100)] = None,
) -> JobOut:
    """Submit a night as two uploaded files (CSV, XLSX or JSON) and form fields."""
    import datetime as dt

    options = JobOptions(
        time_limit_s=time_limit_s,
        max_solutions=max_solutions,
        seed=seed,
        objective=objective,
        handover_cost_s=handover_cost_s,
        allocation=_methods(allocation),
        coalition_time_limit_s=coalition_time_limit_s,
        region=region,
    )
    visits_table = nights.Table.from_upload("visits", visits.filename or "", await visits.read())
    shifts_table = nights.Table.from_upload("shifts", shifts.filename or "", await shifts.read())
    read = nights.ReadOptions(
        providers=tuple(p.strip() for p in providers.split(",") if p.strip())
        if providers
        else None,
        date=dt.date.fromisoformat(date) if date else None,
        horizon_start=horizon_start,
        tz=tz,
    )
    return _submit(
        request, response, caller, _job_request(visits_table, shifts_table, read, options)
    )


def _methods(text: str | None) -> list[AllocationMethod]:
    if text is None:
        return list(ALLOCATION_METHODS)
    names = [m.strip() for m in text.split(",") if m.strip()]
    if names == ["none"]:
        return []
    known = [m for m in ALLOCATION_METHODS if m in names]
    bad = [m for m in names if m not in ALLOCATION_METHODS]
    if bad:
        raise InputError.single(
            f"unknown allocation rule; use {', '.join(ALLOCATION_METHODS)} or none",
            source="form",
            column="allocation",
            value=", ".join(bad),
        )
    return known


def _job_request(
    visits: nights.Table, shifts: nights.Table, read: nights.ReadOptions, options: JobOptions
) -> JobRequest:
    return JobRequest(
        visits=visits,
        shifts=shifts,
        read=read,
        time_limit_s=options.time_limit_s,
        max_solutions=options.max_solutions,
        seed=options.seed,
        objective=options.objective,
        handover_cost_s=options.handover_cost_s,
        allocation=tuple(dict.fromkeys(options.allocation)),
        coalition_time_limit_s=options.coalition_time_limit_s,
        region=options.region,
    )


# --------------------------------------------------------------------------------------------
# Jobs
# --------------------------------------------------------------------------------------------


def job_out(job: db.Job, caller: Caller) -> JobOut:
    """A job's state for ``caller``; the error's details only for whom submitted the input."""
    sees_input = caller.is_coordinator or job.key_id == caller.key_id
    error = None
    if job.error is not None:
        error = job.error if sees_input else {"detail": job.error.get("detail", ""), "problems": []}
    return JobOut.model_validate(
        {
            "id": job.id,
            "status": job.status,
            "stage": job.stage,
            "progress": job.progress,
            "message": job.message,
            "attempts": job.attempts,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "visits": job.n_visits,
            "shifts": job.n_shifts,
            "region": job.spec["region"],
            "time_limit_s": job.spec["solve"]["time_limit_s"],
            "error": error,
            "links": {
                "self": f"/jobs/{job.id}",
                "result": f"/jobs/{job.id}/result",
                "map": f"/map?job={job.id}",
            },
        }
    )


@router.get("/jobs", response_model=JobList, responses=_errors(401), tags=["jobs"])
def list_jobs(
    caller: CallerDep,
    store: StoreDep,
    status: Annotated[JobStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> JobList:
    """The jobs this key may see, newest first."""
    jobs, total = store.list(caller, status=status, limit=limit, offset=offset)
    return JobList(total=total, limit=limit, offset=offset, jobs=[job_out(j, caller) for j in jobs])


@router.get("/jobs/{job_id}", response_model=JobOut, responses=_errors(401, 404), tags=["jobs"])
def get_job(job_id: str, caller: CallerDep, store: StoreDep) -> JobOut:
    """A job's status and progress."""
    return job_out(store.visible(caller, job_id), caller)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    responses=_errors(401, 403, 404, 409),
    tags=["jobs"],
)
def cancel_job(job_id: str, caller: CallerDep, store: StoreDep) -> JobOut:
    """Cancel a job: a queued one at once, a running one within a moment."""
    return job_out(store.cancel(caller, job_id), caller)


@router.get(
    "/jobs/{job_id}/result",
    response_model=ResultOut,
    responses=_errors(401, 404, 409),
    tags=["results"],
)
def get_result(job_id: str, caller: CallerDep, store: StoreDep) -> ResultOut:
    """Everything of a finished job this key may see: plan, comparison, allocation, map."""
    return ResultOut.model_validate(store.view(caller, job_id))


def _part(store: JobStore, caller: Caller, job_id: str, part: str) -> PartOut:
    view = store.view(caller, job_id)
    return PartOut(view=view["view"], provider=view.get("provider"), data=view[part])


@router.get(
    "/jobs/{job_id}/plan",
    response_model=PartOut,
    responses=_errors(401, 404, 409),
    tags=["results"],
)
def get_plan(job_id: str, caller: CallerDep, store: StoreDep) -> PartOut:
    """The solo and pooled plans: routes, stops, unplanned visits with their reasons."""
    return _part(store, caller, job_id, "plan")


@router.get(
    "/jobs/{job_id}/comparison",
    response_model=PartOut,
    responses=_errors(401, 404, 409),
    tags=["results"],
)
def get_comparison(job_id: str, caller: CallerDep, store: StoreDep) -> PartOut:
    """Solo against pooled: the ledger per provider (a provider: its own) and the total."""
    return _part(store, caller, job_id, "comparison")


@router.get(
    "/jobs/{job_id}/allocation",
    response_model=PartOut,
    responses=_errors(401, 404, 409),
    tags=["results"],
)
def get_allocation(job_id: str, caller: CallerDep, store: StoreDep) -> PartOut:
    """The saving split by each rule asked for, with the core check."""
    return _part(store, caller, job_id, "allocation")


@router.get(
    "/jobs/{job_id}/geojson",
    response_model=PartOut,
    responses=_errors(401, 404, 409),
    tags=["results"],
)
def get_geojson(job_id: str, caller: CallerDep, store: StoreDep) -> PartOut:
    """The solo and pooled plans as GeoJSON (a provider: without others' addresses)."""
    return _part(store, caller, job_id, "geojson")


# --------------------------------------------------------------------------------------------
# The map page
# --------------------------------------------------------------------------------------------


pages = APIRouter()


@pages.get("/map", response_class=HTMLResponse, tags=["map"])
def map_page(settings: Annotated[Settings, Depends(get_settings)]) -> HTMLResponse:
    """The map page: a job's routes per shift and solo against pooled.

    Open it as ``/map?job=<id>``. The page itself holds no data; it asks for the key (or
    reads it from the URL fragment ``#key=...``, which browsers never send to a server) and
    fetches the job with it.
    """
    page = (STATIC / "map.html").read_text(encoding="utf-8")
    page = page.replace("{{TILE_URL}}", html.escape(settings.map_tile_url or "", quote=True))
    page = page.replace(
        "{{TILE_ATTRIBUTION}}", html.escape(settings.map_tile_attribution, quote=True)
    )
    return HTMLResponse(
        page,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": _csp(settings),
        },
    )


def _csp(settings: Settings) -> str:
    tiles = ""
    if settings.map_tile_url:
        from urllib.parse import urlsplit

        parts = urlsplit(settings.map_tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in settings.map_tile_url else ""
            tiles = f" {parts.scheme}://{host or parts.netloc}"
    return (
        "default-src 'self'; img-src 'self' data:" + tiles + "; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    )
