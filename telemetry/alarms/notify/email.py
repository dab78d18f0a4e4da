"""Alarm e-mails over SMTP (`telemetry.smtp`)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from pydantic import Field, SecretStr

from sites.base import FrozenModel
from telemetry.alarms.notify.base import PRODUCT, Notification, NotifyError
from telemetry.smtp import MailError, Security, SmtpServer
from telemetry.smtp import send as send_mail


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
        server = SmtpServer(host=s.host, port=s.port, username=s.username, password=s.password,
                            security=Security.STARTTLS if s.starttls else Security.NONE,
                            timeout=s.timeout)  # fmt: skip
        try:
            send_mail(server, self.message(notification))
        except MailError as exc:
            raise NotifyError(str(exc)) from exc


def open_notifier(**options: Any) -> EmailNotifier:
    """Registry factory: options are `EmailSettings` fields."""
    return EmailNotifier(EmailSettings(**options))
