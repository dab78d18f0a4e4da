"""A branch opened end to end on loopback, up to the device's configuration: invited by a mail
(real SMTP server), claimed on the installer's side, the factory-default CPE (a real SSH CLI
CPE) calls home, verifies its signed day-0 bootstrap and authorizes the controller's login, the
controller pushes its configuration, and the site is online with every step in its timeline.
Replays and unknown serials are refused."""

from __future__ import annotations

import json
import re
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.ztp_store import SiteState, Step
from controller.stores import open_store
from controller.ztp.signing import SigningKey
from simulator.lab.cli_cpe import CliLab
from sites.bootstrap import Signed, public_text, verify
from sites.inventory import Inventory
from telemetry.store.registry import open_store as open_telemetry
from tests.conftest import bearer
from tests.mailbox import smtp_server

pytestmark = pytest.mark.slow  # a real SSH CLI CPE and SMTP server

SITE, SERIAL = "br-hangzhou-001", "HZ-0001"


@pytest.fixture
def world(tmp_path: Path, small_inventory: Inventory) -> Iterator[dict[str, Any]]:
    lab = CliLab(1, tmp_path / "lab")
    lab.start()
    telemetry = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    with smtp_server() as box:
        settings = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0,
                            ztp={"smtp": {"port": box.port}},
                            devices={"confirm_timeout_s": 30, "timeout_s": 15})  # fmt: skip
        store = open_store(settings)
        store.replace_inventory(small_inventory, actor="test-setup")
        admin = bearer(store, "root", Role.ADMIN)
        app = create_app(settings, store=store, telemetry_store=telemetry)
        # The CPE calls from loopback, where the lab's CPE listens.
        with TestClient(app, client=("127.0.0.1", 50000)) as client:
            yield {"client": client, "lab": lab, "mailbox": box, "store": store,
                   "settings": settings, "admin": admin}  # fmt: skip
        store.engine.dispose()
    telemetry.close()
    lab.close()


def test_a_branch_opens_from_its_link_to_online(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    lab: CliLab = world["lab"]
    cpe = lab.cpes[0]
    client.app.state.invitations.invite(SITE, "zhang.wei@branch.example.cn", "alice")  # type: ignore[attr-defined]
    mail = world["mailbox"].messages[0].get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"/ztp#([A-Za-z0-9_-]+)", mail).group(1)  # type: ignore[union-attr]
    assert client.post("/ztp/session", json={"token": token}).status_code == 200
    assert client.post("/ztp/claim", json={"serial": SERIAL}).json()["state"] == "claimed"

    # The factory-default CPE calls home with its serial, its port and its host key.
    calling = {"serial": SERIAL, "port": cpe.port, "host_key": cpe.host_key}
    answer = client.post("/ztp/call-home", json=calling)
    assert answer.status_code == 200, answer.text
    signed = Signed(**answer.json())
    public = public_text(SigningKey(world["settings"].data_dir / "ztp").public())
    day0 = verify(signed, public)  # as the CPE does, with the key of its factory settings
    assert day0["serial"] == SERIAL and day0["login"]["username"] == "branchline"
    assert day0["config"].startswith("#\nsysname br-hangzhou-001\n")
    assert "PRIVATE" not in answer.text
    lab.servers[cpe.port].authorize("branchline", day0["login"]["authorized_key"])  # day-0

    deadline = time.monotonic() + 60
    while (status := client.get("/ztp/status").json())["state"] != "online":
        assert status["state"] != "failed", status
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    assert [s["step"] for s in status["timeline"]] == [
        "invited", "mailed", "claimed", "called-home", "online"]  # fmt: skip
    assert "sysname br-hangzhou-001" in lab.device(cpe.port).display()
    store = world["store"]
    enrolled = store.devices.get(SERIAL)
    assert enrolled.host_key == cpe.host_key and enrolled.port == cpe.port
    login = Path(enrolled.credentials_ref.removeprefix("file:"))
    key_file = Path(json.loads(login.read_text())["key_file"])
    for private in (login, key_file):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert store.configs.history(SERIAL)[0].job_id is not None
    # Every step is in the audit log too, with who took it.
    audit = client.get("/api/v1/audit", params={"limit": 500}, headers=world["admin"]).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    recorded = {(e["resource"].split("/")[1], (e.get("after") or {}).get("step"))
                for e in entries if e["resource"].startswith("ztp/")}  # fmt: skip
    for step in ("mailed", "online"):
        assert ("sites", step) in recorded, recorded
    assert {r for r, _ in recorded} == {"invites", "sites"}
    made_claimed_used = sum(e["resource"].startswith("ztp/invites/") for e in entries)
    assert made_claimed_used >= 3

    # An opening that failed (here: marked so) comes online with the push that follows the fix.
    store.ztp.advance(SITE, Step(SiteState.FAILED, "failed", "a test", "t", datetime.now(UTC),
                                 reason="a test"))  # fmt: skip
    started = client.post("/api/v1/config/push", json={"sites": [SITE]}, headers=world["admin"])
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 60
    while store.ztp.state(SITE)[0] is not SiteState.ONLINE:
        assert time.monotonic() < deadline, store.ztp.timeline(SITE)[-1]
        time.sleep(0.2)
    assert "by root" in store.ztp.timeline(SITE)[-1].detail

    # A replay of the call-home is refused, and so is a serial nobody claimed (with an alarm).
    assert client.post("/ztp/call-home", json=calling).status_code == 409
    stranger = client.post("/ztp/call-home", json=calling | {"serial": "LS-0001"})
    assert stranger.status_code == 403
    alarms = client.get("/api/v1/alarms", params={"kind": "ztp-failure"},
                        headers=world["admin"]).json()  # fmt: skip
    assert [a["site"] for a in alarms] == ["br-lhasa-001"]
    assert "LS-0001" in alarms[0]["message"]
    # The link was used up by the device: opened again, it is gone.
    assert client.post("/ztp/session", json={"token": token}).status_code == 410
    # A client that keeps calling home in vain is slowed down (two refusals so far).
    answers = [client.post("/ztp/call-home", json=calling | {"serial": f"XX-{i:04d}"}).status_code
               for i in range(9)]  # fmt: skip
    assert answers[:8] == [403] * 8 and answers[8] == 429


