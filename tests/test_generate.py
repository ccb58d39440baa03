"""Synthetic nights: reproducible, in the input format, servable, and plausible in aggregate."""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from zorgroute import generate
from zorgroute.exceptions import InputError
from zorgroute.generate import GeneratorSettings, GeneratorWarning, generate_night
from zorgroute.matrix import snap_to_roads
from zorgroute.network import RoadNetwork
from zorgroute.resources import data_path

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
VISIT_REQUIRED = (
    "visit_id",
    "client_id",
    "provider",
    "lat",
    "lon",
    "window_start",
    "window_end",
    "duration_min",
)
SHIFT_REQUIRED = ("shift_id", "provider", "start_lat", "start_lon", "shift_start", "shift_end")


@pytest.fixture
def villages() -> pd.DataFrame:
    """Five villages of the demo region (rounded GeoNames centres, made-up populations)."""
    return pd.DataFrame(
        {
            "name": ["Zoersel", "Lille", "Gierle", "Wechelderzande", "Vorselaar"],
            "lat": [51.2683, 51.2420, 51.2685, 51.2630, 51.2024],
            "lon": [4.7130, 4.8231, 4.8673, 4.7865, 4.7726],
            "population": [10_000, 6_000, 4_000, 2_000, 3_000],
        }
    )


def kempen_villages() -> pd.DataFrame:
    path = data_path("villages", "kempen-demo.csv")
    if not path.is_file():
        pytest.skip(f"{path} not present")
    from zorgroute.places import load_villages

    return load_villages("kempen-demo")


# --------------------------------------------------------------------------------------------
# An independent reading of the tables: HH:MM on a horizon as in docs/input-formats.md
# --------------------------------------------------------------------------------------------


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _horizon(visits: pd.DataFrame, shifts: pd.DataFrame) -> int:
    """Noon if any shift or window crosses midnight, else midnight (the documented rule)."""
    pairs = [*zip(visits.window_start, visits.window_end, strict=True)]
    pairs += [*zip(shifts.shift_start, shifts.shift_end, strict=True)]
    return 12 * 60 if any(_minutes(e) <= _minutes(s) for s, e in pairs) else 0


def _span(start: str, end: str, horizon: int) -> tuple[int, int]:
    a = (_minutes(start) - horizon) % 1440
    b = (_minutes(end) - horizon) % 1440
    return a, b + 1440 if b <= a else b


def unservable(visits: pd.DataFrame, shifts: pd.DataFrame) -> list[str]:
    """Visits that no shift allowed to serve them can: own provider's, others' on consent.

    A shift can serve a visit when its level is high enough and the whole window, plus the
    visit's duration after the window's end, lies within the shift's hours.
    """
    horizon = _horizon(visits, shifts)
    hours = [
        _span(s, e, horizon) for s, e in zip(shifts.shift_start, shifts.shift_end, strict=True)
    ]
    bad = []
    for v in visits.itertuples(index=False):
        w0, w1 = _span(str(v.window_start), str(v.window_end), horizon)
        ok = False
        for k, s in enumerate(shifts.itertuples(index=False)):
            may = s.provider == v.provider or v.pooling == "yes"
            fits = hours[k][0] <= w0 and w1 + int(v.duration_min) <= hours[k][1]
            if may and fits and int(s.level) >= int(v.level):
                ok = True
                break
        if not ok:
            bad.append(str(v.visit_id))
    return bad


# --------------------------------------------------------------------------------------------
# Reproducibility and format
# --------------------------------------------------------------------------------------------


def test_same_seed_same_night_and_different_seed_different(villages: pd.DataFrame) -> None:
    v1, s1 = generate_night(villages, n_visits=80, n_shifts=10, seed=3)
    v2, s2 = generate_night(villages, n_visits=80, n_shifts=10, seed=3)
    pd.testing.assert_frame_equal(v1, v2)
    pd.testing.assert_frame_equal(s1, s2)
    v3, s3 = generate_night(villages, n_visits=80, n_shifts=10, seed=4)
    assert not v1.equals(v3)
    assert not s1.equals(s3)


def test_same_seed_same_night_on_roads(villages: pd.DataFrame, demo_network: RoadNetwork) -> None:
    v1, s1 = generate_night(villages, n_visits=50, seed=9, network=demo_network)
    v2, s2 = generate_night(villages, n_visits=50, seed=9, network=demo_network)
    pd.testing.assert_frame_equal(v1, v2)
    pd.testing.assert_frame_equal(s1, s2)


