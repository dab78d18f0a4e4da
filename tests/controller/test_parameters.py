"""Every datetime and integer parameter of the API is validated: a naive or out-of-range time,
or an id past 2^63, gets 422 naming the parameter, never a 500. The routes are found in the
OpenAPI schema, so a new route with such a parameter is covered without being listed here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from tests.conftest import bearer

BAD_TIMES = ("2026-12-01T10:00:00", "9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00")
BAD_IDS = (str(2**63), "99999999999999999999999")


def _parameters(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, parameter) for every query and path parameter."""
    return [
        (method, path, p)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for p in operation.get("parameters", [])
        if p["in"] in ("query", "path")
    ]


def _kind(parameter: dict[str, Any]) -> str | None:
    schema = parameter.get("schema", {})
    options = schema.get("anyOf", [schema])
    if any(o.get("format") == "date-time" for o in options):
        return "time"
    if any(o.get("type") == "integer" for o in options):
        return "integer"
    return None


def test_bad_times_and_ids_get_422_naming_the_parameter(
    store: Store, tmp_path: Path, small_inventory: Inventory
) -> None:
    store.replace_inventory(small_inventory, "test-setup")
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    checked = []
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        for method, template, parameter in _parameters(api.get("/openapi.json").json()):
            kind = _kind(parameter)
            if kind is None or method not in ("get", "post"):
                continue
            values = BAD_TIMES if kind == "time" else BAD_IDS
            for value in values:
                path = re.sub(r"\{[^}]+\}", "1", template)
                params = {}
                if parameter["in"] == "path":
                    path = template.replace("{" + parameter["name"] + "}", value)
                    path = re.sub(r"\{[^}]+\}", "default", path)
                else:
                    params[parameter["name"]] = value
                answer = api.request(method.upper(), path, params=params)
                assert answer.status_code == 422, (template, parameter["name"], value, answer.text)
                assert parameter["name"] in answer.text, answer.text
                checked.append((template, parameter["name"]))
    names = {name for _, name in checked}
    assert {"since", "until", "alarm_id", "version"} <= names
