"""The newest-sample index answers `latest` exactly as a scan of every sample would, or says
it cannot (None); in the ordinary case (samples arriving in order, windows near the newest) it
always answers."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry.batch import METRICS, SampleBatch
from telemetry.store.base import ALL, Selector
from telemetry.store.embedded.store import open_store
from telemetry.store.newest import DEPTH, NewestSamples

SERIES = [("br-1", "mpls", ""), ("br-1", "lte", ""), ("br-2", "mpls", "erp"), ("br-0", "inet", "")]

Row = tuple[int, int, float]  # series index, ts_ms, latency
Answer = tuple[str, str, str, int, float]


def batch(rows: list[Row]) -> SampleBatch:
    n = len(rows)
    return SampleBatch(
        site=tuple(SERIES[i][0] for i, _, _ in rows),
        link=tuple(SERIES[i][1] for i, _, _ in rows),
        app=tuple(SERIES[i][2] for i, _, _ in rows),
        ts_ms=np.array([ts for _, ts, _ in rows], dtype=np.int64),
        latency_ms=np.array([v for _, _, v in rows]),
        **{name: np.zeros(n) for name in METRICS if name != "latency_ms"},
        up=np.array([v > 50 for _, _, v in rows], dtype=np.bool_),
    )


def batch_and_ids(rows: list[Row]) -> tuple[SampleBatch, np.ndarray]:
    """The batch, and its series' ids as a store names them (here: 100 + the series' index)."""
    return batch(rows), np.array([100 + i for i, _, _ in rows], dtype=np.int64)


def scan(writes: list[list[Row]], select: Selector, after: int, until: int) -> list[Answer]:
    """The plainest answer: the last value written per (series, ts), then the newest inside."""
    kept: dict[tuple[int, int], float] = {}
    for rows in writes:
        for i, ts, value in rows:
            kept[(i, ts)] = value
    best: dict[int, tuple[int, float]] = {}
    for (i, ts), value in kept.items():
        if after < ts <= until and select.matches(*SERIES[i]) and ts >= best.get(i, (-1, 0))[0]:
            best[i] = (ts, value)
    return sorted((*SERIES[i], ts, value) for i, (ts, value) in best.items())


def rows_of(answer: SampleBatch) -> list[Answer]:
    return list(
        zip(answer.site, answer.link, answer.app, answer.ts_ms.tolist(),
            answer.latency_ms.tolist(), strict=True)
    )  # fmt: skip


row = st.tuples(st.integers(0, len(SERIES) - 1), st.integers(0, 40), st.floats(0, 100))
selectors = st.sampled_from([
    ALL, Selector(site="br-1"), Selector(app=""), Selector(link="mpls"), Selector(site="br-2"),
    Selector(site="br-1", app=""), Selector(site="br-0", link="inet"), Selector(site="br-9"),
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    writes=st.lists(st.lists(row, max_size=12), max_size=10),
    select=selectors,
    after=st.integers(-1, 40),
    span=st.integers(0, 40),
)
def test_the_index_answers_as_a_scan_or_not_at_all(
    writes: list[list[Row]], select: Selector, after: int, span: int
) -> None:
    index = NewestSamples(complete_after_ms=-1)
    for rows in writes:
        index.write(*batch_and_ids(rows))
    answer = index.latest(select, after, after + span)
    if answer is not None:
        assert rows_of(answer) == scan(writes, select, after, after + span)


def test_in_order_reporting_is_always_answered_even_a_late_tick() -> None:
    index = NewestSamples(complete_after_ms=0)
    writes = [[(i, 1000 * t, float(t)) for i in range(len(SERIES))] for t in range(1, 60)]
    for rows in writes:
        index.write(*batch_and_ids(rows))
    for late in range(DEPTH):  # a tick evaluated `late` seconds after its instant
        until = 1000 * (59 - late)
        answer = index.latest(ALL, until - 30_000, until)
        assert answer is not None
        assert rows_of(answer) == scan(writes, ALL, until - 30_000, until)
    # Further back than the ring reaches: the index says so and the store scans instead.
    assert index.latest(ALL, 1000 * (59 - DEPTH) - 30_000, 1000 * (59 - DEPTH)) is None


def test_samples_from_before_the_index_are_not_its_to_answer() -> None:
    index = NewestSamples(complete_after_ms=10_000)
    index.write(*batch_and_ids([(0, 20_000, 1.0)]))
    assert index.latest(ALL, 5_000, 30_000) is None  # br-1/mpls may have one at 9 s
    answer = index.latest(ALL, 10_000, 30_000)
    assert answer is not None and rows_of(answer) == [("br-1", "mpls", "", 20_000, 1.0)]


def test_expired_samples_are_forgotten() -> None:
    index = NewestSamples(complete_after_ms=0)
    index.write(*batch_and_ids([(0, 1_000, 1.0), (1, 9_000, 2.0)]))
    index.forget_before(5_000)
    answer = index.latest(ALL, 0, 10_000)
    assert answer is not None and rows_of(answer) == [("br-1", "lte", "", 9_000, 2.0)]


def test_the_store_sees_what_another_process_wrote() -> None:
    """Two stores on one file (the controller and, say, a second process): the reader's index
    does not hold the other's samples, so its `latest` must not answer from the index alone."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        now = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
        clock = now.timestamp
        ours, theirs = open_store(clock, path=path), open_store(clock, path=path)
        t0 = int(now.timestamp() * 1000)
        ours.write(batch([(0, t0 - 2_000, 10.0)]))
        theirs.write(batch([(1, t0 - 1_000, 20.0), (0, t0 - 1_000, 30.0)]))
        answer = ours.latest(now=now, lookback=timedelta(seconds=30))
        assert rows_of(answer) == [
            ("br-1", "lte", "", t0 - 1_000, 20.0),
            ("br-1", "mpls", "", t0 - 1_000, 30.0),
        ]
        ours.close()
        theirs.close()
