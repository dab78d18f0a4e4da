"""Real notification servers on loopback: aiosmtpd for mail, a stdlib HTTP server for webhooks."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sites.inventory import Inventory
from telemetry.health import HealthLayout
from tests.components import free_port, missing


@dataclass
class Mailbox:
    """What the SMTP server received. aiosmtpd calls `handle_DATA` for each accepted mail."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """A real aiosmtpd SMTP server on a free loopback port (DESIGN §3)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing("aiosmtpd", "install the test extra: pip install -e '.[test]'")
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class Hooks:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 204  # what the server answers; a test may switch it to 503


@pytest.fixture
def webhook_server() -> Iterator[Hooks]:
    """A stdlib HTTP server in a thread that records JSON POSTs and answers `hooks.status`."""
    hooks = Hooks(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if hooks.status < 300:
                hooks.received.append(json.loads(body))
            self.send_response(hooks.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.url = f"http://127.0.0.1:{server.server_address[1]}/alarms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hooks
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def layout_12(network_12: Inventory) -> HealthLayout:
    return HealthLayout.from_inventory(network_12)
