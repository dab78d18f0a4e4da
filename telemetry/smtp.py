"""Sending mail over SMTP (stdlib smtplib), for every mail the controller sends: alarm
notifications and ZTP invitations. Plain SMTP, STARTTLS, or TLS from the first byte (SMTPS,
port 465), with a login when one is given. Errors name the server, never the password."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr

from sites.base import FrozenModel
from sites.errors import BranchlineError


class MailError(BranchlineError):
    """A mail could not be handed to the SMTP server (or not for every recipient)."""


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"  # plain connection upgraded to TLS (port 587)
    TLS = "tls"  # TLS from the first byte (SMTPS, port 465)


class SmtpServer(FrozenModel):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Security = Security.NONE
    username: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = Field(
        default=None, description="trust this CA for the server's certificate (default: system)"
    )
    timeout: float = Field(default=10.0, gt=0)

    @property
    def name(self) -> str:
        return f"SMTP {self.host}:{self.port}"


def send(server: SmtpServer, message: EmailMessage) -> None:
    """Hand `message` to `server`; raises `MailError` unless every recipient was accepted."""
    context = ssl.create_default_context(cafile=str(server.ca_file) if server.ca_file else None)
    try:
        smtp: smtplib.SMTP
        if server.security is Security.TLS:
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                    context=context)  # fmt: skip
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with smtp:
            if server.security is Security.STARTTLS:
                smtp.starttls(context=context)
            if server.username is not None:
                secret = server.password.get_secret_value() if server.password else ""
                smtp.login(server.username, secret)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"{server.name}: login refused for {server.username!r}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{server.name}: {exc}") from exc
    if refused:  # accepted for some recipients only: still a failure to report
        raise MailError(f"{server.name} refused recipients {sorted(refused)}")
