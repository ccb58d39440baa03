"""A night as the service stores it: two tables as given, and how to read them.

A table is kept exactly as it came in (``records``: the JSON body's list of objects;
``csv``/``xlsx``/``json``: an uploaded file's bytes), so the worker reads the same input the
request was checked against, also after a restart. The submitting request reads it once
(a bad row is a 422 at once); the worker reads it again.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zorgroute import io as zio
from zorgroute.exceptions import InputError, Problem
from zorgroute.model import Night

#: Formats of a stored table: records from a JSON body, or an uploaded file's type.
FORMATS = ("records", "csv", "xlsx", "json")


@dataclass(frozen=True)
class Table:
    """One table as given: ``format`` (one of :data:`FORMATS`) and its bytes."""

    kind: str
    format: str
    data: bytes
    filename: str = ""

    @classmethod
    def from_records(cls, kind: str, records: Sequence[Mapping[str, Any]]) -> Table:
        return cls(kind, "records", json.dumps(list(records)).encode("utf-8"), kind)

    @classmethod
    def from_upload(cls, kind: str, filename: str, data: bytes) -> Table:
        """A table from an uploaded file; its type comes from the file name's extension.

        Raises
        ------
        InputError
            The extension is not ``.csv``, ``.xlsx`` or ``.json``.
        """
        suffix = Path(filename or "").suffix.lower().lstrip(".")
        if suffix not in FORMATS[1:]:
            raise InputError.single(
                f"unsupported file type {('.' + suffix) if suffix else '(none)'}: "
                "use .csv, .json or .xlsx",
                source=kind,
                value=filename or None,
            )
        return cls(kind, suffix, data, Path(filename).name)


@dataclass(frozen=True)
class ReadOptions:
    """The arguments of :func:`zorgroute.io.read_night` besides the two tables."""

    providers: tuple[str, ...] | None = None
    date: dt.date | None = None
    horizon_start: str | None = None
    tz: str = "Europe/Amsterdam"

    def to_json(self) -> dict[str, Any]:
        return {
            "providers": list(self.providers) if self.providers is not None else None,
            "date": self.date.isoformat() if self.date else None,
            "horizon_start": self.horizon_start,
            "tz": self.tz,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReadOptions:
        providers = data.get("providers")
        date = data.get("date")
        return cls(
            providers=tuple(providers) if providers is not None else None,
            date=dt.date.fromisoformat(date) if date else None,
            horizon_start=data.get("horizon_start"),
            tz=data.get("tz") or "Europe/Amsterdam",
        )

    def pinned(self, night: Night) -> ReadOptions:
        """These options with the date and horizon start the night was read with.

        Without a date, :func:`~zorgroute.io.read_night` may take today's; pinning both makes
        a later read (by the worker, maybe after a restart) give the same night.
        """
        return ReadOptions(
            providers=self.providers,
            date=night.origin.date(),
            horizon_start=night.origin.strftime("%H:%M"),
            tz=self.tz,
        )


def check_xlsx_size(table: Table, limit_bytes: int) -> None:
    """Refuse an XLSX file that unpacks to more than ``limit_bytes`` (a zip bomb).

    Raises
    ------
    InputError
        The file unpacks to more than the limit, or is not a zip archive at all.
    """
    if table.format != "xlsx":
        return
    try:
        with zipfile.ZipFile(io.BytesIO(table.data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InputError.single(
            "not a readable XLSX file (not a zip archive)", source=table.filename or table.kind
        ) from exc
    if unpacked > limit_bytes:
        raise InputError.single(
            f"the workbook unpacks to {unpacked} bytes, more than the {limit_bytes} allowed",
            source=table.filename or table.kind,
        )


@contextmanager
def _sources(visits: Table, shifts: Table) -> Iterator[tuple[zio.TableSource, zio.TableSource]]:
    with tempfile.TemporaryDirectory(prefix="zorgroute-api-") as folder:

        def source(table: Table) -> zio.TableSource:
            if table.format == "records":
                records = json.loads(table.data)
                if not isinstance(records, list):
                    raise InputError.single("expected a list of objects", source=table.kind)
                return records
            # the file name is what the library's messages name the source by
            name = Path(table.filename).stem if table.filename else table.kind
            sub = Path(folder) / table.kind
            sub.mkdir()
            path = sub / f"{name or table.kind}.{table.format}"
            path.write_bytes(table.data)
            return path

        yield source(visits), source(shifts)


def read(visits: Table, shifts: Table, options: ReadOptions) -> Night:
    """Read and validate a night from its two stored tables.

    Raises
    ------
    InputError
        Every problem of both tables (see :func:`zorgroute.io.read_night`).
    """
    with _sources(visits, shifts) as (visit_source, shift_source):
        return zio.read_night(
            visit_source,
            shift_source,
            providers=list(options.providers) if options.providers is not None else None,
            date=options.date,
            horizon_start=options.horizon_start,
            tz=options.tz,
        )


def check_size(night: Night, *, max_visits: int, max_shifts: int) -> None:
    """Refuse a night larger than the service plans.

    Raises
    ------
    InputError
        Too many visits or shifts.
    """
    problems = []
    if len(night.visits) > max_visits:
        problems.append(
            Problem(f"{len(night.visits)} visits; at most {max_visits} per night", "visits")
        )
    if len(night.shifts) > max_shifts:
        problems.append(
            Problem(f"{len(night.shifts)} shifts; at most {max_shifts} per night", "shifts")
        )
    if problems:
        raise InputError(problems, summary="night too large")
