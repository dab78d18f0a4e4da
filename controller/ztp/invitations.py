"""Inviting the person at a branch to open it: a random token of 192 bits, kept only as its
SHA-256, a link to the controller's installer page with the token after `#` (a browser never
sends what follows `#`, so the token reaches no access log or proxy), mailed over SMTP.
Re-inviting revokes the site's previous link; a mail that cannot be sent revokes its link (no
one has it) and says why."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from controller.auth.tokens import hash_secret
from controller.errors import NotFoundError
from controller.settings import Settings
from controller.store.facade import Store
from controller.store.ztp_store import Invite
from controller.ztp.mail import invitation_mail
from telemetry.smtp import MailError, SmtpServer
from telemetry.smtp import send as send_mail

TOKEN_BYTES = 24
"""192 random bits (the issue's floor is 128)."""
EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")

Sender = Callable[[SmtpServer, EmailMessage], None]


class InvitationError(MailError):
    """The invitation could not be mailed; its link was revoked."""


def link(settings: Settings, token: str) -> str:
    return f"{settings.ztp.public_url.rstrip('/')}/ztp#{token}"


class Invitations:
    def __init__(self, store: Store, settings: Settings, send: Sender = send_mail) -> None:
        self.store = store
        self.settings = settings
        self._send = send

    def invite(self, site_id: str, email: str, actor: str, ttl_h: float | None = None) -> Invite:
        """Create and mail a site's one-time link (see module)."""
        if not EMAIL.match(email):
            raise ValueError(f"email: {email!r} is not an e-mail address")
        _, inventory = self.store.current.get()
        site = next((s for s in inventory.sites if s.id == site_id), None)
        if site is None:
            raise NotFoundError(f"no site with id {site_id!r}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        ttl = timedelta(hours=ttl_h if ttl_h is not None else self.settings.ztp.link_ttl_h)
        expires = datetime.now(UTC).replace(microsecond=0) + ttl
        invite = self.store.ztp.invite(site_id, email, hash_secret(token), expires, actor)
        message = invitation_mail(
            sender=self.settings.ztp.sender, to=email, site_name=site.name, city=site.city,
            link=link(self.settings, token), expires_at=expires,
        )  # fmt: skip
        try:
            self._send(self.settings.ztp.smtp, message)
        except MailError as exc:
            self.store.ztp.revoke(invite.id, actor)
            raise InvitationError(f"the invitation was not mailed ({exc}); its link is "
                                  "revoked: invite again once mail works") from None  # fmt: skip
        self.store.ztp.mailed(invite.id, actor)
        return invite