@pytest.mark.parametrize("kind", ["night", "day"])
def test_columns_counts_and_values(villages: pd.DataFrame, kind: str) -> None:
    settings = GeneratorSettings(kind="night" if kind == "night" else "day")
    visits, shifts = generate_night(
        villages, n_visits=137, n_providers=5, n_shifts=17, seed=1, settings=settings
    )
    assert len(visits) == 137
    assert len(shifts) == 17
    assert set(VISIT_REQUIRED) <= set(visits.columns)
    assert set(SHIFT_REQUIRED) <= set(shifts.columns)
    assert tuple(visits.columns) == generate.VISIT_COLUMNS
    assert tuple(shifts.columns) == generate.SHIFT_COLUMNS
    assert visits.visit_id.is_unique and shifts.shift_id.is_unique
    assert all(re.fullmatch(r"v\d{4}", x) for x in visits.visit_id)
    assert all(re.fullmatch(r"c\d{4}", x) for x in visits.client_id)
    for column in ("window_start", "window_end"):
        assert visits[column].str.match(HHMM).all()
    for column in ("shift_start", "shift_end", "break_start", "break_end"):
        assert shifts[column].str.match(HHMM).all()
    assert set(visits.pooling) <= {"yes", "no"}
    assert all(p == "mandatory" or p.isdigit() for p in visits.priority)
    assert visits.level.between(1, 5).all() and shifts.level.between(1, 5).all()
    assert set(shifts["mode"]) <= {"car", "bike"}
    low, high = settings.visit_duration_min
    assert visits.duration_min.between(low, high).all()
    assert set(visits.provider) <= {f"Zorggroep {c}" for c in "ABCDE"}
    assert set(visits.village) <= set(villages.name)
    # a client lives in one place and belongs to one provider
    per_client = visits.groupby("client_id")[["lat", "lon", "provider", "pooling"]].nunique()
    assert (per_client == 1).all().all()
    # end = start: shifts return to the office
    assert (shifts.start_lat == shifts.end_lat).all() and (shifts.start_lon == shifts.end_lon).all()


def test_night_and_day_shift_hours(villages: pd.DataFrame) -> None:
    _, night = generate_night(villages, n_visits=10, n_shifts=40, seed=2)
    assert set(zip(night.shift_start, night.shift_end, strict=True)) == {
        ("23:00", "07:00"),
        ("22:00", "06:00"),
    }
    assert (night["mode"] == "car").all()
    assert (night.level >= 3).all()  # night teams: mostly 3–4 (some 5)
    day = GeneratorSettings(kind="day", bike_share=0.5)
    _, shifts = generate_night(villages, n_visits=10, n_shifts=40, seed=2, settings=day)
    starts = shifts.shift_start.map(_minutes)
    assert starts.between(7 * 60, 8 * 60).all()
    assert 5 <= (shifts["mode"] == "bike").sum() <= 35


def test_windows_within_shift_hours(villages: pd.DataFrame) -> None:
    visits, shifts = generate_night(villages, n_visits=400, n_shifts=30, seed=5)
    horizon = _horizon(visits, shifts)
    assert horizon == 12 * 60
    first = min(
        _span(s, e, horizon)[0] for s, e in zip(shifts.shift_start, shifts.shift_end, strict=True)
    )
    last = max(
        _span(s, e, horizon)[1] for s, e in zip(shifts.shift_start, shifts.shift_end, strict=True)
    )
    spans = [
        _span(s, e, horizon) for s, e in zip(visits.window_start, visits.window_end, strict=True)
    ]
    lengths = np.array([b - a for a, b in spans])
    assert lengths.min() >= 30 and lengths.max() <= 120
    assert min(a for a, _ in spans) >= first and max(b for _, b in spans) <= last
    # windows spread through the night, not bunched at its start
    starts = np.array([a for a, _ in spans])
    assert starts.min() < first + 90 and starts.max() > last - 180


