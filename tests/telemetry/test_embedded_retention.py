"""Downsampling and retention of the embedded store, on a clock the test moves.

Raw samples become 1-minute and 1-hour rollups; each resolution expires on its own schedule;
windowed reads give the same answer whichever table holds the data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from sites.inventory import Inventory
from telemetry.aggregate import aggregate
from telemetry.batch import SampleBatch, WindowBatch
from telemetry.errors import StoreSettingsError
from telemetry.samples import from_ms, to_ms
from telemetry.store import ALL, open_store
from telemetry.store.embedded import EmbeddedStore
from telemetry.store.embedded.reads import sources
from telemetry.store.embedded.rollup import Watermarks
from tests.telemetry.checks import assert_same_windows
from tests.telemetry.factory import make_batch, network_series

HOUR = 3_600_000
T0 = to_ms(datetime(2026, 3, 2, tzinfo=UTC))  # a Monday, midnight: hour-aligned
MINUTE_W, HOUR_W = timedelta(minutes=1), timedelta(hours=1)


class FakeClock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + 3 * HOUR + 3 * 60_000)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> EmbeddedStore:
    opened = open_store("embedded", path=tmp_path / "t.db", clock=clock)
    assert isinstance(opened, EmbeddedStore)
    return opened


def raw_samples(store: EmbeddedStore) -> SampleBatch:
    return store.query(ALL, from_ms(T0 - HOUR), from_ms(T0 + 4 * HOUR))


def windows(store: EmbeddedStore, window: timedelta) -> WindowBatch:
    return store.query(ALL, from_ms(T0 - HOUR), from_ms(T0 + 4 * HOUR), window)


def test_rollups_answer_like_raw_samples_while_each_resolution_expires(
    store: EmbeddedStore, clock: FakeClock, network_12: Inventory
) -> None:
    batch = make_batch(network_series(network_12)[:4], T0, 3 * 360, step_ms=10_000)  # 3 h
    store.write(batch)
    store.maintain()  # a write takes one step; this catches up on the rest
    counts = store.table_counts()
    assert counts["raw"] == len(batch)
    assert counts["rollup_1m"] == 4 * 3 * 60  # every minute is older than the 2-minute grace
    assert counts["rollup_1h"] == 4 * 3
    by_minute, by_hour = aggregate(batch, 60_000), aggregate(batch, HOUR)
    assert_same_windows(windows(store, MINUTE_W), by_minute)
    assert_same_windows(windows(store, HOUR_W), by_hour)

    clock.ms += 7 * HOUR  # past the 6 h raw retention
    store.maintain()
    assert store.table_counts()["raw"] == 0
    assert len(raw_samples(store)) == 0
    assert_same_windows(windows(store, MINUTE_W), by_minute)
    assert_same_windows(windows(store, timedelta(minutes=15)), aggregate(batch, 900_000))
    assert_same_windows(windows(store, HOUR_W), by_hour)

    clock.ms += 8 * 24 * HOUR  # past the 8-day minute retention
    store.maintain()
    assert store.table_counts()["rollup_1m"] == 0
    assert len(windows(store, MINUTE_W)) == 0
    assert_same_windows(windows(store, HOUR_W), by_hour)
    assert_same_windows(windows(store, timedelta(days=1)), aggregate(batch, 24 * HOUR))

    clock.ms += 400 * 24 * HOUR  # past the 400-day hour retention
    store.maintain()
    assert store.table_counts() == {"raw": 0, "rollup_1m": 0, "rollup_1h": 0}


def test_a_late_sample_updates_minutes_and_hours_already_rolled_up(
    store: EmbeddedStore, clock: FakeClock, network_12: Inventory
) -> None:
    series = network_series(network_12)[:2]
    store.write(make_batch(series, T0, 360, step_ms=10_000))  # the first hour, rolled up
    late = make_batch(series[:1], T0 + 5_000, 1, seed=9)  # between two reported samples
    store.write(late)
    clock.ms += 7 * HOUR
    store.maintain()  # raw expired: only the rollups remember the late sample
    minute = windows(store, MINUTE_W)
    first = next(i for i in range(len(minute)) if minute.site[i] == series[0][0])
    assert int(minute.count[first]) == 7  # six on-time samples of that minute, and the late one
    assert int(windows(store, HOUR_W).count.sum()) == 2 * 360 + 1


def concat(batches: list[SampleBatch]) -> SampleBatch:
    return SampleBatch(
        site=tuple(s for b in batches for s in b.site),
        link=tuple(k for b in batches for k in b.link),
        app=tuple(a for b in batches for a in b.app),
        **{
            name: np.concatenate([getattr(b, name) for b in batches])
            for name in ("ts_ms", "latency_ms", "jitter_ms", "loss_pct", "utilization",
                         "throughput_bps", "up")
        },
    )  # fmt: skip


def test_each_write_rolls_up_one_bounded_step_and_reads_stay_exact_between_steps(
    tmp_path: Path, network_12: Inventory
) -> None:
    """A live store: 5 samples a second per series arrive each second, a few of them late
    (behind the rollup watermark, or inside a minute half rolled up). After every write, the
    watermark has moved at most one step, and minute and hour windows equal the samples' own
    aggregate, wherever the steps stand."""
    clock = FakeClock(T0)
    store = open_store(
        "embedded", path=tmp_path / "t.db", clock=clock,
        late_grace=timedelta(seconds=10), maintenance_step=timedelta(seconds=5),
    )  # fmt: skip
    assert isinstance(store, EmbeddedStore)
    series = network_series(network_12)[:3]
    rng = np.random.default_rng(7)
    written: list[SampleBatch] = []
    for second in range(200):
        clock.ms = T0 + second * 1000
        batches = [make_batch(series, clock.ms - 1000, 1, seed=second, step_ms=200)]
        if second % 17 == 5:  # late: 8 to 60 s behind the clock, off the other samples' grid
            late_ms = clock.ms - int(rng.integers(8_000, 60_000)) + 100
            batches.append(make_batch(series[:1], late_ms, 1, seed=1000 + second))
        before = Watermarks.load(store._conn)  # type: ignore[arg-type]
        for batch in batches:
            store.write(batch)
            written.append(batch)
        after = Watermarks.load(store._conn)  # type: ignore[arg-type]
        if before.raw:  # (the first write of an empty store moves it to its first sample)
            assert after.raw - before.raw <= 2 * 5_000  # a step per write, two writes at most
        if second % 20 == 19:
            everything = concat(written)
            span = (from_ms(T0 - HOUR), from_ms(T0 + HOUR))
            assert_same_windows(store.query(ALL, *span, MINUTE_W), aggregate(everything, 60_000))
            assert_same_windows(store.query(ALL, *span, HOUR_W), aggregate(everything, HOUR))
    marks = Watermarks.load(store._conn)  # type: ignore[arg-type]
    assert marks.raw == T0 + 185_000  # kept up: the clock (199 s) less 10 s of grace, to 5 s
    assert marks.minute == T0 + 180_000


def test_a_backlog_is_caught_up_in_steps_that_writes_go_between(
    tmp_path: Path, network_12: Inventory
) -> None:
    """Reopened after three hours of samples and no maintenance, the store does not roll them
    all up in the first write's transaction: each write takes a step until it has caught up."""
    clock = FakeClock(T0 + 3 * HOUR + 3 * 60_000)
    path = tmp_path / "t.db"
    store = open_store("embedded", path=path, clock=clock)
    assert isinstance(store, EmbeddedStore)
    series = network_series(network_12)[:4]
    history = make_batch(series, T0, 3 * 360, step_ms=10_000)
    store.write(history)
    assert Watermarks.load(store._conn).raw <= T0 + 5_000  # type: ignore[arg-type]
    present = make_batch(series, clock.ms - 1_000, 1)
    for _ in range(40):  # 40 writes of the present: 40 steps of at most 5 s of samples
        store.write(present)
    marks = Watermarks.load(store._conn)  # type: ignore[arg-type]
    # (a sample every 10 s: a step skips the empty 5 s between two)
    assert T0 + 200_000 <= marks.raw <= T0 + 41 * 10_000
    store.maintain()
    assert Watermarks.load(store._conn).minute == T0 + 3 * HOUR + 60_000  # type: ignore[arg-type]
    assert_same_windows(windows(store, HOUR_W), aggregate(concat([history, present]), HOUR))


