"""The API's request and response bodies (pydantic), and their conversion at the edge.

Field meanings follow ``docs/input-formats.md`` (the visits and shifts tables); the library
does the validation that needs the whole night (times, providers, levels) and reports every
problem at once, in the same shape as a malformed body: :class:`ErrorOut`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zorgroute_api.examples import EXAMPLE_NIGHT
from zorgroute_api.worker import ALLOCATION_METHODS, AllocationMethod

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]

_ID = Field(min_length=1, max_length=200)
_TEXT = Field(default=None, max_length=500)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


#: A value of a further column: the library reads every cell as text.
Cell = str | int | float | bool | None


class _Row(BaseModel):
    # further columns of docs/input-formats.md pass through to the library, which checks
    # the ones it knows and ignores others, exactly as in an uploaded file
    model_config = ConfigDict(
        extra="allow",
        allow_inf_nan=False,
        json_schema_extra={
            "additionalProperties": {"type": ["string", "number", "integer", "boolean", "null"]}
        },
    )
    __pydantic_extra__: dict[str, Cell] = Field(init=False)


class VisitIn(_Row):
    """A row of the visits table (docs/input-formats.md; further columns there pass through)."""

    visit_id: str = _ID
    client_id: str = Field(min_length=1, max_length=200, description="Pseudonymous client id.")
    provider: str = _ID
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    window_start: str = Field(max_length=40, description="HH:MM or ISO 8601 datetime.")
    window_end: str = Field(max_length=40, description="HH:MM or ISO 8601 datetime.")
    duration_min: float = Field(ge=0, le=1440)
    level: int | None = Field(default=None, ge=1, le=5)
    pooling: bool | str | None = Field(
        default=None, description="Consent to a carer of another provider (yes/no)."
    )
    priority: str | int | None = Field(
        default=None, description="'mandatory', or an optional visit's weight in minutes."
    )
    windows: str | None = _TEXT
    preferred_nurse: str | None = Field(default=None, max_length=200)


class ShiftIn(_Row):
    """A row of the shifts table (docs/input-formats.md; further columns there pass through)."""

    shift_id: str = _ID
    provider: str = _ID
    start_lat: float = Field(ge=-90, le=90)
    start_lon: float = Field(ge=-180, le=180)
    end_lat: float | None = Field(default=None, ge=-90, le=90)
    end_lon: float | None = Field(default=None, ge=-180, le=180)
    shift_start: str = Field(max_length=40)
    shift_end: str = Field(max_length=40)
    level: int | None = Field(default=None, ge=1, le=5)
    mode: str | None = Field(default=None, max_length=10, description="car or bike")
    break_start: str | None = Field(default=None, max_length=40)
    break_end: str | None = Field(default=None, max_length=40)
    break_min: float | None = Field(default=None, ge=0, le=1440)
    max_drive_min: float | None = Field(default=None, ge=0, le=2880)


class JobOptions(_In):
    """How to plan: solver budgets (capped by the server), allocation, region."""

    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Solver seconds per solve (solo, pooled); capped by the server's "
        "max_time_limit_s. Default: the server's default_time_limit_s.",
    )
    max_solutions: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Stop each solve after this many solutions."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    objective: Literal["time", "distance"] = "time"
    handover_cost_s: int = Field(
        default=0, ge=0, le=86_400, description="Cost of a visit served by another provider."
    )
    allocation: list[AllocationMethod] = Field(
        default_factory=lambda: list(ALLOCATION_METHODS),
        max_length=4,
        description="Rules to split the saving by (empty: no allocation).",
    )
    coalition_time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Solver seconds per coalition plan; capped by the server.",
    )
    region: str | None = Field(
        default=None, max_length=100, description="Road network; default: the server's."
    )


class NightIn(_In):
    """A night to plan: the visits and shifts of every provider taking part."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [EXAMPLE_NIGHT]}
    )

    visits: list[VisitIn] = Field(max_length=100_000)
    shifts: list[ShiftIn] = Field(max_length=100_000)
    providers: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Every provider taking part (also those without shifts tonight).",
    )
    date: dt.date | None = Field(default=None, description="The plan date.")
    horizon_start: str | None = Field(
        default=None, pattern=r"^\d{1,2}:\d{2}$", description="HH:MM the plan's 24 h begin."
    )
    tz: str = Field(default="Europe/Amsterdam", max_length=64)
    options: JobOptions = Field(default_factory=JobOptions)

    def records(self, rows: list[VisitIn] | list[ShiftIn]) -> list[dict[str, Any]]:
        return [r.model_dump(exclude_none=True) for r in rows]


class ProblemOut(BaseModel):
    """One thing wrong with the input: where (source, row, column), the value, why."""

    reason: str
    source: str = ""
    row: str | None = None
    column: str | None = None
    value: str | None = None


class ErrorOut(BaseModel):
    """An error: what went wrong and, for bad input, every problem found."""

    detail: str
    problems: list[ProblemOut] = Field(default_factory=list)


class JobLinks(BaseModel):
    self: str
    result: str
    map: str


class JobOut(BaseModel):
    """A job's state. ``progress`` runs from 0 to 1; ``stage`` says what it is doing."""

    id: str
    status: JobStatus
    stage: str
    progress: float
    message: str
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    visits: int
    shifts: int
    region: str
    time_limit_s: float
    error: ErrorOut | None = Field(
        default=None, description="Why it failed (for the coordinator and the submitter)."
    )
    links: JobLinks


class JobList(BaseModel):
    total: int
    limit: int
    offset: int
    jobs: list[JobOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    workers: int
    jobs: dict[str, int]


class VersionOut(BaseModel):
    api: str
    zorgroute: str
    database_revision: str


class ResultOut(BaseModel):
    """A finished job's result as the caller may see it.

    ``view`` is ``coordinator`` (everything) or ``provider`` (own clients in full, others
    only as a pseudonymous visit id and a village; own ledger and share; aggregates).
    """

    model_config = ConfigDict(extra="allow")

    view: Literal["coordinator", "provider"]
    night: dict[str, Any]
    plan: dict[str, Any]
    comparison: dict[str, Any]
    allocation: dict[str, Any]
    geojson: dict[str, Any]


class PartOut(BaseModel):
    """One part of a result (plan, comparison, allocation or map) for the caller's view."""

    view: Literal["coordinator", "provider"]
    provider: str | None = None
    data: dict[str, Any]
