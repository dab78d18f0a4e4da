"""Package data behind the reference network: real cities and the application catalogue."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sites.applications import Application, SlaClass
from sites.loader import load_catalogue_text


@dataclass(frozen=True, slots=True)
class City:
    name_en: str
    name_zh: str
    province: str
    latitude: float
    longitude: float
    weight: int
    """Relative number of securities branches a national broker keeps there."""


def _data(name: str) -> str:
    return resources.files("sites").joinpath("data", name).read_text(encoding="utf-8")


@cache
def cities() -> tuple[City, ...]:
    """Mainland Chinese cities with their true coordinates (see sites/data/PROVENANCE.md)."""
    rows = csv.DictReader(io.StringIO(_data("cities.csv")))
    return tuple(
        City(
            name_en=row["name_en"],
            name_zh=row["name_zh"],
            province=row["province_en"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            weight=int(row["weight"]),
        )
        for row in rows
    )


@cache
def catalogue() -> tuple[tuple[SlaClass, ...], tuple[Application, ...]]:
    """SLA classes and applications drawn from the fund-company flow list."""
    return load_catalogue_text(_data("catalogue.yaml"), source="sites/data/catalogue.yaml")
