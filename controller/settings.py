"""Controller settings: pydantic-settings, environment prefix BRANCHLINE_, built on demand."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'branchline.db'}"
