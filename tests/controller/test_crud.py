"""Writing sites, SLA classes and applications: happy paths and every error path, on SQLite and
PostgreSQL. Writes need If-Match; a stale one gets 412 and the other writer's change survives."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.store.facade import Store
from sites.inventory import Inventory


@pytest.fixture
def api(client: TestClient, store: Store, small_inventory: Inventory) -> TestClient:
    store.replace_inventory(small_inventory, actor="test-setup")
    return client


def new_branch(site_id: str = "br-nanjing-001", serial: str = "NJ-0001") -> dict[str, Any]:
    return {
        "id": site_id,
        "name": "Nanjing Zhongshan Road Branch",
        "city": "Nanjing",
        "latitude": 32.0603,
        "longitude": 118.7969,
        "role": "spoke",
        "branch_class": "C",
        "hubs": ["dc-shanghai"],
        "cpes": [
            {"serial": serial, "model": "BL-E100", "platform": "huawei_vrp",
             "management_address": "172.16.9.1", "credentials_ref": "vault:cpe/branch"}
        ],
        "links": [
            {"id": "inet-1", "transport": "Internet", "carrier": "China Telecom",
             "down_mbps": 100, "up_mbps": 20, "role": "primary", "cpe": serial,
             "monthly_cost_cny": 400}
        ],
    }  # fmt: skip


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_site_lifecycle(api: TestClient) -> None:
    created = api.post("/api/v1/sites", json=new_branch())
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/sites/br-nanjing-001"
    assert created.headers["ETag"] == '"1"'
    listed = api.get("/api/v1/sites", params={"city": "Nanjing"}).json()
    assert [s["id"] for s in listed["items"]] == ["br-nanjing-001"]

    changed = new_branch()
    changed["links"][0]["down_mbps"] = 200
    replaced = api.put("/api/v1/sites/br-nanjing-001", json=changed, headers={"If-Match": '"1"'})
    assert replaced.status_code == 200
    assert replaced.headers["ETag"] == '"2"'
    assert api.get("/api/v1/sites/br-nanjing-001").json()["links"][0]["down_mbps"] == 200

    gone = api.delete("/api/v1/sites/br-nanjing-001", headers={"If-Match": '"2"'})
    assert gone.status_code == 204
    problem(api.get("/api/v1/sites/br-nanjing-001"), 404)


def test_second_writer_gets_412_and_the_first_edit_is_intact(api: TestClient) -> None:
    etag = api.get("/api/v1/sites/br-hangzhou-001").headers["ETag"]
    first = api.get("/api/v1/sites/br-hangzhou-001").json()
    second = copy.deepcopy(first)
    first["name"] = "Hangzhou Jiefang Road Branch (renovated)"
    second["address"] = "1 Jiefang Road"
    assert (
        api.put("/api/v1/sites/br-hangzhou-001", json=first, headers={"If-Match": etag}).status_code
        == 200
    )
    stale = api.put("/api/v1/sites/br-hangzhou-001", json=second, headers={"If-Match": etag})
    assert "changed since you read it" in problem(stale, 412)["detail"]
    now = api.get("/api/v1/sites/br-hangzhou-001").json()
    assert now["name"] == "Hangzhou Jiefang Road Branch (renovated)"
    assert now["address"] == ""


def test_write_without_if_match_is_428(api: TestClient) -> None:
    site = api.get("/api/v1/sites/br-hangzhou-001").json()
    body = problem(api.put("/api/v1/sites/br-hangzhou-001", json=site), 428)
    assert body["errors"][0]["field"] == "If-Match"
    problem(api.delete("/api/v1/sites/br-hangzhou-001"), 428)
    assert api.delete("/api/v1/sites/br-hangzhou-001", headers={"If-Match": "*"}).status_code == 204


@pytest.mark.parametrize(
    ("change", "status", "field", "text"),
    [
        (lambda s: s.update(id="br-hangzhou-001"), 409, "id", "already exists"),
        (lambda s: s["cpes"][0].update(management_address="172.16.0.3"), 409,
         "cpes[0].management_address", "already used by site 'br-hangzhou-001'"),
        (lambda s: s.update(hubs=["dc-beijing"]), 422, "hubs[0]", "no site with id 'dc-beijing'"),
        (lambda s: s.update(hubs=["br-hangzhou-001"]), 422, "hubs[0]", "is a spoke, not a hub"),
        (lambda s: s.update(latitude=123), 422, "body.latitude", "less than or equal to 90"),
        (lambda s: s["links"][0].update(cpe="XX-0001"), 422, "body",
         "links[0].cpe: 'XX-0001' is not a CPE of site"),
        (lambda s: s.update(password="hunter2"), 422, "body.password", "Extra inputs"),
    ],
)  # fmt: skip
def test_bad_sites_are_refused_with_the_field(
    api: TestClient, change: Any, status: int, field: str, text: str
) -> None:
    site = new_branch()
    change(site)
    body = problem(api.post("/api/v1/sites", json=site), status)
    [error] = [e for e in body["errors"] if e["field"] == field]
    assert text in error["message"]
    assert api.get("/api/v1/sites", params={"city": "Nanjing"}).json()["total"] == 0


def test_serial_taken_by_another_site_on_replace(api: TestClient) -> None:
    site = api.get("/api/v1/sites/br-hangzhou-001")
    body = site.json()
    body["cpes"][0]["serial"] = body["links"][0]["cpe"] = body["links"][1]["cpe"] = "LS-0001"
    refused = api.put(
        "/api/v1/sites/br-hangzhou-001", json=body, headers={"If-Match": site.headers["ETag"]}
    )
    assert problem(refused, 409)["errors"][0]["field"] == "cpes[0].serial"


def test_renaming_through_put_is_refused(api: TestClient) -> None:
    body = api.get("/api/v1/sites/br-lhasa-001").json()
    body["id"] = "br-lhasa-009"
    refused = api.put("/api/v1/sites/br-lhasa-001", json=body, headers={"If-Match": '"1"'})
    assert problem(refused, 422)["errors"][0]["field"] == "id"


def test_a_hub_with_spokes_cannot_go(api: TestClient) -> None:
    body = problem(api.delete("/api/v1/sites/dc-shanghai", headers={"If-Match": '"1"'}), 409)
    assert "2 spoke(s) attach to hub 'dc-shanghai'" in body["detail"]
    hub = api.get("/api/v1/sites/dc-shanghai").json()
    hub.update(role="spoke", branch_class="A", hubs=[])
    problem(api.put("/api/v1/sites/dc-shanghai", json=hub, headers={"If-Match": '"1"'}), 409)
    assert api.get("/api/v1/sites/dc-shanghai").json()["role"] == "hub"


def test_missing_things_are_404(api: TestClient) -> None:
    for path in ("/api/v1/sites/br-x", "/api/v1/sla-classes/x", "/api/v1/applications/x"):
        problem(api.get(path), 404)
        problem(api.delete(path, headers={"If-Match": "*"}), 404)


def test_sla_class_and_application_lifecycle(api: TestClient) -> None:
    voice = {"name": "voice", "max_latency_ms": 150, "max_jitter_ms": 30, "max_loss_pct": 1}
    assert api.post("/api/v1/sla-classes", json=voice).status_code == 201
    problem(api.post("/api/v1/sla-classes", json=voice), 409)
    app = {
        "name": "call-centre-voice",
        "priority": "high",
        "sla_class": "voice",
        "match": {"protocol": "udp", "ports": ["10000-20000"]},
        "expected_kbps": 512,
    }
    created = api.post("/api/v1/applications", json=app)
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/applications/call-centre-voice"

    in_use = problem(api.delete("/api/v1/sla-classes/voice", headers={"If-Match": '"1"'}), 409)
    assert "used by applications call-centre-voice" in in_use["detail"]

    app["sla_class"] = "trading"
    moved = api.put("/api/v1/applications/call-centre-voice", json=app, headers={"If-Match": '"1"'})
    assert moved.headers["ETag"] == '"2"'
    assert api.delete("/api/v1/sla-classes/voice", headers={"If-Match": '"1"'}).status_code == 204


def test_bad_catalogue_entries(api: TestClient) -> None:
    bad_sla = {"name": "x", "max_latency_ms": 0, "max_jitter_ms": 30, "max_loss_pct": 1}
    body = problem(api.post("/api/v1/sla-classes", json=bad_sla), 422)
    assert body["errors"][0]["field"] == "body.max_latency_ms"
    app = {"name": "x", "priority": "urgent", "sla_class": "nope",
           "match": {"dscp": [46]}, "expected_kbps": 1}  # fmt: skip
    body = problem(api.post("/api/v1/applications", json=app), 422)
    assert [e["field"] for e in body["errors"]] == ["body.priority"]
    app["priority"] = "high"
    body = problem(api.post("/api/v1/applications", json=app), 422)
    assert body["errors"] == [
        {"field": "sla_class", "message": "unknown SLA class 'nope' (known: bulk, trading)"}
    ]
    bulk = {**bad_sla, "name": "bulk", "max_latency_ms": 9}
    stale = api.put("/api/v1/sla-classes/bulk", json=bulk, headers={"If-Match": '"7"'})
    problem(stale, 412)


def test_inventory_import_is_all_or_nothing(api: TestClient, small_yaml: str) -> None:
    broken = small_yaml.replace("latitude: 29.6523", "latitude: 99").replace(
        "transport: LTE", "transport: DSL"
    )
    refused = api.put(
        "/api/v1/inventory", content=broken, headers={"Content-Type": "application/yaml"}
    )
    body = problem(refused, 422)
    assert {e["field"] for e in body["errors"]} == {
        "sites[2].latitude",
        "sites[2].links[1].transport",
    }
    assert all(isinstance(e["line"], int) for e in body["errors"])
    assert api.get("/api/v1/sites/br-lhasa-001").json()["latitude"] == 29.6523  # unchanged

    fixed = small_yaml.replace("Lhasa Beijing Road Branch", "Lhasa Beijing Road East Branch")
    accepted = api.put(
        "/api/v1/inventory", content=fixed, headers={"Content-Type": "application/yaml"}
    )
    assert accepted.json() == {"sites": 3, "applications": 2, "sla_classes": 2}
    assert api.get("/api/v1/sites/br-lhasa-001").json()["name"] == "Lhasa Beijing Road East Branch"
