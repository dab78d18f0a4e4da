"""The controller's database `OutboxStore` passes the outbox's tests (and those of its batch
path) on SQLite and PostgreSQL, queues a storm's notifications in two transactions,
keeps what a restart must not lose (pending and failed deliveries, which raises were notified,
the cool-down), rebuilds each message from the alarm as it was, and prunes old sent ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from controller.settings import Settings
from controller.store.facade import Store
from controller.store.outbox_store import (
    DatabaseOutboxStore,
    alarm_document,
    alarm_from_document,
)
from controller.stores import open_store
from telemetry.alarms import (
    Alarm,
    AlarmEvent,
    AlarmKey,
    AlarmKind,
    AlarmManager,
    AlarmSpec,
    EventType,
    MemoryAlarmStore,
)
from telemetry.alarms.notify import Outbox, OutboxStore
from tests.controller.db_traffic import traffic
from tests.telemetry.alarms.conftest import smtp_server, webhook_server
from tests.telemetry.alarms.test_notify import KEY, SPEC, OutboxContract, Recorder
from tests.telemetry.alarms.test_outbox_batch import OutboxBatchContract, storm
from tests.telemetry.alarms.test_outbox_batch import alarm as new_alarm
from tests.telemetry.health.builders import at

__all__ = ["smtp_server", "webhook_server"]  # the real channels the contract's tests use


class TestDatabaseOutbox(OutboxContract):
    @pytest.fixture
    def outbox_store(self, store: Store) -> OutboxStore:
        return store.outbox


class TestDatabaseOutboxBatch(OutboxBatchContract):
    @pytest.fixture
    def outbox_store(self, store: Store) -> OutboxStore:
        return store.outbox


def test_a_storm_is_queued_in_one_read_and_one_write_transaction(store: Store) -> None:
    """Raises of 10 or 900 alarms (under the 1,000 ids of one IN list), then their clears, each
    in one `submit`: the same transactions and statements, whatever the number."""
    outbox = Outbox([Recorder("email"), Recorder("webhook")], store=store.outbox)
    seen = []
    for first, size in ((1, 10), (1_000, 900)):
        alarms = [new_alarm(i, replace(KEY, site=f"br-{i:04}")) for i in range(first, first + size)]
        raised = [AlarmEvent(EventType.RAISED, a, at(0)) for a in alarms]
        cleared = [
            AlarmEvent(EventType.CLEARED, replace(a, cleared_at=at(9)), at(9)) for a in alarms
        ]
        with traffic(store.engine) as raising:
            assert outbox.submit(raised) == size
        with traffic(store.engine) as clearing:
            assert outbox.submit(cleared) == size
        with traffic(store.engine) as repeating:
            assert outbox.submit(storm(size, size)) >= 0
        seen.append((raising, clearing))
        assert raising.transactions == clearing.transactions == 2  # a read, a write
        assert repeating.transactions <= 2
    assert seen[0] == seen[1]


@pytest.fixture
def reopened(store: Store, settings: Settings) -> Store:
    """A second handle on the same database, as a restarted controller opens it."""
    return open_store(settings)


def test_a_restart_keeps_pending_failed_and_notified(store: Store, reopened: Store) -> None:
    try:
        manager = AlarmManager(MemoryAlarmStore())
        down = Recorder("email", failing=True)
        before = Outbox([down], max_attempts=2, store=store.outbox)
        [first] = manager.raise_alarm(SPEC, at(0))
        before.submit([first])
        before.deliver(at(0))
        before.deliver(at(30))  # the second attempt fails: given up
        other = AlarmKey(AlarmKind.SITE_OFFLINE, "br-wuhan-001")
        [second] = manager.raise_alarm(AlarmSpec(other, SPEC.severity, "offline"), at(40))
        before.submit([second])
        before.deliver(at(40))  # first attempt fails: pending, due at 70 s

        up = Recorder("email")
        after = Outbox([up], max_attempts=2, store=reopened.outbox)
        assert [(d.notification.alarm.id, d.attempts) for d in after.failed] == [
            (first.alarm.id, 2)
        ]
        assert [(d.notification.alarm.id, d.due) for d in after.pending] == [
            (second.alarm.id, at(70))
        ]
        assert after.submit([first, second]) == 0  # queued before the restart: not again
        after.submit(manager.raise_alarm(SPEC, at(50)))  # still active: nothing
        assert after.deliver(at(69)).sent == 0
        assert after.deliver(at(70)).sent == 1
        assert after.retry_failed(at(80)) == 1
        assert after.deliver(at(80)).sent == 1
        assert [n.alarm.id for n in up.got] == [second.alarm.id, first.alarm.id]
        assert after.deliver(at(200)).sent == 0  # each was sent once

        # The clear of an alarm whose raise was notified before the restart is notified.
        assert after.submit(manager.clear(KEY, at(300), "link up")) == 1
        after.deliver(at(300))
        assert [(n.event, n.alarm.id) for n in up.got[2:]] == [(EventType.CLEARED, first.alarm.id)]
    finally:
        reopened.engine.dispose()


def test_the_cool_down_outlives_a_restart(store: Store, reopened: Store) -> None:
    try:
        manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
        before = Outbox([rec], cooldown=timedelta(minutes=15), store=store.outbox)
        before.submit(manager.raise_alarm(SPEC, at(0)))
        before.submit(manager.clear(KEY, at(60)))
        after = Outbox([rec], cooldown=timedelta(minutes=15), store=reopened.outbox)
        assert after.submit(manager.raise_alarm(SPEC, at(120))) == 0
        assert after.cooled == 1
    finally:
        reopened.engine.dispose()


def test_sent_deliveries_are_pruned_after_the_retention(store: Store) -> None:
    outbox_store = DatabaseOutboxStore(store.engine, keep_sent=timedelta(days=30))
    manager, rec = AlarmManager(MemoryAlarmStore()), Recorder(failing=True)
    outbox = Outbox([rec], max_attempts=1, store=outbox_store)
    outbox.submit(manager.raise_alarm(SPEC, at(0)))
    outbox.deliver(at(0))  # given up: failed, kept however old
    rec.failing = False
    outbox.submit(manager.clear(KEY, at(10)))
    outbox.deliver(at(10))  # the clear is sent
    day = timedelta(days=1).total_seconds()
    outbox.deliver(at(30 * day))
    assert [d.notification.event for d in outbox.sent] == [EventType.CLEARED]
    outbox.deliver(at(30 * day + 11))
    assert outbox.sent == []
    assert [d.notification.event for d in outbox.failed] == [EventType.RAISED]


@pytest.mark.parametrize("link", ["inet-1", None], ids=["link", "site"])
def test_the_alarm_document_rebuilds_the_alarm(link: str | None) -> None:
    full = Alarm(7, AlarmKey(AlarmKind.LINK_DOWN, "br-a-001", link), SPEC.severity, "down",
                 raised_at=at(0), cleared_at=at(9), acknowledged_at=at(3),
                 acknowledged_by="noc", suppressed_by=2, clear_reason="up",
                 notes=("a", "b"))  # fmt: skip
    bare = Alarm(8, full.key, SPEC.severity, "down", raised_at=at(0))
    for alarm in (full, bare):
        assert alarm_from_document(alarm_document(alarm)) == alarm
