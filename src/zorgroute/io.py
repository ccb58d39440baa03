"""Reading a night: the visits and shifts tables (CSV, JSON, XLSX or a DataFrame) into a Night.

The format and the time rules are specified in ``docs/input-formats.md``; this module is
their implementation. Reading happens in two steps:

1. :func:`read_table` turns a file, a DataFrame or a list of dicts into a raw table of
   strings, with every row labelled as the user sees it (``line 5`` in a CSV file, ``row 5``
   in a spreadsheet, ``item 4`` in JSON).
2. :func:`read_night` parses and validates both tables and builds the frozen
   :class:`~zorgroute.model.Night`. It never stops at the first bad field: every problem of
   both tables is collected and raised as one :class:`~zorgroute.exceptions.InputError`, so a
   planner fixes a visit list in one go.

Times become integer seconds from the night's origin (the plan date at ``horizon_start``, a
naive local datetime). Differences are wall-clock differences, the same arithmetic as
:meth:`Night.at <zorgroute.model.Night.at>`, so ``HH:MM`` and ISO input agree also on the two
nights a year when the clocks change.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
import numbers
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from zorgroute.exceptions import InputError, Problem
from zorgroute.model import (
    DEFAULT_OPTIONAL_WEIGHT_S,
    LEVELS,
    MODES,
    Mode,
    Night,
    Shift,
    TimeWindow,
    Visit,
)

__all__ = [
    "SHIFT_COLUMNS",
    "SHIFT_REQUIRED",
    "VISIT_COLUMNS",
    "VISIT_REQUIRED",
    "TableSource",
    "read_night",
    "read_table",
]

logger = logging.getLogger(__name__)

#: What :func:`read_table` and :func:`read_night` accept for a table: a path to a ``.csv``,
#: ``.json`` or ``.xlsx`` file, a DataFrame, or a list of dicts (one per row).
TableSource: TypeAlias = str | os.PathLike[str] | pd.DataFrame | Sequence[Mapping[str, Any]]

#: Columns of the visits table, in the order of the spec; the first eight are required.
VISIT_COLUMNS: tuple[str, ...] = (
    "visit_id",
    "client_id",
    "provider",
    "lat",
    "lon",
    "window_start",
    "window_end",
    "duration_min",
    "level",
    "pooling",
    "priority",
    "windows",
    "preferred_nurse",
    "preferred_provider",
    "not_nurses",
    "staff",
    "sync",
    "second_gap_min",
    "second_gap_max",
    "after",
    "after_gap_min",
    "after_gap_max",
)
VISIT_REQUIRED: tuple[str, ...] = VISIT_COLUMNS[:8]

#: Columns of the shifts table, in the order of the spec.
SHIFT_COLUMNS: tuple[str, ...] = (
    "shift_id",
    "provider",
    "start_lat",
    "start_lon",
    "end_lat",
    "end_lon",
    "shift_start",
    "shift_end",
    "level",
    "mode",
    "break_start",
    "break_end",
    "break_min",
    "max_drive_min",
    "max_continuous_drive_min",
)
SHIFT_REQUIRED: tuple[str, ...] = (
    "shift_id",
    "provider",
    "start_lat",
    "start_lon",
    "shift_start",
    "shift_end",
)

DAY_S = 86_400
#: Dutch working-time rules (Arbeidstijdenwet) used as defaults: a break of 30 minutes
#: after 5.5 hours of work, 45 after 10; a night shift lasts at most 10 hours.
BREAK_AFTER_S = 5 * 3_600 + 1_800
LONG_BREAK_AFTER_S = 10 * 3_600
MAX_NIGHT_SHIFT_S = 10 * 3_600
#: Every time must fall within this many seconds from the origin (a window or shift that
#: starts late in the horizon may end up to 24 h later).
MAX_TIME_S = 2 * DAY_S
MAX_DURATION_MIN = 480
NIGHT_HORIZON_S = 12 * 3_600

_YES = frozenset({"yes", "true", "1", "ja"})
_NO = frozenset({"no", "false", "0", "nee"})
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_CLOCK_PAIR = re.compile(r"(\d{1,2}:\d{2}(?::\d{2})?)\s*[-–]\s*(\d{1,2}:\d{2}(?::\d{2})?)")
_DATE_ONLY = re.compile(r"\d{4}-?\d{2}-?\d{2}")
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")

_WINDOWS_SYNTAX = (
    "bad windows syntax: use HH:MM-HH:MM;HH:MM-HH:MM or ISO start/end pairs separated by ';'"
)
_TIME_SYNTAX = "not a time: use HH:MM or an ISO 8601 datetime such as 2024-03-05T22:30"

#: A parsed time: seconds after midnight (``HH:MM``) or a naive local datetime (ISO 8601).
_TimeValue: TypeAlias = int | dt.datetime

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# Reading a table
# --------------------------------------------------------------------------------------------


def read_table(source: TableSource, *, kind: str) -> tuple[pd.DataFrame, str]:
    """Read one table as strings, each row labelled as the user sees it.

    Parameters
    ----------
    source
        A path to a ``.csv`` (UTF-8, comma-separated, header row), ``.json`` (a list of
        objects, or an object holding a list under the key ``kind``) or ``.xlsx`` file (first
        sheet, header row); a DataFrame; or a list of dicts.
    kind
        ``"visits"`` or ``"shifts"``: the key looked up in a JSON object, and the source name
        of a table that is not a file.

    Returns
    -------
    table
        Every value as a string (an empty cell as ``""``); column names stripped and lower
        case; fully empty rows dropped. The index holds each row's label for messages:
        ``"line 5"`` (CSV, 1-based line in the file, the header being line 1), ``"row 5"``
        (XLSX, the spreadsheet's row number), ``"item 4"`` (JSON or a list of dicts, 0-based
        as in JSON) or ``"row <label>"`` (a DataFrame's own index).
    name
        The file name, or ``kind`` for a DataFrame or a list.

    Raises
    ------
    InputError
        The file is missing, unreadable, corrupt or of an unsupported type; a column name
        appears twice (ignoring case); a CSV line has more fields than the header; a JSON item
        is not an object.
    TypeError
        ``source`` is none of the types above.
    """
    if isinstance(source, pd.DataFrame):
        table = _frame_table(source, source=kind)
        name = kind
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        table = _read_file(path, kind=kind)
        name = path.name
    elif isinstance(source, Sequence):
        table = _records_table(source, source=kind)
        name = kind
    else:
        raise TypeError(
            f"a {kind} table must be a path, a DataFrame or a list of dicts, "
            f"not {type(source).__name__}"
        )
    logger.debug("read %d rows of %s from %s", len(table), kind, name)
    return table, name


def _read_file(path: Path, *, kind: str) -> pd.DataFrame:
    """Dispatch on the file's extension; turn every reading failure into an InputError."""
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".json": _read_json, ".xlsx": _read_xlsx}
    if suffix not in readers:
        raise InputError.single(
            f"unsupported file type {suffix or '(none)'}: use .csv, .json or .xlsx",
            source=path.name,
        )
    if not path.is_file():
        reason = "not a file" if path.exists() else "file not found"
        raise InputError.single(f"{reason}: {path}", source=path.name)
    try:
        return readers[suffix](path, kind)
    except OSError as exc:
        raise InputError.single(
            f"cannot read the file: {exc.strerror or exc}", source=path.name
        ) from exc


