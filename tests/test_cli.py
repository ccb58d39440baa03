"""The command line, called as a user would (through ``main``), on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from zorgroute.cli import main


def test_graph_build_and_info(
    wechel_osm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wechel.graphml.gz"
    assert main(["graph", "build", str(wechel_osm), "--out", str(out), "--mode", "bike"]) == 0
    assert out.is_file()
    captured = capsys.readouterr()
    assert "mode:     bike" in captured.out
    assert "done in" in captured.err  # progress goes to stderr
    assert main(["graph", "info", str(out)]) == 0
    assert "wechel.clipfixed.osm.bz2" in capsys.readouterr().out


def test_bad_osm_file_exits_2_with_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><way")
    assert main(["graph", "build", str(bad), "--out", str(tmp_path / "g.graphml")]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "bad.osm" in err and "Traceback" not in err


def test_bad_bbox_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["graph", "fetch", "--bbox", "51,4,x", "--out", "g.graphml"])
    assert info.value.code == 2
    assert "S,W,N,E" in capsys.readouterr().err


def test_matrix_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zorgroute.resources import data_path

    points = tmp_path / "points.csv"
    pd.DataFrame(
        {"id": ["office", "c1", "c2"], "lat": [51.25, 51.27, 51.23], "lon": [4.75, 4.80, 4.70]}
    ).to_csv(points, index=False)
    out = tmp_path / "m.csv"
    graph_file = str(data_path("demo", "kempen-car.graphml.gz"))
    code = main(["matrix", "--graph", graph_file, "--points", str(points), "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert len(table) == 9
    assert (table.loc[table["from"] == table["to"], "duration_s"] == 0).all()
    assert (table.loc[table["from"] != table["to"], "distance_m"] > 1000).all()


def test_matrix_command_reports_every_far_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zorgroute.resources import data_path

    points = tmp_path / "points.csv"
    pd.DataFrame(
        {"id": ["ok", "sea1", "sea2"], "lat": [51.25, 52.5, 53.0], "lon": [4.75, 3.0, 3.0]}
    ).to_csv(points, index=False)
    graph_file = str(data_path("demo", "kempen-car.graphml.gz"))
    code = main(
        ["matrix", "--graph", graph_file, "--points", str(points), "--out", str(tmp_path / "m.csv")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "sea1" in err and "sea2" in err and "ok," not in err


def test_demo_runs_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "--visits", "30", "--shifts", "4", "--providers", "3", "--time-limit", "1"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "nodes:" in out and "solo plan:" in out and "pooled plan:" in out
    assert "checker: clean" in out and "pooling saves" in out


def test_readme_walkthrough_generate_plan_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's walk-through, on the bundled demo region, with small numbers."""
    night = tmp_path / "night"
    plan = tmp_path / "plan"
    assert (
        main(
            [
                "generate",
                "--region",
                "kempen-demo",
                "--visits",
                "40",
                "--providers",
                "3",
                "--shifts",
                "5",
                "--seed",
                "2",
                "--out",
                str(night),
            ]
        )
        == 0
    )
    common = [
        "--visits",
        str(night / "visits.csv"),
        "--shifts",
        str(night / "shifts.csv"),
        "--region",
        "kempen-demo",
    ]
    assert main(["plan", *common, "--time-limit", "2", "--out", str(plan)]) == 0
    out = capsys.readouterr().out
    assert "pooled plan:" in out
    for name in ("routes.csv", "unplanned.csv", "plan.geojson", "summary.json"):
        assert (plan / name).is_file()
    routes = pd.read_csv(plan / "routes.csv")
    unplanned = pd.read_csv(plan / "unplanned.csv")
    assert len(routes) + len(unplanned) == 40
    assert main(["check", *common, "--plan", str(plan)]) == 0
    assert "plan OK" in capsys.readouterr().out
    # a tampered plan is caught
    routes.loc[0, "travel_s"] = int(routes.loc[0, "travel_s"]) + 600
    routes.to_csv(plan / "routes.csv", index=False)
    assert main(["check", *common, "--plan", str(plan)]) == 1
    assert "travel_s_wrong" in capsys.readouterr().out


def test_plan_with_bad_visits_lists_every_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "visit_id,client_id,provider,lat,lon,window_start,window_end,duration_min\n"
        "v1,c1,A,51.25,4.75,23:00,23:30,20\n"
        "v1,c2,A,51.25,4.75,25:10,23:30,20\n"
        "v3,c3,Nobody,51.25,4.75,23:00,23:30,-5\n"
    )
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "shift_id,provider,start_lat,start_lon,shift_start,shift_end\ns1,A,51.25,4.75,22:00,07:00\n"
    )
    code = main(
        [
            "plan",
            "--visits",
            str(visits),
            "--shifts",
            str(shifts),
            "--region",
            "kempen-demo",
            "--out",
            str(tmp_path / "p"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "window_start" in err and "25:10" in err
    assert "duplicate" in err.lower()
    assert "line 4" in err and "Nobody" in err and "duration_min" in err


def test_plan_reports_visit_far_off_the_roads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "visit_id,client_id,provider,lat,lon,window_start,window_end,duration_min\n"
        "near,c1,A,51.25,4.75,23:00,23:30,20\n"
        "sea,c2,A,51.60,4.75,23:00,23:30,20\n"
    )
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "shift_id,provider,start_lat,start_lon,shift_start,shift_end\ns1,A,51.25,4.75,22:00,07:00\n"
    )
    code = main(
        [
            "plan",
            "--visits",
            str(visits),
            "--shifts",
            str(shifts),
            "--region",
            "kempen-demo",
            "--out",
            str(tmp_path / "p"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "sea" in err and "km from the nearest road" in err


def test_compare_scenario_with_allocation_and_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Oost-Drenthe night on the demo graph, compared and shared, as in the README."""
    night = tmp_path / "night"
    assert (
        main(
            [
                "generate",
                "--scenario",
                "oost-drenthe",
                "--region",
                "kempen-demo",
                "--visits",
                "24",
                "--seed",
                "1",
                "--out",
                str(night),
            ]
        )
        == 0
    )
    out = tmp_path / "report"
    code = main(
        [
            "compare",
            "--visits",
            str(night / "visits.csv"),
            "--shifts",
            str(night / "shifts.csv"),
            "--providers",
            str(night / "providers.txt"),
            "--villages",
            str(night / "villages.csv"),
            "--region",
            "kempen-demo",
            "--time-limit",
            "1",
            "--coalition-time-limit",
            "0.2",
            "--allocation",
            "shapley",
            "--handover-sweep",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "saving by shapley" in printed
    for name in (
        "report.md",
        "report.html",
        "map.html",
        "comparison.json",
        "providers.csv",
        "km.png",
        "sweep.csv",
        "sweep.png",
    ):
        assert (out / name).is_file(), name
    views = list((out / "providers").glob("*.json"))
    assert len(views) == 18
    data = json.loads((out / "comparison.json").read_text())
    shares = data["allocations"][0]["cost_share"]
    total = data["total"]
    assert sum(shares.values()) == pytest.approx(total["pooled_cost_eur"], abs=0.05)
