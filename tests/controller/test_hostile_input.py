"""Hostile documents and bodies get a clear 4xx, never a crash: YAML whose aliases expand far
beyond its size, and bodies without a Content-Length that run past the limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from sites.yaml_io import MAX_EXPANDED_CHARS, YamlSyntaxError, parse
from tests.conftest import bearer


def alias_bomb(chars: int, uses: int) -> str:
    """One anchored string of `chars` characters, used `uses` times: small text, big values."""
    return f"version: 1\nfiller: &s {'x' * chars}\nsites: [" + ", ".join(["*s"] * uses) + "]\n"


# 200 KB of text that expands to ~100 MB (the one that killed the controller: 550 KB -> 8 GB).
BOMB = alias_bomb(100_000, 1_000)


def test_a_document_whose_aliases_expand_too_far_is_refused_before_it_is_built() -> None:
    assert len(BOMB) < 300_000 < MAX_EXPANDED_CHARS < 100_000 * 1_000
    with pytest.raises(YamlSyntaxError, match="aliases expand"):
        parse(BOMB)
    with pytest.raises(YamlSyntaxError, match="contains it"):
        parse("a: &loop [1, *loop]\n")
    assert parse("a: &x {b: 1}\nc: [*x, *x]\n") == {"a": {"b": 1}, "c": [{"b": 1}, {"b": 1}]}


@pytest.fixture
def admin(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/api/v1/inventory"), ("POST", "/api/v1/simulations")]
)
def test_alias_bombs_get_422_naming_the_aliases(admin: TestClient, method: str, path: str) -> None:
    answer = admin.request(method, path, content=BOMB, headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 422, answer.text
    assert "aliases expand" in answer.text
    assert admin.get("/api/v1/health").status_code == 200


def test_a_chunked_body_over_the_limit_gets_413_on_a_json_route(admin: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"policy": {"name": "'
        for _ in range(2**21 // 4096):
            yield b"x" * 4096
        yield b'"}}'

    answer = admin.put(
        "/api/v1/policies/default",
        content=chunks(),
        headers={"Content-Type": "application/json", "If-Match": '"0"'},
    )
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "at most" in answer.json()["detail"]


def test_an_import_does_not_hold_up_other_requests(
    store: Store, admin: TestClient, small_yaml: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import is parked inside the store until another request has been answered: that
    request can only be answered if the import runs off the event loop."""
    answered, importing = threading.Event(), threading.Event()
    replace = store.replace_inventory

    def parked(inventory: Inventory, actor: str) -> None:
        importing.set()
        if not answered.wait(timeout=60):
            raise AssertionError("no other request was answered while the import ran")
        replace(inventory, actor)

    monkeypatch.setattr(store, "replace_inventory", parked)

    def put() -> int:
        headers = {"Content-Type": "application/yaml"}
        return admin.put("/api/v1/inventory", content=small_yaml, headers=headers).status_code

    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(put)
        assert importing.wait(timeout=60)
        assert admin.get("/api/v1/health").status_code == 200
        answered.set()
        assert result.result() == 200
