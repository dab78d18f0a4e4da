"""The map's alarm panel routes: the open alarms a viewer may see, the most severe first, and
acknowledging one from the map (an operator, with the map's own header)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.api.map_alarms import REQUESTED_WITH
from controller.auth.principal import Role
from controller.store.facade import Store
from telemetry.alarms import AlarmKind
from tests.conftest import bearer

HZ, LS = "br-hangzhou-001", "br-lhasa-001"
MAP = {"X-Requested-With": REQUESTED_WITH}


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The small network's app (tests/controller/conftest.py) with three open alarms."""
    now = datetime.now(UTC)
    report = app.state.monitor.report
    report(AlarmKind.CONFIG_DRIFT, HZ, "the CPE runs another configuration", now)  # minor
    report(AlarmKind.PUSH_FAILURE, HZ, "the push was refused", now - timedelta(minutes=5))
    report(AlarmKind.ZTP_FAILURE, LS, "the CPE refused its bootstrap", now)  # major, newer
    return app


def test_the_most_severe_first_then_the_newest_with_site_names(app: FastAPI, store: Store) -> None:
    answer = TestClient(app, headers=bearer(store, "noc", Role.VIEWER)).get("/map/alarms.json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 3 and body["operator"] is False
    assert [(a["site"], a["kind"], a["severity"]) for a in body["alarms"]] == [
        (LS, "ztp-failure", "major"),
        (HZ, "push-failure", "major"),
        (HZ, "config-drift", "minor"),
    ]
    names = {s.id: s.name for s in store.current.inventory().sites}
    assert [a["site_name"] for a in body["alarms"]] == [names[LS], names[HZ], names[HZ]]


def test_a_scoped_viewer_sees_only_its_sites_alarms(app: FastAPI, store: Store) -> None:
    lhasa = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, [LS]))
    assert [a["site"] for a in lhasa.get("/map/alarms.json").json()["alarms"]] == [LS]


def test_acknowledging_from_the_map_needs_an_operator_and_the_maps_header(
    app: FastAPI, store: Store
) -> None:
    operator = TestClient(app, headers=bearer(store, "duty", Role.OPERATOR))
    alarm = operator.get("/map/alarms.json").json()["alarms"][0]
    path = f"/map/alarms/{alarm['id']}/acknowledge"
    assert operator.post(path).status_code == 403  # a cross-site form cannot set the header
    viewer = TestClient(app, headers=bearer(store, "noc", Role.VIEWER))
    assert viewer.post(path, headers=MAP).status_code == 403
    assert operator.post("/map/alarms/999999/acknowledge", headers=MAP).status_code == 404
    done = operator.post(path, headers=MAP)
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "duty"
    api = operator.get("/api/v1/alarms").json()
    assert {a["id"]: a["acknowledged_by"] for a in api}[alarm["id"]] == "duty"
    scoped = TestClient(app, headers=bearer(store, "hz-duty", Role.OPERATOR, [HZ]))
    assert scoped.post(path, headers=MAP).status_code == 403  # an alarm of Lhasa
