"""Notifications: de-duplication, cool-down, retries and dead letters, and the two real
channels, e-mail to an aiosmtpd server and a webhook to a stdlib HTTP server, both on loopback.

The outbox's tests are the `OutboxStore` contract: `OutboxContract` holds them, and a subclass
named Test... gives the `outbox_store` fixture of one implementation (the in-memory one here,
the controller's database one in tests/controller/test_outbox_store_db.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import networkx as nx
import pytest
from pydantic import ValidationError

from telemetry.alarms import (
    AlarmKey,
    AlarmKind,
    AlarmManager,
    AlarmSpec,
    EventType,
    MemoryAlarmStore,
    Severity,
)
from telemetry.alarms.notify import (
    DeliveryReport,
    DeliveryState,
    MemoryOutboxStore,
    Notification,
    NotifyError,
    Outbox,
    OutboxStore,
)
from telemetry.alarms.notify.email import EmailNotifier, EmailSettings
from telemetry.alarms.notify.webhook import WebhookNotifier, WebhookSettings
from tests.components import free_port
from tests.mailbox import Mailbox
from tests.telemetry.alarms.conftest import Hooks
from tests.telemetry.health.builders import at

KEY = AlarmKey(AlarmKind.LINK_DOWN, "br-xiaogan-001", "inet-1")
SPEC = AlarmSpec(KEY, Severity.MAJOR, "br-xiaogan-001 inet-1: down (loss 100 %)")


@dataclass
class Recorder:
    """A notifier that records, or fails while `failing` is set."""

    name: str = "recorder"
    failing: bool = False
    got: list[Notification] = field(default_factory=list)

    def send(self, notification: Notification) -> None:
        if self.failing:
            raise NotifyError("channel down")
        self.got.append(notification)


def marks(store: OutboxStore, alarm_id: int) -> frozenset[EventType]:
    """The (alarm id, event) marks the store holds for `alarm_id`."""
    return store.view([alarm_id], []).marks.get(alarm_id, frozenset())


class OutboxContract:
    """Not collected itself (no Test prefix): subclasses supply an empty `outbox_store`."""

    def test_is_an_outbox_store(self, outbox_store: OutboxStore) -> None:
        assert isinstance(outbox_store, OutboxStore)

    def test_one_notification_per_alarm_and_event(self, outbox_store: OutboxStore) -> None:
        manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
        outbox = Outbox([rec], store=outbox_store)
        events = manager.raise_alarm(SPEC, at(0))
        assert outbox.submit(events) == 1
        assert outbox.submit(events) == 0  # the same events again: de-duplicated
        assert outbox.submit(manager.raise_alarm(SPEC, at(1))) == 0  # still active: no event
        outbox.submit(manager.acknowledge(events[0].alarm.id, "noc", at(2)))
        cleared = manager.clear(KEY, at(3), "link up")
        assert outbox.submit(cleared) == 1
        assert outbox.submit(cleared) == 0  # a clear is notified once too
        assert outbox.deliver(at(3)).sent == 2
        assert [(n.event, n.alarm.id) for n in rec.got] == [
            (EventType.RAISED, 1),
            (EventType.CLEARED, 1),
        ]
        assert [(d.notification.event, d.attempts) for d in outbox.sent] == [
            (EventType.RAISED, 1),
            (EventType.CLEARED, 1),
        ]
        assert outbox.pending == [] and outbox.failed == []

    def test_cool_down_holds_back_a_key_that_raises_again_soon(
        self, outbox_store: OutboxStore
    ) -> None:
        manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
        outbox = Outbox([rec], cooldown=timedelta(minutes=15), store=outbox_store)
        outbox.submit(manager.raise_alarm(SPEC, at(0)))
        outbox.submit(manager.clear(KEY, at(60)))
        outbox.submit(manager.raise_alarm(SPEC, at(120)))  # within 15 min of the first raise
        outbox.submit(manager.clear(KEY, at(180)))
        assert outbox.cooled == 1
        outbox.submit(manager.raise_alarm(SPEC, at(1000)))  # after the cool-down
        outbox.deliver(at(1000))
        assert [(n.event, n.alarm.id) for n in rec.got] == [
            (EventType.RAISED, 1),
            (EventType.CLEARED, 1),
            (EventType.RAISED, 3),
        ]

    def test_suppressed_alarms_are_not_notified(self, outbox_store: OutboxStore) -> None:
        graph = nx.DiGraph([("site:br-xiaogan-001", "link:br-xiaogan-001/inet-1")])
        manager, rec = AlarmManager(MemoryAlarmStore(), graph), Recorder()
        outbox = Outbox([rec], store=outbox_store)
        offline = AlarmSpec(AlarmKey(AlarmKind.SITE_OFFLINE, KEY.site), Severity.CRITICAL, "off")
        outbox.submit(manager.raise_alarm(offline, at(0)))
        outbox.submit(manager.raise_alarm(SPEC, at(1)))  # suppressed from birth
        outbox.submit(manager.clear(KEY, at(2)))  # its clear is not news either
        outbox.deliver(at(2))
        assert [n.alarm.key.kind for n in rec.got] == [AlarmKind.SITE_OFFLINE]

    def test_failures_are_retried_with_backoff_then_recorded_never_lost(
        self, outbox_store: OutboxStore
    ) -> None:
        manager, rec = AlarmManager(MemoryAlarmStore()), Recorder(failing=True)
        outbox = Outbox(
            [rec],
            max_attempts=3,
            backoff_initial=timedelta(seconds=30),
            backoff_max=timedelta(seconds=60),
            store=outbox_store,
        )
        outbox.submit(manager.raise_alarm(SPEC, at(0)))
        assert outbox.deliver(at(0)).retried == 1
        assert outbox.deliver(at(29)).retried == 0  # not due yet
        assert outbox.deliver(at(30)).retried == 1  # next wait doubles to 60 s
        assert outbox.deliver(at(89)).gave_up == 0
        assert outbox.deliver(at(90)).gave_up == 1
        (dead,) = outbox.failed
        assert dead.attempts == 3 and "channel down" in dead.errors[-1]
        assert (dead.state, dead.finished_at) == (DeliveryState.FAILED, at(90))
        assert outbox.pending == []
        rec.failing = False
        assert outbox.retry_failed(at(100)) == 1
        assert outbox.deliver(at(100)).sent == 1
        assert [n.alarm.key for n in rec.got] == [KEY]
        (done,) = outbox.sent
        assert len(done.errors) == 3  # what went wrong before is kept with it

    def test_each_channel_is_retried_on_its_own(self, outbox_store: OutboxStore) -> None:
        mail, hook = Recorder("email"), Recorder("webhook", failing=True)
        outbox = Outbox([mail, hook], store=outbox_store)
        outbox.submit(AlarmManager(MemoryAlarmStore()).raise_alarm(SPEC, at(0)))
        assert outbox.deliver(at(0)) == DeliveryReport(sent=1, retried=1)
        hook.failing = False
        assert outbox.deliver(at(30)).sent == 1
        assert (len(mail.got), len(hook.got)) == (1, 1)  # the webhook outage re-sent no mail

    def test_a_late_delivery_describes_the_alarm_as_it_was_at_the_event(
        self, outbox_store: OutboxStore
    ) -> None:
        manager, rec = AlarmManager(MemoryAlarmStore()), Recorder(failing=True)
        outbox = Outbox([rec], store=outbox_store)
        [raised] = manager.raise_alarm(SPEC, at(0))
        outbox.submit([raised])
        outbox.deliver(at(0))
        outbox.submit(manager.acknowledge(raised.alarm.id, "noc", at(5)))
        outbox.submit(manager.clear(KEY, at(10), "link up"))
        rec.failing = False
        outbox.deliver(at(60))
        assert [(n.event, n.alarm) for n in rec.got] == [
            (EventType.RAISED, raised.alarm),  # not acknowledged, not cleared: as raised
            (EventType.CLEARED, manager.store.get(raised.alarm.id)),
        ]
        assert "cleared:" not in rec.got[0].text() and "cleared:" in rec.got[1].text()

    def test_a_channel_no_longer_configured_fails_its_deliveries(
        self, outbox_store: OutboxStore
    ) -> None:
        """Deliveries queued for a channel the outbox no longer has (settings changed across a
        restart) are recorded as failed, not silently dropped nor retried forever."""
        before = Outbox([Recorder("webhook", failing=True)], store=outbox_store)
        before.submit(AlarmManager(MemoryAlarmStore()).raise_alarm(SPEC, at(0)))
        before.deliver(at(0))
        after = Outbox([Recorder("email")], store=outbox_store)
        assert after.deliver(at(60)).gave_up == 1
        (dead,) = after.failed
        assert dead.notifier == "webhook" and "no 'webhook' notifier" in dead.errors[-1]

    def test_an_alarms_marks_go_once_its_clear_is_handled(self, outbox_store: OutboxStore) -> None:
        manager = AlarmManager(MemoryAlarmStore())
        outbox = Outbox([Recorder()], store=outbox_store)
        [raised] = manager.raise_alarm(SPEC, at(0))
        outbox.submit([raised])
        assert marks(outbox_store, raised.alarm.id) == {EventType.RAISED}
        other = AlarmSpec(AlarmKey(AlarmKind.SITE_OFFLINE, "br-xiaogan-001"), Severity.MAJOR, "x")
        outbox.submit(manager.raise_alarm(other, at(1)))
        assert outbox_store.marked() == [raised.alarm.id, raised.alarm.id + 1]
        outbox.submit(manager.clear(KEY, at(10)))
        assert marks(outbox_store, raised.alarm.id) == set()
        assert outbox_store.marked() == [raised.alarm.id + 1]  # the one whose clear is to come
        assert len(outbox.pending) == 3  # forgetting the marks kept what is to be sent

    def test_a_clear_not_notified_forgets_the_alarm_too(self, outbox_store: OutboxStore) -> None:
        manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
        outbox = Outbox([rec], notify_clear=False, store=outbox_store)
        [raised] = manager.raise_alarm(SPEC, at(0))
        outbox.submit([raised])
        assert outbox.submit(manager.clear(KEY, at(10))) == 0
        assert marks(outbox_store, raised.alarm.id) == set()
        outbox.deliver(at(10))
        assert [n.event for n in rec.got] == [EventType.RAISED]

    def test_raise_times_go_once_older_than_the_cool_down(self, outbox_store: OutboxStore) -> None:
        manager = AlarmManager(MemoryAlarmStore())
        outbox = Outbox([Recorder()], cooldown=timedelta(minutes=15), store=outbox_store)
        outbox.submit(manager.raise_alarm(SPEC, at(0)))
        outbox.deliver(at(0))
        assert outbox_store.view([], [KEY]).raises == {KEY: at(0)}
        outbox.deliver(at(899))
        assert outbox_store.view([], [KEY]).raises == {KEY: at(0)}  # still cooling at 899 s
        outbox.deliver(at(901))
        assert outbox_store.view([], [KEY]).raises == {}

    def test_email_reaches_a_real_smtp_server(
        self, outbox_store: OutboxStore, smtp_server: Mailbox
    ) -> None:
        settings = EmailSettings(
            port=smtp_server.port,
            sender="alarms@branchline.test",
            recipients=("noc@branchline.test",),
        )
        manager = AlarmManager(MemoryAlarmStore())
        outbox = Outbox([EmailNotifier(settings)], store=outbox_store)
        outbox.submit(manager.raise_alarm(SPEC, at(0)))
        assert outbox.deliver(at(0)).sent == 1
        (mail,) = smtp_server.messages
        assert mail["Subject"] == "[Branchline] MAJOR raised: link-down br-xiaogan-001/inet-1"
        assert mail["Message-ID"] == "<alarm-1-raised@branchline.test>"
        body = mail.get_content()
        assert "br-xiaogan-001 inet-1: down (loss 100 %)" in body
        assert "raised at: 2026-03-02T09:30:00+00:00" in body
        assert smtp_server.envelopes == [("alarms@branchline.test", ["noc@branchline.test"])]

    def test_email_to_a_closed_port_is_a_notify_error_and_is_retried(
        self, outbox_store: OutboxStore
    ) -> None:
        settings = EmailSettings(
            port=free_port(), sender="a@b.test", recipients=("c@d.test",), timeout=2.0
        )
        outbox = Outbox([EmailNotifier(settings)], store=outbox_store)
        outbox.submit(AlarmManager(MemoryAlarmStore()).raise_alarm(SPEC, at(0)))
        assert outbox.deliver(at(0)).retried == 1
        assert "SMTP 127.0.0.1" in outbox.pending[0].errors[0]

    def test_webhook_posts_json_and_retries_a_5xx(
        self, outbox_store: OutboxStore, webhook_server: Hooks
    ) -> None:
        notifier = WebhookNotifier(WebhookSettings(url=webhook_server.url))
        outbox = Outbox([notifier], store=outbox_store)
        manager = AlarmManager(MemoryAlarmStore())
        outbox.submit(manager.raise_alarm(SPEC, at(0)))
        webhook_server.status = 503
        assert outbox.deliver(at(0)).retried == 1
        assert "503" in outbox.pending[0].errors[0]
        webhook_server.status = 204
        assert outbox.deliver(at(30)).sent == 1
        (payload,) = webhook_server.received
        assert payload["event"] == "raised"
        assert payload["id"] == "alarm-1-raised"
        assert payload["alarm"]["kind"] == "link-down"
        assert payload["alarm"]["link"] == "inet-1"


class TestMemoryOutbox(OutboxContract):
    @pytest.fixture
    def outbox_store(self) -> OutboxStore:
        return MemoryOutboxStore()


def test_the_memory_store_stays_bounded_over_many_raise_clear_cycles() -> None:
    """Months of flapping links: the records held stop growing (sent: a window; marks: gone
    with each clear; raise times: gone after the cool-down)."""
    store = MemoryOutboxStore(keep_sent=50)
    manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
    outbox = Outbox([rec], cooldown=timedelta(minutes=15), store=store)
    keys = [AlarmKey(AlarmKind.LINK_DOWN, f"br-{n:03}", "inet-1") for n in range(20)]
    raised, cleared = [], []
    for cycle in range(100):
        t = cycle * 1000  # each key raises and clears once per cycle, beyond the cool-down
        for key in keys:
            outbox.submit(manager.raise_alarm(AlarmSpec(key, Severity.MAJOR, "down"), at(t)))
        outbox.deliver(at(t))
        raised.append(store.sizes())
        for key in keys:
            outbox.submit(manager.clear(key, at(t + 100), "up"))
        outbox.deliver(at(t + 100))
        cleared.append(store.sizes())
    assert len(rec.got) == 100 * 20 * 2  # everything was sent
    assert cleared[-1] == {"pending": 0, "failed": 0, "sent": 50, "marks": 0, "raises": 20}
    assert {s["marks"] for s in raised} == {20}  # one per active alarm's raise...
    assert {s["marks"] for s in cleared} == {0}  # ...gone with its clear
    assert max(s["raises"] for s in raised + cleared) == 20  # one per key, not per raise
    assert max(s["sent"] for s in raised + cleared) == 50


def test_settings_are_validated_at_the_edge() -> None:
    with pytest.raises(ValidationError, match="recipients"):
        EmailSettings(sender="a@b.test", recipients=())
    with pytest.raises(ValidationError, match="url"):
        WebhookSettings(url="ftp://127.0.0.1/x")  # the edge gets text
