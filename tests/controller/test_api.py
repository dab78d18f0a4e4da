"""Reading the reference network through the API: listing, filters, pagination, export."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from controller.store.facade import Store
from sites.inventory import Inventory
from sites.loader import load_inventory_text


@pytest.fixture
def loaded(client: TestClient, store: Store, reference_340: Inventory) -> TestClient:
    store.replace_inventory(reference_340, actor="test-setup")
    return client


def test_health(loaded: TestClient) -> None:
    body = loaded.get("/api/v1/health").json()
    assert body == {
        "status": "ok",
        "organisation": "Branchline Securities (reference network)",
        "sites": 341,
    }


def test_pages_cover_every_site_once(loaded: TestClient, reference_340: Inventory) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = loaded.get("/api/v1/sites", params={"limit": 100, "offset": offset}).json()
        assert page["total"] == 341
        if not page["items"]:
            break
        seen += [item["id"] for item in page["items"]]
        offset += 100
    assert seen == [s.id for s in reference_340.sites]


def test_filters_combine(loaded: TestClient, reference_340: Inventory) -> None:
    page = loaded.get(
        "/api/v1/sites", params={"branch_class": "C", "transport": "LTE", "limit": 1000}
    ).json()
    expected = [
        s.id
        for s in reference_340.sites
        if s.branch_class == "C" and any(link.transport == "LTE" for link in s.links)
    ]
    assert [item["id"] for item in page["items"]] == expected
    assert page["total"] == len(expected) > 0
    shanghai = loaded.get("/api/v1/sites", params={"city": "shanghai", "role": "spoke"}).json()
    assert shanghai["total"] > 0
    assert {item["city"] for item in shanghai["items"]} == {"Shanghai"}


def test_one_site_in_full(loaded: TestClient, reference_340: Inventory) -> None:
    site = reference_340.sites[5]
    response = loaded.get(f"/api/v1/sites/{site.id}")
    assert response.headers["ETag"] == '"1"'
    assert response.json() == site.model_dump(mode="json")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": "many"}, "query.limit"),
        ({"branch_class": "D"}, "query.branch_class"),
        ({"colour": "red"}, "query.colour"),
    ],
)
def test_bad_query_names_the_field(
    loaded: TestClient, params: dict[str, str | int], field: str
) -> None:
    response = loaded.get("/api/v1/sites", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_catalogue_and_overlay(loaded: TestClient) -> None:
    apps = loaded.get("/api/v1/applications").json()
    assert len(apps) == 16
    assert {c["name"] for c in loaded.get("/api/v1/sla-classes").json()} >= {"trading", "voice"}
    overlay = loaded.get("/api/v1/overlay").json()
    assert overlay == {"nodes": 341, "edges": 340, "hubs": ["dc-shanghai"], "problems": []}


def test_export_reads_back(loaded: TestClient, reference_340: Inventory) -> None:
    response = loaded.get("/api/v1/inventory")
    assert response.headers["content-type"].startswith("application/yaml")
    assert load_inventory_text(response.text) == reference_340


def test_catalogue_lists_filter_and_page(loaded: TestClient) -> None:
    high = loaded.get("/api/v1/applications", params={"priority": "high"})
    assert {a["priority"] for a in high.json()} == {"high"}
    assert int(high.headers["X-Total-Count"]) == len(high.json()) > 0
    trading = loaded.get("/api/v1/applications", params={"sla_class": "trading"}).json()
    assert [a["name"] for a in trading] == ["o32-trading", "futures-trading"]
    second = loaded.get("/api/v1/applications", params={"limit": 5, "offset": 5})
    assert second.headers["X-Total-Count"] == "16"
    assert len(second.json()) == 5
    classes = loaded.get("/api/v1/sla-classes", params={"limit": 2})
    assert [c["name"] for c in classes.json()] == ["trading", "market-data"]
    assert classes.headers["X-Total-Count"] == "7"
    assert loaded.get("/api/v1/applications", params={"priority": "urgent"}).status_code == 422