def _read_csv(path: Path, kind: str) -> pd.DataFrame:
    """A CSV file, keeping each record's first line number (blank lines are skipped).

    Comma-separated UTF-8 is the format; the ``;``-separated files with decimal commas that
    a Dutch Excel saves (often in Windows-1252) are read too.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_text(encoding="cp1252")
        except UnicodeDecodeError as exc:
            raise InputError.single(
                "not UTF-8 text: save the file as CSV UTF-8", source=path.name
            ) from exc
        logger.info("%s is not UTF-8; read it as Windows-1252", path.name)
    first = next((line for line in text.splitlines() if line.strip()), "")
    semicolons = ";" in first and "," not in first
    rows: list[list[str]] = []
    labels: list[str] = []
    header: list[str] | None = None
    try:
        reader = csv.reader(text.splitlines(keepends=True), delimiter=";" if semicolons else ",")
        line = 0
        for fields in reader:
            first_line, line = line + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = fields
            else:
                if semicolons:  # a decimal comma: "52,96" is 52.96
                    fields = [_DECIMAL_COMMA.sub(r"\1.\2", f) for f in fields]
                rows.append(fields)
                labels.append(f"line {first_line}")
    except csv.Error as exc:
        raise InputError.single(f"not a valid CSV file: {exc}", source=path.name) from exc
    if header is None:
        raise InputError.single("empty file: no header row", source=path.name)
    return _grid_table(header, rows, labels, source=path.name)


_DECIMAL_COMMA = re.compile(r"^\s*(-?\d+),(\d+)\s*$")


def _read_xlsx(path: Path, kind: str) -> pd.DataFrame:
    """The first sheet of a workbook; the first non-empty row is the header."""
    try:
        sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=object, keep_default_na=False)
    except Exception as exc:  # openpyxl raises an open set of errors on a corrupt file
        raise InputError.single(
            f"not a readable XLSX file ({type(exc).__name__}: {exc})", source=path.name
        ) from exc
    grid = [[_cell_text(value) for value in row] for row in sheet.itertuples(index=False)]
    numbered = [(i + 1, row) for i, row in enumerate(grid) if any(v.strip() for v in row)]
    if not numbered:
        raise InputError.single("empty sheet: no header row", source=path.name)
    (_, header), data = numbered[0], numbered[1:]
    return _grid_table(
        header, [row for _, row in data], [f"row {n}" for n, _ in data], source=path.name
    )


def _read_json(path: Path, kind: str) -> pd.DataFrame:
    """A list of objects, or an object holding that list under the key ``kind``."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except UnicodeDecodeError as exc:
        raise InputError.single("not UTF-8 text", source=path.name) from exc
    except json.JSONDecodeError as exc:
        raise InputError.single(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            source=path.name,
            row=f"line {exc.lineno}",
        ) from exc
    if isinstance(data, Mapping) and isinstance(data.get(kind), list):
        data = data[kind]
    if not isinstance(data, list):
        raise InputError.single(
            f"expected a list of objects, or an object with a {kind!r} list", source=path.name
        )
    return _records_table(data, source=path.name)


def _records_table(records: Sequence[Any], *, source: str) -> pd.DataFrame:
    """A table from a list of dicts; a key missing from an item is an empty value."""
    columns: dict[str, None] = {}  # an ordered set: the keys in order of first appearance
    rows: list[dict[str, str]] = []
    labels: list[str] = []
    problems: list[Problem] = []
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            problems.append(Problem("not an object", source, f"item {i}", None, str(record)))
            continue
        row: dict[str, str] = {}
        for key, value in record.items():
            name = _column_name(key)
            if name in row:
                reason = "field given twice (ignoring case)"
                problems.append(Problem(reason, source, f"item {i}", name))
            row[name] = _cell_text(value)
            columns.setdefault(name)
        rows.append(row)
        labels.append(f"item {i}")
    if problems:
        raise InputError(problems)
    names = [c for c in columns if c]
    grid = [[row.get(c, "") for c in names] for row in rows]
    return _frame(grid, names, labels)


