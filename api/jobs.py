"""Jobs: storing submitted nights, and running them in worker processes.

:class:`JobStore` holds the rules of the job table (who may submit and see what, the
limits); :class:`JobRunner` runs queued jobs, a bounded number at a time, each in a worker
process of its own (:mod:`zorgroute_api.worker`), with the job's time limit and cancel flag
enforced by ending that process.

Everything a job needs is in the database, so nothing accepted is lost: at startup, jobs
left ``running`` by a server that stopped are queued again (up to ``max_attempts`` runs).
One server (with its workers) per database is assumed; more would re-queue each other's
running jobs at startup.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from zorgroute.exceptions import InputError
from zorgroute.model import Night
from zorgroute_api import nights
from zorgroute_api.auth import Caller
from zorgroute_api.db import (
    ACTIVE,
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Job,
    JobProvider,
    utcnow,
)
from zorgroute_api.settings import Settings

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API answers with ``status`` and ``detail`` (mapped in the app)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


@dataclasses.dataclass(frozen=True)
class JobRequest:
    """A night to plan, as the edge hands it over: the tables and the options."""

    visits: nights.Table
    shifts: nights.Table
    read: nights.ReadOptions
    time_limit_s: float | None = None
    max_solutions: int | None = None
    seed: int = 0
    objective: str = "time"
    handover_cost_s: int = 0
    allocation: tuple[str, ...] = ()
    coalition_time_limit_s: float | None = None
    region: str | None = None


class JobStore:
    """The job table's rules: submit, list, look up and cancel, for a caller."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions

    # -- submitting -----------------------------------------------------------------------

    def submit(self, caller: Caller, request: JobRequest) -> Job:
        """Check a night and store it as a queued job.

        Raises
        ------
        InputError
            Every problem of the night (422).
        ApiError
            403 a provider submitting others' visits or shifts; 429 too many active jobs of
            this key; 503 the queue is full; 422 an unknown region.
        """
        s = self.settings
        region = request.region or s.default_region
        if region not in s.regions:
            raise InputError.single(
                f"unknown region; this server plans in: {', '.join(s.regions)}",
                source="options",
                column="region",
                value=region,
            )
        self._check_limits(caller)
        for table in (request.visits, request.shifts):
            nights.check_xlsx_size(table, s.max_xlsx_unpacked_bytes)
        night = nights.read(request.visits, request.shifts, request.read)
        nights.check_size(night, max_visits=s.max_visits, max_shifts=s.max_shifts)
        providers = _providers(night)
        if not caller.is_coordinator and set(providers) != {caller.provider}:
            raise ApiError(
                403,
                "a provider key may submit only a night of its own provider's visits and "
                "shifts; a pooled night is submitted by the coordinator",
            )
        spec = {
            "read": request.read.pinned(night).to_json(),
            "region": region,
            "solve": {
                "time_limit_s": min(
                    request.time_limit_s or s.default_time_limit_s, s.max_time_limit_s
                ),
                "max_solutions": request.max_solutions,
                "seed": request.seed,
                "objective": request.objective,
            },
            "pooling": {"handover_cost_s": request.handover_cost_s},
            "allocation": {
                "methods": list(request.allocation),
                "coalition_time_limit_s": min(
                    request.coalition_time_limit_s or s.default_coalition_time_limit_s,
                    s.max_coalition_time_limit_s,
                ),
                "max_providers": s.allocation_max_providers,
            },
        }
        job = Job(
            id=uuid.uuid4().hex,
            key_id=caller.key_id,
            status=QUEUED,
            stage="queued",
            progress=0.0,
            created_at=utcnow(),
            attempts=0,
            cancel_requested=False,
            spec=spec,
            visits_format=request.visits.format,
            visits_data=request.visits.data,
            shifts_format=request.shifts.format,
            shifts_data=request.shifts.data,
            n_visits=len(night.visits),
            n_shifts=len(night.shifts),
            message="",
            providers=[JobProvider(provider=p) for p in providers],
        )
        with self.sessions() as session:
            session.add(job)
            session.commit()
            return job

    def _check_limits(self, caller: Caller) -> None:
        """Refuse a job beyond the key's or the queue's limit (checked before reading it).

        Two requests of one key at the same moment may both pass; the limit is there to
        stop a key from flooding the queue, not to count exactly.
        """
        s = self.settings
        with self.sessions() as session:
            active = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.key_id == caller.key_id, Job.status.in_(ACTIVE))
            )
            if (active or 0) >= s.max_active_jobs_per_key:
                raise ApiError(
                    429,
                    f"this key has {active} jobs queued or running, the most allowed; "
                    "wait for one to finish or cancel one",
                    headers={"Retry-After": "10"},
                )
            queued = session.scalar(
                select(func.count()).select_from(Job).where(Job.status == QUEUED)
            )
            if (queued or 0) >= s.max_queued_jobs:
                raise ApiError(
                    503, "the job queue is full; try again later", headers={"Retry-After": "30"}
                )

    # -- reading ----------------------------------------------------------------------------

    def visible(self, caller: Caller, job_id: str) -> Job:
        """The job, if ``caller`` may see it.

        Raises
        ------
        ApiError
            404 if there is no such job or the caller may not see it (the same answer, so a
            key cannot probe for other providers' jobs).
        """
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or not may_see(caller, job):
                raise ApiError(404, "no such job")
            return job

    def view(self, caller: Caller, job_id: str) -> dict[str, Any]:
        """The part of a finished job's result ``caller`` may see.

        The coordinator gets the full result; a provider key only its provider's view
        (built by the worker with :func:`zorgroute.pooling.provider_view`).

        Raises
        ------
        ApiError
            404 as for :meth:`visible`; 409 if the job has no result (yet).
        """
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or not may_see(caller, job):
                raise ApiError(404, "no such job")
            result = job.result if job.status == DONE else None
            if result is None:
                detail = f"the job is {job.status}"
                if job.status == RUNNING:
                    detail += f" ({job.stage}, {100 * job.progress:.0f} %)"
                raise ApiError(409, detail + "; it has no result")
        part = result["full"] if caller.is_coordinator else result["views"].get(caller.provider)
        if part is None:  # a provider's own night, submitted with its key, without it
            raise ApiError(404, "no such job")
        view: dict[str, Any] = part
        return view

    def list(
        self, caller: Caller, *, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[Sequence[Job], int]:
        """The jobs ``caller`` may see, newest first, and how many there are in all."""
        query = select(Job)
        if not caller.is_coordinator:
            query = query.where(
                (Job.key_id == caller.key_id)
                | Job.id.in_(
                    select(JobProvider.job_id).where(JobProvider.provider == caller.provider)
                )
            )
        if status:
            query = query.where(Job.status == status)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
            ).all()
            return rows, total

    def cancel(self, caller: Caller, job_id: str) -> Job:
        """Cancel a queued job at once; ask a running one's worker to stop.

        Raises
        ------
        ApiError
            404 as for :meth:`visible`; 403 if the caller may see but not cancel it (a
            provider whose clients are in a coordinator's night); 409 if it has finished.
        """
        job = self.visible(caller, job_id)
        if not (caller.is_coordinator or job.key_id == caller.key_id):
            raise ApiError(403, "only the coordinator or the submitting key may cancel a job")
        with self.sessions() as session:
            now = utcnow()
            done = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == QUEUED)
                .values(
                    status=CANCELLED,
                    stage="cancelled",
                    finished_at=now,
                    message="cancelled before it ran",
                )
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == RUNNING)
                    .values(cancel_requested=True, message="cancel requested")
                )
            session.commit()
            found = session.get(Job, job_id)
            assert found is not None
            if found.status in (DONE, FAILED):
                raise ApiError(409, f"the job has already finished ({found.status})")
            return found

    def counts(self) -> dict[str, int]:
        with self.sessions() as session:
            rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
            return {str(status): int(n) for status, n in rows}