def test_a_sample_older_than_the_raw_retention_is_dropped_and_counted(
    store: EmbeddedStore, network_12: Inventory
) -> None:
    stale = make_batch(network_series(network_12)[:3], T0 - 4 * HOUR, 2)  # 7 h before the clock
    fresh = make_batch(network_series(network_12)[:3], T0 + HOUR, 2)
    store.write(stale)
    store.write(fresh)
    assert store.dropped == len(stale)
    np.testing.assert_array_equal(np.unique(raw_samples(store).ts_ms), np.unique(fresh.ts_ms))


def test_windows_read_the_coarsest_table_that_holds_them() -> None:
    marks = Watermarks(raw=T0 + 3 * HOUR + 90_000, minutes=T0 + 3 * HOUR + 60_000)
    month = (T0 - 30 * 24 * HOUR, T0 + 4 * HOUR)
    assert [t for t, *_ in sources(marks, HOUR, *month)] == ["rollup_1h", "rollup_1m", "raw"]
    assert sources(marks, HOUR, *month)[0] == ("rollup_1h", month[0], marks.hour)
    assert [t for t, *_ in sources(marks, 5 * 60_000, *month)] == ["rollup_1m", "raw"]
    assert [t for t, *_ in sources(marks, 10_000, *month)] == ["raw"]
    assert [t for t, *_ in sources(marks, HOUR, T0 - HOUR, T0)] == ["rollup_1h"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"raw_retention": timedelta(days=10)}, "minute_retention must exceed raw_retention"),
        ({"minute_retention": timedelta(days=500)}, "hour_retention must exceed"),
        ({"raw_retention": "soon"}, "raw_retention"),
        ({"retention": timedelta(days=1)}, "retention: Extra inputs are not permitted"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    tmp_path: Path, options: dict[str, object], field: str
) -> None:
    with pytest.raises(StoreSettingsError, match=field):
        open_store("embedded", path=tmp_path / "t.db", **options)