def _frame_table(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """A DataFrame's values as text, rows labelled by its own index."""
    header = [_column_name(c) for c in frame.columns]
    grid = [[_cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    labels = [f"row {label}" for label in frame.index]
    return _grid_table(header, grid, labels, source=source)


def _grid_table(
    header: Sequence[Any], rows: Sequence[Sequence[str]], labels: Sequence[str], *, source: str
) -> pd.DataFrame:
    """A table from a header and rows of text: checks the header and each row's width."""
    names = [_column_name(h) for h in header]
    problems = [
        Problem("column appears twice (ignoring case)", source, None, name)
        for name in sorted({n for n in names if n and names.count(n) > 1})
    ]
    filled = [
        (fields, label)
        for fields, label in zip(rows, labels, strict=True)
        if any(f.strip() for f in fields)
    ]
    width = len(names)
    for fields, label in filled:
        if any(f.strip() for f in fields[width:]):
            reason = f"{len(fields)} fields, but the header has {width} columns"
            problems.append(Problem(reason, source, label))
    if problems:
        raise InputError(problems)
    keep = [i for i, name in enumerate(names) if name]  # columns without a name are ignored
    grid = [[fields[i] if i < len(fields) else "" for i in keep] for fields, _ in filled]
    return _frame(grid, [names[i] for i in keep], [label for _, label in filled])


def _frame(grid: list[list[str]], columns: list[str], labels: list[str]) -> pd.DataFrame:
    return pd.DataFrame(grid, columns=pd.Index(columns), index=pd.Index(labels), dtype=object)


def _column_name(name: object) -> str:
    return str(name).strip().lower()


def _cell_text(value: object) -> str:
    """A cell as text: empty for missing values, whole numbers without ``.0``, ``HH:MM``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return str(value)


# --------------------------------------------------------------------------------------------
# Problems and rows
# --------------------------------------------------------------------------------------------


class _Problems:
    """Collects problems and lists them in file order: arguments, visits, shifts; by row."""

    def __init__(self) -> None:
        self._items: list[tuple[tuple[int, int, int], Problem]] = []

    def add(self, problem: Problem, *, table: int = 0, position: int = -1) -> None:
        self._items.append(((table, position, len(self._items)), problem))

    def extend(self, problems: Iterable[Problem], *, table: int) -> None:
        for problem in problems:
            self.add(problem, table=table)

    def raise_if_any(self) -> None:
        if self._items:
            ordered = [problem for _, problem in sorted(self._items, key=lambda item: item[0])]
            raise InputError(ordered, summary="invalid night input")


@dataclass(frozen=True)
class _Table:
    """A raw table as read: its name, its number in the message order, its rows."""

    source: str
    number: int
    kind: str
    columns: frozenset[str]
    labels: tuple[str, ...]
    records: tuple[Mapping[str, str], ...]


@dataclass
class _Row:
    """One row being parsed. Bad fields are reported and given a placeholder value.

    The placeholders never leave this module: any problem makes :func:`read_night` raise.
    ``bad`` names the fields that failed, so the checks across tables skip them.
    """

    table: _Table
    position: int
    place: str
    values: Mapping[str, str]
    problems: _Problems
    bad: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        """Where the row is, with its id if it has one: ``line 5 (visit v12)``."""
        column = "visit_id" if self.table.kind == "visits" else "shift_id"
        ident = self.text(column)
        return f"{self.place} ({column[:-3]} {ident})" if ident else self.place

    def text(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def report(self, column: str | None, reason: str, value: str | None = None) -> None:
        if column is not None:
            self.bad.add(column)
        problem = Problem(reason, self.table.source, self.label, column, value)
        self.problems.add(problem, table=self.table.number, position=self.position)

    def required(self, column: str) -> str:
        """The text of a required field (a missing column was reported once, for the table)."""
        text = self.text(column)
        if column not in self.table.columns:
            self.bad.add(column)
        elif not text:
            self.report(column, "empty: a value is required")
        return text

    def number(self, column: str, *, required: bool = False) -> float | None:
        """A finite number, or None if the field is empty or bad."""
        text = self.required(column) if required else self.text(column)
        if not text:
            return None
        value = _to_float(text)
        if value is None:
            hint = "; use a decimal point, not a comma" if _DECIMAL_COMMA.fullmatch(text) else ""
            self.report(column, f"not a number{hint}", text)
        return value

    def coordinate(self, column: str, limit: float) -> float:
        value = self.number(column, required=True)
        if value is not None and abs(value) > limit:
            self.report(
                column,
                f"out of range: must lie in -{limit:g}..{limit:g} degrees",
                self.text(column),
            )
        return 0.0 if value is None else value

    def minutes_s(self, column: str, *, required: bool, upper: float | None = None) -> int | None:
        """Positive minutes (at most ``upper``) as whole seconds, or None if empty or bad."""
        value = self.number(column, required=required)
        if value is None:
            return None
        seconds = round(value * 60)
        if seconds < 1 or (upper is not None and value > upper):
            limit = f" and at most {upper:g}" if upper is not None else ""
            self.report(column, f"must be more than 0{limit} minutes", self.text(column))
            return None
        return seconds

    def level(self, default: int) -> int:
        text = self.text("level")
        if not text:
            return default
        value = _to_float(text)
        if value is None or not value.is_integer() or int(value) not in LEVELS:
            self.report("level", "level must be a whole number from 1 to 5", text)
            return default
        return int(value)

    def yes_no(self, column: str, *, default: bool) -> bool:
        text = self.text(column).lower()
        if not text:
            return default
        if text in _YES or text in _NO:
            return text in _YES
        self.report(column, "must be yes or no (also true/false, 1/0, ja/nee)", self.text(column))
        return default

    def time(self, column: str, zone: ZoneInfo) -> _TimeValue | None:
        text = self.required(column)
        if not text:
            return None
        try:
            return _parse_time(text, zone)
        except ValueError as exc:
            self.report(column, str(exc), text)
            return None

    def span(
        self, start_col: str, end_col: str, clock: _Clock, *, allow_empty: bool
    ) -> TimeWindow | None:
        """A start/end pair of columns as a window in seconds, or None if bad."""
        start, end = self.time(start_col, clock.zone), self.time(end_col, clock.zone)
        if start is None or end is None:
            return None
        in_plan = True
        for column, value in ((start_col, start), (end_col, end)):
            try:
                clock.seconds(value)
            except ValueError as exc:
                self.report(column, str(exc), self.text(column))
                in_plan = False
        if not in_plan:
            return None
        try:
            return clock.span(start, end, allow_empty=allow_empty)
        except ValueError as exc:
            reason = f"{exc} ({start_col} {self.text(start_col)})"
            self.report(end_col, reason, self.text(end_col))
            return None


def _to_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------


def _parse_time(text: str, zone: ZoneInfo) -> _TimeValue:
    """``HH:MM`` as seconds after midnight, or an ISO 8601 datetime as naive local time.

    ``H:MM`` and ``HH:MM:SS`` are accepted too, and ``24:00`` means midnight. An aware
    datetime is converted to ``zone``; a naive one is taken to be local time already.

    Raises
    ------
    ValueError
        With the reason, for an impossible time of day (``25:10``, ``12:60``), a date without
        a time, or text that is no time at all.
    """
    text = text.strip()
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        if (hours, minutes, seconds) == (24, 0, 0):
            return 0
        if hours > 23 or minutes > 59 or seconds > 59:
            raise ValueError("impossible time of day: hours run 0–23, minutes 0–59")
        return hours * 3_600 + minutes * 60 + seconds
    if _DATE_ONLY.fullmatch(text):
        raise ValueError("a date without a time of day")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_TIME_SYNTAX) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment


def _split_windows(text: str) -> list[tuple[str, tuple[str, str] | None]]:
    """The ``windows`` column as ``(piece, (start, end))`` texts; ``None`` for a bad piece.

    A piece is ``HH:MM-HH:MM`` or an ISO ``start/end`` pair; pieces are separated by ``;``.
    """
    pieces: list[tuple[str, tuple[str, str] | None]] = []
    for piece in (p.strip() for p in text.split(";")):
        if not piece:
            continue
        clock = _CLOCK_PAIR.fullmatch(piece)
        parts = [p.strip() for p in piece.split("/")]
        if clock:
            pieces.append((piece, (clock.group(1), clock.group(2))))
        elif len(parts) == 2 and all(parts):
            pieces.append((piece, (parts[0], parts[1])))
        else:
            pieces.append((piece, None))
    return pieces


@dataclass(frozen=True)
class _Clock:
    """Maps parsed times to seconds from the origin, the plan date at ``horizon_start``."""

    origin: dt.datetime
    zone: ZoneInfo

    @property
    def horizon_s(self) -> int:
        return self.origin.hour * 3_600 + self.origin.minute * 60

    def seconds(self, value: _TimeValue) -> int:
        """Seconds from the origin.

        Raises
        ------
        ValueError
            If an ISO time lies outside the 48 hours from the origin.
        """
        if isinstance(value, int):
            return (value - self.horizon_s) % DAY_S
        seconds = int((value - self.origin).total_seconds())
        if not 0 <= seconds < MAX_TIME_S:
            raise ValueError(
                f"outside the plan, the 48 hours from {self.origin:%Y-%m-%d %H:%M}: check the date"
            )
        return seconds

    def span(self, start: _TimeValue, end: _TimeValue, *, allow_empty: bool) -> TimeWindow:
        """Map a pair; an ``HH:MM`` end at or before the start is on the next day.

        Raises
        ------
        ValueError
            If an ISO time lies outside the plan, or the end comes before the start (or at
            it, unless ``allow_empty``).
        """
        start_s, end_s = self.seconds(start), self.seconds(end)
        if isinstance(end, int) and end_s <= start_s:
            end_s += DAY_S
        if end_s < start_s or (end_s == start_s and not allow_empty):
            raise ValueError("ends before it starts" if end_s < start_s else "ends when it starts")
        return TimeWindow(start_s, end_s)


def _time_pairs(table: _Table | None) -> Iterator[tuple[str, str]]:
    """Every start/end pair of time texts in a table (the bad ones too)."""
    if table is None:
        return
    columns = (
        [("window_start", "window_end")]
        if table.kind == "visits"
        else [("shift_start", "shift_end"), ("break_start", "break_end")]
    )
    for record in table.records:
        for start, end in columns:
            yield record.get(start, "").strip(), record.get(end, "").strip()
        if table.kind == "visits":
            for _, pair in _split_windows(record.get("windows", "")):
                if pair is not None:
                    yield pair


def _lenient_time(text: str, zone: ZoneInfo) -> _TimeValue | None:
    try:
        return _parse_time(text, zone) if text else None
    except ValueError:
        return None


def _default_horizon(pairs: Sequence[tuple[_TimeValue | None, _TimeValue | None]]) -> int:
    """12:00 if any ``HH:MM`` pair crosses midnight (end ≤ start), else 00:00."""
    for start, end in pairs:
        if isinstance(start, int) and isinstance(end, int) and end <= start:
            return NIGHT_HORIZON_S
    return 0


def _default_date(
    pairs: Sequence[tuple[_TimeValue | None, _TimeValue | None]], horizon_s: int, zone: ZoneInfo
) -> dt.date:
    """The date of the earliest ISO time (the day before if it is before the horizon)."""
    moments = [t for pair in pairs for t in pair if isinstance(t, dt.datetime)]
    if not moments:
        return dt.datetime.now(zone).date()
    first = min(moments)
    seconds = first.hour * 3_600 + first.minute * 60 + first.second
    return first.date() - dt.timedelta(days=1 if seconds < horizon_s else 0)


def _make_clock(
    tables: Sequence[_Table | None],
    zone: ZoneInfo,
    horizon_s: int | None,
    date: dt.date | None,
) -> _Clock:
    pairs = [
        (_lenient_time(start, zone), _lenient_time(end, zone))
        for table in tables
        for start, end in _time_pairs(table)
    ]
    if horizon_s is None:
        horizon_s = _default_horizon(pairs)
        logger.info("horizon starts at %02d:00 (set horizon_start to change)", horizon_s // 3_600)
    if date is None:
        date = _default_date(pairs, horizon_s, zone)
        logger.info("plan date %s (set date to change)", date.isoformat())
    start = dt.time(horizon_s // 3_600, horizon_s % 3_600 // 60)
    return _Clock(dt.datetime.combine(date, start), zone)


def _zone(tz: str, problems: _Problems) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(Problem("unknown time zone (use e.g. Europe/Amsterdam)", "tz", value=tz))
        return ZoneInfo("Europe/Amsterdam")


def _horizon_argument(text: str | None, problems: _Problems) -> int | None:
    """Seconds after midnight of ``horizon_start``, or None if not given (or bad)."""
    if text is None:
        return None
    value = _CLOCK.fullmatch(text.strip())
    if value and value.group(3) is None and int(value.group(1)) < 24 and int(value.group(2)) < 60:
        return int(value.group(1)) * 3_600 + int(value.group(2)) * 60
    problems.add(Problem("not a time of day HH:MM", "horizon_start", value=text))
    return None


# --------------------------------------------------------------------------------------------
# Visits and shifts
# --------------------------------------------------------------------------------------------


def _visit(row: _Row, clock: _Clock) -> Visit:
    """Parse one visit row; bad fields are reported on the row."""
    visit_id = row.required("visit_id")
    client_id = row.required("client_id")
    provider = row.required("provider")
    lat = row.coordinate("lat", 90.0)
    lon = row.coordinate("lon", 180.0)
    windows = _visit_windows(row, clock)
    duration_s = row.minutes_s("duration_min", required=True, upper=MAX_DURATION_MIN)
    level = row.level(default=1)
    pooling = row.yes_no("pooling", default=False)
    mandatory, weight_s = _priority(row)
    return Visit(
        visit_id=visit_id,
        client_id=client_id,
        provider=provider,
        lat=lat,
        lon=lon,
        windows=windows,
        duration_s=duration_s or 0,
        level=level,
        pooling=pooling,
        mandatory=mandatory,
        weight_s=weight_s,
        preferred_nurse=row.text("preferred_nurse") or None,
        preferred_provider=row.text("preferred_provider") or None,
        not_nurses=tuple(n.strip() for n in row.text("not_nurses").split(";") if n.strip()),
        **_double_and_follow_up(row),
    )


def _double_and_follow_up(row: _Row) -> dict[str, Any]:
    """Two carers (``staff``, ``sync``, gaps) and a follow-up (``after``, gaps)."""
    out: dict[str, Any] = {}
    staff_text = row.text("staff")
    if staff_text:
        if staff_text not in {"1", "2", "1.0", "2.0"}:
            row.report("staff", "staff must be 1 or 2 carers", staff_text)
        else:
            out["staff"] = int(float(staff_text))
    sync = row.text("sync").lower() or "same_time"
    if sync not in {"same_time", "ordered"}:
        row.report("sync", "sync must be same_time or ordered", row.text("sync"))
        sync = "same_time"
    out["sync"] = sync
    gaps = {}
    for column in ("second_gap_min", "second_gap_max", "after_gap_min", "after_gap_max"):
        text = row.text(column)
        if not text:
            continue
        value = _to_float(text)
        if value is None or value < 0:
            row.report(column, "must be a number of minutes, 0 or more", text)
            continue
        gaps[column] = round(value * 60)
    if sync == "ordered":
        if out.get("staff", 1) != 2:
            row.report("sync", "ordered carers need staff 2", row.text("sync"))
        low, high = gaps.get("second_gap_min", 0), gaps.get("second_gap_max")
        if high is None:
            row.report("second_gap_max", "an ordered double visit needs its largest gap")
        elif high < low:
            row.report("second_gap_max", "smaller than second_gap_min", row.text("second_gap_max"))
        else:
            out["second_gap_min_s"], out["second_gap_max_s"] = low, high
    after = row.text("after")
    if after:
        out["after"] = after
        out["after_gap_min_s"] = gaps.get("after_gap_min", 0)
        out["after_gap_max_s"] = gaps.get("after_gap_max")
        high = out["after_gap_max_s"]
        if high is not None and high < out["after_gap_min_s"]:
            row.report("after_gap_max", "smaller than after_gap_min", row.text("after_gap_max"))
    return out


def _visit_windows(row: _Row, clock: _Clock) -> tuple[TimeWindow, ...]:
    """The main window and the ``windows`` extras, sorted, overlapping ones merged."""
    main = row.span("window_start", "window_end", clock, allow_empty=True)
    windows = [main] if main is not None else []
    for piece, pair in _split_windows(row.text("windows")):
        if pair is None:
            row.report("windows", _WINDOWS_SYNTAX, piece)
            continue
        try:
            start, end = (_parse_time(text, clock.zone) for text in pair)
            windows.append(clock.span(start, end, allow_empty=True))
        except ValueError as exc:
            row.report("windows", str(exc), piece)
    return _merge(windows)


def _merge(windows: Iterable[TimeWindow]) -> tuple[TimeWindow, ...]:
    merged: list[TimeWindow] = []
    for window in sorted(windows, key=lambda w: (w.start_s, w.end_s)):
        if merged and window.start_s <= merged[-1].end_s:
            last = merged.pop()
            window = TimeWindow(last.start_s, max(last.end_s, window.end_s))
        merged.append(window)
    return tuple(merged)


def _priority(row: _Row) -> tuple[bool, int]:
    """``(mandatory, weight_s)`` from ``mandatory``, ``optional`` or minutes of driving."""
    text = row.text("priority").lower()
    if text in ("", "mandatory"):
        return True, DEFAULT_OPTIONAL_WEIGHT_S
    if text == "optional":
        return False, DEFAULT_OPTIONAL_WEIGHT_S
    minutes = _to_float(text)
    if minutes is None or minutes <= 0:
        reason = "priority must be mandatory, optional or a positive number (minutes of driving)"
        row.report("priority", reason, row.text("priority"))
        return True, DEFAULT_OPTIONAL_WEIGHT_S
    return False, max(1, round(minutes * 60))


def _shift(row: _Row, clock: _Clock) -> Shift:
    """Parse one shift row; bad fields are reported on the row."""
    shift_id = row.required("shift_id")
    provider = row.required("provider")
    start_lat = row.coordinate("start_lat", 90.0)
    start_lon = row.coordinate("start_lon", 180.0)
    end_lat, end_lon = _end_location(row, start_lat, start_lon)
    span = row.span("shift_start", "shift_end", clock, allow_empty=False)
    level = row.level(default=3)
    mode = _mode(row)
    break_window, break_s = _shift_break(row, clock, span)
    if span is not None:
        _check_night_shift(row, span, clock)
    return Shift(
        shift_id=shift_id,
        provider=provider,
        start_lat=start_lat,
        start_lon=start_lon,
        end_lat=end_lat,
        end_lon=end_lon,
        start_s=span.start_s if span else 0,
        end_s=span.end_s if span else 0,
        level=level,
        mode=mode,
        break_window=break_window,
        break_duration_s=break_s,
        max_drive_s=row.minutes_s("max_drive_min", required=False),
        max_leg_drive_s=row.minutes_s("max_continuous_drive_min", required=False),
    )


def _end_location(row: _Row, start_lat: float, start_lon: float) -> tuple[float, float]:
    """Where the shift ends: both of end_lat/end_lon, or neither (then its start)."""
    given = [column for column in ("end_lat", "end_lon") if row.text(column)]
    if not given:
        return start_lat, start_lon
    if len(given) == 1:
        missing = "end_lon" if given == ["end_lat"] else "end_lat"
        row.report(missing, "give both end_lat and end_lon, or neither (then the start)")
        return start_lat, start_lon
    return row.coordinate("end_lat", 90.0), row.coordinate("end_lon", 180.0)


def _mode(row: _Row) -> Mode:
    text = row.text("mode").lower()
    for mode in MODES:
        if text == mode:
            return mode
    if text:
        row.report("mode", "mode must be car or bike", row.text("mode"))
    return "car"


def _shift_break(
    row: _Row, clock: _Clock, shift: TimeWindow | None
) -> tuple[TimeWindow | None, int]:
    """The break window and length: both or neither, the break fitting its window and shift."""
    minutes = row.number("break_min")
    if minutes is not None and minutes < 0:
        row.report("break_min", "break_min must not be negative", row.text("break_min"))
    length_s = round(minutes * 60) if minutes is not None and minutes > 0 else 0
    given = [column for column in ("break_start", "break_end") if row.text(column)]
    if not given:
        if length_s:
            reason = "break_min without a break window: give break_start and break_end"
            row.report("break_min", reason, row.text("break_min"))
        if shift is not None and not row.text("break_min"):
            return default_break(shift)  # nothing said about a break: the legal minimum
        return None, 0
    if len(given) == 1:
        missing = "break_end" if given == ["break_start"] else "break_start"
        row.report(missing, "give both break_start and break_end, or neither")
        return None, 0
    window = row.span("break_start", "break_end", clock, allow_empty=True)
    if window is None:
        return None, 0
    if not length_s and "break_min" not in row.bad:
        reason = "a break window needs break_min, the break's length in minutes"
        row.report("break_min", reason, row.text("break_min") or None)
    elif length_s > window.end_s - window.start_s:
        reason = (
            f"the break is longer than its window ({(window.end_s - window.start_s) // 60} min)"
        )
        row.report("break_min", reason, row.text("break_min"))
    if shift is not None:
        _check_inside(row, window, shift)
    return window, length_s


def default_break(shift: TimeWindow) -> tuple[TimeWindow | None, int]:
    """The break the Dutch working-time rules (Arbeidstijdenwet) ask of a shift, if any.

    More than 5.5 hours of work: 30 minutes; more than 10 hours: 45 minutes. Taken in the
    middle half of the shift. A shift row overrides this with its own break columns, or
    with ``break_min`` 0 for no break.
    """
    length = shift.end_s - shift.start_s
    if length <= BREAK_AFTER_S:
        return None, 0
    minutes = 45 if length > LONG_BREAK_AFTER_S else 30
    quarter = length // 4 // 60 * 60
    return TimeWindow(shift.start_s + quarter, shift.end_s - quarter), minutes * 60


def _check_night_shift(row: _Row, shift: TimeWindow, clock: _Clock) -> None:
    """A night shift (any work between 00:00 and 06:00) lasts at most 10 hours."""
    if shift.end_s - shift.start_s <= MAX_NIGHT_SHIFT_S:
        return
    for day in range(3):
        midnight = day * DAY_S - clock.horizon_s
        if shift.start_s < midnight + 6 * 3_600 and shift.end_s > midnight:
            hours = (shift.end_s - shift.start_s) / 3_600
            row.report(
                "shift_end",
                f"a night shift lasts at most 10 hours (Arbeidstijdenwet); this one lasts "
                f"{hours:g} hours",
                row.text("shift_end"),
            )
            return


def _check_inside(row: _Row, window: TimeWindow, shift: TimeWindow) -> None:
    """Report each end of the break window that lies outside the shift."""
    reason = "break window outside the shift (times count from horizon_start)"
    for column, t_s in (("break_start", window.start_s), ("break_end", window.end_s)):
        if not shift.start_s <= t_s <= shift.end_s:
            row.report(column, reason, row.text(column))


# --------------------------------------------------------------------------------------------
# The night
# --------------------------------------------------------------------------------------------


def read_night(
    visits: TableSource,
    shifts: TableSource,
    *,
    providers: Sequence[str] | None = None,
    date: dt.date | None = None,
    horizon_start: str | None = None,
    tz: str = "Europe/Amsterdam",
) -> Night:
    """Read, parse and validate the visits and shifts of one night (or day).

    Parameters
    ----------
    visits, shifts
        The two tables: a path (``.csv``, ``.json``, ``.xlsx``), a DataFrame or a list of
        dicts; columns as in ``docs/input-formats.md``.
    providers
        Every provider taking part, also those without shifts tonight whose clients may be
        served by others. If given, every visit's and shift's provider must be one of them;
        if not, every visit's provider must have a shift tonight.
    date
        The plan date; default: the date of the earliest ISO time in the input (the day
        before if that time is before ``horizon_start``), else today in ``tz``.
    horizon_start
        ``HH:MM`` at which the plan's 24 hours begin; default 12:00 if any ``HH:MM`` shift or
        window crosses midnight, else 00:00.
    tz
        The plan's time zone: naive times are local time here, aware ones are converted.

    Returns
    -------
    Night
        Visits and shifts in input order, times in seconds from ``origin`` (the plan date at
        ``horizon_start``, naive local time); ``providers`` as given, else the sorted union
        of the visits' and shifts' providers.

    Raises
    ------
    InputError
        Listing every problem of both tables (and of ``tz`` or ``horizon_start``), each with
        its source, row, column and value: unreadable files, missing columns, empty or
        unparseable values, impossible times, ids given twice, unknown providers, visit levels
        no shift that may serve them has, preferred nurses that are no shift.
    TypeError
        ``providers`` is a single string, or a table is of an unsupported type.
    """
    if isinstance(providers, str):
        raise TypeError("providers must be a list of provider names, not a single string")
    problems = _Problems()
    zone = _zone(tz, problems)
    horizon_s = _horizon_argument(horizon_start, problems)
    visit_table = _load(visits, "visits", 1, problems)
    shift_table = _load(shifts, "shifts", 2, problems)
    clock = _make_clock([visit_table, shift_table], zone, horizon_s, date)
    visit_rows = _parse(visit_table, _visit, clock, problems)
    shift_rows = _parse(shift_table, _shift, clock, problems)
    _check_unique(visit_rows, "visit_id")
    _check_unique(shift_rows, "shift_id")
    if shift_table is not None:
        _check_providers(visit_rows, shift_rows, providers)
        _check_levels(visit_rows, shift_rows)
        _check_preferred(visit_rows, shift_rows)
    problems.raise_if_any()
    night = Night(
        visits=tuple(visit for _, visit in visit_rows),
        shifts=tuple(shift for _, shift in shift_rows),
        origin=clock.origin,
        providers=_providers(visit_rows, shift_rows, providers),
    )
    logger.info(
        "read %d visits and %d shifts of %d providers, origin %s",
        len(night.visits),
        len(night.shifts),
        len(night.providers),
        night.origin.isoformat(),
    )
    return night


def _load(source: TableSource, kind: str, number: int, problems: _Problems) -> _Table | None:
    """Read a table and report its missing columns; None if it cannot be read at all."""
    try:
        frame, name = read_table(source, kind=kind)
    except InputError as exc:
        problems.extend(exc.problems, table=number)
        return None
    columns = frozenset(str(c) for c in frame.columns)
    required = VISIT_REQUIRED if kind == "visits" else SHIFT_REQUIRED
    for column in required:
        if column not in columns and (columns or len(frame)):
            problems.add(Problem("required column is missing", name, None, column), table=number)
    records = tuple(
        {str(k): str(v) for k, v in record.items()} for record in frame.to_dict(orient="records")
    )
    labels = tuple(str(label) for label in frame.index)
    return _Table(name, number, kind, columns, labels, records)


def _parse(
    table: _Table | None,
    parse: Callable[[_Row, _Clock], _T],
    clock: _Clock,
    problems: _Problems,
) -> list[tuple[_Row, _T]]:
    """Parse every row of a table into ``(row, object)``; problems go to the rows."""
    if table is None:
        return []
    rows = []
    for position, (place, record) in enumerate(zip(table.labels, table.records, strict=True)):
        row = _Row(table, position, place, record, problems)
        rows.append((row, parse(row, clock)))
    return rows


def _check_unique(rows: Sequence[tuple[_Row, Visit | Shift]], column: str) -> None:
    first: dict[str, str] = {}
    for row, _ in rows:
        ident = row.text(column)
        if not ident:
            continue
        if ident in first:
            row.report(column, f"duplicate {column}: also {first[ident]}", ident)
        else:
            first[ident] = row.place


def _check_providers(
    visit_rows: Sequence[tuple[_Row, Visit]],
    shift_rows: Sequence[tuple[_Row, Shift]],
    providers: Sequence[str] | None,
) -> None:
    """Every provider is a given one; without ``providers``, every visit's has a shift."""
    if providers is not None:
        known = set(providers)
        reason = f"unknown provider: not among the providers given ({', '.join(providers)})"
        rows: list[tuple[_Row, Visit | Shift]] = [*visit_rows, *shift_rows]
        for row, item in rows:
            if item.provider and item.provider not in known:
                row.report("provider", reason + _did_you_mean(item.provider, known), item.provider)
        return
    if any(not row.text("provider") for row, _ in shift_rows):
        return  # a shift of unknown provider might be the one a visit's provider lacks
    known = {shift.provider for _, shift in shift_rows}
    reason = (
        "unknown provider: no shift of this provider tonight; "
        "list it in providers if its clients may be served by others"
    )
    for row, visit in visit_rows:
        if visit.provider and visit.provider not in known:
            row.report("provider", reason + _did_you_mean(visit.provider, known), visit.provider)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    matches = sorted(k for k in known if k.casefold() == name.casefold())
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _check_levels(
    visit_rows: Sequence[tuple[_Row, Visit]], shift_rows: Sequence[tuple[_Row, Shift]]
) -> None:
    """Every visit's level is held by a shift that may serve it (own provider, or any if pooled).

    Skipped while a shift's provider or level is itself bad, so as not to report a level as
    uncovered because of a typo elsewhere. A visit no shift at all may serve is left to the
    solver (``not_consented``) or was reported as an unknown provider.
    """
    if any(row.bad & {"provider", "level"} for row, _ in shift_rows):
        return
    for row, visit in visit_rows:
        if row.bad & {"provider", "level", "pooling"}:
            continue
        levels = [
            shift.level
            for _, shift in shift_rows
            if visit.pooling or shift.provider == visit.provider
        ]
        if levels and max(levels) < visit.level:
            who = (
                "all providers' shifts (pooling=yes)"
                if visit.pooling
                else f"the shifts of {visit.provider} (pooling=no)"
            )
            reason = (
                f"level {visit.level} not covered: no shift that may serve this visit has it; "
                f"the highest level among {who} is {max(levels)}"
            )
            row.report("level", reason, row.text("level"))


def _check_preferred(
    visit_rows: Sequence[tuple[_Row, Visit]], shift_rows: Sequence[tuple[_Row, Shift]]
) -> None:
    if any(not row.text("shift_id") for row, _ in shift_rows):
        return  # the nurse might be the shift without an id
    shift_ids = {shift.shift_id for _, shift in shift_rows}
    visit_ids = {visit.visit_id: visit for _, visit in visit_rows}
    for row, visit in visit_rows:
        if visit.preferred_nurse is not None and visit.preferred_nurse not in shift_ids:
            reason = "preferred_nurse is not the shift_id of a shift tonight"
            row.report("preferred_nurse", reason, visit.preferred_nurse)
        for nurse in visit.not_nurses:
            if nurse not in shift_ids:
                row.report("not_nurses", "not the shift_id of a shift tonight", nurse)
        if visit.after is not None:
            first = visit_ids.get(visit.after)
            if first is None:
                row.report("after", "not the visit_id of a visit tonight", visit.after)
            elif first.client_id != visit.client_id:
                row.report("after", "must be a visit of the same client", visit.after)
            elif first.visit_id == visit.visit_id:
                row.report("after", "a visit cannot follow itself", visit.after)


def _providers(
    visit_rows: Sequence[tuple[_Row, Visit]],
    shift_rows: Sequence[tuple[_Row, Shift]],
    providers: Sequence[str] | None,
) -> tuple[str, ...]:
    if providers is not None:
        return tuple(dict.fromkeys(providers))
    names = {v.provider for _, v in visit_rows} | {s.provider for _, s in shift_rows}
    return tuple(sorted(names))
