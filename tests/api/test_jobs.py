"""Submit → poll → result through the real app, uploads, bad input, cancel, time limits."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.api.conftest import Live, serve, sqlite_settings, wait_for


def test_submit_answers_at_once_then_the_job_finishes(live: Live, night_body: dict[str, Any]):
    headers = live.keys.header("coordinator")
    t0 = time.monotonic()
    response = live.client.post("/jobs", json=night_body, headers=headers)
    answered_s = time.monotonic() - t0
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running")
    assert response.headers["location"] == f"/jobs/{job['id']}"
    assert answered_s < 2.0  # the job runs in a worker, not in the request
    assert job["visits"] == len(night_body["visits"])

    seen: list[float] = []
    final = wait_for(
        live.client,
        job["id"],
        headers,
        until=lambda j: seen.append(j["progress"]) or j["status"] in {"done", "failed"},
    )
    assert final["status"] == "done", final
    assert final["progress"] == 1.0 and final["attempts"] == 1
    assert seen == sorted(seen)  # progress never goes back

    result = live.client.get(f"/jobs/{job['id']}/result", headers=headers).json()
    assert result["view"] == "coordinator"
    pooled, solo = result["plan"]["pooled"], result["plan"]["solo"]
    assert pooled["violations"] == [] and solo["violations"] == []
    planned = {r["visit_id"] for r in pooled["routes"]} | {
        u["visit_id"] for u in pooled["unplanned"]
    }
    assert planned == {v["visit_id"] for v in night_body["visits"]}
    total = result["comparison"]["total"]
    assert total["pooled_km"] <= total["solo_km"] + 1e-6
    allocation = result["allocation"]
    assert allocation["status"] == "done"
    assert {m["method"] for m in allocation["methods"]} == {
        "proportional",
        "shapley",
        "equal profit",
        "nucleolus",
    }
    grand = next(
        c["cost_eur"]
        for c in allocation["coalition_costs"]
        if len(c["coalition"]) == len(allocation["players"])
    )
    for method in allocation["methods"]:
        assert sum(method["cost_share"].values()) == pytest.approx(grand, abs=1e-6)
    kinds = {f["properties"]["kind"] for f in result["geojson"]["pooled"]["features"]}
    assert {"route", "stop", "shift_start"} <= kinds


@pytest.mark.parametrize("part", ["plan", "comparison", "allocation", "geojson"])
def test_result_parts_match_the_whole(live: Live, done_job: str, part: str):
    headers = live.keys.header("coordinator")
    whole = live.client.get(f"/jobs/{done_job}/result", headers=headers).json()
    response = live.client.get(f"/jobs/{done_job}/{part}", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"view": "coordinator", "provider": None, "data": whole[part]}


def test_the_openapi_example_plans(live: Live):
    schema = live.client.get("/openapi.json").json()
    example = schema["components"]["schemas"]["NightIn"]["examples"][0]
    headers = live.keys.header("coordinator")
    response = live.client.post("/jobs", json=example, headers=headers)
    assert response.status_code == 202, response.text
    job = live.wait(response.json()["id"])
    assert job["status"] == "done", job
    result = live.client.get(f"/jobs/{job['id']}/comparison", headers=headers).json()
    assert result["data"]["total"]["visits"] == len(example["visits"])


def _files(night: dict[str, Any], visits_type: str, shifts_type: str) -> dict[str, Any]:
    files = {}
    for kind, suffix in (("visits", visits_type), ("shifts", shifts_type)):
        frame = pd.DataFrame(night[kind])
        buffer = io.BytesIO()
        if suffix == "xlsx":
            frame.to_excel(buffer, index=False)
        else:
            frame.to_csv(buffer, index=False)
        files[kind] = (f"{kind}.{suffix}", buffer.getvalue())
    return files


@pytest.mark.parametrize(("visits_type", "shifts_type"), [("csv", "csv"), ("xlsx", "csv")])
def test_upload_csv_and_xlsx(
    live: Live, night_body: dict[str, Any], visits_type: str, shifts_type: str
):
    headers = live.keys.header("coordinator")
    response = live.client.post(
        "/jobs/upload",
        files=_files(night_body, visits_type, shifts_type),
        data={
            "date": "2024-03-05",
            "time_limit_s": "1",
            "max_solutions": "30",
            "allocation": "shapley",
            "coalition_time_limit_s": "0.5",
        },
        headers=headers,
    )
    assert response.status_code == 202, response.text
    job = live.wait(response.json()["id"])
    assert job["status"] == "done", job
    allocation = live.client.get(f"/jobs/{job['id']}/allocation", headers=headers).json()
    assert [m["method"] for m in allocation["data"]["methods"]] == ["shapley"]


def test_bad_rows_are_all_listed_with_422(live: Live, night_body: dict[str, Any]):
    night = {**night_body, "visits": [dict(v) for v in night_body["visits"]]}
    night["visits"][1]["window_start"] = "25:99"
    night["visits"][4]["provider"] = "Zorggroep Q"
    night["visits"][6]["duration_min"] = -5  # refused by the schema already
    response = live.client.post("/jobs", json=night, headers=live.keys.header("coordinator"))
    assert response.status_code == 422
    body = response.json()
    assert body["problems"] == [
        {
            "reason": "Input should be greater than or equal to 0",
            "source": "visits",
            "row": "item 6",
            "column": "duration_min",
            "value": "-5",
        }
    ]
    night["visits"][6]["duration_min"] = 20
    response = live.client.post("/jobs", json=night, headers=live.keys.header("coordinator"))
    assert response.status_code == 422
    problems = response.json()["problems"]
    rows = {(p["row"], p["column"]) for p in problems}
    assert any(row.startswith("item 1") and col == "window_start" for row, col in rows)
    assert any(row.startswith("item 4") and col == "provider" for row, col in rows)
    assert all(p["source"] == "visits" for p in problems)


def test_bad_csv_rows_are_listed_by_line(live: Live, night_body: dict[str, Any]):
    files = _files(night_body, "csv", "csv")
    name, data = files["visits"]
    lines = data.decode().splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index("lat")] = "north"
    lines[3] = ",".join(row)
    files["visits"] = (name, ("\n".join(lines) + "\n").encode())
    response = live.client.post(
        "/jobs/upload", files=files, headers=live.keys.header("coordinator")
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert [(p["source"], p["column"], p["value"]) for p in problems] == [
        ("visits.csv", "lat", "north")
    ]
    assert problems[0]["row"].startswith("line 4")


@pytest.mark.parametrize(
    ("filename", "content", "reason"),
    [
        # the API's own checks, by their words
        ("visits.txt", b"visit_id\nv1\n", "unsupported file type .txt"),
        ("visits", b"visit_id\nv1\n", "unsupported file type (none)"),
        ("visits.xlsx", b"this is no workbook", "not a readable XLSX file"),
        # the library's: whatever it says, it says it of the uploaded file
        ("visits.csv", b"\xff\xfe\x00garbage\x00", None),
        ("visits.csv", b"visit_id;client_id\nv1;c1\n", None),
        ("visits.json", b"{not json", None),
        ("visits.csv", b"", None),
    ],
)
def test_malformed_uploads_are_refused(
    live: Live, night_body: dict[str, Any], filename: str, content: bytes, reason: str | None
):
    files = _files(night_body, "csv", "csv")
    files["visits"] = (filename, content)
    response = live.client.post(
        "/jobs/upload", files=files, headers=live.keys.header("coordinator")
    )
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert problems
    if reason is None:
        assert all(p["source"] == filename for p in problems), problems
    else:
        assert any(reason in p["reason"] for p in problems), problems


def test_an_xlsx_bomb_is_refused(tmp_path: Path, night_body: dict[str, Any]):
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 3_000_000)
    files = _files(night_body, "csv", "csv")
    files["visits"] = ("visits.xlsx", bomb.getvalue())
    settings = sqlite_settings(tmp_path, workers=0, max_xlsx_unpacked_bytes=1_000_000)
    with serve(settings) as server:
        response = server.client.post(
            "/jobs/upload", files=files, headers=server.keys.header("coordinator")
        )
    assert response.status_code == 422
    assert "unpacks to 3000000 bytes" in response.json()["problems"][0]["reason"]


def test_time_limit_is_capped_by_the_settings(live: Live, night_body: dict[str, Any]):
    night = {**night_body, "options": {**night_body["options"], "time_limit_s": 3600}}
    headers = live.keys.header("coordinator")
    job = live.client.post("/jobs", json=night, headers=headers).json()
    assert job["time_limit_s"] == 2.0  # max_time_limit_s of the test server
    live.client.post(f"/jobs/{job['id']}/cancel", headers=headers)


def test_cancel_a_queued_and_a_running_job(live: Live, make_night: Any):
    headers = live.keys.header("coordinator")
    # no max_solutions: each solve runs its whole 2 s, long enough to cancel mid-run
    slow = make_night(n_visits=20, seed=5, time_limit_s=2, max_solutions=None)
    running = live.client.post("/jobs", json=slow, headers=headers).json()
    queued = live.client.post("/jobs", json=slow, headers=headers).json()
    wait_for(
        live.client,
        running["id"],
        headers,
        until=lambda j: j["status"] == "running" and j["stage"].startswith("planning"),
    )
    response = live.client.post(f"/jobs/{queued['id']}/cancel", headers=headers)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"

    t0 = time.monotonic()
    response = live.client.post(f"/jobs/{running['id']}/cancel", headers=headers)
    assert response.status_code == 200
    job = live.wait(running["id"])
    assert job["status"] == "cancelled"
    assert time.monotonic() - t0 < 2.0
    assert live.client.get(f"/jobs/{running['id']}/result", headers=headers).status_code == 409
    # cancelling again is harmless; a finished job cannot be cancelled
    assert live.client.post(f"/jobs/{running['id']}/cancel", headers=headers).status_code == 200


def test_a_finished_job_cannot_be_cancelled(live: Live, done_job: str):
    response = live.client.post(f"/jobs/{done_job}/cancel", headers=live.keys.header("coordinator"))
    assert response.status_code == 409
    assert "already finished" in response.json()["detail"]


def test_a_job_over_its_time_limit_fails(tmp_path: Path, make_night: Any):
    # each of its solves runs 2 s (no max_solutions), far over the job's limit
    slow = make_night(time_limit_s=2, max_solutions=None)
    with serve(sqlite_settings(tmp_path, job_timeout_s=0.5)) as server:
        headers = server.keys.header("coordinator")
        job = server.client.post("/jobs", json=slow, headers=headers).json()
        final = server.wait(job["id"])
    assert final["status"] == "failed"
    assert final["error"]["detail"] == "timed out after 0.5 s"


def test_list_jobs(live: Live, done_job: str):
    headers = live.keys.header("coordinator")
    listing = live.client.get("/jobs", headers=headers).json()
    assert listing["total"] >= 1
    assert done_job in {j["id"] for j in listing["jobs"]}
    created = [j["created_at"] for j in listing["jobs"]]
    assert created == sorted(created, reverse=True)
    done = live.client.get("/jobs", params={"status": "done"}, headers=headers).json()
    assert {j["status"] for j in done["jobs"]} == {"done"}
    page = live.client.get("/jobs", params={"limit": 1, "offset": 0}, headers=headers).json()
    assert len(page["jobs"]) == 1 and page["total"] == listing["total"]


def test_result_of_an_unknown_job_is_404(live: Live):
    response = live.client.get("/jobs/nope/result", headers=live.keys.header("coordinator"))
    assert response.status_code == 404
    assert response.json() == {"detail": "no such job", "problems": []}


def test_health_and_version(live: Live):
    health = live.client.get("/health").json()
    assert health["status"] == "ok" and health["database"] == "ok" and health["workers"] == 1
    version = live.client.get("/version").json()
    assert version["database_revision"] == "0001"
    assert version["api"]
