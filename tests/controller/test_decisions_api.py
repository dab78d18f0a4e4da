"""From samples to decisions: telemetry ingestion, the reconcile step, current paths with
reasons, the journal of path changes, and the preview of a proposed policy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.reconcile.reconciler import Reconciler
from controller.settings import Settings
from controller.store.facade import Store
from policies.policy import Policy
from sites.inventory import Inventory
from telemetry.samples import to_ms
from telemetry.store.base import ALL, TelemetryStore
from telemetry.store.registry import open_store as open_telemetry
from tests.conftest import bearer

# Recent, on a whole hour: the embedded telemetry store keeps raw samples for 6 h of
# wall-clock time and drops older ones at ingest.
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture
def telemetry(tmp_path: Path) -> Iterator[TelemetryStore]:
    store = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    yield store
    store.close()


@pytest.fixture
def app(store: Store, telemetry: TelemetryStore, small_inventory: Inventory) -> FastAPI:
    store.replace_inventory(small_inventory, actor="test-setup")
    settings = Settings(reconcile_interval_s=0)
    return create_app(settings, store=store, telemetry_store=telemetry)


@pytest.fixture
def api(app: FastAPI, store: Store) -> TestClient:
    return TestClient(app, headers=bearer(store, "root", Role.ADMIN))


def link_sample(
    site: str, link: str, at: datetime, utilization: float, **extra: Any
) -> dict[str, Any]:
    return {"site": site, "link": link, "timestamp": at.isoformat(), "latency_ms": 30.0,
            "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": utilization,
            "throughput_bps": utilization * 20e6, "up": True} | extra  # fmt: skip


def hangzhou(at: datetime, mpls: float, **extra: Any) -> list[dict[str, Any]]:
    """Both links of the class-B branch; the trading and web apps' demand on the MPLS link."""
    return [
        link_sample("br-hangzhou-001", "mpls-1", at, mpls, **extra),
        link_sample("br-hangzhou-001", "inet-1", at, 0.05),
        link_sample("br-hangzhou-001", "mpls-1", at, 0.0, app="o32-trading",
                    throughput_bps=256e3),
        link_sample("br-hangzhou-001", "mpls-1", at, 0.0, app="office-web",
                    throughput_bps=8e6),
    ]  # fmt: skip


def report(api: TestClient, samples: list[dict[str, Any]]) -> None:
    response = api.post("/api/v1/telemetry", json={"samples": samples})
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": len(samples), "stored": "committed", "too_old": 0,
                               "kept_from": None, "refused": {}, "examples": [],
                               "ahead_s": 0.0}  # fmt: skip


def step(app: FastAPI, at: datetime) -> Any:
    reconciler: Reconciler = app.state.reconciler
    return reconciler.step(at)


def test_samples_become_paths_with_reasons(app: FastAPI, api: TestClient) -> None:
    report(api, hangzhou(T0, mpls=0.40))
    first = step(app, T0 + timedelta(seconds=1))
    assert (first.evaluated, first.unobserved) == (1, 2)  # only Hangzhou reported
    paths = {p["app"]: p for p in api.get("/api/v1/sites/br-hangzhou-001/paths").json()}
    assert paths["o32-trading"]["link"] == "mpls-1"
    assert paths["o32-trading"]["reason"] == (
        "o32-trading placed on mpls-1: mpls-1 is the most preferred usable link"
    )
    assert paths["office-web"]["policy"] == {"scope": "default", "version": 0}

    report(api, hangzhou(T0 + timedelta(seconds=2), mpls=0.80))
    second = step(app, T0 + timedelta(seconds=3))
    [moved] = second.changes
    assert (moved.app, moved.from_link, moved.to_link, moved.rule) == (
        "office-web", "mpls-1", "inet-1", "offload"
    )  # fmt: skip
    assert moved.reason == (
        "office-web moved mpls-1 → inet-1: mpls-1 utilization 0.80 > 0.70 (offload low priority)"
    )
    now = {p["app"]: p["link"] for p in api.get("/api/v1/sites/br-hangzhou-001/paths").json()}
    assert now["office-web"] == "inet-1"  # the cached answer of a moment ago is not served
    journal = api.get("/api/v1/path-changes", params={"app": "office-web"}).json()
    assert journal["total"] == 2  # placed, then offloaded
    assert [c["to_link"] for c in journal["items"]] == ["inet-1", "mpls-1"]
    since = (T0 + timedelta(seconds=2)).isoformat()
    recent = api.get("/api/v1/path-changes", params={"since": since}).json()
    assert [c["app"] for c in recent["items"]] == ["office-web"]


