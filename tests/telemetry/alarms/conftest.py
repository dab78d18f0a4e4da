"""Real notification servers on loopback: aiosmtpd for mail, a stdlib HTTP server for webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sites.inventory import Inventory
from telemetry.health import HealthLayout
from tests.mailbox import Mailbox
from tests.mailbox import smtp_server as mailbox


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """A real aiosmtpd SMTP server on a free loopback port (DESIGN §3)."""
    with mailbox() as box:
        yield box


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
