"""Tokens, roles, site scopes and the audit log, through the API on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.cache import TokenCache
from controller.auth.principal import Principal, Role
from controller.auth.ratelimit import FailureLimiter
from controller.store.facade import Store
from sites.inventory import Inventory
from tests.conftest import bearer


@pytest.fixture
def loaded(store: Store, small_inventory: Inventory) -> Store:
    store.replace_inventory(small_inventory, actor="test-setup")
    return store


def as_user(store: Store, name: str, role: Role, sites: list[str] | None = None) -> TestClient:
    return TestClient(create_app(store=store), headers=bearer(store, name, role, sites))


def test_no_token_is_401_with_a_challenge(loaded: Store, anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/sites")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert anonymous.get("/api/v1/health").status_code == 200  # for load balancers


@pytest.mark.parametrize("token", ["nonsense", "bl_abc_def", "bl__x"])
def test_bad_token_is_401(loaded: Store, anonymous: TestClient, token: str) -> None:
    response = anonymous.get("/api/v1/sites", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_revoked_token_stops_working(loaded: Store, client: TestClient) -> None:
    ops = TestClient(client.app, headers=bearer(loaded, "ops", Role.OPERATOR))
    assert ops.get("/api/v1/sites").status_code == 200  # now in the token cache
    [token] = loaded.users.tokens("ops")
    assert client.delete(f"/api/v1/tokens/{token.id}").status_code == 204
    assert ops.get("/api/v1/sites").status_code == 401  # at once, despite the cache


def test_token_cache_expires() -> None:
    """A token revoked by another process (the CLI) is refused once its cache entry expires."""
    cache = TokenCache(ttl_s=5)
    someone = Principal("ops", Role.OPERATOR)
    cache.put("bl_abc_secret", someone, now=100.0)
    assert cache.get("bl_abc_secret", now=104.9) == someone
    assert cache.get("bl_abc_secret", now=105.0) is None
    cache.put("bl_abc_secret", someone, now=200.0)
    cache.forget("abc")
    assert cache.get("bl_abc_secret", now=200.1) is None


def test_viewer_reads_but_cannot_write(loaded: Store) -> None:
    viewer = as_user(loaded, "watcher", Role.VIEWER)
    site = viewer.get("/api/v1/sites/br-hangzhou-001")
    assert site.status_code == 200
    refused = viewer.put(
        "/api/v1/sites/br-hangzhou-001",
        json=site.json(),
        headers={"If-Match": site.headers["ETag"]},
    )
    assert refused.status_code == 403
    assert "needs the operator role" in refused.json()["detail"]
    assert viewer.get("/api/v1/audit").status_code == 403
    assert viewer.get("/api/v1/users").status_code == 403


def test_scoped_operator_sees_and_edits_only_its_sites(loaded: Store) -> None:
    hz = as_user(loaded, "hz-ops", Role.OPERATOR, ["br-hangzhou-001"])
    page = hz.get("/api/v1/sites").json()
    assert [s["id"] for s in page["items"]] == ["br-hangzhou-001"]
    assert page["total"] == 1
    assert hz.get("/api/v1/sites/br-lhasa-001").status_code == 403
    own = hz.get("/api/v1/sites/br-hangzhou-001")
    body = own.json() | {"address": "8 Jiefang Road"}
    edited = hz.put(
        "/api/v1/sites/br-hangzhou-001", json=body, headers={"If-Match": own.headers["ETag"]}
    )
    assert edited.status_code == 200
    # network-wide things are not a scoped operator's to change or to export
    sla = {"name": "x", "max_latency_ms": 1, "max_jitter_ms": 1, "max_loss_pct": 1}
    assert hz.post("/api/v1/sla-classes", json=sla).status_code == 403
    assert hz.get("/api/v1/inventory").status_code == 403
    assert hz.get("/api/v1/applications").status_code == 200


def test_operator_may_tune_the_catalogue_but_not_import(loaded: Store) -> None:
    ops = as_user(loaded, "ops", Role.OPERATOR)
    sla = {"name": "x", "max_latency_ms": 1, "max_jitter_ms": 1, "max_loss_pct": 1}
    assert ops.post("/api/v1/sla-classes", json=sla).status_code == 201
    assert ops.put("/api/v1/inventory", content="version: 1").status_code == 403


def test_repeated_failures_are_rate_limited(loaded: Store, anonymous: TestClient) -> None:
    limit = anonymous.app.state.auth_failures.limit  # type: ignore[attr-defined]
    bad = {"Authorization": "Bearer bl_0000_wrong"}
    statuses = [anonymous.get("/api/v1/sites", headers=bad).status_code for _ in range(limit)]
    assert statuses == [401] * limit
    blocked = anonymous.get("/api/v1/sites", headers=bad)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # the block is for that token from that address: a valid token from the same address (a
    # branch behind the same NAT) still gets in, and another bad one is looked up (401)
    good = bearer(loaded, "late", Role.VIEWER)
    assert anonymous.get("/api/v1/sites", headers=good).status_code == 200
    other = {"Authorization": "Bearer bl_0000_other"}
    assert anonymous.get("/api/v1/sites", headers=other).status_code == 401


def test_many_different_bad_tokens_from_one_address_get_429_but_a_good_one_passes(
    loaded: Store, anonymous: TestClient
) -> None:
    limiter = anonymous.app.state.auth_failures  # type: ignore[attr-defined]
    limiter.per_address.limit = 5
    answers = [
        anonymous.get("/api/v1/sites", headers={"Authorization": f"Bearer bl_guess_{i}"})
        for i in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 4 + [429] * 2
    good = bearer(loaded, "noc", Role.VIEWER)
    assert anonymous.get("/api/v1/sites", headers=good).status_code == 200


def test_failure_window_expires() -> None:
    limiter = FailureLimiter(limit=3, window_s=60)
    for t in (0.0, 1.0, 2.0):
        assert limiter.retry_after("10.0.0.1", t) == 0
        limiter.failed("10.0.0.1", t)
    assert limiter.retry_after("10.0.0.1", 30.0) == pytest.approx(30.0)
    assert limiter.retry_after("10.0.0.2", 30.0) == 0  # others are unaffected
    assert limiter.retry_after("10.0.0.1", 60.5) == 0  # the first failure has expired


def test_users_and_tokens_through_the_api(loaded: Store, client: TestClient) -> None:
    created = client.post("/api/v1/users", json={"name": "lhasa", "role": "operator",
                                                 "sites": ["br-lhasa-001"]})  # fmt: skip
    assert created.status_code == 201
    assert client.post("/api/v1/users", json={"name": "lhasa", "role": "viewer"}).status_code == 409
    unknown = client.post("/api/v1/users", json={"name": "x", "role": "viewer", "sites": ["br-q"]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "sites"

    token = client.post("/api/v1/users/lhasa/tokens", json={"description": "laptop"}).json()
    assert token["token"].startswith("bl_")
    lhasa = TestClient(client.app, headers={"Authorization": f"Bearer {token['token']}"})
    assert [s["id"] for s in lhasa.get("/api/v1/sites").json()["items"]] == ["br-lhasa-001"]
    listed = client.get("/api/v1/tokens", params={"user": "lhasa"}).json()
    assert [t["id"] for t in listed] == [token["id"]]
    assert "token" not in listed[0]  # the secret is never shown again
    assert client.delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    assert lhasa.get("/api/v1/sites").status_code == 401


def test_every_write_is_audited_with_before_and_after(loaded: Store) -> None:
    ops = as_user(loaded, "ops", Role.OPERATOR)
    site = ops.get("/api/v1/sites/br-lhasa-001")
    body = site.json() | {"name": "Lhasa Branch (moved)"}
    assert ops.put("/api/v1/sites/br-lhasa-001", json=body,
                   headers={"If-Match": site.headers["ETag"]}).status_code == 200  # fmt: skip
    stale = ops.put(
        "/api/v1/sites/br-lhasa-001", json=body, headers={"If-Match": site.headers["ETag"]}
    )
    assert stale.status_code == 412

    admin = as_user(loaded, "auditor", Role.ADMIN)
    page = admin.get("/api/v1/audit", params={"resource": "sites/"}).json()
    assert page["total"] == 1  # the refused write left no trace
    [entry] = page["items"]
    assert (entry["actor"], entry["action"], entry["resource"]) == (
        "ops",
        "replace",
        "sites/br-lhasa-001",
    )
    assert entry["before"]["name"] == "Lhasa Beijing Road Branch"
    assert entry["after"]["name"] == "Lhasa Branch (moved)"
    everything = admin.get("/api/v1/audit").json()["items"]
    assert {e["resource"] for e in everything} >= {"inventory", "users/ops", "users/auditor"}
    by_actor = admin.get("/api/v1/audit", params={"actor": "ops"}).json()
    assert [e["resource"] for e in by_actor["items"]] == ["sites/br-lhasa-001"]
