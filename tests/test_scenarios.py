"""Scenarios and sweeps: rows, grids, TOML, and sweeps serial, on a LocalCluster, resumed."""

from __future__ import annotations

import argparse
import math
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from zorgroute import scenarios
from zorgroute.cli_sweep import add_sweep_parser
from zorgroute.exceptions import InputError, ZorgrouteWarning
from zorgroute.geo import haversine_m
from zorgroute.scenarios import AREA_TEAM, RESULT_COLUMNS, Scenario, grid, run_scenario, sweep

#: A budget that is reached long before the time cap, so rows do not depend on the machine.
SMALL: dict[str, Any] = {"n_visits": 20, "max_solutions": 20, "time_limit_s": 60.0}
#: Columns that differ between two runs of the same scenario (wall-clock time).
VOLATILE = ["runtime_s"]


@pytest.fixture(scope="module", autouse=True)
def matrix_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Travel matrices cached in a temporary folder (also for the cluster's workers)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZORGROUTE_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def cluster_address(matrix_cache: Path) -> Iterator[str]:
    """A running LocalCluster, used through its address as a remote cluster would be."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def small_grid() -> list[Scenario]:
    return grid(region=["oost-drenthe", "kempen-demo"], consent_rate=[0.3, 1.0], **SMALL)


def stable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=VOLATILE).reset_index(drop=True)


def prepare(s: Scenario) -> scenarios.PreparedScenario:
    """The scenario's night; villages far from the demo graph's roads warn, as they should."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZorgrouteWarning)
        return scenarios.prepare(s)


def failing_run(s: Scenario) -> Mapping[str, Any]:
    """A run that raises for seed 13 (importable by the cluster's workers)."""
    if s.seed == 13:
        raise RuntimeError("no road to Atlantis")
    return run_scenario(s)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


def test_invalid_scenario_lists_every_problem() -> None:
    with pytest.raises(InputError) as info:
        Scenario(region="atlantis", consent_rate=1.5, years=-1, mode="boat")  # type: ignore[arg-type]
    columns = {p.column for p in info.value.problems}
    assert columns == {"region", "consent_rate", "years", "mode"}
    assert "oost-drenthe" in str(info.value)  # the known regions are listed


def test_age_shares_and_rates_must_match() -> None:
    with pytest.raises(InputError, match="one rate per age share"):
        Scenario(age_shares=(0.1, 0.1), visit_rates=(0.001, 0.01, 0.1))


def test_equal_questions_have_equal_keys() -> None:
    a = Scenario(region="Oost-Drenthe", consent_rate=1, age_shares=[0.14, 0.09, 0.03])  # type: ignore[arg-type]
    b = Scenario(region="oost-drenthe", consent_rate=1.0)
    assert a == b and a.key == b.key
    assert a.region == "oost-drenthe" and isinstance(a.age_shares, tuple)
    assert Scenario(seed=1).key != Scenario(seed=2).key
    # the key is a hash of the fields only: the same in every process and on every machine
    # (update this when Scenario's fields change: old results files then no longer match)
    assert Scenario().key == "8f76dcf786f527c7"


def test_demand_grows_and_staff_shrinks_over_the_years() -> None:
    s = Scenario(n_visits=100, growth_per_year=0.03, years=10, demand_factor=0.8)
    assert s.demand(population=1) == round(100 * 1.03**10 * 0.8)
    age = Scenario(kind="night")
    expected = 50_000 * sum(a * r for a, r in zip(age.age_shares, age.rates, strict=True))
    assert age.demand(population=50_000) == round(expected)
    staff = Scenario(n_providers=4, shifts_per_provider=3, attrition_per_year=0.05, years=10)
    assert staff.staff(population=1) == round(12 * 0.95**10)
    # without shifts_per_provider: enough for today's visits, at least one per provider
    sized = Scenario(n_visits=95, n_providers=3, years=10)
    assert sized.staff(population=1) == math.ceil(95 / scenarios.VISITS_PER_SHIFT["night"])
    assert Scenario(n_visits=5, n_providers=3).staff(population=1) == 3


# --------------------------------------------------------------------------------------------
# Grids and TOML
# --------------------------------------------------------------------------------------------


def test_grid_is_the_product_in_order() -> None:
    out = grid(region="westerveld", consent_rate=[0.2, 0.6], seed=range(3), kind="day")
    assert len(out) == 6
    assert [(s.consent_rate, s.seed) for s in out[:3]] == [(0.2, 0), (0.2, 1), (0.2, 2)]
    assert {s.region for s in out} == {"westerveld"} and {s.kind for s in out} == {"day"}
    # a list of numbers is one value of a tuple field; a list of lists is several
    assert len(grid(age_shares=[0.1, 0.1, 0.1])) == 1
    assert len(grid(age_shares=[[0.1, 0.1, 0.1], [0.2, 0.1, 0.05]])) == 2


def test_grid_lists_unknown_fields_and_bad_values_once() -> None:
    with pytest.raises(InputError) as info:
        grid(colour=["red"], seeds=[1])
    assert {p.column for p in info.value.problems} == {"colour", "seeds"}
    with pytest.raises(InputError) as info:
        grid(consent_rate=[0.5, 2.0], seed=range(5))
    assert len(info.value.problems) == 1  # reported once, not for each of the 5 seeds


def test_scenarios_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        """
[base]
region = "oost-drenthe"
max_solutions = 50

[grid]
consent_rate = [0.2, 0.6, 1.0]
n_providers = [3, 7]

[[scenario]]
kind = "day"
mode = "bike"
""",
        encoding="utf-8",
    )
    out = scenarios.scenarios_from_toml(path)
    assert len(out) == 7
    assert all(s.region == "oost-drenthe" and s.max_solutions == 50 for s in out)
    assert out[-1].kind == "day" and out[-1].mode == "bike"


