"""A real SMTP server on loopback (aiosmtpd, DESIGN §3) and what it received: the alarm and
the ZTP mail tests read their mails here."""

from __future__ import annotations

import email
import email.policy
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from tests.components import free_port, missing


@dataclass
class Mailbox:
    """What the SMTP server received. aiosmtpd calls `handle_DATA` for each accepted mail."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    *, starttls: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None,
    password: str | None = None,
) -> Iterator[Mailbox]:  # fmt: skip
    """A real aiosmtpd SMTP server on a free loopback port: plain, offering STARTTLS (required
    then), or TLS from the first byte; with `password`, a login is required (any user)."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        missing("aiosmtpd", "install the test extra: pip install -e '.[test]'")
    box = Mailbox(port=free_port())

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:  # fmt: skip
        ok = data.password.decode() == password
        if ok:
            box.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535

    options: dict[str, Any] = {}
    if starttls is not None:
        options |= {"tls_context": starttls, "require_starttls": True}
    if password is not None:
        # With TLS from the first byte aiosmtpd does not know the session is encrypted, and
        # would not offer AUTH if it had to wait for STARTTLS.
        options |= {"authenticator": authenticate, "auth_required": True,
                    "auth_require_tls": implicit_tls is None}  # fmt: skip
    controller = Controller(box, hostname="127.0.0.1", port=box.port, ssl_context=implicit_tls,
                            **options)  # fmt: skip
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
