"""The map's JSON routes through the API: live statuses, the 24 h replay, a site's panel
details and its links' history, each behind the map's token and cut down to a scoped token's
sites."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.api.kept import Kept
from controller.api.map import WATCHED_S, map_options
from controller.app import create_app, monitor_tick
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from controller.store.ztp_store import SiteState, Step
from policies.moves import PolicyRef
from policies.reasons import Decision, Reason, Rule
from sites.inventory import Inventory
from telemetry.health import Status
from telemetry.map import STATUS_CODE
from telemetry.store.base import TelemetryStore
from telemetry.store.registry import open_store as open_telemetry
from tests.conftest import bearer

SITE = "br-hangzhou-001"
GREEN, GREY, RED = (STATUS_CODE[s] for s in (Status.GREEN, Status.GREY, Status.RED))


@pytest.fixture
def app(store: Store, small_inventory: Inventory, tmp_path: Path) -> Iterator[FastAPI]:
    store.replace_inventory(small_inventory, actor="test-setup")
    telemetry: TelemetryStore = open_telemetry("embedded", path=tmp_path / "t.db")
    yield create_app(Settings(reconcile_interval_s=0), store=store, telemetry_store=telemetry)
    telemetry.close()


def sample(link: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"site": SITE, "link": link, "app": None, "timestamp": at.isoformat(),
            "latency_ms": 20.0, "jitter_ms": 1.0, "loss_pct": 0.0, "utilization": 0.3,
            "throughput_bps": 2e6, "up": True} | extra  # fmt: skip


def post(api: TestClient, app: FastAPI, samples: list[dict[str, Any]]) -> None:
    assert api.post("/api/v1/telemetry", json={"samples": samples}).status_code == 202
    app.state.telemetry.flush()


def test_every_route_needs_a_viewer_token(app: FastAPI, store: Store) -> None:
    anonymous = TestClient(app)
    headers = bearer(store, "watcher", Role.VIEWER)
    token = headers["Authorization"].removeprefix("Bearer ")
    site = f"/map/sites/{SITE}"
    for url in ("/map/status.json", "/map/history.json", f"{site}.json", f"{site}/history.json"):
        assert anonymous.get(url).status_code == 401, url
        assert anonymous.get(f"{url}?token=wrong").status_code == 401, url
        answer = anonymous.get(f"{url}?token={token}")
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == "no-store"
        assert TestClient(app, headers=headers).get(url).status_code == 200, url


def test_status_follows_new_samples(app: FastAPI, store: Store, small_inventory: Inventory) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    before = api.get("/map/status.json").json()
    assert before["status"] == {s.id: GREY for s in small_inventory.sites}
    assert before["lines"] == {SITE: GREY, "br-lhasa-001": GREY}  # spokes only, no data yet
    now = datetime.now(UTC)
    post(api, app, [sample("mpls-1", now), sample("inet-1", now)])
    after = api.get("/map/status.json").json()
    assert after["status"][SITE] == GREEN
    assert after["lines"][SITE] == GREEN  # within every critical SLA class
    later = datetime.now(UTC)  # newer (or the same instant: the same sample, replaced)
    post(api, app, [sample("mpls-1", later, up=False, loss_pct=100.0),
                    sample("inet-1", later, up=False, loss_pct=100.0)])  # fmt: skip
    down = api.get("/map/status.json").json()
    assert (down["status"][SITE], down["lines"][SITE]) == (RED, RED)  # no link up
    assert after["at_ms"] >= before["at_ms"]
    assert sum(code == GREY for code in after["status"].values()) == len(small_inventory.sites) - 1


def test_history_colours_each_hour_by_the_live_rules(app: FastAPI, store: Store) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    good = [sample(link, hour - timedelta(hours=3, minutes=m)) for link in ("mpls-1", "inet-1")
            for m in (-20, -40)]  # fmt: skip
    down = [sample(link, hour - timedelta(hours=5, minutes=m), up=False, loss_pct=100.0)
            for link in ("mpls-1", "inet-1") for m in (-20, -40)]  # fmt: skip
    post(api, app, good + down)
    body = api.get("/map/history.json").json()
    assert len(body["buckets"]) == len(body["codes"]) == 24
    assert body["bucket_ms"] == 3_600_000
    assert body["buckets"][-1] <= now.timestamp() * 1000 < body["buckets"][-1] + 3_600_000
    i = body["sites"].index(SITE)
    by_start = {
        start: codes[i] for start, codes in zip(body["buckets"], body["codes"], strict=True)
    }
    ms = int((hour - timedelta(hours=3)).timestamp() * 1000)
    assert by_start[ms] == str(GREEN)
    assert by_start[ms - 2 * 3_600_000] == str(RED)  # every link down that hour
    assert by_start[ms - 3_600_000] == str(GREY)  # no data
    others = [codes[j] for codes in body["codes"] for j in range(len(body["sites"])) if j != i]
    assert set(others) == {str(GREY)}


def test_history_of_a_day_is_its_hours_in_the_network_s_time_zone(
    app: FastAPI, store: Store
) -> None:
    """`?day=` replays that day's 24 hours from midnight in the network's zone (Shanghai by
    default); samples land in their hour; a day not begun there is refused. (The embedded
    store keeps raw samples 6 h: the day is the one of half an hour ago.)"""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    zone = ZoneInfo("Asia/Shanghai")
    at = datetime.now(zone) - timedelta(minutes=30)
    midnight = datetime.combine(at.date(), datetime.min.time(), zone)
    post(api, app, [sample(link, at) for link in ("mpls-1", "inet-1")])
    body = api.get("/map/history.json", params={"day": at.date().isoformat()}).json()
    hour = 3_600_000
    start = int(midnight.timestamp() * 1000)
    assert body["buckets"] == [start + h * hour for h in range(24)]
    i = body["sites"].index(SITE)
    assert [codes[i] for codes in body["codes"]] == [str(GREEN) if h == at.hour else str(GREY)
                                                      for h in range(24)]  # fmt: skip
    later = (datetime.now(zone) + timedelta(days=2)).date().isoformat()
    refused = api.get("/map/history.json", params={"day": later})
    assert refused.status_code == 422
    assert refused.json()["detail"] == f"day: {later} has not begun in Asia/Shanghai"
    assert api.get("/map/history.json", params={"day": "12/05"}).status_code == 422


def test_site_details_have_links_applications_and_open_alarms(
    app: FastAPI, store: Store, small_inventory: Inventory
) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    post(api, app, [sample("mpls-1", now), sample("inet-1", now, up=False, loss_pct=100.0)])
    app.state.monitor.tick(now)
    decision = Decision(SITE, "o32-trading", "mpls-1", None, Reason(Rule.LINK_DOWN, "inet-1"))
    store.paths.record([(decision, PolicyRef.stored("global", 1))], now)
    body = api.get(f"/map/sites/{SITE}.json").json()
    assert body["status"] == "amber"
    assert {(link["id"], link["state"]) for link in body["links"]} == {
        ("mpls-1", "up"),
        ("inet-1", "down"),
    }
    apps = {a["name"]: a for a in body["applications"]}
    assert set(apps) == {a.name for a in small_inventory.applications}
    assert apps["o32-trading"]["link"] == "mpls-1"
    assert apps["office-web"]["link"] is None
    assert [(a["kind"], a["link"]) for a in body["alarms"]] == [("link-down", "inet-1")]
    links = {link["id"]: link for link in body["links"]}
    assert links["mpls-1"]["utilization"] == 0.3 and links["mpls-1"]["latency_ms"] == 20.0
    [change] = body["changes"]
    assert (change["app"], change["from"], change["to"]) == ("o32-trading", None, "mpls-1")
    assert change["reason"] == apps["o32-trading"]["reason"]
    assert abs(change["at_ms"] - now.timestamp() * 1000) < 1000
    assert api.get("/map/sites/br-nowhere-001.json").status_code == 404


def test_site_history_gives_each_link_s_figures_over_a_period(app: FastAPI, store: Store) -> None:
    """The panel's charts: per link, one mean per window (1 min over the last hour), the
    application series left out; a period it does not know is refused by name."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    old = now - timedelta(minutes=20)
    post(api, app, [sample("mpls-1", old, latency_ms=40.0), sample("mpls-1", now),
                    sample("inet-1", now, utilization=0.8),
                    sample("mpls-1", now, app="o32-trading")])  # fmt: skip
    asked = int(datetime.now(UTC).timestamp() * 1000)
    body = api.get(f"/map/sites/{SITE}/history.json", params={"period": "hour"}).json()
    assert (body["period"], body["window_s"]) == ("hour", 60.0)
    assert body["to_ms"] - body["from_ms"] == 3_600_000  # the hour up to the request
    assert asked <= body["to_ms"] <= asked + 60_000
    assert set(body["links"]) == {"mpls-1", "inet-1"}
    mpls = body["links"]["mpls-1"]
    minute = 60_000
    assert mpls["t"] == [int(t.timestamp() * 1000) // minute * minute for t in (old, now)]
    assert mpls["latency_ms"] == [40.0, 20.0]
    assert body["links"]["inet-1"]["utilization"] == [0.8]
    assert api.get(f"/map/sites/{SITE}/history.json").json()["window_s"] == 300.0  # a day
    wrong = api.get(f"/map/sites/{SITE}/history.json", params={"period": "year"})
    assert wrong.status_code == 422 and "period" in wrong.text
    assert api.get("/map/sites/br-nowhere-001/history.json").status_code == 404


def test_scoped_token_sees_only_its_sites(app: FastAPI, store: Store) -> None:
    api = TestClient(app, headers=bearer(store, "branch", Role.VIEWER, [SITE]))
    assert list(api.get("/map/status.json").json()["status"]) == [SITE]
    assert api.get("/map/history.json").json()["sites"] == [SITE]
    assert api.get(f"/map/sites/{SITE}.json").status_code == 200
    assert api.get("/map/sites/br-lhasa-001.json").status_code == 404
    assert api.get("/map/sites/dc-shanghai.json").status_code == 404
    assert api.get("/map/sites/br-lhasa-001/history.json").status_code == 404


def test_large_answers_are_compressed_for_clients_that_accept_gzip(
    app: FastAPI, store: Store
) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    page = api.get("/map", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert "<title>Branchline site health map</title>" in page.text  # decoded by the client
    plain = api.get("/map", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert "<title>Branchline site health map</title>" in plain.text
    small = api.get("/map/status.json", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 4 KB: not worth it


def test_status_is_served_from_the_monitors_snapshot(
    app: FastAPI, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every open map polls status.json: it must not read and score the whole network again."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC)
    post(api, app, [sample("mpls-1", now), sample("inet-1", now, up=False, loss_pct=100.0)])
    app.state.monitor.tick(now)
    reads: list[object] = []
    telemetry = app.state.telemetry
    original = telemetry.latest

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(telemetry, "latest", counted)
    body = api.get("/map/status.json").json()
    assert reads == []
    assert body["at_ms"] == app.state.monitor.snapshot.now_ms
    assert body["status"][SITE] == 2  # amber: one of its two links is down


def test_a_token_in_the_address_becomes_a_session_cookie(app: FastAPI, store: Store) -> None:
    """`/map?token=` answers 303 to the same address without the token, with an HttpOnly
    session cookie that the page and its JSON routes then go on with."""
    browser = TestClient(app, follow_redirects=False)
    token = bearer(store, "watcher", Role.VIEWER)["Authorization"].split()[-1]
    answer = browser.get(f"/map?token={token}&replay=20")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/map?replay=20"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert token not in cookie
    assert browser.get("/map").status_code == 200  # the cookie, kept by the client
    assert browser.get("/map/status.json").status_code == 200
    assert TestClient(app).get("/map").status_code == 401  # no cookie, no token


def test_sites_being_opened_are_named_with_where_their_opening_stands(
    app: FastAPI, store: Store
) -> None:
    store.ztp.plan(SITE, "test-setup")
    store.ztp.plan("br-lhasa-001", "test-setup")
    store.ztp.advance("br-lhasa-001", Step(SiteState.ONLINE, "online", "", "t", datetime.now(UTC)))
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    assert api.get("/map/status.json").json()["opening"] == {SITE: "planned"}  # online: in service
    store.ztp.advance(SITE, Step(SiteState.PROVISIONING, "called-home", "", "t", datetime.now(UTC)))
    assert api.get("/map/status.json").json()["opening"] == {SITE: "provisioning"}
    page = api.get("/map").text
    assert f'"{SITE}"' in page and '"provisioning", "' in page  # the row's opening, a city next
    scoped = TestClient(app, headers=bearer(store, "lhasa", Role.VIEWER, ["br-lhasa-001"]))
    assert scoped.get("/map/status.json").json()["opening"] == {}


BOUNDARIES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "a"},
     "geometry": {"type": "LineString", "coordinates": [[120.0, 30.0], [121.0, 31.0]]}},
]}  # fmt: skip


def test_an_operator_s_boundary_file_is_served_and_drawn_when_set(
    app: FastAPI, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """`BRANCHLINE_MAP_BOUNDARY_FILE`: a GeoJSON file the page fetches from the controller and
    draws over the base layer; a file that is not GeoJSON, or too big, is left out with a
    warning that says which file and why, and the map still shows."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    assert "boundary.geojson" not in api.get("/map").text
    assert api.get("/map/static/boundary.geojson").status_code == 404
    good = tmp_path / "approved.geojson"
    good.write_text(json.dumps(BOUNDARIES), encoding="utf-8")
    monkeypatch.setenv("BRANCHLINE_MAP_BOUNDARY_FILE", str(good))
    assert '"/map/static/boundary.geojson"' in api.get("/map").text
    served = TestClient(app).get("/map/static/boundary.geojson")  # public, as the land is
    assert served.status_code == 200 and served.json() == BOUNDARIES
    assert served.headers["content-type"] == "application/geo+json"
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    monkeypatch.setenv("BRANCHLINE_MAP_BOUNDARY_FILE", str(bad))
    with caplog.at_level("WARNING", logger="branchline.map"):
        page = api.get("/map")
    assert page.status_code == 200 and "boundary.geojson" not in page.text
    assert f"{bad}: not a JSON object" in caplog.text
    monkeypatch.setattr("controller.api.map.MAX_BOUNDARY_BYTES", 10)
    monkeypatch.setenv("BRANCHLINE_MAP_BOUNDARY_FILE", str(good))
    good.write_text(json.dumps(BOUNDARIES) + " ", encoding="utf-8")  # a new version: checked
    with caplog.at_level("WARNING", logger="branchline.map"):
        assert "boundary.geojson" not in api.get("/map").text
    assert "more than 10" in caplog.text
    assert api.get("/map/static/boundary.geojson").status_code == 404


def test_the_network_s_page_is_rendered_behind_the_monitor_s_first_tick(
    app: FastAPI, store: Store
) -> None:
    """A screen opened after a start gets a page rendered already, in either language."""
    generation = store.current.generation()
    pages = app.state.kept_pages
    keys = [(generation, None, lang, map_options()) for lang in ("zh", "en")]
    assert not any(pages.has(k) for k in keys)
    monitor_tick(app.state, datetime.now(UTC))
    for _ in range(500):
        if all(pages.has(k) for k in keys):
            break
        time.sleep(0.01)
    assert all(pages.has(k) for k in keys)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    assert api.get("/map", params={"lang": "zh"}).text == pages.get(keys[0]).text


def test_the_replay_is_warmed_at_the_first_tick_and_kept_fresh_while_a_console_is_open(
    app: FastAPI, store: Store
) -> None:
    """Moving the slider never waits for the 24 h replay's computation: it is computed at the
    first tick, then again at the ticks while a console polls its statuses (here it is never
    fresh, so each such tick computes it), and not while none does."""
    computed: list[object] = []
    app.state.kept_replays = Kept(computed.append, fresh_s=0.0, keep_s=600.0, limit=4)
    key = (store.current.generation(), None)

    def tick_then_computed(n: int) -> None:
        monitor_tick(app.state, datetime.now(UTC))
        for _ in range(500):  # a computation behind the tick is a thread's: wait for it
            if len(computed) > n or (len(computed) == n and app.state.kept_replays.has(key)):
                break
            time.sleep(0.01)
        time.sleep(0.1)  # and for any more than `n`, which there must not be
        assert computed == [key] * n

    tick_then_computed(1)  # warmed: the first page's slider finds it
    tick_then_computed(1)  # kept, and no console open: left alone
    api = TestClient(app, headers=bearer(store, "root", Role.VIEWER))
    assert api.get("/map/status.json").status_code == 200  # a console polls
    tick_then_computed(2)
    app.state.console_polled -= WATCHED_S  # its last poll 10 minutes ago: closed
    tick_then_computed(2)


def test_the_page_goes_compressed_as_it_was_kept_and_plain_to_who_asks(
    app: FastAPI, store: Store
) -> None:
    """The kept page's gzip bytes are the answer to a browser (which accepts gzip); a client
    that does not accept it gets the same page as text."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    packed = api.get("/map", params={"lang": "en"}, headers={"Accept-Encoding": "gzip"})
    plain = api.get("/map", params={"lang": "en"}, headers={"Accept-Encoding": "identity"})
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.text == plain.text and plain.text.startswith("<!DOCTYPE html>")
    assert plain.headers["cache-control"] == "no-store"
    assert packed.headers["content-type"] == "text/html; charset=utf-8"
