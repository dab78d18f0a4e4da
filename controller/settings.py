"""Controller settings: pydantic-settings, environment prefix BRANCHLINE_, built on demand.

Settings of one concern are nested (`alarms`, `syslog`): BRANCHLINE_ALARMS__EMAIL_HOST sets
`settings.alarms.email_host`. The flat names documented before the nesting
(BRANCHLINE_ALARM_EMAIL_HOST, BRANCHLINE_SYSLOG_UDP_PORT, ...) are still read, below the nested
ones (`FLAT_NAMES`)."""

from __future__ import annotations

import os
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, IPvAnyAddress, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from telemetry.smtp import SmtpServer


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "branchline"


class AlarmSettings(BaseModel):
    """Where alarm notifications go (BRANCHLINE_ALARMS__...)."""

    model_config = ConfigDict(extra="forbid")

    email_host: str | None = Field(
        default=None, description="SMTP server for alarm mails; unset: no mails"
    )
    email_port: int = Field(default=25, ge=1, le=65535)
    email_sender: str = "branchline@localhost"
    email_recipients: str = Field(default="", description="comma-separated addresses")
    webhook_url: SecretStr | None = Field(
        default=None, description="where alarm webhooks go; may carry a token, so kept secret"
    )

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(r.strip() for r in self.email_recipients.split(",") if r.strip())


class SyslogSettings(BaseModel):
    """The receiver of the CPEs' syslog and how long their logs are kept
    (BRANCHLINE_SYSLOG__...)."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="where the syslog receiver listens")
    udp_port: int | None = Field(default=None, ge=0, le=65535, description="None: off")
    tcp_port: int | None = Field(default=None, ge=0, le=65535, description="None: off")
    keep_days: float = Field(default=30, gt=0, description="keep CPE logs this long")
    keep_rows: int = Field(default=1_000_000, ge=1000, description="and at most this many")


class DeviceSettings(BaseModel):
    """How the controller configures its enrolled CPEs (BRANCHLINE_DEVICES__...)."""

    model_config = ConfigDict(extra="forbid")

    advertise_address: IPvAnyAddress = Field(
        default=IPv4Address("127.0.0.1"),
        description="the controller's address as the CPEs reach it (in their configuration: "
        "controller, telemetry collector, syslog target)",
    )
    workers: int = Field(default=32, ge=1, le=512, description="devices pushed at once")
    confirm_timeout_s: int = Field(
        default=60, ge=10, le=3600, description="a device reverts unless confirmed within this"
    )
    timeout_s: float = Field(default=30, gt=0, le=600, description="per device operation")
    coalesce_s: float = Field(
        default=2.0, ge=0, le=300,
        description="decisions made within this window go to a site in one push",
    )  # fmt: skip
    drift_interval_s: float = Field(
        default=900, ge=0, description="read the enrolled CPEs for drift this often (0: never)"
    )


class ZtpSettings(BaseModel):
    """Opening branches by e-mailed one-time links (BRANCHLINE_ZTP__...; SMTP under
    BRANCHLINE_ZTP__SMTP__HOST, __PORT, __SECURITY (none, starttls, tls), __USERNAME,
    __PASSWORD)."""

    model_config = ConfigDict(extra="forbid")

    public_url: str = Field(
        default="https://127.0.0.1:8443", pattern=r"^https?://[^\s/#?]+(/[^\s#?]*)?$",
        description="the controller as the person at the branch reaches it (the link's base)",
    )  # fmt: skip
    link_ttl_h: float = Field(default=24, gt=0, le=24 * 30, description="a link's validity")
    sender: str = Field(default="branchline@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    device_user: str = Field(
        default="branchline", pattern=r"^[a-z_][a-z0-9_-]{0,31}$",
        description="the login the controller makes for itself on each device it opens",
    )  # fmt: skip
    usb_ttl_h: float = Field(
        default=24 * 14, gt=0, le=24 * 90,
        description="how long a USB bundle's bootstrap is valid (it travels by courier)",
    )  # fmt: skip
    smtp: SmtpServer = Field(default_factory=SmtpServer)


FLAT_NAMES = {
    "ALARM_EMAIL_HOST": ("alarms", "email_host"),
    "ALARM_EMAIL_PORT": ("alarms", "email_port"),
    "ALARM_EMAIL_SENDER": ("alarms", "email_sender"),
    "ALARM_EMAIL_RECIPIENTS": ("alarms", "email_recipients"),
    "ALARM_WEBHOOK_URL": ("alarms", "webhook_url"),
    "SYSLOG_HOST": ("syslog", "host"),
    "SYSLOG_UDP_PORT": ("syslog", "udp_port"),
    "SYSLOG_TCP_PORT": ("syslog", "tcp_port"),
    "DEVICE_LOG_DAYS": ("syslog", "keep_days"),
    "DEVICE_LOG_ROWS": ("syslog", "keep_rows"),
}
"""BRANCHLINE_ + the flat name of a nested setting, as documented before the nesting."""


class FlatNames(PydanticBaseSettingsSource):
    """The flat environment variables of `FLAT_NAMES`, as nested values (case-insensitive,
    like the other variables)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is in __call__

    def __call__(self) -> dict[str, Any]:
        environ = {k.upper(): v for k, v in os.environ.items()}
        found: dict[str, Any] = {}
        for flat, (concern, name) in FLAT_NAMES.items():
            value = environ.get(f"BRANCHLINE_{flat}")
            if value is not None:
                found.setdefault(concern, {})[name] = value
        return found


