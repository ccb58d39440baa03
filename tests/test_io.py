"""Reading a night: formats, time rules, and every bad row reported in one error."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zorgroute.exceptions import InputError
from zorgroute.io import read_night, read_table
from zorgroute.model import Night, Shift, TimeWindow, Visit

DATE = dt.date(2024, 3, 5)

# A small night of two providers in Oost-Drenthe: five visits, two shifts.
VISIT_COLUMNS = [
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
]
VISIT_ROWS: list[tuple[Any, ...]] = [
    ("v1", "c1", "noord", 52.95, 6.88, "22:00", "23:00", 15, 3, True, "mandatory", None, None),
    ("v2", "c2", "noord", 52.93, 6.95, "23:30", "00:30", 20, 3, False, "optional", None, None),
    ("v3", "c3", "oost", 52.9, 6.9, "01:00", "02:00", 10, 4, True, 30, "04:00-05:00", "s2"),
    ("v4", "c4", "oost", 52.88, 6.85, "02:00", "03:00", 30, 3, False, None, None, None),
    (
        "v5",
        "c5",
        "noord",
        52.96,
        6.92,
        "05:00",
        "06:30",
        12.5,
        None,
        None,
        None,
        "05:30-07:00; 22:00-22:30",
        None,
    ),
]
SHIFT_COLUMNS = [
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
]
SHIFT_ROWS: list[tuple[Any, ...]] = [
    ("s1", "noord", 52.94, 6.9, None, None, "22:00", "07:00", 3, "car", "02:00", "04:00", 30, 240),
    ("s2", "oost", 52.89, 6.87, 52.9, 6.88, "23:00", "07:00", 4, "bike", None, None, None, None),
]


def expected_night() -> Night:
    """The small night worked out by hand: horizon 12:00, so 22:00 is 36 000 s."""
    visits = (
        Visit("v1", "c1", "noord", 52.95, 6.88, (TimeWindow(36_000, 39_600),), 900, 3, True),
        Visit(
            "v2",
            "c2",
            "noord",
            52.93,
            6.95,
            (TimeWindow(41_400, 45_000),),
            1_200,
            3,
            False,
            mandatory=False,
            weight_s=3_600,
        ),
        Visit(
            "v3",
            "c3",
            "oost",
            52.9,
            6.9,
            (TimeWindow(46_800, 50_400), TimeWindow(57_600, 61_200)),
            600,
            4,
            True,
            mandatory=False,
            weight_s=1_800,
            preferred_nurse="s2",
        ),
        Visit("v4", "c4", "oost", 52.88, 6.85, (TimeWindow(50_400, 54_000),), 1_800, 3, False),
        Visit(
            "v5",
            "c5",
            "noord",
            52.96,
            6.92,
            (TimeWindow(36_000, 37_800), TimeWindow(61_200, 68_400)),  # two windows merged
            750,
        ),
    )
    shifts = (
        Shift(
            "s1",
            "noord",
            52.94,
            6.9,
            52.94,
            6.9,
            36_000,
            68_400,
            3,
            "car",
            TimeWindow(50_400, 57_600),
            1_800,
            14_400,
        ),
        # 8 hours without a break given: the working-time default, 30 min mid-shift
        Shift(
            "s2",
            "oost",
            52.89,
            6.87,
            52.9,
            6.88,
            39_600,
            68_400,
            4,
            "bike",
            TimeWindow(46_800, 61_200),
            1_800,
        ),
    )
    return Night(visits, shifts, dt.datetime(2024, 3, 5, 12, 0), ("noord", "oost"))


def records(columns: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def write_csv(path: Path, columns: list[str], rows: list[tuple[Any, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.upper() if c == "lat" else c for c in columns])  # names ignore case
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def as_times(rows: list[tuple[Any, ...]], columns: list[str]) -> list[tuple[Any, ...]]:
    """``HH:MM`` texts in the time columns as ``datetime.time`` (spreadsheet time cells)."""
    timed = {"window_start", "window_end", "shift_start", "shift_end"}
    return [
        tuple(
            dt.time.fromisoformat(v) if c in timed else v for c, v in zip(columns, row, strict=True)
        )
        for row in rows
    ]


@pytest.mark.parametrize("form", ["csv", "json", "xlsx", "dataframe", "records"])
def test_every_format_gives_the_same_night(tmp_path: Path, form: str) -> None:
    if form == "csv":
        visits: Any = write_csv(tmp_path / "visits.csv", VISIT_COLUMNS, VISIT_ROWS)
        shifts: Any = write_csv(tmp_path / "shifts.csv", SHIFT_COLUMNS, SHIFT_ROWS)
    elif form == "json":  # one file holding both lists
        visits = shifts = tmp_path / "night.json"
        night = {
            "visits": records(VISIT_COLUMNS, VISIT_ROWS),
            "shifts": records(SHIFT_COLUMNS, SHIFT_ROWS),
        }
        visits.write_text(json.dumps(night), encoding="utf-8")
    elif form == "xlsx":
        visits, shifts = tmp_path / "visits.xlsx", tmp_path / "shifts.xlsx"
        pd.DataFrame(as_times(VISIT_ROWS, VISIT_COLUMNS), columns=VISIT_COLUMNS).to_excel(
            visits, index=False
        )
        pd.DataFrame(as_times(SHIFT_ROWS, SHIFT_COLUMNS), columns=SHIFT_COLUMNS).to_excel(
            shifts, index=False
        )
    elif form == "dataframe":
        visits = pd.DataFrame(VISIT_ROWS, columns=[c.title() for c in VISIT_COLUMNS])
        shifts = pd.DataFrame(SHIFT_ROWS, columns=SHIFT_COLUMNS)
    else:
        visits = records(VISIT_COLUMNS, VISIT_ROWS)
        shifts = records(SHIFT_COLUMNS, SHIFT_ROWS)
    assert read_night(visits, shifts, date=DATE) == expected_night()


def test_read_table_labels_rows_as_the_user_sees_them(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(' Visit_ID ,Note\nv1,a\n\nv2,"two\nlines"\nv3,c\n', encoding="utf-8")
    table, name = read_table(path, kind="visits")
    assert name == "visits.csv"
    assert list(table.columns) == ["visit_id", "note"]
    assert list(table.index) == ["line 2", "line 4", "line 6"]
    assert table.loc["line 4", "note"] == "two\nlines"

    table, name = read_table([{"visit_id": "v1"}, {"visit_id": "v2", "lat": 52.5}], kind="visits")
    assert name == "visits"
    assert list(table.index) == ["item 0", "item 1"]
    assert table.loc["item 0", "lat"] == ""
    assert table.loc["item 1", "lat"] == "52.5"


# --------------------------------------------------------------------------------------------
# Time rules
# --------------------------------------------------------------------------------------------


def visit(**fields: Any) -> dict[str, Any]:
    base = dict(visit_id="v1", client_id="c1", provider="A", lat=52.9, lon=6.9)
    base |= dict(window_start="23:00", window_end="23:30", duration_min=15)
    return base | fields


def shift(**fields: Any) -> dict[str, Any]:
    base = dict(shift_id="s1", provider="A", start_lat=52.9, start_lon=6.9)
    base |= dict(shift_start="22:00", shift_end="07:00", level=3)
    return base | fields


def problems_of(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[str | None, str | None]]:
    return [(p.row, p.column) for p in exc.value.problems]


def test_night_shift_maps_after_a_noon_horizon() -> None:
    night = read_night([visit(window_start="23:30", window_end="00:30")], [shift()], date=DATE)
    assert night.origin == dt.datetime(2024, 3, 5, 12, 0)
    assert (night.shifts[0].start_s, night.shifts[0].end_s) == (36_000, 68_400)
    assert night.visits[0].windows == (TimeWindow(41_400, 45_000),)  # crosses midnight


def test_day_plan_gets_a_midnight_horizon() -> None:
    visits = [visit(window_start="08:00", window_end="09:00")]
    night = read_night(visits, [shift(shift_start="07:00", shift_end="15:00")], date=DATE)
    assert night.origin == dt.datetime(2024, 3, 5, 0, 0)
    assert (night.shifts[0].start_s, night.shifts[0].end_s) == (25_200, 54_000)
    assert night.visits[0].windows == (TimeWindow(28_800, 32_400),)


def test_clock_spellings() -> None:
    visits = [visit(window_start="7:05", window_end="24:00", windows="23:00:30-23:10")]
    night = read_night(visits, [shift(shift_start="06:00", shift_end="23:30")], date=DATE)
    assert night.origin == dt.datetime(2024, 3, 5, 12, 0)  # 24:00 is midnight: end <= start
    assert night.visits[0].windows == (
        TimeWindow(39_630, 40_200),
        TimeWindow(68_700, 129_600),
    )


def test_explicit_horizon_and_date() -> None:
    night = read_night([visit()], [shift()], date=dt.date(2024, 1, 9), horizon_start="18:00")
    assert night.origin == dt.datetime(2024, 1, 9, 18, 0)
    assert (night.shifts[0].start_s, night.shifts[0].end_s) == (14_400, 46_800)


def test_iso_times_set_the_date() -> None:
    shifts = [shift(shift_start="2024-03-05T22:00", shift_end="2024-03-06T07:00")]
    visits = [visit(window_start="2024-03-05T21:30:00+00:00", window_end="2024-03-05T23:00")]
    night = read_night(visits, shifts)
    assert night.origin == dt.datetime(2024, 3, 5, 0, 0)  # no HH:MM pair crosses midnight
    assert (night.shifts[0].start_s, night.shifts[0].end_s) == (79_200, 111_600)
    assert night.visits[0].windows == (TimeWindow(81_000, 82_800),)  # 21:30Z is 22:30 in CET


def test_iso_time_before_the_horizon_is_on_the_day_before() -> None:
    visits = [visit(window_start="2024-03-06T01:00", window_end="02:00")]
    night = read_night(visits, [shift()])
    assert night.origin == dt.datetime(2024, 3, 5, 12, 0)
    assert night.visits[0].windows == (TimeWindow(46_800, 50_400),)


def test_iso_window_or_shift_ending_before_it_starts_is_an_error() -> None:
    shifts = [shift(shift_start="2024-03-05T23:00", shift_end="2024-03-05T22:00")]
    visits = [visit(window_start="2024-03-05T23:30", window_end="2024-03-05T23:00")]
    with pytest.raises(InputError) as exc:
        read_night(visits, shifts)
    assert problems_of(exc) == [
        ("item 0 (visit v1)", "window_end"),
        ("item 0 (shift s1)", "shift_end"),
    ]
    assert all("ends before it starts" in p.reason for p in exc.value.problems)


def test_iso_time_outside_the_plan_is_an_error() -> None:
    shifts = [shift(shift_start="2024-03-09T22:00", shift_end="2024-03-10T07:00")]
    with pytest.raises(InputError) as exc:
        read_night([], shifts, date=DATE, providers=["A"])
    assert problems_of(exc) == [
        ("item 0 (shift s1)", "shift_start"),
        ("item 0 (shift s1)", "shift_end"),
    ]
    assert "check the date" in exc.value.problems[0].reason


def test_bad_arguments_are_reported_with_the_tables() -> None:
    with pytest.raises(InputError) as exc:
        read_night([visit(lat="x")], [shift()], horizon_start="25:00", tz="Mars/Olympus")
    assert [(p.source, p.column) for p in exc.value.problems] == [
        ("tz", None),
        ("horizon_start", None),
        ("visits", "lat"),
    ]


@settings(max_examples=150, deadline=None)
@given(
    start=st.tuples(st.integers(0, 23), st.integers(0, 59)),
    end=st.tuples(st.integers(0, 23), st.integers(0, 59)),
    horizon=st.tuples(st.integers(0, 23), st.integers(0, 59)),
)
def test_any_hhmm_pair_maps_into_two_days_with_end_after_start(
    start: tuple[int, int], end: tuple[int, int], horizon: tuple[int, int]
) -> None:
    hhmm = "{:02d}:{:02d}".format
    # longer night shifts are refused by the working-time rules (tested on their own)
    length_min = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) % 1_440 or 1_440
    assume(length_min <= 600)
    night = read_night(
        [],
        [shift(shift_start=hhmm(*start), shift_end=hhmm(*end))],
        providers=["A"],
        date=DATE,
        horizon_start=hhmm(*horizon),
    )
    s = night.shifts[0]
    assert 0 <= s.start_s < 86_400
    assert s.start_s < s.end_s <= s.start_s + 86_400 < 2 * 86_400
    h_s = horizon[0] * 3_600 + horizon[1] * 60
    assert s.start_s == (start[0] * 3_600 + start[1] * 60 - h_s) % 86_400
    assert night.at(s.end_s).time() == dt.time(*end)


# --------------------------------------------------------------------------------------------
# Bad input: every problem, one error
# --------------------------------------------------------------------------------------------

BAD_VISITS = """\
visit_id,client_id,provider,lat,lon,window_start,window_end,duration_min,level,pooling,priority,windows,preferred_nurse
v1,c1,A,52.9,6.9,22:00,23:00,15,1,no,mandatory,,
v2,,A,52.9,6.9,22:00,23:00,15,,,,,
v3,c3,A,"52,9",6.9,22:00,23:00,15,,,,,
v4,c4,A,52.9,200,22:00,23:00,15,,,,,
v1,c5,A,52.9,6.9,22:00,23:00,15,,,,,
v6,c6,A,52.9,6.9,25:10,23:00,15,,,,,
v7,c7,A,52.9,6.9,22:00,12:60,15,,,,,
v8,c8,A,52.9,6.9,22:00,23:00,0,,,,,
v9,c9,A,52.9,6.9,22:00,23:00,600,,,,,
v10,c10,A,52.9,6.9,22:00,23:00,15,7,,,,
v11,c11,A,52.9,6.9,22:00,23:00,15,,maybe,,,
v12,c12,A,52.9,6.9,22:00,23:00,15,,,urgent,,
v13,c13,A,52.9,6.9,22:00,23:00,15,,,,01:00 to 02:00,
v14,c14,A,52.9,6.9,22:00,23:00,15,,,,,s99
v15,c15,C,52.9,6.9,22:00,23:00,15,,,,,
v16,c16,A,52.9,6.9,22:00,23:00,15,5,no,,,
v17,c17,A,52.9,6.9,2024-03-05T23:00,2024-03-05T22:00,15,,,,,

