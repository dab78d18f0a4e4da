"""The contract of `TelemetryStore`, run against every backend (DESIGN §4.6).

Samples are stamped in the recent past, because a real time-series server refuses samples
outside its retention.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest

from sites.inventory import Inventory
from telemetry.aggregate import aggregate
from telemetry.batch import SampleBatch
from telemetry.errors import QueryError, StoreClosedError
from telemetry.samples import from_ms
from telemetry.store import ALL, Selector
from tests.telemetry.checks import assert_same_samples, assert_same_windows
from tests.telemetry.conftest import OpenStore
from tests.telemetry.factory import make_batch, network_series

APPS = ("trading", "market-data")


def recent_start(minutes_ago: int = 20) -> int:
    """A minute-aligned timestamp `minutes_ago` minutes before now, in ms."""
    now = int(time.time() * 1000)
    return now - now % 60_000 - minutes_ago * 60_000


@pytest.fixture
def written(open_backend: OpenStore, network_12: Inventory) -> tuple[OpenStore, SampleBatch]:
    """Ten minutes of 10 s samples from 12 branches (links and two apps), written and flushed."""
    batch = make_batch(network_series(network_12, APPS), recent_start(), 60, step_ms=10_000)
    store = open_backend()
    for part in range(0, len(batch), 1000):  # several writes, as a collector would make
        store.write(batch.take(slice(part, part + 1000)))
    store.flush()
    return open_backend, batch.sorted()


def span(batch: SampleBatch) -> tuple[int, int]:
    return int(batch.ts_ms.min()), int(batch.ts_ms.max()) + 1


def test_a_written_batch_reads_back_unchanged(written: tuple[OpenStore, SampleBatch]) -> None:
    open_backend, want = written
    start, end = span(want)
    got = open_backend().query(ALL, from_ms(start), from_ms(end))
    assert_same_samples(got, want)


@pytest.mark.parametrize(
    "select",
    [
        Selector(site="dc-shanghai"),
        Selector(link="inet-1"),
        Selector(app="trading"),
        Selector(app=""),
        Selector(site="dc-shanghai", link="mpls-1", app=""),
        Selector(site="no-such-site"),
    ],
    ids=repr,
)
def test_selectors_pick_sites_links_and_apps(
    written: tuple[OpenStore, SampleBatch], select: Selector
) -> None:
    open_backend, batch = written
    want = batch.take(
        np.array(
            [
                i
                for i in range(len(batch))
                if select.matches(batch.site[i], batch.link[i], batch.app[i])
            ],
            dtype=np.intp,
        )
    )
    start, end = span(batch)
    got = open_backend().query(select, from_ms(start), from_ms(end))
    assert_same_samples(got, want)


def test_the_time_range_is_half_open(written: tuple[OpenStore, SampleBatch]) -> None:
    open_backend, batch = written
    first = int(batch.ts_ms.min())
    got = open_backend().query(ALL, from_ms(first + 10_000), from_ms(first + 30_000))
    assert set(got.ts_ms.tolist()) == {first + 10_000, first + 20_000}


@pytest.mark.parametrize(
    "window", [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=5)]
)
def test_windows_hold_the_means_of_their_samples(
    written: tuple[OpenStore, SampleBatch], window: timedelta
) -> None:
    open_backend, batch = written
    step = int(window.total_seconds() * 1000)
    # An unaligned range: it widens to whole windows, so every sample still counts.
    start, end = span(batch)
    got = open_backend().query(ALL, from_ms(start + 7_000), from_ms(end - 7_000), window)
    assert_same_windows(got, aggregate(batch, step))
    assert int(got.count.sum()) == len(batch)


def test_latest_is_the_newest_sample_of_each_series_within_the_lookback(
    written: tuple[OpenStore, SampleBatch],
) -> None:
    open_backend, batch = written
    store = open_backend()
    newest = int(batch.ts_ms.max())
    got = store.latest(now=from_ms(newest + 5_000))
    assert_same_samples(got, batch.take(np.flatnonzero(batch.ts_ms == newest)))
    # As of a moment in the past, later samples do not exist yet.
    earlier = store.latest(Selector(site="dc-shanghai"), now=from_ms(newest - 25_000))
    assert set(earlier.ts_ms.tolist()) == {newest - 30_000}
    assert set(earlier.site) == {"dc-shanghai"}
    # A series silent for longer than the lookback has no latest sample.
    assert len(store.latest(now=from_ms(newest + 60_000), lookback=timedelta(seconds=30))) == 0


def test_the_same_sample_written_twice_is_stored_once(
    open_backend: OpenStore, network_12: Inventory
) -> None:
    # What a resend after an unacknowledged write does. (Different values for one series and
    # timestamp: the later win in the embedded store and InfluxDB; VictoriaMetrics keeps one of
    # them, so the contract does not say which.)
    batch = make_batch(network_series(network_12)[:5], recent_start(), 3)
    store = open_backend()
    store.write(batch)
    store.flush()
    store.write(batch)
    store.flush()
    start, end = span(batch)
    assert_same_samples(store.query(ALL, from_ms(start), from_ms(end)), batch.sorted())


def test_a_read_of_nothing_is_an_empty_batch(open_backend: OpenStore) -> None:
    store = open_backend()
    start = recent_start()
    assert len(store.query(ALL, from_ms(start), from_ms(start + 60_000))) == 0
    assert len(store.query(ALL, from_ms(start), from_ms(start + 60_000), timedelta(minutes=1))) == 0
    assert len(store.latest()) == 0


def test_samples_survive_close_and_reopen(open_backend: OpenStore, network_12: Inventory) -> None:
    batch = make_batch(network_series(network_12)[:10], recent_start(), 5)
    store = open_backend()
    store.write(batch)
    store.close()
    start, end = span(batch)
    assert_same_samples(open_backend().query(ALL, from_ms(start), from_ms(end)), batch.sorted())


def test_a_closed_store_refuses_writes(open_backend: OpenStore, network_12: Inventory) -> None:
    store = open_backend()
    store.close()
    with pytest.raises(StoreClosedError):
        store.write(make_batch(network_series(network_12)[:1], recent_start(), 1))


def test_a_window_shorter_than_a_millisecond_is_refused(open_backend: OpenStore) -> None:
    start = recent_start()
    with pytest.raises(QueryError, match="at least 1 ms"):
        open_backend().query(ALL, from_ms(start), from_ms(start + 1000), timedelta(0))