def test_a_cpe_reporting_only_link_figures_still_has_low_priority_apps_offloaded(
    app: FastAPI, api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """No application samples: the demand is derived from the link load by the catalogue's
    expected bandwidth, so the utilization rule moves the low-priority apps off a primary held
    at 85 %, and the controller says it derived it (log, step report, /metrics)."""
    links_only = [s for s in hangzhou(T0, mpls=0.40) if "app" not in s]
    report(api, links_only)
    with caplog.at_level("INFO", logger="branchline.reconcile"):
        first = step(app, T0 + timedelta(seconds=1))
    assert (first.evaluated, first.demand_derived) == (1, 1)
    assert "1 sites report link figures but no application samples" in caplog.text
    busy = [s for s in hangzhou(T0 + timedelta(seconds=2), mpls=0.85) if "app" not in s]
    report(api, busy)
    second = step(app, T0 + timedelta(seconds=3))
    moved = {m.app: (m.from_link, m.to_link, m.rule) for m in second.changes}
    assert moved and all(rule == "offload" for _, _, rule in moved.values())
    assert all((f, t) == ("mpls-1", "inet-1") for f, t, _ in moved.values())
    paths = {p["app"]: p for p in api.get("/api/v1/sites/br-hangzhou-001/paths").json()}
    assert paths["o32-trading"]["link"] == "mpls-1"  # high priority stays
    assert {a for a, p in paths.items() if p["link"] == "inet-1"} == set(moved)
    metrics = api.get("/metrics").text
    assert "branchline_sites_demand_derived 1.0" in metrics


def test_a_busy_hub_link_moves_low_priority_apps_off_the_branch_links_that_ride_it(
    app: FastAPI, api: TestClient
) -> None:
    """The hub CPEs report too: the hub's MPLS link ct-1, which Hangzhou's mpls-1 rides, at
    85 % moves office-web to the Internet link though mpls-1 itself is at 60 %, and the
    reason names the hub; with ct-1 at 45 % (and mpls-1 at 30 %) it comes home."""
    HZ = "br-hangzhou-001"  # noqa: N806

    def samples(at: datetime, ct: float, mpls: float = 0.60) -> list[dict[str, Any]]:
        own = [s for s in hangzhou(at, mpls=mpls) if s.get("app") != "office-web"]
        web = link_sample("br-hangzhou-001", "mpls-1", at, 0.0, app="office-web",
                          throughput_bps=2e6)  # fmt: skip
        hub = [link_sample("dc-shanghai", "ct-1", at, ct),
               link_sample("dc-shanghai", "cu-1", at, 0.30)]  # fmt: skip
        return [*own, web, *hub]

    report(api, samples(T0, ct=0.40))
    step(app, T0 + timedelta(seconds=1))
    report(api, samples(T0 + timedelta(seconds=2), ct=0.85))
    [moved] = [c for c in step(app, T0 + timedelta(seconds=3)).changes if c.site == HZ]
    assert moved.reason == (
        "office-web moved mpls-1 → inet-1: mpls-1 hub utilization 0.85 > 0.70 "
        "(offload low priority)"
    )
    paths = {p["app"]: p["link"] for p in api.get(f"/api/v1/sites/{HZ}/paths").json()}
    assert paths == {"o32-trading": "mpls-1", "office-web": "inet-1"}
    report(api, samples(T0 + timedelta(seconds=4), ct=0.45, mpls=0.30))
    [back] = [c for c in step(app, T0 + timedelta(seconds=5)).changes if c.site == HZ]
    assert (back.app, back.to_link, back.rule) == ("office-web", "mpls-1", "return")
    assert "mpls-1 hub utilization 0.45 < 0.50" in back.reason


def test_a_down_link_moves_its_traffic_at_once(app: FastAPI, api: TestClient) -> None:
    report(api, hangzhou(T0, mpls=0.30))
    step(app, T0 + timedelta(seconds=1))
    report(api, hangzhou(T0 + timedelta(seconds=2), mpls=0.0, up=False, loss_pct=100.0))
    moves = step(app, T0 + timedelta(seconds=3)).changes
    assert {m.app for m in moves} >= {"o32-trading", "office-web"}
    assert {(m.to_link, m.rule) for m in moves} == {("inet-1", "link-down")}


def test_preview_shows_what_would_move_and_changes_nothing(app: FastAPI, api: TestClient) -> None:
    now = datetime.now(UTC)  # the preview evaluates the latest observations as of now
    report(api, hangzhou(now - timedelta(seconds=2), mpls=0.60))
    step(app, now - timedelta(seconds=1))
    before = api.get("/api/v1/sites/br-hangzhou-001/paths").json()
    stricter = Policy().model_dump(mode="json")
    stricter["utilization"]["primary"] = {"upper": 0.55, "lower": 0.3}
    result = api.post("/api/v1/policies/class:B/preview", json={"policy": stricter}).json()
    assert (result["sites"], result["observed"]) == (1, 1)
    assert [(m["site"], m["app"], m["current"], m["proposed"]) for m in result["moves"]] == [
        ("br-hangzhou-001", "office-web", "mpls-1", "inet-1")
    ]
    assert "utilization 0.60 > 0.55 (offload low priority)" in result["moves"][0]["reason"]
    assert api.get("/api/v1/sites/br-hangzhou-001/paths").json() == before
    assert api.get("/api/v1/policies/class:B").status_code == 404  # nothing was saved

    same = api.post(
        "/api/v1/policies/default/preview", json={"policy": Policy().model_dump(mode="json")}
    )
    assert same.json()["moves"] == []
    nobody = api.post("/api/v1/policies/class:A/preview", json={"policy": stricter}).json()
    assert (nobody["sites"], nobody["observed"], nobody["moves"]) == (0, 0, [])
    unknown = api.post("/api/v1/policies/site:br-x/preview", json={"policy": stricter})
    assert unknown.status_code == 422


def test_overrides_govern_their_sites(app: FastAPI, api: TestClient, store: Store) -> None:
    lenient = Policy().model_dump(mode="json")
    lenient["utilization"]["primary"] = {"upper": 0.9, "lower": 0.6}
    created = api.put("/api/v1/policies/class:B", json={"policy": lenient},
                      headers={"If-Match": '"0"'})  # fmt: skip
    assert created.status_code == 200
    report(api, hangzhou(T0, mpls=0.80))
    step(app, T0 + timedelta(seconds=1))
    report(api, hangzhou(T0 + timedelta(seconds=2), mpls=0.80))
    assert step(app, T0 + timedelta(seconds=3)).changes == ()  # 0.80 is under class B's 0.90
    paths = api.get("/api/v1/sites/br-hangzhou-001/paths").json()
    assert {p["policy"]["scope"] for p in paths} == {"class:B"}


def test_bad_samples_are_refused_whole(app: FastAPI, api: TestClient, store: Store) -> None:
    samples = hangzhou(T0, mpls=0.5)
    samples[1]["loss_pct"] = 150
    refused = api.post("/api/v1/telemetry", json={"samples": samples})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.samples[1].loss_pct"
    assert step(app, T0 + timedelta(seconds=1)).evaluated == 0  # nothing of it was stored
    naive = hangzhou(T0, mpls=0.5)
    naive[0]["timestamp"] = "2026-11-23T09:30:00"
    assert api.post("/api/v1/telemetry", json={"samples": naive}).status_code == 422
    huge = api.post("/api/v1/telemetry", content=b"x" * 5_000_000,
                    headers={"Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code == 413

    lhasa_cpe = TestClient(app, headers=bearer(store, "ls-cpe", Role.OPERATOR, ["br-lhasa-001"]))
    assert lhasa_cpe.post("/api/v1/telemetry", json={"samples": samples[:1]}).status_code == 403
    viewer = TestClient(app, headers=bearer(store, "v", Role.VIEWER))
    assert viewer.post("/api/v1/telemetry", json={"samples": samples[:1]}).status_code == 403


def test_samples_older_than_the_store_keeps_are_counted_not_stored(
    api: TestClient, telemetry: TelemetryStore
) -> None:
    """A CPE replaying a long outage learns which samples did not land."""
    horizon = telemetry.horizon()
    assert horizon is not None  # the embedded store keeps 6 h of raw samples
    old, recent = horizon - timedelta(minutes=5), T0
    response = api.post(
        "/api/v1/telemetry", json={"samples": hangzhou(old, 0.4) + hangzhou(recent, 0.4)}
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["accepted"], body["too_old"]) == (4, 4)
    kept_from = datetime.fromisoformat(body["kept_from"])
    assert horizon <= kept_from <= horizon + timedelta(minutes=1)  # a minute may have turned
    telemetry.flush()
    stored = telemetry.query(ALL, old - timedelta(hours=1), T0 + timedelta(seconds=1))
    assert set(stored.ts_ms.tolist()) == {to_ms(recent)}


def test_unknown_site_paths_is_404_and_scoped_journal(
    app: FastAPI, api: TestClient, store: Store
) -> None:
    assert api.get("/api/v1/sites/br-x/paths").status_code == 404
    report(api, hangzhou(T0, mpls=0.3))
    step(app, T0 + timedelta(seconds=1))
    lhasa = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, ["br-lhasa-001"]))
    assert lhasa.get("/api/v1/path-changes").json()["total"] == 0
    assert lhasa.get("/api/v1/path-changes", params={"site": "br-hangzhou-001"}).status_code == 403


def test_the_loop_runs_with_the_app(
    store: Store, small_inventory: Inventory, tmp_path: Path
) -> None:
    store.replace_inventory(small_inventory, actor="test-setup")
    settings = Settings(data_dir=tmp_path / "loop", reconcile_interval_s=0.2)
    app = create_app(settings, store=store)  # telemetry opened by the app, under data_dir
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        report(api, hangzhou(datetime.now(UTC), mpls=0.3))
        deadline = time.monotonic() + 20
        paths: list[Any] = []
        while not paths and time.monotonic() < deadline:
            time.sleep(0.1)
            paths = api.get("/api/v1/sites/br-hangzhou-001/paths").json()
        assert {p["link"] for p in paths} == {"mpls-1"}
    assert (tmp_path / "loop" / "telemetry.db").exists()


def test_a_scoped_preview_shows_only_the_callers_sites(
    app: FastAPI, api: TestClient, store: Store
) -> None:
    now = datetime.now(UTC)
    report(api, hangzhou(now - timedelta(seconds=2), mpls=0.60))
    step(app, now - timedelta(seconds=1))
    stricter = Policy().model_dump(mode="json")
    stricter["utilization"]["primary"] = {"upper": 0.55, "lower": 0.3}
    everyone = api.post("/api/v1/policies/class:B/preview", json={"policy": stricter}).json()
    assert [m["site"] for m in everyone["moves"]] == ["br-hangzhou-001"]

    lhasa = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, ["br-lhasa-001"]))
    scoped = lhasa.post("/api/v1/policies/class:B/preview", json={"policy": stricter})
    assert scoped.status_code == 200
    assert (scoped.json()["sites"], scoped.json()["moves"]) == (0, [])
    other = lhasa.post("/api/v1/policies/site:br-hangzhou-001/preview", json={"policy": stricter})
    assert other.status_code == 403
    assert lhasa.get("/api/v1/simulations").status_code == 403  # results are network-wide


