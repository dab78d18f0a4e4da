"""Validation of single samples and column batches, and the numpy window aggregation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from telemetry.aggregate import aggregate, window_bounds
from telemetry.batch import SampleBatch
from telemetry.errors import SampleError, UnknownBackendError
from telemetry.samples import Sample, from_ms, to_ms
from telemetry.store import backends, open_store

GOOD: dict[str, Any] = {
    "site": "br-hangzhou-003",
    "link": "inet-1",
    "timestamp": datetime(2026, 11, 23, 8, 0, 1, 250_000, tzinfo=UTC),
    "latency_ms": 21.5,
    "jitter_ms": 1.25,
    "loss_pct": 0.5,
    "utilization": 0.42,
    "throughput_bps": 42e6,
    "up": True,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"loss_pct": 101}, "loss_pct"),
        ({"utilization": 1.5}, "utilization"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"jitter_ms": float("nan")}, "jitter_ms"),
        ({"throughput_bps": float("inf")}, "throughput_bps"),
        ({"site": "Br Hangzhou"}, "site"),
        ({"app": "Trading!"}, "app"),
        ({"timestamp": datetime(2026, 11, 23)}, "timestamp"),  # naive: which zone?
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_sample_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample(**{**GOOD, **change})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_a_sample_is_frozen_and_stamped_in_milliseconds() -> None:
    sample = Sample(**GOOD)
    with pytest.raises(ValidationError):
        sample.up = False  # type: ignore[misc]  # the point: frozen
    assert sample.ts_ms == 1795420801250
    assert from_ms(sample.ts_ms) == sample.timestamp
    assert to_ms(sample.timestamp.astimezone(timezone(timedelta(hours=8)))) == sample.ts_ms


def test_a_batch_round_trips_samples() -> None:
    samples = [
        Sample(**GOOD),
        Sample(**{**GOOD, "app": "trading", "up": False, "loss_pct": 100}),
    ]
    batch = SampleBatch.from_samples(samples)
    assert batch.app == ("", "trading")
    assert list(batch.samples()) == samples
    assert not batch.latency_ms.flags.writeable


def columns(n: int = 3, **change: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {
        "site": ["a"] * n,
        "link": ["l"] * n,
        "app": [""] * n,
        "ts_ms": np.arange(n) * 1000,
        "latency_ms": np.ones(n),
        "jitter_ms": np.ones(n),
        "loss_pct": np.zeros(n),
        "utilization": np.full(n, 0.5),
        "throughput_bps": np.ones(n),
        "up": np.ones(n, dtype=bool),
    }
    return {**cols, **change}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loss_pct": np.array([0, 0, 120.0])}, r"row 2: loss_pct must be within 0\.\.100"),
        ({"utilization": np.array([0.1, np.nan, 0.1])}, r"row 1: utilization"),
        ({"latency_ms": np.array([1.0, -2, 3])}, r"row 1: latency_ms"),
        ({"site": ["a", "B", "a"]}, r"row 1: site: 'B'"),
        ({"app": ["", "x y", ""]}, r"row 1: app"),
        ({"link": ["l", "l", "l\n"]}, r"row 2: link"),  # would split a line-protocol line
        ({"link": ["l", "l"]}, r"link: 2 values for 3 rows"),
        ({"ts_ms": np.array([0, -5, 1])}, r"row 1: ts_ms is before 1970"),
    ],
)
def test_a_bad_batch_is_refused_naming_field_and_row(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SampleError, match=message):
        SampleBatch(**columns(**change))


def test_a_batch_copies_its_columns() -> None:
    latency = np.ones(3)
    batch = SampleBatch(**columns(latency_ms=latency))
    latency[0] = 99
    assert batch.latency_ms[0] == 1


def test_windows_are_aligned_to_the_epoch_and_average_their_samples() -> None:
    batch = SampleBatch(
        **columns(
            4,
            site=["b", "a", "a", "a"],
            ts_ms=np.array([61_000, 59_000, 61_000, 62_000]),
            latency_ms=np.array([5.0, 10.0, 20.0, 40.0]),
            up=np.array([True, True, False, True]),
        )
    )
    windows = aggregate(batch, 60_000)
    assert windows.site == ("a", "a", "b")
    assert windows.ts_ms.tolist() == [0, 60_000, 60_000]
    assert windows.count.tolist() == [1, 2, 1]
    assert windows.latency_ms.tolist() == [10.0, 30.0, 5.0]
    assert windows.up_ratio.tolist() == [1.0, 0.5, 1.0]
    assert window_bounds(59_000, 61_000, 60_000) == (0, 120_000)
    assert window_bounds(60_000, 120_000, 60_000) == (60_000, 120_000)


def test_stores_are_found_by_name() -> None:
    assert {"embedded", "influxdb"} <= set(backends())
    with pytest.raises(UnknownBackendError, match="no telemetry store 'mongo'"):
        open_store("mongo")


def test_a_timestamp_before_1970_is_refused_at_the_edge() -> None:
    """A CPE whose clock reset reports 1969: refused with the field named, not stored."""
    import pytest
    from pydantic import ValidationError

    from telemetry.samples import Sample

    fields = {"site": "br-a-001", "link": "inet-1", "latency_ms": 1.0, "jitter_ms": 0.0,
              "loss_pct": 0.0, "utilization": 0.1, "throughput_bps": 1.0, "up": True}  # fmt: skip
    with pytest.raises(ValidationError, match="timestamp") as caught:
        Sample.model_validate({**fields, "timestamp": "1969-12-31T23:59:59Z"})
    assert "before 1970" in str(caught.value)
    assert Sample.model_validate({**fields, "timestamp": "1970-01-01T00:00:00Z"}).ts_ms == 0
