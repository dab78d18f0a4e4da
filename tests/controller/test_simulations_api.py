"""Simulations as background jobs of the controller: submit, poll, results and report."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.simulations.jobs import check_scenario
from controller.store.facade import Store
from policies.policy import Policy
from tests.conftest import bearer

SCENARIO = """\
name: api smoke
network: {reference: {branches: 3, seed: 7}}
duration: 2m
tick: 1s
seed: 11
faults:
  - {kind: link-down, site: br-changchun-001, link: mstp-1, at: 30s, duration: 40s}
"""


def admin_api(store: Store, tmp_path: Path) -> tuple[FastAPI, TestClient]:
    """The app (no loops) and an admin's client of it."""
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    return app, TestClient(app, headers=bearer(store, "root", Role.ADMIN))


def submit(api: TestClient, scenario: str = SCENARIO) -> Any:
    """POST the scenario as YAML."""
    return api.post("/api/v1/simulations", content=scenario,
                    headers={"Content-Type": "application/yaml"})  # fmt: skip


def test_submit_poll_and_fetch_the_report(store: Store, tmp_path: Path) -> None:
    app, api = admin_api(store, tmp_path)
    try:
        submitted = submit(api)
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]
        assert submitted.json()["status"] in ("queued", "running")

        job = wait(api, job_id)
        assert job["status"] == "done", job
        assert job["results"]["scenario"]["name"] == "api smoke"
        assert job["results"]["scenario"]["policy"] == "reference"
        report = api.get(job["report"])
        assert report.status_code == 200
        assert "<html" in report.text.lower()
        assert [j["id"] for j in api.get("/api/v1/simulations").json()] == [job_id]
        assert api.get(f"/api/v1/simulations/{job_id}/files/..%2Fsecrets").status_code == 404
        assert (tmp_path / "simulations" / job_id / "results.json").exists()
    finally:
        app.state.simulations.close()


def test_a_browser_signed_in_opens_the_report_and_its_plots(store: Store, tmp_path: Path) -> None:
    """The report is a page a person opens: with the session cookie of /login, its relative
    plot links work; a token in the address is refused, and nothing opens without either."""
    app, api = admin_api(store, tmp_path)
    try:
        job = wait(api, submit(api).json()["id"])
        assert job["status"] == "done", job
        report_url = job["report"]
        store.users.add("analyst", Role.VIEWER, None, actor="test-setup")
        token = store.users.create_token("analyst", "browser", actor="test-setup").text
        browser = TestClient(app, follow_redirects=False)
        assert browser.get(report_url).status_code == 401
        assert browser.get(f"{report_url}?token={token}").status_code == 401
        assert browser.post("/login", data={"token": token}).status_code == 303
        page = browser.get(report_url)
        assert page.status_code == 200 and "<html" in page.text.lower()
        plots = re.findall(r'<img src="([^"]+\.png)"', page.text)
        assert plots
        for plot in plots:  # relative to the report: the same folder of files
            image = browser.get(report_url.rsplit("/", 1)[0] + "/" + plot)
            assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        app.state.simulations.close()


