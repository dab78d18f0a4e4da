"""Secrets in the controller's settings are SecretStr: read from the documented variables,
handed on to what needs them, never shown in a repr, a log or an error."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from controller.settings import Settings


def test_secrets_come_from_the_documented_variables_and_stay_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRANCHLINE_INFLUXDB_URL", "http://127.0.0.1:8428")
    monkeypatch.setenv("BRANCHLINE_INFLUXDB_TOKEN", "t0ps3cret")
    monkeypatch.setenv("BRANCHLINE_ALARM_WEBHOOK_URL", "https://hooks.example/x?token=w3bh00k")
    settings = Settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "t0ps3cret" not in shown and "w3bh00k" not in shown
    backend, options = settings.telemetry_options()
    assert backend == "influxdb"
    token = options["token"]
    assert isinstance(token, SecretStr) and token.get_secret_value() == "t0ps3cret"
    assert settings.alarm_webhook_url is not None
    assert settings.alarm_webhook_url.get_secret_value().endswith("token=w3bh00k")
