"""Configuration of the planner service, read from the environment (``ZORGROUTE_API_*``).

A :class:`Settings` object is made once, when the app is created, and passed explicitly to
everything that needs it; nothing changes it at run time (it is frozen).
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may set, with defaults for a small single-machine service.

    Every field is read from ``ZORGROUTE_API_<FIELD>`` (e.g. ``ZORGROUTE_API_DATABASE_URL``);
    lists are given as JSON (``ZORGROUTE_API_REGIONS='["kempen-demo", "oost-drenthe"]'``).
    """

    model_config = SettingsConfigDict(env_prefix="ZORGROUTE_API_", frozen=True, extra="ignore")

    database_url: str = Field(
        default="sqlite:///zorgroute-api.db",
        description="SQLAlchemy URL: sqlite:///file.db (default) or "
        "postgresql+psycopg://user:password@host/db",
    )
    auto_migrate: bool = Field(
        default=True, description="Run the Alembic migrations to the newest revision at startup."
    )
    workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Jobs run at the same time, each in its own worker process "
        "(0: accept and store jobs, run none).",
    )
    default_time_limit_s: float = Field(
        default=10.0,
        gt=0,
        description="Solver time per solve when a request gives none (capped by the max).",
    )
    max_time_limit_s: float = Field(
        default=60.0, gt=0, description="Cap on the solver time per solve a request may ask for."
    )
    default_coalition_time_limit_s: float = Field(
        default=2.0, gt=0, description="Solver time per coalition plan (allocation) by default."
    )
    max_coalition_time_limit_s: float = Field(
        default=10.0, gt=0, description="Cap on the solver time per coalition plan."
    )
    job_timeout_s: float = Field(
        default=900.0,
        gt=0,
        description="Wall-clock limit of a whole job; its worker is killed after.",
    )
    max_attempts: int = Field(
        default=3, ge=1, description="Runs of a job interrupted by a restart before it is failed."
    )
    allocation_max_providers: int = Field(
        default=6,
        ge=0,
        le=12,
        description="The saving is allocated only for nights with at most this many "
        "providers (every coalition is planned: 2**n - 1 solver runs).",
    )
    max_request_bytes: int = Field(
        default=5_000_000, ge=1_000, description="Largest request body accepted (413 beyond)."
    )
    max_xlsx_unpacked_bytes: int = Field(
        default=50_000_000, ge=1_000, description="Largest unpacked size of an uploaded XLSX file."
    )
    max_visits: int = Field(default=5_000, ge=1, description="Most visits in one night.")
    max_shifts: int = Field(default=1_000, ge=1, description="Most shifts in one night.")
    max_active_jobs_per_key: int = Field(
        default=3, ge=1, description="Queued plus running jobs per API key (429 beyond)."
    )
    max_queued_jobs: int = Field(
        default=100, ge=1, description="Queued jobs in all (503 beyond): the server is overloaded."
    )
    regions: tuple[str, ...] = Field(
        default=("kempen-demo",),
        min_length=1,
        description="Regions whose road network jobs may use; other than the bundled "
        "kempen-demo, a region's roads are downloaded from OpenStreetMap once, then cached.",
    )
    default_region: str = Field(
        default="kempen-demo", description="Region of a request that names none."
    )
    poll_interval_s: float = Field(
        default=0.25, gt=0, le=10, description="How often a running job's cancel flag is looked at."
    )
    map_tile_url: str | None = Field(
        default=None,
        description="Tile URL template of the map page's base map (e.g. a tile server of "
        "your own); none by default, so the page makes no request elsewhere.",
    )
    map_tile_attribution: str = Field(default="", description="Attribution shown for those tiles.")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.default_region not in self.regions:
            raise ValueError(f"default_region {self.default_region!r} is not in regions")
        return self