def test_bad_toml_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[grids]\nseed = [1]\n\n[[scenario]]\nconsent_rate = 3\nmode = "boat"\n')
    with pytest.raises(InputError) as info:
        scenarios.scenarios_from_toml(path)
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {(None, "grids"), ("scenario 1", "consent_rate"), ("scenario 1", "mode")}
    broken = tmp_path / "broken.toml"
    broken.write_text("[grid\nseed = 1\n")
    with pytest.raises(InputError, match="not valid TOML"):
        scenarios.scenarios_from_toml(broken)


# --------------------------------------------------------------------------------------------
# One scenario
# --------------------------------------------------------------------------------------------


def test_run_scenario_offline_on_the_demo_graph() -> None:
    row = run_scenario(Scenario(region="oost-drenthe", seed=1, **SMALL))
    assert list(row) == list(RESULT_COLUMNS)
    assert row["status"] == "ok" and row["error"] is None
    assert row["graph"] == "kempen-demo" and 0 < row["scale"] < 1
    assert "moved onto the bundled kempen-demo road graph" in row["note"]
    assert row["visits"] == 20 and row["violations"] == 0
    assert 0 <= row["unplanned"] <= row["visits"]
    assert row["shifts_used"] <= row["shifts"]
    assert row["saved_km"] == pytest.approx(row["solo_km"] - row["km"], abs=1e-6)
    assert row["saved_pct"] == pytest.approx(100 * row["saved_km"] / row["solo_km"], abs=0.01)
    assert row["km"] > 0 and row["drive_h"] > 0


def test_pooling_off_plans_solo_only() -> None:
    row = run_scenario(Scenario(pooled=False, **SMALL))
    assert row["scale"] == 1.0 and row["km"] == row["solo_km"]
    assert row["saved_km"] == 0 and row["saved_eur"] == 0 and row["served_by_others"] == 0


def test_territories_give_each_client_the_nearest_team() -> None:
    prepared = prepare(
        Scenario(region="midden-limburg-west", territories=True, n_providers=3, **SMALL)
    )
    offices = prepared.shifts.groupby("provider")[["start_lat", "start_lon"]].first()
    d = haversine_m(
        prepared.visits["lat"].to_numpy()[:, None],
        prepared.visits["lon"].to_numpy()[:, None],
        offices["start_lat"].to_numpy()[None, :],
        offices["start_lon"].to_numpy()[None, :],
    )
    nearest = offices.index.to_numpy()[np.argmin(d, axis=1)]
    assert (prepared.visits["provider"].to_numpy() == nearest).all()


def test_volunteers_are_level_1_shifts_of_the_area_team() -> None:
    s = Scenario(kind="day", level1_share=0.5, volunteer_shifts=3, mode="bike", **SMALL)
    prepared = prepare(s)
    volunteers = [sh for sh in prepared.night.shifts if sh.provider == AREA_TEAM]
    assert len(volunteers) == 3 and {sh.level for sh in volunteers} == {1}
    assert {sh.mode for sh in prepared.night.shifts} == {"bike"}
    assert set(prepared.networks) == {"bike"}
    staff = [sh for sh in prepared.night.shifts if sh.provider != AREA_TEAM]
    assert all(v.end_s - v.start_s == 4 * 3600 for v in volunteers)
    assert min(v.start_s for v in volunteers) > min(sh.start_s for sh in staff)
    assert sum(v.level == 1 for v in prepared.night.visits) >= 5


# --------------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------------