def test_an_opened_cpe_reports_its_telemetry_with_a_token_of_its_own_and_nothing_else(
    world: dict[str, Any],
) -> None:
    client: TestClient = world["client"]
    lab: CliLab = world["lab"]
    cpe = lab.cpes[0]
    client.app.state.invitations.invite(SITE, "zhang.wei@branch.example.cn", "alice")  # type: ignore[attr-defined]
    mail = world["mailbox"].messages[0].get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"/ztp#([A-Za-z0-9_-]+)", mail).group(1)  # type: ignore[union-attr]
    client.post("/ztp/session", json={"token": token})
    client.post("/ztp/claim", json={"serial": SERIAL})
    calling = {"serial": SERIAL, "port": cpe.port, "host_key": cpe.host_key}
    signed = Signed(**client.post("/ztp/call-home", json=calling).json())
    day0 = verify(signed, public_text(SigningKey(world["settings"].data_dir / "ztp").public()))
    telemetry = day0["telemetry"]
    assert telemetry["url"].endswith("/api/v1/telemetry") and telemetry["interval_s"] >= 1
    device = {"Authorization": f"Bearer {telemetry['token']}"}
    now = datetime.now(UTC).isoformat()
    sample = {"site": SITE, "link": "mpls-1", "app": None, "timestamp": now, "latency_ms": 20.0,
              "jitter_ms": 1.0, "loss_pct": 0.0, "utilization": 0.3, "throughput_bps": 2e6,
              "up": True}  # fmt: skip
    assert client.post("/api/v1/telemetry", json={"samples": [sample]},
                       headers=device).status_code == 202  # fmt: skip
    # Its own site only, and nothing but telemetry.
    elsewhere = client.post("/api/v1/telemetry", headers=device,
                            json={"samples": [sample | {"site": "br-lhasa-001"}]})  # fmt: skip
    assert elsewhere.status_code == 403
    for path in ("/api/v1/sites", f"/api/v1/sites/{SITE}/lifecycle", "/api/v1/alarms"):
        assert client.get(path, headers=device).status_code == 403, path
    store = world["store"]
    [user] = [u for u in store.users.all() if u.name == "cpe-hz-0001"]
    assert user.role.value == "device" and user.sites == (SITE,)
    # A device opened again gets a new token; the old one stops working.
    again = store.users.device_token(SERIAL, SITE, "test")
    client.app.state.token_cache.clear()  # type: ignore[attr-defined]  # as 5 s later
    assert client.post("/api/v1/telemetry", json={"samples": [sample]},
                       headers=device).status_code == 401  # fmt: skip
    assert (
        client.post(
            "/api/v1/telemetry",
            json={"samples": [sample]},
            headers={"Authorization": f"Bearer {again.text}"},
        ).status_code
        == 202
    )
