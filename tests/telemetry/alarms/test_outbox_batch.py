"""The outbox's batch path: `OutboxStore.view` and `apply`, and `Outbox.submit` reading once and
writing once per call, whatever the number of events, with the outcome of handling the events
one `submit` at a time.

`OutboxBatchContract` holds the tests; a subclass named Test... gives the `outbox_store` fixture
of one implementation (the in-memory one here, the controller's database one in
tests/controller/test_outbox_store_db.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from telemetry.alarms import Alarm, AlarmEvent, AlarmKey, AlarmKind, EventType
from telemetry.alarms.notify import (
    Delivery,
    DeliveryState,
    MemoryOutboxStore,
    Notification,
    Outbox,
    OutboxStore,
)
from telemetry.alarms.notify.store import OutboxChanges
from tests.telemetry.alarms.test_notify import KEY, SPEC, Recorder
from tests.telemetry.health.builders import at

SITE_KEY = AlarmKey(AlarmKind.SITE_OFFLINE, "br-xiaogan-001")  # a key without a link
RAISED, CLEARED = EventType.RAISED, EventType.CLEARED


def alarm(alarm_id: int, key: AlarmKey = KEY, seconds: int = 0) -> Alarm:
    return Alarm(alarm_id, key, SPEC.severity, SPEC.message, raised_at=at(seconds))


def queued(store: OutboxStore) -> list[tuple[EventType, Alarm, str, Any]]:
    """Every pending delivery, in id order: event, alarm as queued, notifier, due time."""
    pending = store.deliveries(DeliveryState.PENDING, limit=1_000_000)
    assert [d.id for d in pending] == sorted({d.id for d in pending})
    return [(d.notification.event, d.notification.alarm, d.notifier, d.due) for d in pending]


def storm(seed: int, size: int = 300) -> list[AlarmEvent]:
    """A seeded mix over a few keys, so that one alarm's events meet in a batch: raises of
    visible and suppressed alarms, repeats of earlier events, acknowledgements, suppressions,
    unsuppressions, clears of notified and unnotified alarms, raises again within and beyond the
    cool-down (15 min)."""
    rng = random.Random(seed)
    keys = [AlarmKey(AlarmKind.LINK_DOWN, f"br-{n:02}", "inet-1") for n in range(6)]
    keys += [AlarmKey(AlarmKind.SITE_OFFLINE, f"br-{n:02}") for n in range(3)]
    active: dict[AlarmKey, Alarm] = {}
    events: list[AlarmEvent] = []
    seconds, next_id = 0, 1
    for _ in range(size):
        seconds += rng.choice([0, 0, 1, 60, 400, 1000])
        now, key, roll = at(seconds), rng.choice(keys), rng.random()
        current = active.get(key)
        if events and roll < 0.12:
            events.append(rng.choice(events))  # a repeat, as it was
            continue
        if current is None:
            cause = rng.choice([None, None, 999])
            current = replace(alarm(next_id, key, seconds), suppressed_by=cause)
            next_id += 1
            event = AlarmEvent(RAISED, current, now)
        elif roll < 0.3:
            current = replace(current, acknowledged_at=now, acknowledged_by="noc")
            event = AlarmEvent(EventType.ACKNOWLEDGED, current, now)
        elif roll < 0.45 and current.suppressed_by is not None:
            current = replace(current, suppressed_by=None)
            event = AlarmEvent(EventType.UNSUPPRESSED, current, now)
        elif roll < 0.5 and current.suppressed_by is None:
            current = replace(current, suppressed_by=999)
            event = AlarmEvent(EventType.SUPPRESSED, current, now)
        else:
            current = replace(current, cleared_at=now, clear_reason="up")
            event = AlarmEvent(CLEARED, current, now)
        events.append(event)
        if event.type is CLEARED:
            del active[key]
        else:
            active[key] = current
    return events


class OutboxBatchContract:
    """Not collected itself (no Test prefix): subclasses supply an empty `outbox_store`."""

    def test_view_reads_the_marks_and_raises_asked_for(self, outbox_store: OutboxStore) -> None:
        changes = OutboxChanges(
            marks={(1, RAISED): at(0), (2, RAISED): at(1)},
            raises={KEY: at(0), SITE_KEY: at(1)},
        )
        assert outbox_store.apply(changes)
        view = outbox_store.view([1, 3], [KEY, replace(KEY, site="br-other-001")])
        assert (view.marks, view.raises) == ({1: frozenset({RAISED})}, {KEY: at(0)})
        view = outbox_store.view({1, 2, 3}, {KEY, SITE_KEY})
        assert (view.marks, view.raises) == (
            {1: frozenset({RAISED}), 2: frozenset({RAISED})},
            {KEY: at(0), SITE_KEY: at(1)},
        )
        assert outbox_store.view([], []).marks == {}

    def test_apply_forgets_then_marks_sets_raises_and_queues_in_order(
        self, outbox_store: OutboxStore
    ) -> None:
        first = OutboxChanges(marks={(1, RAISED): at(0), (2, RAISED): at(0)}, raises={KEY: at(0)})
        assert outbox_store.apply(first)
        a1, a3 = alarm(1), alarm(3, SITE_KEY)
        deliveries = [
            Delivery(notification, name, due=at(60))
            for notification in (Notification(CLEARED, a1), Notification(RAISED, a3))
            for name in ("email", "webhook")
        ]
        # Alarm 1's clear forgets its marks; alarm 2 is forgotten and marked again, in one step.
        second = OutboxChanges(
            forget={1, 2},
            marks={(2, RAISED): at(60), (3, RAISED): at(60)},
            raises={KEY: at(60), SITE_KEY: at(60)},
            deliveries=deliveries,
        )
        assert outbox_store.apply(second)
        view = outbox_store.view([1, 2, 3], [KEY, SITE_KEY])
        assert view.marks == {2: {RAISED}, 3: {RAISED}}
        assert view.raises == {KEY: at(60), SITE_KEY: at(60)}  # set again: the newer time
        assert queued(outbox_store) == [
            (CLEARED, a1, "email", at(60)),
            (CLEARED, a1, "webhook", at(60)),
            (RAISED, a3, "email", at(60)),
            (RAISED, a3, "webhook", at(60)),
        ]
        assert outbox_store.apply(OutboxChanges())  # nothing to do

    @pytest.mark.parametrize(
        "refused",
        [
            OutboxChanges(forget={1, 7}),  # alarm 7 has no mark (left) to forget
            OutboxChanges(marks={(3, RAISED): at(5), (1, RAISED): at(5)}),  # 1 is marked
        ],
        ids=["forget-unmarked", "mark-again"],
    )
    def test_apply_refuses_changes_decided_on_other_records_and_changes_nothing(
        self, outbox_store: OutboxStore, refused: OutboxChanges
    ) -> None:
        assert outbox_store.apply(OutboxChanges(marks={(1, RAISED): at(0)}, raises={KEY: at(0)}))
        refused.raises[SITE_KEY] = at(5)
        refused.deliveries.append(Delivery(Notification(RAISED, alarm(3)), "email", due=at(5)))
        assert not outbox_store.apply(refused)
        view = outbox_store.view([1, 3, 7], [KEY, SITE_KEY])
        assert (view.marks, view.raises) == ({1: frozenset({RAISED})}, {KEY: at(0)})
        assert queued(outbox_store) == []

    @pytest.mark.parametrize("notify_clear", [True, False], ids=["clears", "no-clears"])
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_a_storm_in_few_submits_is_its_events_one_submit_at_a_time(
        self, outbox_store: OutboxStore, seed: int, notify_clear: bool
    ) -> None:
        events = storm(seed)
        channels = [Recorder("email"), Recorder("webhook")]
        settings: dict[str, Any] = {"cooldown": timedelta(minutes=15), "notify_clear": notify_clear}
        one_by_one = Outbox(channels, store=MemoryOutboxStore(), **settings)
        batched = Outbox(channels, store=outbox_store, **settings)
        rng = random.Random(seed)
        counts, start = [], 0
        while start < len(events):  # batches of 1 to 150 events, the storm in a few of them
            size = rng.randint(1, 150)
            counts.append(batched.submit(events[start : start + size]))
            start += size
        expected = sum(one_by_one.submit([event]) for event in events)

        assert len(counts) > 2 and sum(counts) == expected > 20
        assert batched.cooled == one_by_one.cooled > 0
        assert queued(batched.store) == queued(one_by_one.store)
        ids = {e.alarm.id for e in events}
        keys = {e.alarm.key for e in events}
        assert batched.store.view(ids, keys) == one_by_one.store.view(ids, keys)
        kinds = {e.type for e in events}
        assert kinds == set(EventType)  # the mix has every kind of event
        notified = {(n, a.id) for n, a, _, _ in queued(batched.store)}
        assert any((CLEARED, i) in notified for _, i in notified) is notify_clear

    def test_submit_reads_once_and_writes_once_whatever_the_events(
        self, outbox_store: OutboxStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls: list[str] = []

        def counted(name: str) -> Callable[..., Any]:
            method = getattr(outbox_store, name)

            def call(*args: Any) -> Any:
                calls.append(name)
                return method(*args)

            return call

        for name in ("view", "apply"):
            monkeypatch.setattr(outbox_store, name, counted(name))
        outbox = Outbox([Recorder()], store=outbox_store)
        for size in (1, 10, 500):
            first = AlarmEvent(RAISED, alarm(100_000 + size, replace(KEY, site=f"x{size}")), at(0))
            events = [first, *storm(size, size)]
            calls.clear()
            assert outbox.submit(events) > 0
            assert calls == ["view", "apply"], size
        calls.clear()
        assert outbox.submit([]) == 0
        assert calls == []  # nothing to read nor write
        calls.clear()
        raised = AlarmEvent(RAISED, alarm(10_000), at(0))
        assert outbox.submit([raised]) == 1
        assert outbox.submit([raised]) == 0  # a repeat: read, nothing to write
        assert calls == ["view", "apply", "view"]

    def test_submit_decides_again_when_another_writer_came_first(
        self, outbox_store: OutboxStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two outboxes on one store: the one that read before the other wrote is refused,
        reads again, and queues nothing twice."""
        raised = AlarmEvent(RAISED, alarm(1), at(0))
        late, other = (Outbox([Recorder()], store=outbox_store) for _ in range(2))
        view, reads = outbox_store.view, []

        def view_then_the_other_writes(*args: Any) -> Any:
            seen = view(*args)
            reads.append(args)
            if len(reads) == 1:
                assert other.submit([raised]) == 1  # between this read and its write
            return seen

        monkeypatch.setattr(outbox_store, "view", view_then_the_other_writes)
        assert late.submit([raised]) == 0
        assert len(reads) == 3  # late's read, the other's, late's again after the refusal
        assert len(queued(outbox_store)) == 1


class TestMemoryOutboxBatch(OutboxBatchContract):
    @pytest.fixture
    def outbox_store(self) -> OutboxStore:
        return MemoryOutboxStore()
