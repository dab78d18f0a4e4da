"""The embedded store's reads have connections of their own: a long read (a replay of every raw
sample) does not hold up another, and a reader in use when the store closes is closed after."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from telemetry.batch import METRICS, SampleBatch
from telemetry.errors import StoreClosedError
from telemetry.store.base import ALL
from telemetry.store.embedded.store import READERS, open_store

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def one_sample() -> SampleBatch:
    return SampleBatch(
        site=("br-1",), link=("mpls",), app=("",),
        ts_ms=np.array([int(NOW.timestamp() * 1000) - 1_000], dtype=np.int64),
        **{name: np.ones(1) for name in METRICS}, up=np.array([True]),
    )  # fmt: skip


def test_a_read_in_progress_does_not_hold_up_the_others(tmp_path: Path) -> None:
    store = open_store(NOW.timestamp, path=tmp_path / "t.db")
    store.write(one_sample())
    answers: list[int] = []

    def read() -> None:
        answers.append(len(store.query(ALL, NOW - timedelta(minutes=1), NOW)))

    # READERS - 1 reads held open (each a replay reading for a long time): one more still
    # gets a connection of its own and answers at once.
    held = [store._reading() for _ in range(READERS - 1)]
    for reading in held:
        reading.__enter__()
    other = threading.Thread(target=read)
    other.start()
    other.join(timeout=10)
    finished = not other.is_alive()
    for reading in held:
        reading.__exit__(None, None, None)
    other.join()
    assert finished and answers == [1]
    store.close()


def test_a_reader_in_use_at_close_is_closed_when_given_back(tmp_path: Path) -> None:
    store = open_store(NOW.timestamp, path=tmp_path / "t.db")
    store.write(one_sample())
    reading = store._reading()
    conn = reading.__enter__()
    store.close()
    assert conn.execute("SELECT COUNT(*) FROM raw").fetchone()[0] == 1  # still its own
    reading.__exit__(None, None, None)
    with pytest.raises(Exception, match="closed"):
        conn.execute("SELECT 1")
    with pytest.raises(StoreClosedError):
        store.query(ALL, NOW - timedelta(minutes=1), NOW)
