"""The InfluxDB backend's moving parts without a server: line protocol, spool, backoff, and
the sender's ordering, spooling and accounting against a scripted fake server."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np
import pytest

from telemetry.batch import SampleBatch
from telemetry.store.influx.backoff import Backoff
from telemetry.store.influx.lineproto import encode, fixed_tags
from telemetry.store.influx.sender import Sender
from telemetry.store.influx.spool import Spool
from telemetry.store.influx.writer import Outcome, Result


class FakeServer:
    """Stores what it acknowledges. `down` refuses connections; `script` forces outcomes."""

    def __init__(self) -> None:
        self.down = False
        self.script: list[Outcome] = []
        self.stored: list[bytes] = []
        self.posts = 0
        self.lock = threading.Lock()

    def post(self, payload: bytes) -> Result:
        with self.lock:
            self.posts += 1
            if self.down:
                return Result(Outcome.NOT_DELIVERED, "connection refused")
            outcome = self.script.pop(0) if self.script else Outcome.SENT
            if outcome in (Outcome.SENT, Outcome.AMBIGUOUS):  # ambiguous: stored, answer lost
                self.stored += payload.split(b"\n")
            return Result(outcome, "scripted")


def sender(server: FakeServer, spool_dir: Path, batch_lines: int = 10) -> Sender:
    return Sender(
        server,
        Spool(spool_dir, fsync=False),
        Backoff(0.01, 0.05, random.Random(1)),
        max_attempts=2,
        batch_lines=batch_lines,
        queue_payloads=4,
    )


def payloads(first: int, count: int, lines: int = 3) -> list[bytes]:
    return [
        b"\n".join(f"m v={i * lines + j}i".encode() for j in range(lines))
        for i in range(first, first + count)
    ]


def test_an_outage_spools_and_recovery_delivers_every_line_once_in_order(tmp_path: Path) -> None:
    server = FakeServer()
    out = sender(server, tmp_path)
    written = payloads(0, 10) + payloads(10, 20) + payloads(30, 10)
    for payload in written[:10]:
        out.submit(payload, 3)
    assert out.settle(10)
    server.down = True
    for payload in written[10:30]:
        out.submit(payload, 3)
    assert not out.settle(0.3)  # nothing acknowledged while down
    assert out.stats.spool_depth > 0
    server.down = False
    for payload in written[30:]:  # written after recovery: must still go behind the spool
        out.submit(payload, 3)
    assert out.settle(10)
    assert server.stored == b"\n".join(written).split(b"\n")
    stats = out.stats
    assert (stats.sent_lines, stats.ambiguous_lines, stats.spool_depth) == (120, 0, 0)
    assert stats.spooled_lines >= 3
    out.stop(1)


def test_the_spool_outlives_the_process_and_is_sent_first(tmp_path: Path) -> None:
    dead = FakeServer()
    dead.down = True
    first = sender(dead, tmp_path)
    for payload in payloads(0, 6):
        first.submit(payload, 3)
    first.stop(0)  # e.g. the controller restarts during the outage
    assert len(list(tmp_path.glob("*.lp"))) >= 1

    server = FakeServer()
    second = sender(server, tmp_path)
    for payload in payloads(6, 2):
        second.submit(payload, 3)
    assert second.settle(10)
    assert server.stored == b"\n".join(payloads(0, 8)).split(b"\n")
    assert not list(tmp_path.glob("*.lp"))
    second.stop(1)


def test_an_ambiguous_failure_is_resent_and_counted_as_a_possible_duplicate(
    tmp_path: Path,
) -> None:
    server = FakeServer()
    server.script = [Outcome.AMBIGUOUS]
    out = sender(server, tmp_path)
    out.submit(payloads(0, 1)[0], 3)
    assert out.settle(10)
    assert len(server.stored) == 6  # stored twice: the server's idempotence absorbs it
    assert out.stats.ambiguous_lines == 3
    out.stop(1)


def test_a_refused_payload_is_kept_aside_and_does_not_block_the_rest(tmp_path: Path) -> None:
    server = FakeServer()
    server.script = [Outcome.REJECTED]
    out = sender(server, tmp_path, batch_lines=1)  # no coalescing: one payload per request
    for payload in payloads(0, 3):
        out.submit(payload, 3)
    assert out.settle(10)
    assert server.stored == b"\n".join(payloads(1, 2)).split(b"\n")
    assert (tmp_path / "rejected" / "rejected.lp").read_bytes() == payloads(0, 1)[0] + b"\n"
    assert out.stats.rejected_lines == 3
    out.stop(1)


def test_the_spool_is_a_fifo_that_discards_torn_writes(tmp_path: Path) -> None:
    spool = Spool(tmp_path, fsync=True)
    for payload in (b"a", b"b", b"c"):
        spool.append(payload)
    (tmp_path / "00000000000000000003.tmp").write_bytes(b"half a payl")
    reopened = Spool(tmp_path)
    assert len(reopened) == 3
    assert not list(tmp_path.glob("*.tmp"))
    seen = []
    while (head := reopened.head()) is not None:
        seen.append(head[1])
        reopened.remove(head[0])
    assert seen == [b"a", b"b", b"c"]
    reopened.append(b"d")
    assert reopened.head() == (3, b"d")


def test_backoff_doubles_its_ceiling_up_to_the_maximum_and_resets() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    backoff = Backoff(0.5, 4.0, Top())
    assert [backoff.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    backoff.reset()
    assert backoff.next() == 0.5
    jittered = Backoff(0.5, 4.0, random.Random(3))
    assert all(0.05 <= jittered.next() <= 4.0 for _ in range(50))


def test_line_protocol_has_the_documented_schema() -> None:
    batch = SampleBatch(
        site=("br-wuxi-001", "br-wuxi-001"),
        link=("inet-1", "mpls-1"),
        app=("", "trading"),
        ts_ms=np.array([1795420801250, 1795420802250]),
        latency_ms=np.array([21.5, 0.125]),
        jitter_ms=np.array([1.0, 0.0]),
        loss_pct=np.array([0.0, 100.0]),
        utilization=np.array([0.42, 0.0]),
        throughput_bps=np.array([42e6, 0.0]),
        up=np.array([True, False]),
    )
    assert encode(batch, fixed_tags({"instance": "ctl-a"})).decode().splitlines() == [
        "wan_link,link=inet-1,site=br-wuxi-001,instance=ctl-a latency_ms=21.5,jitter_ms=1.0,"
        "loss_pct=0.0,utilization=0.42,throughput_bps=42000000.0,up=1i 1795420801250",
        "wan_link,app=trading,link=mpls-1,site=br-wuxi-001,instance=ctl-a latency_ms=0.125,"
        "jitter_ms=0.0,loss_pct=100.0,utilization=0.0,throughput_bps=0.0,up=0i 1795420802250",
    ]
    assert encode(batch, start=1).count(b"\n") == 0


@pytest.mark.parametrize(
    "tags", [{"site": "x"}, {"Instance": "a"}, {"instance": "a b"}, {"instance": "a\n"}]
)
def test_fixed_tags_cannot_clash_or_need_escaping(tags: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="tag"):
        fixed_tags(tags)
