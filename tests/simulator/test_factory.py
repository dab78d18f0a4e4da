"""A factory-default CPE refuses a bootstrap it cannot trust: signed by another key, for another
device or platform, expired, or not a bootstrap at all; it applies nothing of it and tells the
controller. A USB bundle is verified with the device's factory key, or with the key it carries
when the device has none."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from controller.ztp.signing import SigningKey
from simulator.lab.factory import BootstrapRefusedError, FactoryCpe, call_home, open_bundle
from sites.bootstrap import MAX_BUNDLE_BYTES, bundle_text, public_text


@pytest.fixture
def controller() -> Iterator[dict[str, Any]]:
    """A stand-in ZTP endpoint on loopback answering whatever the test puts in `answer`, and
    keeping what it was sent."""
    state: dict[str, Any] = {"answer": b"{}", "status": 200, "posts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["posts"].append((self.path, json.loads(body)))
            status, answer = (204, b"") if self.path == "/ztp/report" else (
                state["status"], state["answer"])  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()


def day0(serial: str = "HZ-0001", hours: float = 1, **more: Any) -> dict[str, Any]:
    expires = datetime.now(UTC) + timedelta(hours=hours)
    return {"serial": serial, "expires_at": expires.isoformat(), "config": "#\nsysname x\n",
            "login": {"username": "branchline", "authorized_key": "ssh-ed25519 AAAA"},
            **more}  # fmt: skip


def test_only_a_bootstrap_signed_by_the_trusted_key_for_this_device_is_taken(
    controller: dict[str, Any], tmp_path: Path
) -> None:
    ours, theirs = SigningKey(tmp_path / "ours"), SigningKey(tmp_path / "theirs")
    trusted = public_text(ours.public())
    args = (controller["url"], "HZ-0001", 22, "ssh-ed25519 AAAA", trusted)

    def answer(document: dict[str, Any], key: SigningKey = ours) -> None:
        controller["answer"] = json.dumps(key.sign(document).to_json()).encode()

    answer(day0())
    assert call_home(*args)["serial"] == "HZ-0001"
    answer(day0(), theirs)
    with pytest.raises(BootstrapRefusedError, match="signature does not verify"):
        call_home(*args)
    answer(day0("LS-0001"))
    with pytest.raises(BootstrapRefusedError, match="for another device"):
        call_home(*args)
    answer(day0(hours=-1))
    with pytest.raises(BootstrapRefusedError, match="it expired"):
        call_home(*args)
    answer({k: v for k, v in day0().items() if k != "expires_at"})
    with pytest.raises(BootstrapRefusedError, match="no expiry"):
        call_home(*args)
    answer(day0() | {"expires_at": "2099-01-01T00:00:00"})
    with pytest.raises(BootstrapRefusedError, match="no time zone"):
        call_home(*args)
    answer(day0(login={"username": 7}))
    with pytest.raises(BootstrapRefusedError, match="malformed"):
        call_home(*args)
    answer(day0(platform="netconf"))
    with pytest.raises(BootstrapRefusedError, match="configures a netconf device"):
        call_home(*args)
    controller["answer"] = b'{"document": "{}"}'
    with pytest.raises(BootstrapRefusedError, match="bootstrap refused"):
        call_home(*args)
    controller["status"] = 403
    with pytest.raises(BootstrapRefusedError, match="refused the call-home: 403"):
        call_home(*args)


class Unpluggable:
    """A target that must not be configured: the test fails if anything is applied."""

    platform = "huawei_vrp"
    port = 2222
    host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"

    def __init__(self) -> None:
        self.applied: list[dict[str, Any]] = []

    def apply(self, document: dict[str, Any]) -> None:
        self.applied.append(document)


def test_a_refused_bootstrap_is_applied_nowhere_and_reported_to_the_controller(
    controller: dict[str, Any], tmp_path: Path
) -> None:
    theirs = SigningKey(tmp_path / "theirs")
    controller["answer"] = json.dumps(theirs.sign(day0()).to_json()).encode()
    target = Unpluggable()
    trusted = public_text(SigningKey(tmp_path / "ours").public())
    device = FactoryCpe(target, "HZ-0001", controller["url"], trusted)
    device.start()
    assert device.done.wait(30)
    assert device.error is not None and "signature does not verify" in device.error
    assert target.applied == []
    reports = [body for path, body in controller["posts"] if path == "/ztp/report"]
    assert reports == [{"serial": "HZ-0001", "step": "bootstrap-refused",
                        "detail": device.error}]  # fmt: skip


def test_a_usb_bundle_is_verified_with_the_factory_key_or_else_the_key_it_carries(
    tmp_path: Path,
) -> None:
    ours, theirs = SigningKey(tmp_path / "ours"), SigningKey(tmp_path / "theirs")
    document = day0(controller={"url": "https://hq.example:8443"})
    bundle = bundle_text(ours.sign(document), public_text(ours.public())).encode()
    mine = public_text(ours.public())
    taken, key = open_bundle(bundle, "HZ-0001", mine, "huawei_vrp")
    assert taken["controller"]["url"] == "https://hq.example:8443" and key == mine
    # A device with no key of the controller takes the bundle's, and trusts it from then on.
    assert open_bundle(bundle, "HZ-0001", None, "huawei_vrp")[1] == mine
    # A bundle signed by someone else, carrying their key, is refused by a device with a key.
    forged = bundle_text(theirs.sign(document), public_text(theirs.public())).encode()
    with pytest.raises(BootstrapRefusedError, match="signature does not verify"):
        open_bundle(forged, "HZ-0001", mine, "huawei_vrp")
    # Its document changed after signing.
    changed = json.loads(bundle)
    changed["bootstrap"]["document"] = changed["bootstrap"]["document"].replace("hq", "evil")
    with pytest.raises(BootstrapRefusedError, match="signature does not verify"):
        open_bundle(json.dumps(changed).encode(), "HZ-0001", None, "huawei_vrp")
    with pytest.raises(BootstrapRefusedError, match="for another device"):
        open_bundle(bundle, "LS-0001", mine, "huawei_vrp")
    for junk, why in [(b"\xff\xfe", "not JSON"), (b"[]", "not a bundle"),
                      (b'{"format": "branchline-ztp-bundle/1"}', "no bootstrap"),
                      (b" " * (MAX_BUNDLE_BYTES + 1), "larger than")]:  # fmt: skip
        with pytest.raises(BootstrapRefusedError, match=why):
            open_bundle(junk, "HZ-0001", mine, "huawei_vrp")
