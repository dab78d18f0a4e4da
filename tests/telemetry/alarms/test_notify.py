"""Notifications: de-duplication, cool-down, retries and dead letters, and the two real
channels, e-mail to an aiosmtpd server and a webhook to a stdlib HTTP server, both on loopback."""

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
    EmailNotifier,
    EmailSettings,
    Notification,
    NotifyError,
    Outbox,
    WebhookNotifier,
    WebhookSettings,
)
from tests.components import free_port
from tests.telemetry.alarms.conftest import Hooks, Mailbox
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


def test_one_notification_per_alarm_and_event() -> None:
    manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
    outbox = Outbox([rec])
    events = manager.raise_alarm(SPEC, at(0))
    assert outbox.submit(events) == 1
    assert outbox.submit(events) == 0  # the same events again: de-duplicated
    assert outbox.submit(manager.raise_alarm(SPEC, at(1))) == 0  # still active: no event
    outbox.submit(manager.acknowledge(events[0].alarm.id, "noc", at(2)))
    outbox.submit(manager.clear(KEY, at(3), "link up"))
    assert outbox.deliver(at(3)).sent == 2
    assert [(n.event, n.alarm.id) for n in rec.got] == [
        (EventType.RAISED, 1),
        (EventType.CLEARED, 1),
    ]


def test_cool_down_holds_back_a_key_that_raises_again_soon() -> None:
    manager, rec = AlarmManager(MemoryAlarmStore()), Recorder()
    outbox = Outbox([rec], cooldown=timedelta(minutes=15))
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


def test_suppressed_alarms_are_not_notified() -> None:
    graph = nx.DiGraph([("site:br-xiaogan-001", "link:br-xiaogan-001/inet-1")])
    manager, rec = AlarmManager(MemoryAlarmStore(), graph), Recorder()
    outbox = Outbox([rec])
    offline = AlarmSpec(AlarmKey(AlarmKind.SITE_OFFLINE, KEY.site), Severity.CRITICAL, "off")
    outbox.submit(manager.raise_alarm(offline, at(0)))
    outbox.submit(manager.raise_alarm(SPEC, at(1)))  # suppressed from birth
    outbox.submit(manager.clear(KEY, at(2)))  # its clear is not news either
    outbox.deliver(at(2))
    assert [n.alarm.key.kind for n in rec.got] == [AlarmKind.SITE_OFFLINE]


def test_failures_are_retried_with_backoff_then_recorded_never_lost() -> None:
    manager, rec = AlarmManager(MemoryAlarmStore()), Recorder(failing=True)
    outbox = Outbox(
        [rec],
        max_attempts=3,
        backoff_initial=timedelta(seconds=30),
        backoff_max=timedelta(seconds=60),
    )
    outbox.submit(manager.raise_alarm(SPEC, at(0)))
    assert outbox.deliver(at(0)).retried == 1
    assert outbox.deliver(at(29)).retried == 0  # not due yet
    assert outbox.deliver(at(30)).retried == 1  # next wait doubles to 60 s
    assert outbox.deliver(at(89)).gave_up == 0
    assert outbox.deliver(at(90)).gave_up == 1
    (dead,) = outbox.failed
    assert dead.attempts == 3 and "channel down" in dead.errors[-1]
    assert outbox.pending == []
    rec.failing = False
    assert outbox.retry_failed(at(100)) == 1
    assert outbox.deliver(at(100)).sent == 1
    assert [n.alarm.key for n in rec.got] == [KEY]


def test_email_reaches_a_real_smtp_server(smtp_server: Mailbox) -> None:
    settings = EmailSettings(
        port=smtp_server.port, sender="alarms@branchline.test", recipients=("noc@branchline.test",)
    )
    manager = AlarmManager(MemoryAlarmStore())
    outbox = Outbox([EmailNotifier(settings)])
    outbox.submit(manager.raise_alarm(SPEC, at(0)))
    assert outbox.deliver(at(0)).sent == 1
    (mail,) = smtp_server.messages
    assert mail["Subject"] == "[Branchline] MAJOR raised: link-down br-xiaogan-001/inet-1"
    assert mail["Message-ID"] == "<alarm-1-raised@branchline.test>"
    body = mail.get_content()
    assert "br-xiaogan-001 inet-1: down (loss 100 %)" in body
    assert "raised at: 2026-03-02T09:30:00+00:00" in body
    assert smtp_server.envelopes == [("alarms@branchline.test", ["noc@branchline.test"])]


def test_email_to_a_closed_port_is_a_notify_error_and_is_retried() -> None:
    settings = EmailSettings(
        port=free_port(), sender="a@b.test", recipients=("c@d.test",), timeout=2.0
    )
    outbox = Outbox([EmailNotifier(settings)])
    outbox.submit(AlarmManager(MemoryAlarmStore()).raise_alarm(SPEC, at(0)))
    assert outbox.deliver(at(0)).retried == 1
    assert "SMTP 127.0.0.1" in outbox.pending[0].errors[0]


def test_webhook_posts_json_and_retries_a_5xx(webhook_server: Hooks) -> None:
    outbox = Outbox([WebhookNotifier(WebhookSettings(url=webhook_server.url))])
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


def test_settings_are_validated_at_the_edge() -> None:
    with pytest.raises(ValidationError, match="recipients"):
        EmailSettings(sender="a@b.test", recipients=())
    with pytest.raises(ValidationError, match="url"):
        WebhookSettings(url="ftp://127.0.0.1/x")  # the edge gets text
