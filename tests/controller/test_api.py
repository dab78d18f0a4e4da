"""The inventory API: listing, filters, pagination, and problem+json errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from sites.inventory import Inventory
from sites.loader import load_inventory_text


@pytest.fixture
def client(reference_340: Inventory) -> TestClient:
    return TestClient(create_app(reference_340))


def test_health(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body == {
        "status": "ok",
        "organisation": "Branchline Securities (reference network)",
        "sites": 341,
    }


def test_pages_cover_every_site_once(client: TestClient, reference_340: Inventory) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = client.get("/api/v1/sites", params={"limit": 100, "offset": offset}).json()
        assert page["total"] == 341
        if not page["items"]:
            break
        seen += [item["id"] for item in page["items"]]
        offset += 100
    assert seen == [s.id for s in reference_340.sites]


def test_filters_combine(client: TestClient, reference_340: Inventory) -> None:
    page = client.get(
        "/api/v1/sites", params={"branch_class": "C", "transport": "LTE", "limit": 1000}
    ).json()
    expected = [
        s.id
        for s in reference_340.sites
        if s.branch_class == "C" and any(link.transport == "LTE" for link in s.links)
    ]
    assert [item["id"] for item in page["items"]] == expected
    assert page["total"] == len(expected) > 0
    shanghai = client.get("/api/v1/sites", params={"city": "shanghai", "role": "spoke"}).json()
    assert {item["city"] for item in shanghai["items"]} == {"Shanghai"}


def test_one_site_in_full(client: TestClient, reference_340: Inventory) -> None:
    site = reference_340.sites[5]
    body = client.get(f"/api/v1/sites/{site.id}").json()
    assert body["id"] == site.id
    assert [link["id"] for link in body["links"]] == [link.id for link in site.links]


def test_unknown_site_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/sites/br-nowhere-001")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no site with id 'br-nowhere-001'",
    }


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
    client: TestClient, params: dict[str, str | int], field: str
) -> None:
    response = client.get("/api/v1/sites", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert [e["field"] for e in body["errors"]] == [field]


def test_catalogue_and_overlay(client: TestClient) -> None:
    apps = client.get("/api/v1/applications").json()
    assert len(apps) == 16
    assert {c["name"] for c in client.get("/api/v1/sla-classes").json()} >= {"trading", "voice"}
    overlay = client.get("/api/v1/overlay").json()
    assert overlay == {"nodes": 341, "edges": 340, "hubs": ["dc-shanghai"], "problems": []}


def test_export_reads_back(client: TestClient, reference_340: Inventory) -> None:
    response = client.get("/api/v1/inventory")
    assert response.headers["content-type"].startswith("application/yaml")
    assert load_inventory_text(response.text) == reference_340
