"""status.json and /api/v1/health/sites are rendered once per monitor snapshot (the
network-wide answer right after the tick, on the loop's thread) and stay true to it: a new
tick's answer replaces the old, and a scoped token gets its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from controller.api.snapshot_views import SnapshotViews
from controller.app import monitor_tick
from controller.auth.principal import Role
from controller.store.facade import Store
from tests.conftest import bearer

SITE = "br-hangzhou-001"


def report(api: TestClient, at: datetime, up: bool) -> None:
    samples = [
        {"site": SITE, "link": link, "timestamp": at.isoformat(), "latency_ms": 30.0,
         "jitter_ms": 2.0, "loss_pct": 0.0 if up else 100.0, "utilization": 0.2,
         "throughput_bps": 1e6, "up": up}
        for link in ("mpls-1", "inet-1")
    ]  # fmt: skip
    assert api.post("/api/v1/telemetry", json={"samples": samples}).status_code == 202


def colours(api: TestClient) -> tuple[Any, Any]:
    status = api.get("/map/status.json").json()
    summary = api.get("/api/v1/health/sites").json()
    by_site = {i["site"]: i["status"] for i in summary["items"]}
    return status["status"][SITE], by_site[SITE]


def test_answers_follow_each_tick_and_are_rendered_by_the_tick(app: FastAPI, store: Store) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    report(api, now - timedelta(seconds=2), up=True)
    monitor_tick(app.state, now)
    up = colours(api)
    assert up[1] == "green"

    # Rendered by the tick: the next request finds the answer without rendering it again.
    views: SnapshotViews = app.state.snapshot_views
    snapshot = app.state.monitor.snapshot

    def must_not_render() -> bytes:
        raise AssertionError("rendered on request")

    assert views.get(snapshot, ("map/status", None, ()), must_not_render)  # no site opening
    assert views.get(snapshot, ("health/sites", None, None), must_not_render)

    report(api, now + timedelta(seconds=1), up=False)
    assert colours(api) == up  # until the next tick, the last tick's answer
    monitor_tick(app.state, now + timedelta(seconds=2))
    down = colours(api)
    assert down[1] == "red" and down[0] != up[0]


def test_a_scoped_token_gets_its_own_answer(app: FastAPI, store: Store) -> None:
    admin = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    report(admin, now - timedelta(seconds=2), up=True)
    monitor_tick(app.state, now)
    everyone = admin.get("/api/v1/health/sites").json()
    lhasa = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, ["br-lhasa-001"]))
    mine = lhasa.get("/api/v1/health/sites").json()
    assert [i["site"] for i in mine["items"]] == ["br-lhasa-001"]
    assert len(everyone["items"]) > 1
    assert set(lhasa.get("/map/status.json").json()["status"]) == {"br-lhasa-001"}
    green = admin.get("/api/v1/health/sites", params={"status": "green"}).json()
    assert [i["site"] for i in green["items"]] == [SITE]


def test_a_rendered_answer_is_served_without_a_worker_thread(
    app: FastAPI, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the tick rendered is answered from the event loop: no hand-over to a worker
    thread, no query (under load each hand-over waited for the interpreter)."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    report(api, now - timedelta(seconds=2), up=True)
    monitor_tick(app.state, now)
    monkeypatch.setattr("controller.store.ztp_store.STATES_TTL_S", 3600.0)
    store.ztp.states()  # read once: the map asks for sites being opened on every poll
    handed: list[object] = []

    async def no_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(func)
        return func(*args, **kwargs)

    monkeypatch.setattr("controller.api.map.run_in_threadpool", no_thread)
    monkeypatch.setattr("controller.api.monitoring.run_in_threadpool", no_thread)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert colours(api)[1] == "green"
    assert handed == []
    assert not [s for s in statements if "site_lifecycle" in s]
    # A filter nobody asked for yet is rendered in a worker thread, once.
    api.get("/api/v1/health/sites", params={"status": "red"})
    assert len(handed) == 1
    # The sites being opened are due to be read again: that query is made in a worker thread,
    # never on the event loop.
    store.ztp.clock = lambda: 1e12
    assert api.get("/map/status.json").status_code == 200
    assert [getattr(f, "__name__", "") for f in handed[1:]] == ["status_body"]
    assert [s for s in statements if "site_lifecycle" in s]


def test_a_tick_renders_its_answers_before_readers_see_its_snapshot(
    app: FastAPI, store: Store
) -> None:
    """While the tick renders the next answers, requests still get the last ones at once."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    report(api, now - timedelta(seconds=2), up=True)
    monitor_tick(app.state, now)
    first = app.state.monitor.snapshot
    views: SnapshotViews = app.state.snapshot_views
    published: list[bool] = []
    get = views.get

    def rendering(snapshot: object, key: Any, render: Any) -> bytes:
        published.append(app.state.monitor.snapshot is snapshot)
        # A request meanwhile is answered from the last snapshot, still kept.
        assert views.peek(first, ("health/sites", None, None)) is not None
        return get(snapshot, key, render)

    views.get = rendering  # type: ignore[method-assign]
    monitor_tick(app.state, now + timedelta(seconds=5))
    assert published == [False, False]  # status.json and health/sites, both before
    assert app.state.monitor.snapshot is not first


def test_views_keep_the_newest_two_snapshots() -> None:
    views = SnapshotViews()
    a, b, c = object(), object(), object()
    views.get(a, "k", lambda: b"a")
    views.get(b, "k", lambda: b"b")
    assert (views.peek(a, "k"), views.peek(b, "k")) == (b"a", b"b")
    views.get(c, "k", lambda: b"c")
    assert (views.peek(a, "k"), views.peek(b, "k"), views.peek(c, "k")) == (None, b"b", b"c")
