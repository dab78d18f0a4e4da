"""A controller with nothing imported yet answers every route with 200, 404 or 409 (never 500),
says what to do, and its loops idle without a traceback."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from tests.conftest import bearer

EXAMPLE_VALUES = {"site_id": "br-hangzhou-001", "alarm_id": "1", "job_id": "abc", "name": "x",
                  "scope": "default", "user": "root", "token_id": "1", "version": "1",
                  "push_job": "1", "serial": "HZ-0001", "invite_id": "1"}  # fmt: skip


def _url(template: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: EXAMPLE_VALUES.get(m.group(1), "x"), template)


def test_every_get_route_answers_an_empty_controller(store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        paths = api.get("/openapi.json").json()["paths"]
        answers = {
            template: api.get(_url(template)).status_code
            for template, operations in paths.items()
            if "get" in operations
        }
        preview = api.post("/api/v1/policies/default/preview", json={"policy": {}})
    assert len(answers) > 30  # the schema was read
    # The installer's progress needs the session its link opens: 401 without one.
    assert answers.pop("/ztp/status") == 401
    assert {t: s for t, s in answers.items() if s not in (200, 404, 409)} == {}
    assert answers["/api/v1/inventory"] == 409
    assert preview.status_code == 409
    assert "import an inventory" in preview.json()["detail"]


def test_the_loops_idle_quietly(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path, reconcile_interval_s=0.05)
    app = create_app(settings, store=store)
    with caplog.at_level(logging.INFO), TestClient(app) as api:
        metrics = app.state.metrics.registry
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            (metrics.get_sample_value("branchline_tick_seconds_count", {"loop": "monitor"}) or 0)
            >= 3
        ):
            time.sleep(0.05)
        assert api.get("/api/v1/health").status_code == 200
    ticks = metrics.get_sample_value("branchline_tick_seconds_count", {"loop": "reconcile"})
    assert ticks is not None and ticks >= 3
    # Nothing to say about an empty network. (A tick longer than its 0.05 s interval is the
    # shared machine's load, not the loops' doing: that warning is not what is tested here.)
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert [m for m in warned if "longer than its" not in m] == []
    assert metrics.get_sample_value("branchline_tick_failures_total", {"loop": "reconcile"}) in (
        None,
        0.0,
    )