def test_samples_of_unknown_series_or_far_ahead_are_refused_one_by_one(
    app: FastAPI, api: TestClient, telemetry: TelemetryStore
) -> None:
    now = datetime.now(UTC)
    good = link_sample("br-hangzhou-001", "mpls-1", now, 0.3)
    samples = [
        good,
        link_sample("br-nowhere-001", "mpls-1", now, 0.3),
        link_sample("br-hangzhou-001", "lte-9", now, 0.3),
        link_sample("br-hangzhou-001", "mpls-1", now, 0.0, app="no-such-app"),
        link_sample("br-hangzhou-001", "inet-1", now + timedelta(days=365), 0.3),
    ]
    answer = api.post("/api/v1/telemetry", json={"samples": samples})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["accepted"] == 1
    assert body["refused"] == {"unknown_site": 1, "unknown_link": 1, "unknown_app": 1,
                               "ahead_of_clock": 1}  # fmt: skip
    assert body["examples"][0] == "samples[1]: no site 'br-nowhere-001' in the inventory"
    stored = telemetry.query(ALL, now - timedelta(minutes=1), now + timedelta(days=400))
    assert set(zip(stored.site, stored.link, stored.app, strict=True)) == {
        ("br-hangzhou-001", "mpls-1", "")
    }


def test_a_cpe_whose_clock_runs_fast_is_seen_now(app: FastAPI, api: TestClient) -> None:
    """Two minutes ahead is within the bound: taken at its arrival, so the site is observed
    (not grey) by the next step instead of when the controller's clock catches up."""
    now = datetime.now(UTC)
    answer = api.post(
        "/api/v1/telemetry", json={"samples": hangzhou(now + timedelta(minutes=2), mpls=0.3)}
    )
    assert answer.status_code == 202
    assert 0 < answer.json()["ahead_s"] <= 120
    report = step(app, datetime.now(UTC) + timedelta(seconds=1))
    assert report.evaluated == 1