v18,c18,A,,6.9,22:00,23:00,abc,,,,,
v19,c19,A,52.9,6.9,garbage,23:00,-5,,,,,
"""

BAD_SHIFTS = """\
shift_id,provider,start_lat,start_lon,end_lat,end_lon,shift_start,shift_end,level,mode,break_start,break_end,break_min,max_drive_min
s1,A,52.9,6.9,,,22:00,07:00,4,car,02:00,02:30,30,
s2,B,52.9,6.9,,,22:00,07:00,3,scooter,,,,
s3,A,52.9,6.9,,,22:00,07:00,,,,,45,
s4,A,52.9,6.9,,,22:00,07:00,,,02:00,02:30,,
s5,A,52.9,6.9,,,22:00,07:00,,,02:00,02:20,30,
s6,A,52.9,6.9,,,22:00,07:00,,,08:00,08:30,15,
s7,A,52.9,6.9,,,22:00,07:00,,,,,,0
s1,B,52.9,6.9,,,22:00,07:00,,,,,,
s9,B,52.9,6.9,53.0,,22:00,07:00,,,,,,
s10,B,52.9,6.9,,,xx,07:00,,,,,,
s11,B,52.9,6.9,,,2024-03-05T23:00,2024-03-05T22:00,,,,,,
s12,B,52.9,6.9,,,22:00,07:00,,,02:00,,15,
s13,B,91,6.9,,,22:00,07:00,,,,,,
"""

EXPECTED_BAD = [
    ("visits.csv", "line 3 (visit v2)", "client_id"),
    ("visits.csv", "line 4 (visit v3)", "lat"),
    ("visits.csv", "line 5 (visit v4)", "lon"),
    ("visits.csv", "line 6 (visit v1)", "visit_id"),
    ("visits.csv", "line 7 (visit v6)", "window_start"),
    ("visits.csv", "line 8 (visit v7)", "window_end"),
    ("visits.csv", "line 9 (visit v8)", "duration_min"),
    ("visits.csv", "line 10 (visit v9)", "duration_min"),
    ("visits.csv", "line 11 (visit v10)", "level"),
    ("visits.csv", "line 12 (visit v11)", "pooling"),
    ("visits.csv", "line 13 (visit v12)", "priority"),
    ("visits.csv", "line 14 (visit v13)", "windows"),
    ("visits.csv", "line 15 (visit v14)", "preferred_nurse"),
    ("visits.csv", "line 16 (visit v15)", "provider"),
    ("visits.csv", "line 17 (visit v16)", "level"),
    ("visits.csv", "line 18 (visit v17)", "window_end"),
    ("visits.csv", "line 20 (visit v18)", "lat"),
    ("visits.csv", "line 20 (visit v18)", "duration_min"),
    ("visits.csv", "line 21 (visit v19)", "window_start"),
    ("visits.csv", "line 21 (visit v19)", "duration_min"),
    ("shifts.csv", "line 3 (shift s2)", "mode"),
    ("shifts.csv", "line 4 (shift s3)", "break_min"),
    ("shifts.csv", "line 5 (shift s4)", "break_min"),
    ("shifts.csv", "line 6 (shift s5)", "break_min"),
    ("shifts.csv", "line 7 (shift s6)", "break_start"),
    ("shifts.csv", "line 7 (shift s6)", "break_end"),
    ("shifts.csv", "line 8 (shift s7)", "max_drive_min"),
    ("shifts.csv", "line 9 (shift s1)", "shift_id"),
    ("shifts.csv", "line 10 (shift s9)", "end_lon"),
    ("shifts.csv", "line 11 (shift s10)", "shift_start"),
    ("shifts.csv", "line 12 (shift s11)", "shift_end"),
    ("shifts.csv", "line 13 (shift s12)", "break_end"),
    ("shifts.csv", "line 14 (shift s13)", "start_lat"),
]


def test_every_problem_of_both_files_in_one_error(tmp_path: Path) -> None:
    (tmp_path / "visits.csv").write_text(BAD_VISITS, encoding="utf-8")
    (tmp_path / "shifts.csv").write_text(BAD_SHIFTS, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_night(tmp_path / "visits.csv", tmp_path / "shifts.csv")
    found = [(p.source, p.row, p.column) for p in exc.value.problems]
    assert found == EXPECTED_BAD
    by_place = {(p.row, p.column): p for p in exc.value.problems}
    assert "decimal point" in by_place[("line 4 (visit v3)", "lat")].reason
    assert by_place[("line 4 (visit v3)", "lat")].value == "52,9"
    assert "also line 2" in by_place[("line 6 (visit v1)", "visit_id")].reason
    assert by_place[("line 7 (visit v6)", "window_start")].value == "25:10"
    assert by_place[("line 14 (visit v13)", "windows")].value == "01:00 to 02:00"
    assert "not covered" in by_place[("line 17 (visit v16)", "level")].reason
    assert "longer than its window" in by_place[("line 6 (shift s5)", "break_min")].reason
    assert f"({len(EXPECTED_BAD)} problems)" in str(exc.value)


def test_a_missing_column_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    rows = [row[:7] + row[8:] for row in VISIT_ROWS]
    write_csv(path, [c for c in VISIT_COLUMNS if c != "duration_min"], rows)
    with pytest.raises(InputError) as exc:
        read_night(path, records(SHIFT_COLUMNS, SHIFT_ROWS))
    assert [(p.source, p.row, p.column) for p in exc.value.problems] == [
        ("visits.csv", None, "duration_min")
    ]


def test_unknown_provider_without_providers_needs_a_shift() -> None:
    visits = [visit(provider="C", pooling="yes")]
    shifts = [shift(provider="A"), shift(shift_id="s2", provider="B")]
    with pytest.raises(InputError) as exc:
        read_night(visits, shifts, date=DATE)
    assert problems_of(exc) == [("item 0 (visit v1)", "provider")]
    assert "no shift of this provider tonight" in exc.value.problems[0].reason
    night = read_night(visits, shifts, date=DATE, providers=["A", "B", "C"])
    assert night.providers == ("A", "B", "C")


def test_unknown_provider_with_providers_given() -> None:
    visits = [visit(provider="a"), visit(visit_id="v2", provider="A")]
    shifts = [shift(), shift(shift_id="s2", provider="B")]
    with pytest.raises(InputError) as exc:
        read_night(visits, shifts, date=DATE, providers=["A"])
    assert problems_of(exc) == [
        ("item 0 (visit v1)", "provider"),
        ("item 1 (shift s2)", "provider"),
    ]
    assert "did you mean 'A'" in exc.value.problems[0].reason


def test_level_not_covered_unless_pooled() -> None:
    shifts = [shift(level=4), shift(shift_id="s2", provider="B", level=5)]
    with pytest.raises(InputError) as exc:
        read_night([visit(level=5, pooling="nee")], shifts, date=DATE)
    assert problems_of(exc) == [("item 0 (visit v1)", "level")]
    night = read_night([visit(level=5, pooling="ja")], shifts, date=DATE)
    assert night.visits[0].level == 5


def test_a_window_no_shift_overlaps_is_for_the_solver() -> None:
    night = read_night([visit(window_start="14:00", window_end="15:00")], [shift()], date=DATE)
    assert night.visits[0].windows == (TimeWindow(7_200, 10_800),)


# --------------------------------------------------------------------------------------------
# Files that cannot be read
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("visits.txt", b"visit_id\n", "unsupported file type .txt"),
        ("visits.xlsx", b"PK\x03\x04 not really a workbook", "not a readable XLSX file"),
        ("visits.json", b'[{"visit_id": "v1",}]', "not valid JSON"),
        ("visits.json", b'{"shifts": []}', "an object with a 'visits' list"),
        ("visits.csv", b"visit_id,client_id\nv1,c\x81\n", "not UTF-8"),
        ("visits.csv", b"", "no header row"),
        ("visits.csv", b"lat,LAT\n1,2\n", "appears twice"),
        ("visits.json", b'[{"visit_id": "v1"}, 3]', "not an object"),
    ],
)
def test_unreadable_files_name_the_file(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_table(path, kind="visits")
    assert exc.value.problems[0].source == name
    assert reason in exc.value.problems[0].reason


def test_missing_files_are_all_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as exc:
        read_night(tmp_path / "visits.csv", tmp_path / "shifts.xlsx")
    assert [p.source for p in exc.value.problems] == ["visits.csv", "shifts.xlsx"]


def test_a_corrupt_workbook_is_chained(tmp_path: Path) -> None:
    path = tmp_path / "shifts.xlsx"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(InputError) as exc:
        read_table(path, kind="shifts")
    assert exc.value.__cause__ is not None


def test_a_csv_line_with_too_many_fields(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("visit_id,client_id\nv1,c1\nv2,c2,extra\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(path, kind="visits")
    assert problems_of(exc) == [("line 3", None)]


def test_wrong_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError, match="single string"):
        read_night([visit()], [shift()], providers="A")
    with pytest.raises(TypeError, match="a visits table must be"):
        read_table(42, kind="visits")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "end", "break_min", "expected"),
    [
        ("23:00", "04:00", "", None),  # 5 hours: no break needed
        ("23:00", "07:00", "", (30, "01:00", "05:00")),  # 8 hours: 30 minutes mid-shift
        ("23:00", "07:00", "0", None),  # explicitly no break
    ],
)
def test_working_time_default_break(
    start: str, end: str, break_min: str, expected: tuple[int, str, str] | None
) -> None:
    visits = [
        {
            "visit_id": "v",
            "client_id": "c",
            "provider": "A",
            "lat": 52.9,
            "lon": 6.9,
            "window_start": "23:30",
            "window_end": "00:30",
            "duration_min": 20,
        }
    ]
    shifts = [
        {
            "shift_id": "s",
            "provider": "A",
            "start_lat": 52.9,
            "start_lon": 6.9,
            "shift_start": start,
            "shift_end": end,
            "break_min": break_min,
        }
    ]
    shift = read_night(visits, shifts, date=DATE).shifts[0]
    if expected is None:
        assert shift.break_window is None and shift.break_duration_s == 0
    else:
        minutes, lo, hi = expected
        night = read_night(visits, shifts, date=DATE)
        assert shift.break_duration_s == minutes * 60
        assert shift.break_window is not None
        assert night.at(shift.break_window.start_s).strftime("%H:%M") == lo
        assert night.at(shift.break_window.end_s).strftime("%H:%M") == hi


def test_night_shift_longer_than_ten_hours_is_refused() -> None:
    visits = [
        {
            "visit_id": "v",
            "client_id": "c",
            "provider": "A",
            "lat": 52.9,
            "lon": 6.9,
            "window_start": "23:30",
            "window_end": "00:30",
            "duration_min": 20,
        }
    ]
    shifts = [
        {
            "shift_id": "s",
            "provider": "A",
            "start_lat": 52.9,
            "start_lon": 6.9,
            "shift_start": "21:00",
            "shift_end": "08:00",
        }
    ]
    with pytest.raises(InputError, match="at most 10 hours"):
        read_night(visits, shifts, date=DATE)
    # a long day shift is no night shift
    day = [{**shifts[0], "shift_start": "07:00", "shift_end": "18:00"}]
    day_visit = [{**visits[0], "window_start": "09:00", "window_end": "10:00"}]
    assert read_night(day_visit, day, date=DATE).shifts[0].break_duration_s == 45 * 60


def test_dutch_excel_csv_with_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    """What a Dutch Excel saves: ';'-separated, decimal commas, Windows-1252."""
    visits = tmp_path / "visits.csv"
    visits.write_bytes(
        "visit_id;client_id;provider;lat;lon;window_start;window_end;duration_min\n"
        "v1;cli\u00ebnt1;A;52,9625;6,95;23:00;23:30;17,5\n".encode("cp1252")
    )
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "shift_id;provider;start_lat;start_lon;shift_start;shift_end\ns1;A;52,9;6,9;22:00;07:00\n",
        encoding="utf-8",
    )
    night = read_night(visits, shifts, date=DATE)
    (v,) = night.visits
    assert (v.lat, v.lon, v.duration_s, v.client_id) == (52.9625, 6.95, 1_050, "cli\u00ebnt1")
    assert night.shifts[0].start_lat == 52.9
