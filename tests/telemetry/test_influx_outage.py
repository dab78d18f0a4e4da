"""The acceptance test of issue 5: the server goes away in the middle of a run, samples keep
coming, the server comes back on the same data, and every sample arrives.

Counted on the server itself through its export API, not through the store's reader, so that
duplicates would show: a resend may only repeat samples whose first send was ambiguous.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from sites.inventory import Inventory
from telemetry.batch import SampleBatch
from telemetry.errors import StoreUnavailableError
from telemetry.samples import from_ms
from telemetry.store import ALL
from telemetry.store.influx import InfluxSettings, InfluxStore
from telemetry.testing.victoria_metrics import VictoriaMetrics
from tests.telemetry.checks import assert_same_samples
from tests.telemetry.conftest import FAST_RETRIES, require_victoria_metrics
from tests.telemetry.factory import make_batch, network_series

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

SECONDS = 240


def server_counts(url: str, instance: str) -> tuple[int, int]:
    """(stored, distinct) samples of `instance`, counting one field: every line carries it."""
    query = urllib.parse.urlencode(
        {"match[]": f'{{__name__="wan_link_up",instance="{instance}"}}', "start": "0"}
    )
    with urllib.request.urlopen(f"{url}/api/v1/export?{query}", timeout=30) as response:
        series = [json.loads(line) for line in response.read().splitlines() if line.strip()]
    stored = sum(len(item["timestamps"]) for item in series)
    distinct = sum(len(set(item["timestamps"])) for item in series)
    return stored, distinct


def write_seconds(
    store: InfluxStore, batch: SampleBatch, per_second: int, lo: int, hi: int
) -> None:
    """Seconds [lo, hi) of a time-major batch, one write per second, as a collector makes."""
    for second in range(lo, hi):
        store.write(batch.take(slice(second * per_second, (second + 1) * per_second)))


def wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_no_sample_is_lost_when_the_server_stops_mid_run(
    own_victoria: VictoriaMetrics, network_12: Inventory, tmp_path: Path
) -> None:
    series = network_series(network_12, ("trading",))
    now = int(time.time() * 1000)
    batch = make_batch(series, now - now % 1000 - SECONDS * 1000, SECONDS)
    per_second = len(series)
    settings = InfluxSettings(
        url=own_victoria.url,
        spool_dir=tmp_path / "spool",
        tags={"instance": "outage"},
        batch_lines=500,
        **FAST_RETRIES,
    )
    store = InfluxStore(settings)
    try:
        write_seconds(store, batch, per_second, 0, 80)
        # No flush: the stop lands while payloads are queued or on the wire. Graceful, so the
        # server keeps what it acknowledged (a SIGKILL may lose its last second: docs).
        own_victoria.stop()
        write_seconds(store, batch, per_second, 80, 160)
        wait_for(lambda: store.stats.spool_depth > 0, "samples to reach the spool")
        spooled = store.stats.spooled_lines

        own_victoria.start()  # same port, same data directory
        write_seconds(store, batch, per_second, 160, SECONDS)
        store.flush(timeout=60)
        stats = store.stats
    finally:
        store.close()

    stored, distinct = server_counts(own_victoria.url, "outage")
    assert distinct == len(batch) == SECONDS * per_second  # zero lost
    assert stored - distinct <= stats.ambiguous_lines  # resent only when the answer was lost
    assert spooled >= per_second  # the outage really went through the spool
    assert stats.spool_depth == 0
    assert stats.sent_lines >= len(batch)
    start, end = int(batch.ts_ms[0]), int(batch.ts_ms[-1]) + 1
    reader = InfluxStore(settings.model_copy(update={"spool_dir": tmp_path / "reader-spool"}))
    try:
        assert_same_samples(reader.query(ALL, from_ms(start), from_ms(end)), batch.sorted())
    finally:
        reader.close()


def test_samples_written_while_the_server_was_never_up_wait_in_the_spool_for_the_next_store(
    network_12: Inventory, tmp_path: Path
) -> None:
    binary = require_victoria_metrics()
    server = VictoriaMetrics(tmp_path / "vm-data", binary)  # not started yet: its port is dead
    settings = InfluxSettings(
        url=server.url,
        spool_dir=tmp_path / "spool",
        tags={"instance": "late-server"},
        close_timeout=0.2,
        **FAST_RETRIES,
    )
    now = int(time.time() * 1000)
    batch = make_batch(network_series(network_12), now - now % 1000 - 60_000, 30)
    store = InfluxStore(settings)
    store.write(batch)
    with pytest.raises(StoreUnavailableError, match="payloads wait in"):
        store.flush(timeout=0.5)
    store.close()
    assert list((tmp_path / "spool").glob("*.lp"))

    server.start()
    try:
        later = InfluxStore(settings)  # e.g. the controller, restarted: sends the spool first
        later.flush(timeout=60)
        later.close()
        assert server_counts(server.url, "late-server") == (len(batch), len(batch))
    finally:
        server.stop()
    assert not list((tmp_path / "spool").glob("*.lp"))