def may_see(caller: Caller, job: Job) -> bool:
    """Coordinators see every job; a provider the jobs it submitted or takes part in."""
    if caller.is_coordinator or job.key_id == caller.key_id:
        return True
    return any(p.provider == caller.provider for p in job.providers)


def _providers(night: Night) -> list[str]:
    names = set(night.providers)
    names |= {v.provider for v in night.visits} | {s.provider for s in night.shifts}
    return sorted(names)


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


class _Worker:
    """A worker process (``python -m zorgroute_api.worker``) and our end of its socket.

    A fresh interpreter rather than a forked or spawned copy of the server: it shares no
    threads, locks or open database connections with the server, and does not re-import
    the server's main module.
    """

    def __init__(self, preload_region: str) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "zorgroute_api.worker",
                    str(theirs.fileno()),
                    preload_region,
                ],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self.conn.close()

    def stop(self) -> None:
        """Ask the worker to end; kill it if it does not within a few seconds."""
        try:
            self.conn.send(("stop",))
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class JobRunner:
    """Runs queued jobs in ``settings.workers`` worker processes, one job each at a time."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Re-queue jobs interrupted by a restart, then start the worker slots."""
        if self.settings.workers == 0:
            return
        self.recover()
        for n in range(self.settings.workers):
            thread = threading.Thread(target=self._slot, name=f"job-slot-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop the slots; a job still running is queued again for the next start."""
        self._stopping.set()
        self.notify()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()

    def notify(self) -> None:
        """A job was queued: wake a free slot."""
        with self._wake:
            self._wake.notify_all()

    def recover(self) -> int:
        """Queue the jobs left running by a server that stopped; fail those run too often."""
        with self.sessions() as session:
            now = utcnow()
            failed = session.execute(
                update(Job)
                .where(Job.status == RUNNING, Job.attempts >= self.settings.max_attempts)
                .values(
                    status=FAILED,
                    stage="failed",
                    finished_at=now,
                    message=f"interrupted {self.settings.max_attempts} times by a restart",
                    error={"detail": "interrupted too often by a server restart", "problems": []},
                )
            )
            requeued = session.execute(
                update(Job)
                .where(Job.status == RUNNING)
                .values(
                    status=QUEUED,
                    stage="queued",
                    progress=0.0,
                    message="queued again after a server restart",
                )
            )
            session.commit()
        n_failed = int(failed.rowcount)  # type: ignore[attr-defined]
        n_requeued = int(requeued.rowcount)  # type: ignore[attr-defined]
        if n_requeued or n_failed:
            log.warning("after a restart: %d jobs queued again, %d failed", n_requeued, n_failed)
        return n_requeued

    # -- a slot -------------------------------------------------------------------------------

    def _slot(self) -> None:
        # a worker is started ahead of the jobs (and again right after one is ended), so it
        # has read the default region's roads before a job arrives
        worker: _Worker | None = _Worker(self.settings.default_region)
        try:
            while not self._stopping.is_set():
                job_id = self._claim()
                if job_id is None:
                    with self._wake:
                        self._wake.wait(timeout=1.0)
                    continue
                if worker is None or not worker.alive():
                    worker = _Worker(self.settings.default_region)
                try:
                    keep = self._run(worker, job_id)
                except Exception:
                    log.exception("job %s: the runner failed", job_id)
                    self._finish(job_id, FAILED, error={"detail": "internal error", "problems": []})
                    keep = False
                if not keep:
                    worker.kill()
                    worker = None
                    if not self._stopping.is_set():
                        worker = _Worker(self.settings.default_region)
        finally:
            if worker is not None:
                worker.stop()

    def _claim(self) -> str | None:
        """Mark the oldest queued job running, atomically; its id, or ``None``."""
        with self.sessions() as session:
            for _ in range(5):
                job_id = session.scalar(
                    select(Job.id)
                    .where(Job.status == QUEUED)
                    .order_by(Job.created_at, Job.id)
                    .limit(1)
                )
                if job_id is None:
                    return None
                claimed = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == QUEUED)
                    .values(
                        status=RUNNING,
                        stage="starting",
                        progress=0.0,
                        started_at=utcnow(),
                        attempts=Job.attempts + 1,
                        message="",
                    )
                )
                session.commit()
                if claimed.rowcount:  # type: ignore[attr-defined]
                    return str(job_id)
        return None

    def _payload(self, job_id: str) -> dict[str, Any]:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            return {
                "spec": job.spec,
                "visits": {"kind": "visits", "format": job.visits_format, "data": job.visits_data},
                "shifts": {"kind": "shifts", "format": job.shifts_format, "data": job.shifts_data},
            }

    def _run(self, worker: _Worker, job_id: str) -> bool:
        """Run one job on ``worker``; whether the worker may be used again."""
        worker.conn.send(("run", job_id, self._payload(job_id)))
        deadline = time.monotonic() + self.settings.job_timeout_s
        while True:
            if worker.conn.poll(self.settings.poll_interval_s):
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    return self._lost(worker, job_id)
                kind = message[0]
                if kind == "progress":
                    self._progress(job_id, message[1], message[2])
                elif kind == "done":
                    self._finish(job_id, DONE, result=message[1])
                    return True
                else:
                    self._finish(job_id, FAILED, error=message[1])
                    return True
            elif not worker.alive():
                return self._lost(worker, job_id)
            if self._stopping.is_set():
                self._requeue(job_id, "queued again: the server stopped while it ran")
                return False
            if time.monotonic() > deadline:
                limit = self.settings.job_timeout_s
                self._finish(
                    job_id,
                    FAILED,
                    error={"detail": f"timed out after {limit:g} s", "problems": []},
                )
                return False
            if self._cancel_requested(job_id):
                self._finish(job_id, CANCELLED, message="cancelled while running")
                return False

    def _lost(self, worker: _Worker, job_id: str) -> bool:
        worker.process.wait(timeout=10)
        code = worker.exit_code
        self._finish(
            job_id,
            FAILED,
            error={"detail": f"the worker process ended (exit code {code})", "problems": []},
        )
        return False

    def _cancel_requested(self, job_id: str) -> bool:
        with self.sessions() as session:
            return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))

    def _progress(self, job_id: str, stage: str, fraction: float) -> None:
        with self.sessions() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == RUNNING)
                .values(stage=stage[:60], progress=max(0.0, min(1.0, fraction)))
            )
            session.commit()

    def _requeue(self, job_id: str, message: str) -> None:
        with self.sessions() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == RUNNING)
                .values(status=QUEUED, stage="queued", progress=0.0, message=message)
            )
            session.commit()

    def _finish(
        self,
        job_id: str,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        message: str = "",
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "stage": status,
            "finished_at": utcnow(),
            "message": message or (error or {}).get("detail", ""),
        }
        if status == DONE:
            values.update(progress=1.0, result=result)
        if error is not None:
            values["error"] = error
        with self.sessions() as session:
            session.execute(
                update(Job).where(Job.id == job_id, Job.status == RUNNING).values(**values)
            )
            session.commit()
        log.info("job %s %s", job_id, status)