# --------------------------------------------------------------------------------------------
# Every visit can be served
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "n_visits", "n_providers", "n_shifts", "seed"),
    [
        ("night", 300, 6, 25, 0),
        ("night", 120, 8, 8, 1),  # one shift per provider
        ("night", 60, 3, 20, 2),
        ("night", 50, 6, 3, 3),  # fewer shifts than providers
        ("night", 1, 1, 1, 4),
        ("day", 300, 6, 25, 5),
        ("day", 80, 4, 4, 6),
    ],
)
def test_every_visit_servable_by_a_shift_it_may_get(
    villages: pd.DataFrame, kind: str, n_visits: int, n_providers: int, n_shifts: int, seed: int
) -> None:
    settings = GeneratorSettings(kind="night" if kind == "night" else "day")
    visits, shifts = generate_night(
        villages,
        n_visits=n_visits,
        n_providers=n_providers,
        n_shifts=n_shifts,
        seed=seed,
        settings=settings,
    )
    assert unservable(visits, shifts) == []


def test_level_never_above_what_may_serve_it(villages: pd.DataFrame) -> None:
    # only level-2 carers: every visit's need is capped at 2
    settings = GeneratorSettings(night_shift_levels=((2, 1.0),))
    visits, shifts = generate_night(villages, n_visits=200, seed=0, settings=settings)
    assert (shifts.level == 2).all()
    assert (visits.level <= 2).all()
    assert unservable(visits, shifts) == []


def test_providers_with_visits_get_shifts(villages: pd.DataFrame) -> None:
    visits, shifts = generate_night(villages, n_visits=300, n_providers=6, n_shifts=6, seed=0)
    assert set(visits.provider) <= set(shifts.provider)
    assert shifts.provider.value_counts().max() == 1


def test_shifts_follow_market_share(villages: pd.DataFrame) -> None:
    visits, shifts = generate_night(villages, n_visits=3000, n_providers=6, n_shifts=60, seed=0)
    visit_share = visits.provider.value_counts(normalize=True)
    shift_share = shifts.provider.value_counts(normalize=True)
    assert visit_share.index[0] == "Zorggroep A"  # A is the largest
    assert (shift_share >= 1 / 60).all()
    for provider, share in visit_share.items():
        assert abs(shift_share[provider] - share) < 0.06


def test_too_few_shifts_clients_of_shiftless_providers_consent(villages: pd.DataFrame) -> None:
    visits, shifts = generate_night(villages, n_visits=200, n_providers=6, n_shifts=2, seed=0)
    shiftless = set(visits.provider) - set(shifts.provider)
    assert shiftless  # the situation under test
    assert (visits[visits.provider.isin(shiftless)].pooling == "yes").all()
    assert unservable(visits, shifts) == []


def test_breaks_in_long_shifts(villages: pd.DataFrame) -> None:
    _, shifts = generate_night(villages, n_visits=10, n_shifts=10, seed=0)
    assert (shifts.break_min == 30).all()
    for s in shifts.itertuples(index=False):
        a, b = _span(str(s.shift_start), str(s.shift_end), 12 * 60)
        c, d = _span(str(s.break_start), str(s.break_end), 12 * 60)
        assert a <= c and d <= b and d - c >= 30
    _, none = generate_night(
        villages, n_visits=10, n_shifts=3, seed=0, settings=GeneratorSettings(break_min=0)
    )
    assert (none.break_min == 0).all() and (none.break_start == "").all()


# --------------------------------------------------------------------------------------------
# Plausible in aggregate
# --------------------------------------------------------------------------------------------


def test_visits_per_village_proportional_to_population(villages: pd.DataFrame) -> None:
    visits, _ = generate_night(villages, n_visits=20_000, n_shifts=100, seed=11)
    observed = visits.village.value_counts(normalize=True)
    expected = villages.set_index("name").population / villages.population.sum()
    # ~13 000 clients: the standard error of a share is below 0.006; allow 0.02
    for name, share in expected.items():
        assert abs(observed.get(name, 0.0) - share) < 0.02, name


def test_village_without_people_gets_no_clients(villages: pd.DataFrame) -> None:
    villages = villages.assign(population=[10_000, 0, 0, 0, 0])
    visits, shifts = generate_night(villages, n_visits=200, seed=0)
    assert set(visits.village) == {"Zoersel"} and set(shifts.office) == {"Zoersel"}


@pytest.mark.parametrize("rate", [0.6, 0.25])
def test_consent_rate_as_set(villages: pd.DataFrame, rate: float) -> None:
    settings = GeneratorSettings(consent_rate=rate)
    visits, _ = generate_night(villages, n_visits=6000, n_shifts=60, seed=2, settings=settings)
    clients = visits.drop_duplicates("client_id")
    assert abs((clients.pooling == "yes").mean() - rate) < 0.04
    assert abs((visits.pooling == "yes").mean() - rate) < 0.05


