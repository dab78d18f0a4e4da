"""The demo's mail: a real SMTP server on loopback (aiosmtpd) that keeps what the controller
sends it (the ZTP invitations, alarm mails), for the mailbox page to show. Nothing is relayed
anywhere. It keeps the last `LIMIT` messages, each at most `MAX_BYTES`."""

from __future__ import annotations

import base64
import email
import email.policy
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from simulator.lab.common import free_ports

LIMIT = 200
MAX_BYTES = 1 << 20
"""A larger message is refused by the server (552): the demo's mails are a few kB."""


@dataclass(frozen=True, slots=True)
class Mail:
    """One message as received: its envelope, headers and its text and HTML bodies."""

    id: int
    received: datetime
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None


def _parse(ident: int, sender: str, to: list[str], data: bytes) -> Mail:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    shown = html.get_content() if html is not None else None
    # Pictures the HTML names by Content-ID (the invitation's QR code), made data: URIs so
    # that a page can show the mail as a mail program would.
    for part in message.walk():
        cid = str(part.get("Content-ID", "")).strip("<>")
        if cid and shown is not None and part.get_content_maintype() == "image":
            payload = part.get_payload(decode=True)
            encoded = base64.b64encode(payload if isinstance(payload, bytes) else b"").decode()
            picture = f"data:{part.get_content_type()};base64,{encoded}"
            shown = shown.replace(f"cid:{cid}", picture)
    return Mail(
        id=ident, received=datetime.now(UTC), sender=sender, to=tuple(to),
        subject=str(message.get("Subject", "")),
        text=text.get_content() if text is not None else "",
        html=shown,
    )  # fmt: skip


class MailSink:
    """An SMTP server on 127.0.0.1 (`port` once started) keeping the last `LIMIT` messages."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._mails: deque[Mail] = deque(maxlen=LIMIT)
        self._next = 1
        self._arrived = threading.Condition(self._lock)
        self._started = False
        self._controller = Controller(
            self, hostname="127.0.0.1", port=port or free_ports(1)[0], data_size_limit=MAX_BYTES,
            server_hostname="branchline-demo",
        )  # fmt: skip

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> None:
        self._controller.start()
        self._started = True

    def stop(self) -> None:
        if self._started:
            self._controller.stop()
            self._started = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            ident = self._next
            self._next += 1
        try:
            mail = _parse(ident, envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        except (ValueError, LookupError, AssertionError):
            return "554 Transaction failed: the message could not be read"
        with self._arrived:
            self._mails.append(mail)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def mails(self) -> list[Mail]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._mails))

    def get(self, ident: int) -> Mail | None:
        with self._lock:
            return next((m for m in self._mails if m.id == ident), None)

    def wait_for(self, to: str, after: int, timeout_s: float) -> Mail | None:
        """The first mail to `to` with an id above `after`, waiting up to `timeout_s`."""

        def found() -> Mail | None:
            return next((m for m in self._mails if m.id > after and to in m.to), None)

        with self._arrived:
            self._arrived.wait_for(lambda: found() is not None, timeout=timeout_s)
            return found()
