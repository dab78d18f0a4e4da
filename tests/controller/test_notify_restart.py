"""Alarm mails outlive the controller: a mail that could not be sent before a restart (the SMTP
server was down) is sent after it, once; and the clear of an alarm whose raise was mailed before
a restart is mailed after it. A real aiosmtpd server on loopback, the controller's database on
SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.monitor.service import Monitor
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store
from sites.inventory import Inventory
from telemetry.alarms import Alarm
from telemetry.alarms.notify import DeliveryState
from telemetry.store.base import TelemetryStore
from tests.components import free_port, missing
from tests.conftest import bearer
from tests.controller.test_alarm_restart import post_and_tick
from tests.controller.test_monitoring_api import Inbox, smtp, telemetry

__all__ = ["smtp", "telemetry"]  # fixtures shared with test_monitoring_api


def mailed_to(port: int) -> Settings:
    """The controller's settings (the database is handed in): alarms mailed to `port`."""
    return Settings(
        reconcile_interval_s=0,
        alarms={
            "email_host": "127.0.0.1",
            "email_port": port,
            "email_sender": "branchline@example.test",
            "email_recipients": "noc@example.test",
        },
    )


def mails(inbox: Inbox) -> list[EmailMessage]:
    parsed = [email.message_from_bytes(m, policy=email.policy.default) for m in inbox.messages]
    return [m for m in parsed if isinstance(m, EmailMessage)]


@pytest.fixture
def start_smtp() -> Iterator[Callable[[int], Inbox]]:
    """Starts a real SMTP server on a given port when the test says so; stops it after."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing("aiosmtpd", "make test installs it (the test extra)")
    started: list[Controller] = []

    def start(port: int) -> Inbox:
        inbox = Inbox()
        server = Controller(inbox, hostname="127.0.0.1", port=port)
        server.start()
        started.append(server)
        return inbox

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def restarted(settings: Settings) -> Iterator[Store]:
    """A new engine on the same database, as a restarted controller opens it."""
    opened = open_store(settings)
    yield opened
    opened.engine.dispose()


def test_a_mail_pending_at_a_restart_is_sent_once_after_it(
    store: Store,
    restarted: Store,
    telemetry: TelemetryStore,
    small_inventory: Inventory,
    start_smtp: Callable[[int], Inbox],
) -> None:
    store.replace_inventory(small_inventory, actor="test-setup")
    headers = bearer(store, "root", Role.ADMIN)
    port = free_port()  # nothing listens there yet: the SMTP server is down
    first = create_app(mailed_to(port), store=store, telemetry_store=telemetry)
    api = TestClient(first, headers=headers)
    post_and_tick(first, api, 0, mpls_up=True)
    assert len(post_and_tick(first, api, 2, mpls_up=False)) == 1  # raised at T0 + 3 s
    monitor: Monitor = first.state.monitor
    [waiting] = monitor.outbox.pending
    assert waiting.attempts == 1 and "SMTP 127.0.0.1" in waiting.errors[0]
    [alarm] = api.get("/api/v1/alarms").json()

    inbox = start_smtp(port)  # the server is back, and the controller restarts
    second = create_app(mailed_to(port), store=restarted, telemetry_store=telemetry)
    api = TestClient(second, headers=headers)
    assert post_and_tick(second, api, 4, mpls_up=False) == []  # adopted, and not due yet
    assert inbox.messages == []
    post_and_tick(second, api, 40, mpls_up=False)  # the retry is due (30 s after the failure)
    post_and_tick(second, api, 42, mpls_up=False)  # later ticks: nothing more
    post_and_tick(second, api, 200, mpls_up=False)  # (before the silent sites go offline)

    [mail] = mails(inbox)
    assert mail["Subject"] == "[Branchline] MAJOR raised: link-down br-hangzhou-001/mpls-1"
    assert mail["Message-ID"] == f"<alarm-{alarm['id']}-raised@example.test>"
    outbox = second.state.monitor.outbox
    assert outbox.pending == [] and outbox.failed == []
    [sent] = outbox.sent
    assert (sent.state, sent.attempts, len(sent.errors)) == (DeliveryState.SENT, 2, 1)


def raised_and_mailed(
    store: Store, telemetry: TelemetryStore, inventory: Inventory, smtp: tuple[int, Inbox]
) -> tuple[dict[str, str], Alarm]:
    """A controller raised a link-down alarm and mailed it; its API headers and the alarm."""
    store.replace_inventory(inventory, actor="test-setup")
    headers = bearer(store, "root", Role.ADMIN)
    port, inbox = smtp
    first = create_app(mailed_to(port), store=store, telemetry_store=telemetry)
    api = TestClient(first, headers=headers)
    post_and_tick(first, api, 0, mpls_up=True)
    post_and_tick(first, api, 2, mpls_up=False)
    assert len(inbox.messages) == 1  # the raise, mailed before the restart
    [alarm] = store.alarms.search(active=True)
    return headers, alarm


def test_the_clear_of_an_alarm_mailed_before_a_restart_is_mailed(
    store: Store,
    restarted: Store,
    telemetry: TelemetryStore,
    small_inventory: Inventory,
    smtp: tuple[int, Inbox],
) -> None:
    port, inbox = smtp
    headers, alarm = raised_and_mailed(store, telemetry, small_inventory, smtp)

    second = create_app(mailed_to(port), store=restarted, telemetry_store=telemetry)
    api = TestClient(second, headers=headers)
    assert post_and_tick(second, api, 4, mpls_up=False) == []
    assert len(post_and_tick(second, api, 6, mpls_up=True)) == 1  # cleared
    post_and_tick(second, api, 8, mpls_up=True)

    raised, cleared = mails(inbox)
    assert raised["Message-ID"] == f"<alarm-{alarm.id}-raised@example.test>"
    assert cleared["Subject"] == "[Branchline] MAJOR cleared: link-down br-hangzhou-001/mpls-1"
    assert cleared["Message-ID"] == f"<alarm-{alarm.id}-cleared@example.test>"
    assert "cleared: " in cleared.get_content()


def test_a_clear_stored_but_never_queued_before_a_stop_is_mailed_at_the_next_start(
    store: Store,
    restarted: Store,
    telemetry: TelemetryStore,
    small_inventory: Inventory,
    smtp: tuple[int, Inbox],
) -> None:
    """The process stopped between storing an alarm's clear and queueing its mail."""
    port, inbox = smtp
    headers, active = raised_and_mailed(store, telemetry, small_inventory, smtp)
    store.alarms.update(active.cleared(active.raised_at + timedelta(seconds=3), "link up"))

    second = create_app(mailed_to(port), store=restarted, telemetry_store=telemetry)
    api = TestClient(second, headers=headers)
    post_and_tick(second, api, 6, mpls_up=True)
    raised, cleared = mails(inbox)
    assert raised["Message-ID"] == f"<alarm-{active.id}-raised@example.test>"
    assert cleared["Message-ID"] == f"<alarm-{active.id}-cleared@example.test>"
    assert "cleared: " in cleared.get_content() and "(link up)" in cleared.get_content()
    post_and_tick(second, api, 8, mpls_up=True)
    third = create_app(mailed_to(port), store=restarted, telemetry_store=telemetry)
    post_and_tick(third, TestClient(third, headers=headers), 10, mpls_up=True)
    assert len(inbox.messages) == 2  # once, not at every start