def test_optional_share_as_set(villages: pd.DataFrame) -> None:
    visits, _ = generate_night(villages, n_visits=4000, seed=0)
    optional = visits.priority != "mandatory"
    assert abs(optional.mean() - 0.1) < 0.03
    assert set(visits.priority[optional].astype(int)) <= {30, 60, 120}


def test_clients_scattered_around_village_centres_without_roads(villages: pd.DataFrame) -> None:
    visits, _ = generate_night(villages, n_visits=2000, seed=0)
    centre = villages.set_index("name")
    lat0 = centre.lat[visits.village].to_numpy()
    lon0 = centre.lon[visits.village].to_numpy()
    dy = (visits.lat.to_numpy() - lat0) * 111_195
    dx = (visits.lon.to_numpy() - lon0) * 111_195 * np.cos(np.radians(lat0))
    distance = np.hypot(dx, dy)
    assert distance.max() <= 2_000 + 5  # the largest radius, plus rounding
    assert len(visits.drop_duplicates(["lat", "lon"])) == visits.client_id.nunique()


def test_addresses_beside_demo_roads(villages: pd.DataFrame, demo_network: RoadNetwork) -> None:
    visits, shifts = generate_night(
        villages, n_visits=400, n_shifts=20, seed=0, network=demo_network
    )
    snap = snap_to_roads(demo_network, visits.lat, visits.lon)
    assert snap.offset_m.max() < 100
    assert snap.offset_m.max() > 5  # moved sideways off the road, not on it
    office = snap_to_roads(demo_network, shifts.start_lat, shifts.start_lon)
    assert office.offset_m.max() < 100
    assert unservable(visits, shifts) == []


def test_kempen_demo_villages_on_demo_roads(demo_network: RoadNetwork) -> None:
    villages = kempen_villages()
    visits, shifts = generate_night(villages, n_visits=300, seed=1, network=demo_network)
    snap = snap_to_roads(demo_network, visits.lat, visits.lon)
    assert snap.offset_m.max() < 100
    assert set(visits.village) <= set(villages.name)
    assert unservable(visits, shifts) == []


def test_village_far_from_roads_warns(villages: pd.DataFrame, demo_network: RoadNetwork) -> None:
    far = pd.DataFrame({"name": ["Ergens"], "lat": [51.45], "lon": [4.78], "population": [900]})
    with pytest.warns(GeneratorWarning, match="Ergens"):
        visits, _ = generate_night(far, n_visits=20, n_shifts=2, network=demo_network)
    snap = snap_to_roads(demo_network, visits.lat, visits.lon)
    assert snap.offset_m.max() < 100


# --------------------------------------------------------------------------------------------
# Regions, files, and what is refused
# --------------------------------------------------------------------------------------------


def test_region_night_equals_night_of_its_villages() -> None:
    villages = kempen_villages()
    expected = generate_night(villages, n_visits=40, n_shifts=5, seed=7)
    got = generate.generate_region_night("kempen-demo", n_visits=40, n_shifts=5, seed=7)
    pd.testing.assert_frame_equal(got[0], expected[0])
    pd.testing.assert_frame_equal(got[1], expected[1])


def test_region_night_unknown_region() -> None:
    with pytest.raises(InputError, match="unknown region"):
        generate.generate_region_night("Atlantis")


def test_write_night(villages: pd.DataFrame, tmp_path: Path) -> None:
    visits, shifts = generate_night(villages, n_visits=30, n_shifts=4, seed=0)
    vpath, spath = generate.write_night(visits, shifts, tmp_path / "out" / "night")
    assert vpath == tmp_path / "out" / "night" / "visits.csv"
    assert spath.name == "shifts.csv"
    back = pd.read_csv(vpath, dtype=str, keep_default_na=False)
    assert list(back.columns) == list(visits.columns)
    assert back.visit_id.tolist() == visits.visit_id.tolist()
    assert back.window_start.tolist() == visits.window_start.tolist()
    assert np.allclose(back.lat.astype(float), visits.lat)
    assert len(pd.read_csv(spath)) == 4


def _read_night() -> Any:
    io = pytest.importorskip("zorgroute.io")
    if not hasattr(io, "read_night"):
        pytest.skip("zorgroute.io.read_night not written yet")
    return io.read_night


