"""The controller's settings: nested by concern, read from the nested and the documented flat
variables; secrets are SecretStr, handed on to what needs them, never shown in a repr, a log or
an error."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

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
    assert settings.alarms.webhook_url is not None
    assert settings.alarms.webhook_url.get_secret_value().endswith("token=w3bh00k")


def test_nested_variables_set_a_concern_and_win_over_the_flat_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRANCHLINE_ALARMS__EMAIL_HOST", "smtp.example.test")
    monkeypatch.setenv("BRANCHLINE_ALARM_EMAIL_HOST", "old.example.test")  # the flat name
    monkeypatch.setenv("BRANCHLINE_ALARM_EMAIL_PORT", "2525")  # flat only: still read
    monkeypatch.setenv("BRANCHLINE_ALARM_EMAIL_RECIPIENTS", "noc@example.test, ops@example.test")
    monkeypatch.setenv("branchline_syslog_udp_port", "5514")  # any case, as the others
    monkeypatch.setenv("BRANCHLINE_SYSLOG__KEEP_DAYS", "7")
    monkeypatch.setenv("BRANCHLINE_DEVICE_LOG_ROWS", "5000")
    settings = Settings()
    assert settings.alarms.email_host == "smtp.example.test"
    assert settings.alarms.email_port == 2525
    assert settings.alarms.recipients == ("noc@example.test", "ops@example.test")
    assert (settings.syslog.udp_port, settings.syslog.keep_days) == (5514, 7)
    assert settings.syslog.keep_rows == 5000


def test_a_bad_value_names_its_nested_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANCHLINE_SYSLOG_TCP_PORT", "70000")
    with pytest.raises(ValidationError, match=r"syslog\.tcp_port"):
        Settings()