class Settings(BaseSettings):
    """Where the controller keeps its state and how it listens.

    BRANCHLINE_DATA_DIR chooses the directory of the embedded database and files;
    BRANCHLINE_DATABASE_URL (e.g. postgresql+psycopg://user@host/db) replaces SQLite.
    """

    model_config = SettingsConfigDict(
        env_prefix="BRANCHLINE_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    tls_certfile: Path | None = Field(
        default=None, description="serve HTTPS with this certificate (PEM, chain included)"
    )
    tls_keyfile: Path | None = Field(default=None, description="and this private key (PEM)")
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses of reverse proxies whose X-Forwarded-For names "
        "the client; empty: none is believed (see docs/security.md)",
    )
    influxdb_url: str | None = Field(
        default=None, description="store telemetry in InfluxDB (v2 write API) instead of SQLite"
    )
    influxdb_token: SecretStr = Field(
        default=SecretStr(""), description="InfluxDB API token (never shown in a repr or log)"
    )
    reconcile_interval_s: float = Field(
        default=5.0, ge=0, description="how often the engine re-evaluates every site; 0: never"
    )
    max_clock_ahead_s: float = Field(
        default=300.0,
        ge=0,
        description="how far ahead of the controller's clock a sample may be stamped (a CPE's "
        "clock drifting); further ahead is refused, less is taken at its time of arrival",
    )
    ingest_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="processes that decode large telemetry uploads (JSON into columns) beside "
        "the API's own; 0: the API's process decodes them",
    )
    max_simulation_site_ticks: int = Field(
        default=100_000_000,
        ge=1,
        description="sites x ticks a simulation submitted to the API may take (340 branches x "
        "24 h at 1 s: 29 M)",
    )
    monitor_interval_s: float = Field(
        default=0,
        ge=0,
        description="how often health and alarms are refreshed; 0: as often as reconcile",
    )
    observation_lookback_s: float = Field(
        default=30.0, gt=0, description="a link silent for longer is not observed"
    )

    alarms: AlarmSettings = Field(default_factory=AlarmSettings)
    syslog: SyslogSettings = Field(default_factory=SyslogSettings)
    devices: DeviceSettings = Field(default_factory=DeviceSettings)
    ztp: ZtpSettings = Field(default_factory=ZtpSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: arguments, then the environment, then its flat names.
        flat = FlatNames(settings_cls)
        return init_settings, env_settings, flat, dotenv_settings, file_secret_settings

    def telemetry_options(self) -> tuple[str, dict[str, object]]:
        """The telemetry backend and its options: embedded SQLite unless InfluxDB is named."""
        if self.influxdb_url:
            return "influxdb", {
                "url": self.influxdb_url,
                "token": self.influxdb_token,
                "spool_dir": self.data_dir / "telemetry-spool",
            }
        return "embedded", {"path": self.data_dir / "telemetry.db"}

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'branchline.db'}"