@pytest.mark.parametrize("kind", ["night", "day"])
def test_generated_night_reads_without_errors(villages: pd.DataFrame, kind: str) -> None:
    read_night = _read_night()
    settings = GeneratorSettings(kind="night" if kind == "night" else "day")
    visits, shifts = generate_night(villages, n_visits=120, n_shifts=12, settings=settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        night = read_night(visits, shifts)
    assert len(night.visits) == 120 and len(night.shifts) == 12
    assert night.origin.hour == (12 if kind == "night" else 0)
    by_id = {s.shift_id: s for s in night.shifts}
    for visit, row in zip(night.visits, visits.itertuples(index=False), strict=True):
        assert visit.duration_s == 60 * int(row.duration_min)
        assert visit.pooling == (row.pooling == "yes")
        assert visit.mandatory == (row.priority == "mandatory")
        w = visit.windows[0]
        assert any(
            s.start_s <= w.start_s and w.end_s + visit.duration_s <= s.end_s
            for s in by_id.values()
            if s.level >= visit.level and (s.provider == visit.provider or visit.pooling)
        )


def test_written_night_reads_from_files(villages: pd.DataFrame, tmp_path: Path) -> None:
    read_night = _read_night()
    visits, shifts = generate_night(villages, n_visits=50, n_shifts=6, seed=3)
    from_frames = read_night(visits, shifts)
    from_files = read_night(*generate.write_night(visits, shifts, tmp_path))
    assert from_files.visits == from_frames.visits
    assert from_files.shifts == from_frames.shifts


def test_night_with_shiftless_providers_reads_with_provider_list(
    villages: pd.DataFrame,
) -> None:
    read_night = _read_night()
    visits, shifts = generate_night(villages, n_visits=100, n_providers=6, n_shifts=2)
    providers = sorted(set(visits.provider) | set(shifts.provider))
    night = read_night(visits, shifts, providers=providers)
    assert len(night.visits) == 100
    with pytest.raises(InputError):  # documented: without the list, an unknown provider
        read_night(visits, shifts)


def test_bad_counts_all_listed(villages: pd.DataFrame) -> None:
    with pytest.raises(InputError) as info:
        generate_night(villages, n_visits=-1, n_providers=0, n_shifts=0)
    assert {p.column for p in info.value.problems} == {"n_visits", "n_providers", "n_shifts"}


def test_bad_village_tables(villages: pd.DataFrame) -> None:
    with pytest.raises(InputError) as info:
        generate_night(villages.drop(columns=["lat", "population"]))
    assert {p.column for p in info.value.problems} == {"lat", "population"}
    broken = villages.assign(lat=[51.2, np.nan, 51.2, 95.0, 51.2], population=[1, 2, -3, 4, 5])
    with pytest.raises(InputError) as info:
        generate_night(broken)
    assert [(p.column, p.row) for p in info.value.problems] == [
        ("lat", "1 (Lille)"),
        ("lat", "3 (Wechelderzande)"),
        ("population", "2 (Gierle)"),
    ]
    with pytest.raises(InputError, match="with people"):
        generate_night(villages.assign(population=0))
    with pytest.raises(InputError, match="DataFrame"):
        generate_night([])  # type: ignore[arg-type]


def test_village_columns_any_case(villages: pd.DataFrame) -> None:
    upper = villages.rename(columns=str.upper)
    pd.testing.assert_frame_equal(
        generate_night(upper, n_visits=20, n_shifts=3)[0],
        generate_night(villages, n_visits=20, n_shifts=3)[0],
    )


def test_bad_settings_all_listed() -> None:
    with pytest.raises(InputError) as info:
        GeneratorSettings(
            kind="evening",  # type: ignore[arg-type]
            consent_rate=1.5,
            night_visit_levels=((6, 1.0),),
            window_min=(60, 30),
            night_shift_patterns=(("23:00", "11:00", 1.0), ("2300", "07:00", 1.0)),
        )
    columns = [p.column for p in info.value.problems]
    assert columns.count("night_shift_patterns") == 2  # too long, and not HH:MM
    assert {"kind", "consent_rate", "night_visit_levels", "window_min"} <= set(columns)
    with pytest.raises(InputError, match="at least"):
        GeneratorSettings(night_shift_patterns=(("23:00", "00:00", 1.0),))


def test_settings_frozen_and_replaceable() -> None:
    settings = GeneratorSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.consent_rate = 0.1  # type: ignore[misc]
    day = dataclasses.replace(settings, kind="day")
    assert day.visit_duration_min == (15, 60) and settings.visit_duration_min == (10, 30)
    assert day.effective_bike_share == 0.2 and settings.effective_bike_share == 0.0
