"""Policy tuning through the API: versions, diffs, If-Match, revert, overrides, validation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.store.facade import Store
from policies.policy import Policy
from sites.inventory import Inventory
from tests.conftest import bearer


@pytest.fixture
def api(client: TestClient, store: Store, small_inventory: Inventory) -> TestClient:
    store.replace_inventory(small_inventory, actor="test-setup")
    return client


def with_upper(upper: float, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    body = policy if policy is not None else Policy().model_dump(mode="json")
    body["utilization"]["primary"]["upper"] = upper
    return body


def put(api: TestClient, scope: str, policy: dict[str, Any], etag: str, comment: str = "") -> Any:
    return api.put(
        f"/api/v1/policies/{scope}",
        json={"policy": policy, "comment": comment},
        headers={"If-Match": etag},
    )


def test_default_policy_starts_at_built_in_defaults(api: TestClient) -> None:
    response = api.get("/api/v1/policies/default")
    assert response.headers["ETag"] == '"0"'
    assert Policy.model_validate(response.json()) == Policy()
    assert [p["scope"] for p in api.get("/api/v1/policies").json()] == ["default"]


def test_each_change_is_a_version_with_author_comment_and_diff(api: TestClient) -> None:
    first = put(api, "default", with_upper(0.75), '"0"', "video peaks at month end")
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"1"'
    body = first.json()
    assert (body["version"], body["author"], body["comment"]) == (
        1,
        "root",
        "video peaks at month end",
    )
    assert body["diff"] == [{"path": "utilization.primary.upper", "before": 0.7, "after": 0.75}]
    second = put(api, "default", with_upper(0.8), '"1"')
    assert second.json()["version"] == 2
    history = api.get("/api/v1/policies/default/versions").json()
    assert [v["version"] for v in history] == [2, 1]
    old = api.get("/api/v1/policies/default/versions/1").json()
    assert old["policy"]["utilization"]["primary"]["upper"] == 0.75


def test_two_editors_second_gets_412_and_first_is_intact(api: TestClient) -> None:
    etag = api.get("/api/v1/policies/default").headers["ETag"]
    assert put(api, "default", with_upper(0.75), etag).status_code == 200
    stale = put(api, "default", with_upper(0.9), etag)
    assert stale.status_code == 412
    assert api.get("/api/v1/policies/default").json()["utilization"]["primary"]["upper"] == 0.75
    assert len(api.get("/api/v1/policies/default/versions").json()) == 1


def test_revert_is_a_new_version(api: TestClient) -> None:
    put(api, "default", with_upper(0.75), '"0"')
    put(api, "default", with_upper(0.9), '"1"')
    reverted = api.post(
        "/api/v1/policies/default/revert", json={"version": 1}, headers={"If-Match": '"2"'}
    )
    assert reverted.status_code == 200
    assert reverted.json()["version"] == 3
    assert reverted.json()["comment"] == "revert to version 1"
    assert reverted.json()["diff"] == [
        {"path": "utilization.primary.upper", "before": 0.9, "after": 0.75}
    ]
    assert api.get("/api/v1/policies/default").json()["utilization"]["primary"]["upper"] == 0.75
    missing = api.post("/api/v1/policies/default/revert", json={"version": 9},
                       headers={"If-Match": '"3"'})  # fmt: skip
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (lambda p: p["utilization"]["primary"].update(lower=0.8), "body.policy.utilization.primary",
         "lower < upper"),
        (lambda p: p["sla_dampening"].update(bad_samples=0),
         "body.policy.sla_dampening.bad_samples", "greater than or equal to 1"),
        (lambda p: p["utilization"].update(uplink={"upper": 0.7, "lower": 0.5}),
         "body.policy.utilization.uplink", "'primary', 'backup' or 'last-resort'"),
        (lambda p: p.update(offload_priorities=["high"]), "body.policy.offload_priorities",
         "high-priority applications never move"),
    ],
)  # fmt: skip
def test_invalid_policies_are_refused_with_the_reason(
    api: TestClient, change: Any, field: str, text: str
) -> None:
    policy = Policy().model_dump(mode="json")
    change(policy)
    refused = put(api, "default", policy, '"0"')
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert any(e["field"].startswith(field) and text in e["message"] for e in errors), errors
    assert api.get("/api/v1/policies/default").headers["ETag"] == '"0"'


def test_class_and_site_overrides(api: TestClient) -> None:
    assert put(api, "class:B", with_upper(0.6), '"0"').status_code == 200
    assert put(api, "class:B", with_upper(0.6), '"0"').status_code == 412  # exists already
    assert api.get("/api/v1/policies/class:B").json()["utilization"]["primary"]["upper"] == 0.6
    assert put(api, "site:br-lhasa-001", with_upper(0.65), '"0"').status_code == 200
    unknown = put(api, "site:br-nowhere-001", with_upper(0.65), '"0"')
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "scope"
    assert put(api, "region:east", with_upper(0.65), '"0"').status_code == 422
    assert api.get("/api/v1/policies/class:C").status_code == 404

    removed = api.delete("/api/v1/policies/class:B", headers={"If-Match": '"1"'})
    assert removed.json()["removed"] is True
    assert api.get("/api/v1/policies/class:B").status_code == 404
    assert api.delete("/api/v1/policies/default", headers={"If-Match": "*"}).status_code == 409
    scopes = {p["scope"]: p for p in api.get("/api/v1/policies").json()}
    assert set(scopes) == {"default", "class:B", "site:br-lhasa-001"}
    assert scopes["class:B"]["removed"] is True


def test_who_may_change_what(api: TestClient, store: Store) -> None:
    viewer = TestClient(create_app(store=store), headers=bearer(store, "v", Role.VIEWER))
    assert viewer.get("/api/v1/policies/default").status_code == 200
    assert put(viewer, "default", with_upper(0.75), '"0"').status_code == 403
    lhasa = TestClient(create_app(store=store),
                       headers=bearer(store, "ls", Role.OPERATOR, ["br-lhasa-001"]))  # fmt: skip
    assert put(lhasa, "site:br-lhasa-001", with_upper(0.6), '"0"').status_code == 200
    assert put(lhasa, "site:br-hangzhou-001", with_upper(0.6), '"0"').status_code == 403
    assert put(lhasa, "class:C", with_upper(0.6), '"0"').status_code == 403
    audit = api.get("/api/v1/audit", params={"resource": "policies/"}).json()
    assert [(e["actor"], e["resource"]) for e in audit["items"]] == [
        ("ls", "policies/site:br-lhasa-001")
    ]


def test_the_linter_refuses_what_cannot_behave_and_warns_of_the_rest(api: TestClient) -> None:
    never = with_upper(1.0)  # the primary's offload threshold can never be exceeded
    refused = put(api, "default", never, '"0"')
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "policy.utilization.primary.upper"
    assert error["message"].startswith("upper-never-triggers")
    assert api.get("/api/v1/policies/default").headers["ETag"] == '"0"'

    narrow = Policy().model_dump(mode="json")
    narrow["utilization"]["primary"] = {"upper": 0.7, "lower": 0.65}
    saved = put(api, "default", narrow, '"0"')
    assert saved.status_code == 200
    assert [w["code"] for w in saved.json()["warnings"]] == ["band-too-narrow"]


def test_lint_without_saving(api: TestClient) -> None:
    report = api.post(
        "/api/v1/policies/lint", json={"policy": with_upper(1.0), "probe_interval_s": 0.5}
    ).json()
    assert report["ok"] is False
    assert "upper-never-triggers" in {f["code"] for f in report["findings"]}
    assert report["timing"]["detect_sla_s"] == 2.5  # K=5 samples at 0.5 s
    assert api.get("/api/v1/policies/default/versions").json() == []
