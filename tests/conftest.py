"""Fixtures shared by the whole suite."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from sites.loader import load_inventory_text
from tests.components import in_ci
from tests.postgres import PostgresServer, postgres_server

# In CI every property test explores the same examples on every run, so a red build always
# points at a change of ours; on a developer's machine hypothesis keeps exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if in_ci():
    hypothesis_settings.load_profile("ci")

DATA = Path(__file__).parent / "sites" / "data"
BRANCHLINE = Path(sys.executable).parent / "branchline"
"""The console script installed beside the interpreter running the tests (in .venv/bin)."""


@pytest.fixture(scope="session")
def reference_340() -> Inventory:
    """The 340-branch reference network of the README (seed 7)."""
    return generate_reference_network(340, seed=7)


@pytest.fixture
def small_yaml() -> str:
    return (DATA / "small.yaml").read_text(encoding="utf-8")


@pytest.fixture
def small_inventory(small_yaml: str) -> Inventory:
    return load_inventory_text(small_yaml)


@pytest.fixture
def netconf_branch_inventory(small_yaml: str) -> Inventory:
    """The small network with its Hangzhou branch's CPE (HZ-0001) a NETCONF device."""
    return load_inventory_text(small_yaml.replace(
        "serial: HZ-0001, model: BL-E300, platform: huawei_vrp",
        "serial: HZ-0001, model: BL-E300, platform: netconf"))  # fmt: skip


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Controller settings on a fresh, empty database of each supported kind."""
    url = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    return Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = open_store(settings)
    yield opened
    opened.engine.dispose()


def bearer(store: Store, name: str, role: Role, sites: list[str] | None = None) -> dict[str, str]:
    """Headers of a new user with a new token."""
    store.users.add(name, role, sites, actor="test-setup")
    token = store.users.create_token(name, "tests", actor="test-setup")
    return {"Authorization": f"Bearer {token.text}"}


@pytest.fixture
def anonymous(store: Store) -> TestClient:
    """An API client without credentials."""
    return TestClient(create_app(store=store))


@pytest.fixture
def client(store: Store) -> TestClient:
    """An API client over an empty store, as an admin; load what the test needs."""
    return TestClient(create_app(store=store), headers=bearer(store, "root", Role.ADMIN))