def test_bad_scenarios_are_refused_with_lines_and_not_queued(store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    bad = SCENARIO.replace("duration: 2m", "duration: soon").replace(
        "tick: 1s", "tick: 1s\nspeed: 9"
    )
    refused = api.post("/api/v1/simulations", content=bad)
    assert refused.status_code == 422
    fields = {e["field"]: e["line"] for e in refused.json()["errors"]}
    assert fields["duration"] == 3  # the line of the mistake
    assert "speed" in fields
    from_disk = SCENARIO.replace("{reference: {branches: 3, seed: 7}}", "{inventory: /etc/passwd}")
    refused = api.post("/api/v1/simulations", content=from_disk)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "network.inventory"
    assert api.get("/api/v1/simulations").json() == []
    assert api.get("/api/v1/simulations/nope").status_code == 404
    viewer = TestClient(app, headers=bearer(store, "v", Role.VIEWER))
    assert viewer.post("/api/v1/simulations", content=SCENARIO).status_code == 403


def test_a_stored_policy_version_is_resolved_at_submission(store: Store, tmp_path: Path) -> None:
    store.policies.update("default", Policy(), "first", expected=-1, actor="test")
    store.policies.update("class:B", Policy(predictive_return=False), "b", expected=-1, actor="t")
    settings = Settings(data_dir=tmp_path, reconcile_interval_s=0)
    app = create_app(settings, store=store)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    try:
        stored = SCENARIO + "policy_version: {scope: 'class:B'}\n"
        submitted = api.post("/api/v1/simulations", content=stored)
        assert submitted.status_code == 202, submitted.text
        # A change after submission does not reach the queued job.
        store.policies.update("class:B", Policy(), "later", expected=-1, actor="test")
        job = wait(api, submitted.json()["id"])
        assert job["status"] == "done", job
        assert job["results"]["scenario"]["policy"] == "class:B v1"
        assert job["results"]["scenario"]["predictive_return"] is False

        missing = SCENARIO + "policy_version: {scope: 'class:B', version: 9}\n"
        refused = api.post("/api/v1/simulations", content=missing)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert (error["field"], error["line"]) == ("policy_version", 8)
        assert "no version 9" in error["message"]
        both = SCENARIO + "policy_version: {scope: default}\npolicy: {}\n"
        refused = api.post("/api/v1/simulations", content=both)
        assert refused.status_code == 422
        assert "not both" in refused.text
    finally:
        app.state.simulations.close()


def wait(api: TestClient, job_id: str) -> dict[str, Any]:
    """Poll a job until it ends (or two minutes pass)."""
    job: dict[str, Any] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/simulations/{job_id}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    return job


def test_a_simulation_too_large_for_the_settings_is_refused_before_it_is_queued(
    store: Store, tmp_path: Path
) -> None:
    """340 branches x 24 h at a 1 ms tick would ask the worker for gigabytes: 422 naming the
    limit, nothing queued; the reference 340 x 24 h at 1 s stays allowed by default."""
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    huge = (
        SCENARIO.replace("branches: 3", "branches: 340")
        .replace("duration: 2m", "duration: 24h")
        .replace("tick: 1s", "tick: 1ms")
    )
    refused = api.post("/api/v1/simulations", content=huge,
                       headers={"Content-Type": "application/yaml"})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert "BRANCHLINE_MAX_SIMULATION_SITE_TICKS" in refused.json()["detail"]
    assert api.get("/api/v1/simulations").json() == []
    reference = SCENARIO.replace("branches: 3", "branches: 340").replace(
        "duration: 2m", "duration: 24h"
    )
    reference = reference.split("faults:")[0]  # the 340-branch network names its links otherwise
    assert check_scenario(reference, _no_stored_policy).scenario.duration == 86_400


def _no_stored_policy(scope: str, version: int | None) -> tuple[Policy, str]:
    raise LookupError(f"{scope} v{version}: not used by this scenario")


LONG = SCENARIO.replace("duration: 2m", "duration: 24h").replace("branches: 3", "branches: 50")
LONG = LONG.split("faults:")[0]  # minutes of work: it is still running when cancelled


def test_a_running_simulation_can_be_cancelled_and_its_worker_ends(
    store: Store, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    yaml = {"Content-Type": "application/yaml"}
    try:
        first = api.post("/api/v1/simulations", content=LONG, headers=yaml).json()["id"]
        second = api.post("/api/v1/simulations", content=LONG, headers=yaml).json()["id"]
        deadline = time.monotonic() + 60
        while api.get(f"/api/v1/simulations/{first}").json()["status"] != "running":
            assert time.monotonic() < deadline, "the first job never started"
            time.sleep(0.1)
        worker = app.state.simulations._running[1]
        gauges = api.get("/metrics").text  # the queue behind the API, as Prometheus sees it
        assert "branchline_simulations_running 1.0" in gauges
        assert "branchline_simulations_queued 1.0" in gauges
        queued = api.post(f"/api/v1/simulations/{second}/cancel").json()
        assert queued["status"] == "cancelled"  # never started
        running = api.post(f"/api/v1/simulations/{first}/cancel")
        assert running.status_code == 200
        while api.get(f"/api/v1/simulations/{first}").json()["status"] == "running":
            assert time.monotonic() < deadline, "the cancelled job kept running"
            time.sleep(0.1)
        assert api.get(f"/api/v1/simulations/{first}").json()["status"] == "cancelled"
        worker.join(timeout=30)
        assert not worker.is_alive()
        assert api.post("/api/v1/simulations/nope/cancel").status_code == 404
    finally:
        app.state.simulations.close()
