"""Controller settings: pydantic-settings, environment prefix BRANCHLINE_, built on demand."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "branchline"


class Settings(BaseSettings):
    """Where the controller keeps its state and how it listens.

    BRANCHLINE_DATA_DIR chooses the directory of the embedded database and files;
    BRANCHLINE_DATABASE_URL (e.g. postgresql+psycopg://user@host/db) replaces SQLite.
    """

    model_config = SettingsConfigDict(env_prefix="BRANCHLINE_", extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
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

    alarm_email_host: str | None = Field(
        default=None, description="SMTP server for alarm mails; unset: no mails"
    )
    alarm_email_port: int = Field(default=25, ge=1, le=65535)
    alarm_email_sender: str = "branchline@localhost"
    alarm_email_recipients: str = Field(default="", description="comma-separated addresses")
    alarm_webhook_url: SecretStr | None = Field(
        default=None, description="where alarm webhooks go; may carry a token, so kept secret"
    )

    syslog_host: str = Field(default="127.0.0.1", description="where the syslog receiver listens")
    syslog_udp_port: int | None = Field(default=None, ge=0, le=65535, description="None: off")
    syslog_tcp_port: int | None = Field(default=None, ge=0, le=65535, description="None: off")
    device_log_days: float = Field(default=30, gt=0, description="keep CPE logs this long")
    device_log_rows: int = Field(default=1_000_000, ge=1000, description="and at most this many")

    demo_feed: bool = Field(
        default=False, description="feed telemetry from a simulated network (branchline demo)"
    )

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
