"""The API docs work with no Internet: every asset the pages load comes from the controller."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(anonymous: TestClient, page: str) -> None:
    response = anonymous.get(page)
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets, "the page loads its scripts from somewhere"
    for url in assets:
        assert url.startswith("/"), f"{page} loads {url} from outside the controller"
        assert anonymous.get(url).status_code == 200, url
    assert "fonts.googleapis.com" not in response.text


def test_the_redoc_bundle_draws_no_logo_from_its_cdn(anonymous: TestClient) -> None:
    bundle = anonymous.get("/redoc-assets/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("application/javascript")
    assert "cdn.redoc.ly" not in bundle.text
    assert "/static-offline-docs/favicon.png" in bundle.text


def test_openapi_schema_describes_the_bearer_scheme(anonymous: TestClient) -> None:
    schema = anonymous.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "/api/v1/policies/{scope}" in schema["paths"]
