"""A factory-default CPE refuses a bootstrap it cannot trust: signed by another key, for another
device, or not a bootstrap at all; it applies nothing of it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from controller.ztp.signing import SigningKey
from simulator.lab.factory import BootstrapRefusedError, call_home
from sites.bootstrap import public_text


@pytest.fixture
def controller() -> Iterator[dict[str, Any]]:
    """A stand-in ZTP endpoint on loopback answering whatever the test puts in `answer`."""
    state: dict[str, Any] = {"answer": b"{}", "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(state["status"])
            self.send_header("Content-Length", str(len(state["answer"])))
            self.end_headers()
            self.wfile.write(state["answer"])

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()


def test_only_a_bootstrap_signed_by_the_trusted_key_for_this_device_is_taken(
    controller: dict[str, Any], tmp_path: Path
) -> None:
    ours, theirs = SigningKey(tmp_path / "ours"), SigningKey(tmp_path / "theirs")
    trusted = public_text(ours.public())
    args = (controller["url"], "HZ-0001", 22, "ssh-ed25519 AAAA", trusted)
    controller["answer"] = json.dumps(ours.sign({"serial": "HZ-0001"}).to_json()).encode()
    assert call_home(*args)["serial"] == "HZ-0001"
    controller["answer"] = json.dumps(theirs.sign({"serial": "HZ-0001"}).to_json()).encode()
    with pytest.raises(BootstrapRefusedError, match="signature does not verify"):
        call_home(*args)
    controller["answer"] = json.dumps(ours.sign({"serial": "LS-0001"}).to_json()).encode()
    with pytest.raises(BootstrapRefusedError, match="for another device"):
        call_home(*args)
    controller["answer"] = b'{"document": "{}"}'
    with pytest.raises(BootstrapRefusedError, match="bootstrap refused"):
        call_home(*args)
    controller["status"] = 403
    with pytest.raises(BootstrapRefusedError, match="refused the call-home: 403"):
        call_home(*args)
