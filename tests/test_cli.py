"""The command line, called as a user would (through ``main``), on real files."""

from __future__ import annotations

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


def test_demo_runs_offline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert "nodes:" in capsys.readouterr().out
