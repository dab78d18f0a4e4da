"""Alarm e-mails over SMTP (stdlib smtplib)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from pydantic import Field, SecretStr

from sites.base import FrozenModel
from telemetry.alarms.notify.base import PRODUCT, Notification, NotifyError


class EmailSettings(FrozenModel):
    """Where and how alarm mails go. Validated at the edge: a typo in a field is an error."""

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    recipients: tuple[str, ...] = Field(min_length=1)
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    timeout: float = Field(default=10.0, gt=0)


class EmailNotifier:
    """Sends each notification as one plain-text mail to every recipient."""

    name = "email"

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings

    def message(self, notification: Notification) -> EmailMessage:
        s = self.settings
        msg = EmailMessage()
        msg["From"] = f"{PRODUCT} alarms <{s.sender}>"
        msg["To"] = ", ".join(s.recipients)
        msg["Subject"] = notification.subject
        msg["Message-ID"] = f"<{notification.dedup_id}@{s.sender.split('@', 1)[1]}>"
        msg["X-Branchline-Alarm"] = str(notification.alarm.id)
        msg.set_content(notification.text())
        return msg

    def send(self, notification: Notification) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.username is not None:
                    secret = s.password.get_secret_value() if s.password else ""
                    smtp.login(s.username, secret)
                refused = smtp.send_message(self.message(notification))
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(f"SMTP {s.host}:{s.port}: {exc}") from exc
        if refused:  # accepted for some recipients only: still a failure to report
            raise NotifyError(f"SMTP {s.host}:{s.port} refused recipients {sorted(refused)}")


def open_notifier(**options: Any) -> EmailNotifier:
    """Registry factory: options are `EmailSettings` fields."""
    return EmailNotifier(EmailSettings(**options))
