"""Real UDP datagrams and TCP streams on loopback reach the store and are found by search."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sites.inventory import Inventory
from telemetry.syslog import (
    BackgroundReceiver,
    LogQuery,
    LogSeverity,
    LogStore,
    SyslogReceiver,
    inventory_lookup,
    parse,
)
from tests.telemetry.health.builders import T0

SPOKE = "br-xiaogan-001"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Bounded polling: UDP and the receiver's loop deliver asynchronously."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.02)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LogStore]:
    store = LogStore(tmp_path / "logs.db")
    yield store
    store.close()


@pytest.fixture
def receiver(store: LogStore, network_12: Inventory) -> Iterator[SyslogReceiver]:
    clock = T0.timestamp() + 60
    made = SyslogReceiver(
        store, inventory_lookup(network_12), udp_port=0, tcp_port=0, clock=lambda: clock
    )
    with BackgroundReceiver(made) as running:
        yield running


def test_udp_and_tcp_messages_are_found_through_search(
    receiver: SyslogReceiver, store: LogStore, network_12: Inventory
) -> None:
    serial = network_12.site_by_id["br-foshan-001"].cpes[0].serial
    assert receiver.udp_port and receiver.tcp_port
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(
            b"<163>1 2026-03-02T09:30:05Z br-xiaogan-001 sdwand - LINK - inet-1 down: BFD timeout",
            ("127.0.0.1", receiver.udp_port),
        )
        udp.sendto(
            f"<190>Mar  2 09:30:06 {serial} ntpd[12]: clock synchronised".encode(),
            ("127.0.0.1", receiver.udp_port),
        )
    framed = b"<165>1 2026-03-02T09:30:07Z br-xiaogan-001 sdwand - SLA - mpls-1 latency 95 ms"
    with socket.create_connection(("127.0.0.1", receiver.tcp_port), timeout=10) as tcp:
        tcp.sendall(f"{len(framed)} ".encode() + framed)  # octet counting
        tcp.sendall(b"<12>Mar  2 09:30:08 br-xiaogan-001 cfgd: commit confirmed\n")  # newline
        tcp.sendall(b"<11>Mar  2 09:30:09 unknown-host cfgd: rollback after timeout\n")
    wait_for(lambda: store.count() == 5, "five stored messages")

    at_spoke = store.search(LogQuery(site=SPOKE))
    assert [r.message for r in at_spoke] == [
        "commit confirmed",
        "mpls-1 latency 95 ms",
        "inet-1 down: BFD timeout",
    ]
    assert {r.source for r in at_spoke} == {"127.0.0.1"}
    (ntp,) = store.search(LogQuery(site="br-foshan-001"))  # hostname was the CPE serial
    assert (ntp.app_name, ntp.severity) == ("ntpd", LogSeverity.INFO)
    errors = store.search(LogQuery(severity=LogSeverity.ERROR))
    assert [(r.site, r.message) for r in errors] == [
        (None, "rollback after timeout"),
        (SPOKE, "inet-1 down: BFD timeout"),
    ]
    assert [r.message for r in store.search(LogQuery(text="LATENCY"))] == ["mpls-1 latency 95 ms"]
    window = store.search(
        LogQuery(start=T0 + timedelta(seconds=6), end=T0 + timedelta(seconds=8), site=None)
    )
    assert [r.message for r in window] == ["mpls-1 latency 95 ms", "clock synchronised"]
    assert receiver.received == 5


def test_a_broken_tcp_sender_is_dropped_and_others_go_on(
    receiver: SyslogReceiver, store: LogStore
) -> None:
    with socket.create_connection(("127.0.0.1", receiver.tcp_port or 0), timeout=10) as bad:
        bad.sendall(b"99999999 <13>x")
        wait_for(lambda: receiver.rejected_streams == 1, "the bad stream to be closed")
    with socket.create_connection(("127.0.0.1", receiver.tcp_port or 0), timeout=10) as good:
        good.sendall(b"<13>Mar  2 09:30:00 br-xiaogan-001 x: still here\n")
    wait_for(lambda: store.count() == 1, "the good sender's message")


def test_text_search_treats_wildcards_literally(store: LogStore, network_12: Inventory) -> None:
    for text in (b"<13>100% loss on lte_1", b"<13>1000 loss on lteX1"):
        store.add([parse(text, "127.0.0.1", T0)])
    assert [r.message for r in store.search(LogQuery(text="0% loss on lte_"))] == [
        "100% loss on lte_1"
    ]


def test_retention_by_count_and_by_age(tmp_path: Path) -> None:
    store = LogStore(tmp_path / "r.db", max_age=timedelta(hours=1), max_rows=3)
    for i in range(5):
        store.add([parse(f"<13>message {i}".encode(), "127.0.0.1", T0 + timedelta(seconds=i))])
    assert [r.message for r in store.search(LogQuery())] == [f"message {i}" for i in (4, 3, 2)]
    assert store.prune(T0 + timedelta(hours=1, seconds=3)) == 1  # message 2 is older than 1 h
    assert store.count() == 2
    store.close()


def test_inventory_lookup_by_hostname_then_address(network_12: Inventory) -> None:
    lookup = inventory_lookup(network_12)
    cpe = network_12.site_by_id[SPOKE].cpes[0]
    assert lookup("BR-XIAOGAN-001", "192.0.2.1") == SPOKE
    assert lookup(cpe.serial.lower(), "192.0.2.1") == SPOKE
    assert lookup("some-name", str(cpe.management_address)) == SPOKE
    assert lookup(None, "192.0.2.1") is None