def test_local_cluster_gives_the_serial_results() -> None:
    todo = small_grid()
    serial = sweep(todo, scheduler="serial", progress=False)
    on_dask = sweep(todo, progress=False)  # a LocalCluster of 2 workers
    assert list(serial.columns) == list(RESULT_COLUMNS)
    assert list(serial["key"]) == [s.key for s in todo]  # in the order given
    assert (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(stable(serial), stable(on_dask))


@pytest.mark.parametrize("where", ["serial", "cluster"])
def test_a_failing_scenario_is_reported_and_the_others_finish(
    where: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    scheduler = "serial" if where == "serial" else request.getfixturevalue("cluster_address")
    todo = grid(seed=[0, 13, 1], **SMALL)
    out = sweep(
        todo,
        scheduler=scheduler,
        results_path=tmp_path / "r.csv",
        run=failing_run,
        progress=False,
    )
    assert list(out["status"]) == ["ok", "failed", "ok"]
    assert out.loc[1, "error"] == "RuntimeError: no road to Atlantis"
    assert out.loc[1, "seed"] == 13 and pd.isna(out.loc[1, "km"])
    assert out.loc[[0, 2], "km"].notna().all()
    saved = scenarios.read_results(tmp_path / "r.csv").set_index("key")  # in finishing order
    assert list(saved.loc[list(out["key"]), "status"]) == ["ok", "failed", "ok"]


class Counting:
    """A run function that counts its calls (serial sweeps run in this process)."""

    def __init__(self) -> None:
        self.runs: list[int] = []

    def __call__(self, s: Scenario) -> Mapping[str, Any]:
        self.runs.append(s.seed)
        return failing_run(s)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_rerunning_skips_what_is_done(tmp_path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    path = tmp_path / f"results{suffix}"
    first = grid(seed=[0, 13, 1], **SMALL)
    counter = Counting()
    before = sweep(first, scheduler="serial", results_path=path, run=counter, progress=False)
    assert counter.runs == [0, 13, 1]
    # again, with one more: only the new one and the failed one run (the failure is retried)
    counter.runs.clear()
    more = [*first, Scenario(seed=2, **SMALL)]
    after = sweep(more, scheduler="serial", results_path=path, run=counter, progress=False)
    assert counter.runs == [13, 2]
    assert list(after["key"]) == [s.key for s in more]
    pd.testing.assert_frame_equal(stable(after.iloc[:3]), stable(before))
    # without retrying failures, nothing runs at all
    counter.runs.clear()
    sweep(more, scheduler="serial", results_path=path, run=counter, retry_failed=False)
    assert counter.runs == []
    saved = scenarios.read_results(path)
    assert len(saved) == 4 and saved["key"].is_unique  # the retried failure is kept once


def test_rerun_after_a_cluster_sweep_skips_what_is_done(
    cluster_address: str, tmp_path: Path
) -> None:
    path = tmp_path / "results.csv"
    todo = small_grid()[:3]
    done = sweep(todo, scheduler=cluster_address, results_path=path, progress=False)
    assert (done["status"] == "ok").all()
    counter = Counting()
    again = sweep(todo, scheduler="serial", results_path=path, run=counter, progress=False)
    assert counter.runs == []
    pd.testing.assert_frame_equal(stable(again), stable(done))


def test_a_line_cut_off_by_a_crash_runs_again(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    todo = grid(seed=[0, 1], **SMALL)
    sweep(todo, scheduler="serial", results_path=path, progress=False)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n", 0, -1) + 40], encoding="utf-8")  # half a line
    counter = Counting()
    out = sweep(todo, scheduler="serial", results_path=path, run=counter, progress=False)
    assert counter.runs == [1]
    assert (out["status"] == "ok").all()


def test_results_file_must_be_csv_or_parquet(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        sweep([Scenario()], scheduler="serial", results_path=tmp_path / "r.xlsx")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no key column"):
        sweep([Scenario()], scheduler="serial", results_path=tmp_path / "other.csv")


def test_sweep_takes_scenarios_and_a_scheduler_name() -> None:
    with pytest.raises(TypeError, match="Scenario objects"):
        sweep([{"region": "westerveld"}], scheduler="serial")  # type: ignore[list-item]
    with pytest.raises(TypeError, match="scheduler"):
        sweep([Scenario()], scheduler=2)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# The sweep command
# --------------------------------------------------------------------------------------------


def test_sweep_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "scenarios.toml"
    toml.write_text(
        '[base]\nn_visits = 20\nmax_solutions = 20\n\n[grid]\nregion = ["westerveld"]\n'
        "consent_rate = [0.5, 1.0]\n",
        encoding="utf-8",
    )
    parser = argparse.ArgumentParser(prog="zorgroute")
    add_sweep_parser(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "results.csv"
    args = parser.parse_args(["sweep", str(toml), "--scheduler", "serial", "--out", str(out)])
    assert args.func(args) == 0
    assert "2 of 2 scenarios done" in capsys.readouterr().out
    table = pd.read_csv(out)
    assert len(table) == 2 and set(table["region"]) == {"westerveld"}
