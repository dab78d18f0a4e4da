"""Issue 5's alarm acceptance, end to end: samples into the embedded store, health, the engine,
the lifecycle with the dependency graph, and e-mail to a real aiosmtpd server.

A link down at a site raises one alarm and one e-mail; the site going offline suppresses its
link alarms; recovery clears them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from sites.inventory import Inventory
from telemetry.alarms import (
    AlarmEngine,
    AlarmKey,
    AlarmKind,
    AlarmManager,
    MemoryAlarmStore,
    dependency_graph,
)
from telemetry.alarms.notify import Outbox
from telemetry.alarms.notify.email import EmailNotifier, EmailSettings
from telemetry.health import HealthLayout, Status, score
from telemetry.store import TelemetryStore, open_store
from tests.mailbox import Mailbox
from tests.telemetry.health.builders import Row, at, batch, change, rows_for

SPOKE = "br-xiaogan-001"
LINK_DOWN = AlarmKey(AlarmKind.LINK_DOWN, SPOKE, "inet-1")
OFFLINE = AlarmKey(AlarmKind.SITE_OFFLINE, SPOKE)


class Loop:
    """What the controller's loop will do each tick, with the test holding the clock."""

    def __init__(self, inventory: Inventory, store: TelemetryStore, mailbox: Mailbox) -> None:
        self.layout = HealthLayout.from_inventory(inventory)
        self.store = store
        self.engine = AlarmEngine(self.layout)
        self.manager = AlarmManager(MemoryAlarmStore(), dependency_graph(inventory))
        settings = EmailSettings(
            port=mailbox.port, sender="alarms@branchline.test", recipients=("noc@branchline.test",)
        )
        self.outbox = Outbox([EmailNotifier(settings)])
        self.statuses: list[Status] = []

    def tick(self, rows: list[Row], now: datetime) -> None:
        self.store.write(batch(rows, now))
        snapshot = score(self.layout, self.store.latest(now=now), now)
        self.statuses.append(snapshot.status_of(SPOKE))
        self.outbox.submit(self.manager.apply(self.engine.evaluate(snapshot, now), now))
        report = self.outbox.deliver(now)
        assert report.retried == report.gave_up == 0


@pytest.fixture
def clock() -> list[float]:
    return [at(0).timestamp()]


@pytest.fixture
def store(tmp_path: Path, clock: list[float]) -> Iterator[TelemetryStore]:
    store = open_store("embedded", path=tmp_path / "telemetry.db", clock=lambda: clock[0])
    yield store
    store.close()


def test_link_down_offline_suppression_and_recovery(
    network_12: Inventory, store: TelemetryStore, smtp_server: Mailbox, clock: list[float]
) -> None:
    loop = Loop(network_12, store, smtp_server)
    good = rows_for(network_12)
    down = change(good, SPOKE, "inet-1", up=False)
    others = [r for r in good if r.site != SPOKE]

    def tick(rows: list[Row], t: float) -> None:
        clock[0] = at(t).timestamp()
        loop.tick(rows, at(t))

    tick(good, 0)
    assert loop.manager.active() == [] and smtp_server.messages == []

    # A link down at a site: one alarm, one e-mail, however long it stays down.
    tick(down, 10)
    tick(down, 20)
    tick(down, 30)
    (link_alarm,) = loop.manager.active()
    assert link_alarm.key == LINK_DOWN
    assert [m["Subject"] for m in smtp_server.messages] == [
        "[Branchline] MAJOR raised: link-down br-xiaogan-001/inet-1"
    ]

    # The site goes silent: after 5 minutes it is offline, and its link alarm is suppressed.
    tick(others, 200)
    assert loop.manager.store.find_active(OFFLINE) is None
    tick(others, 330)
    offline = loop.manager.store.find_active(OFFLINE)
    assert offline is not None
    suppressed = loop.manager.store.get(link_alarm.id)
    assert suppressed.active and suppressed.suppressed_by == offline.id
    assert [m["Subject"] for m in smtp_server.messages][1:] == [
        "[Branchline] CRITICAL raised: site-offline br-xiaogan-001"
    ]

    # Recovery: the site reports again with every link up; both alarms clear.
    tick(good, 340)
    assert loop.manager.active() == []
    cleared = {a.key: a.clear_reason for a in loop.manager.store.search(active=False)}
    assert cleared == {LINK_DOWN: "link up", OFFLINE: "telemetry resumed"}
    assert sorted(m["Subject"] for m in smtp_server.messages[2:]) == [
        "[Branchline] CRITICAL cleared: site-offline br-xiaogan-001",
        "[Branchline] MAJOR cleared: link-down br-xiaogan-001/inet-1",
    ]
    # The spoke's colour at each tick: its link down is amber, its silence grey.
    assert loop.statuses == [Status.GREEN, *[Status.AMBER] * 4, Status.GREY, Status.GREEN]
