"""`branchline demo`, the main job of `make demo`, as a user runs it: branches open through the
e-mailed ZTP link, a failure injected through the API moves the applications, the push reaches
the CPE and the site's health changes; Ctrl-C stops everything, leaving no process and no port.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.demo.lab import DemoLab
from controller.settings import Settings
from controller.stores import open_store
from sites.inventory import Inventory
from tests.components import free_port
from tests.conftest import BRANCHLINE, bearer

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

TOKEN = re.compile(r"admin token: (bl_\S+)")


def call(url: str, token: str | None = None, body: dict[str, Any] | None = None,
         method: str | None = None) -> Any:  # fmt: skip
    request = urllib.request.Request(
        url, data=None if body is None else json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
    return json.loads(text) if text and text.startswith((b"{", b"[")) else text.decode()


def wait_for(what: str, check: Callable[[], Any], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = check()
        except (URLError, ConnectionError):
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:g} s"
        time.sleep(0.5)


def branchline(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BRANCHLINE), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_the_demo_opens_branches_by_ztp_reacts_to_a_failure_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [str(BRANCHLINE), "demo", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True,  # its own process group
    )  # fmt: skip
    lines: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    reader.start()
    try:
        health = wait_for("the API", lambda: call(f"{base}/api/v1/health"), 60)
        assert health["sites"] == 341
        [token] = {m.group(1) for line in lines if (m := TOKEN.search(line))}
        tour = "".join(lines)
        assert f"{base}/map?token=" in tour and f"{base}/demo/mailbox" in tour
        assert f"{base}/docs" in tour

        # A branch opened by the e-mailed link: invited, mailed, claimed, called home, pushed.
        def online() -> dict[str, Any] | None:
            branches = call(f"{base}/api/v1/demo", token)["branches"]
            return next((b for b in branches if b["state"] == "online" and b["reporting"]),
                        None)  # fmt: skip

        branch = wait_for("a branch online through ZTP", online, 90)
        site, serial = branch["site"], branch["serial"]
        timeline = [e["step"] for e in call(f"{base}/api/v1/sites/{site}/lifecycle",
                                            token)["timeline"]]  # fmt: skip
        assert {"invited", "mailed", "claimed", "called-home", "online"} <= set(timeline)
        mailbox = call(f"{base}/demo/mailbox?lang=en", token)
        assert branch["email"] in mailbox  # the invitation, caught by the demo's mail server
        assert "演示邮箱" in call(f"{base}/demo/mailbox?lang=zh", token)
        opened = re.search(r"href='(/demo/mailbox/\d+)\?lang=en'>", mailbox)
        assert opened is not None
        mail = call(f"{base}{opened.group(1)}", token)
        assert re.search(r"<a href='http://127\.0\.0\.1:\d+/ztp#[\w-]+'>", mail)  # clickable
        assert "data:image/png;base64," in mail  # its QR code, inline
        assert "&lt;base target=&#x27;_blank&#x27;&gt;" in mail  # its links leave the sandbox

        # Its CPE reports and the loop places its applications; the first link carries some.
        def placed() -> list[dict[str, Any]]:
            paths: list[dict[str, Any]] = call(f"{base}/api/v1/sites/{site}/paths", token)
            return paths

        paths = wait_for("the branch's applications placed", placed, 60)
        link = paths[0]["link"]
        on_link = {p["app"] for p in paths if p["link"] == link}
        assert call(f"{base}/api/v1/sites/{site}/health", token)["status"] == "green"

        outage = call(f"{base}/api/v1/demo/outages", token, {"link": f"{site}/{link}"})
        assert outage["name"] == f"{site}/{link}"

        def moved() -> set[str]:
            changes = call(f"{base}/api/v1/path-changes?site={site}&limit=100", token)["items"]
            return {
                c["app"] for c in changes if c["from_link"] == link and c["rule"] == "link-down"
            }

        assert wait_for("the applications moved off the failed link", moved, 60) == on_link
        health = call(f"{base}/api/v1/sites/{site}/health", token)
        assert health["status"] in ("amber", "red")
        assert {k["link"]: k["state"] for k in health["links"]}[link] == "down"

        # The move reached the CPE: a decisions job pushed to it, and what the device runs (read
        # from it over SSH by `config drift`) is that version, without the failed link.
        def pushed() -> bool:
            jobs = call(f"{base}/api/v1/config/jobs", token)
            for job in (j for j in jobs if j["kind"] == "decisions"):
                done = call(f"{base}/api/v1/config/jobs/{job['id']}", token)
                if any(r["serial"] == serial and r["state"] == "pushed" for r in done["results"]):
                    return True
            return False

        wait_for("the decisions pushed to the CPE", pushed, 60)
        demo_env = {**env, "BRANCHLINE_DATA_DIR": str(tmp_path / "demo")}
        drift = branchline("config", "drift", "--site", site, env=demo_env)
        assert drift.returncode == 0 and "in-sync" in drift.stdout, drift.stdout + drift.stderr
        [version] = call(f"{base}/api/v1/devices/{serial}/versions", token)[:1]
        text = call(f"{base}/api/v1/devices/{serial}/versions/{version['version']}", token)["text"]
        for app in on_link:
            section = text.split(f"sdwan application {app}\n", 1)[1].split("#", 1)[0]
            assert f" link {link}" not in section, section

        # The CLI repairs it, through the same API.
        restored = branchline("demo", "restore", f"{site}/{link}", env=env)
        assert restored.returncode == 0 and "back up" in restored.stdout, restored.stderr
        assert call(f"{base}/api/v1/demo", token)["outages"] == []
        carrier = ("--carrier", "China Unicom", "--transport", "Internet")
        failed = branchline("demo", "fail", *carrier, env=env)
        assert failed.returncode == 0 and "China Unicom (Internet) is down" in failed.stdout
        [outage] = call(f"{base}/api/v1/demo", token)["outages"]
        assert outage["name"] == "carrier China Unicom (Internet)"
        assert branchline("demo", "restore", *carrier, env=env).returncode == 0
        assert call(f"{base}/api/v1/demo", token)["outages"] == []
        # The hub reports too (its CPEs' links carry what the branches send): not grey.
        hub = call(f"{base}/api/v1/sites/dc-shanghai/health", token)
        assert hub["status"] != "grey" and all(k["state"] == "up" for k in hub["links"]), hub
        ports = call(f"{base}/api/v1/demo", token)["ports"]

        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        proc.wait(timeout=60)
        reader.join(timeout=5)
        stderr = "".join(lines)
        assert proc.returncode == 0, stderr[-3000:]
        assert "demo stopped." in stderr and "Traceback" not in stderr, stderr[-3000:]
        # Nothing of the group is left (its helper processes, e.g. multiprocessing's resource
        # tracker, see their parent gone and end within moments).
        assert wait_for("the demo's processes gone", lambda: not group_alive(proc.pid), 10)
        for open_port in (port, ports["smtp"], *ports["cpes"]):
            assert closed(open_port), open_port
        assert not (tmp_path / "demo" / "demo.json").exists()

        # From what the demo recorded: the last minutes replayed under another policy (SLA
        # alone, no utilization rule), as the guide says.
        candidate = tmp_path / "sla-only.yaml"
        candidate.write_text("default: {modes: [sla]}\n", encoding="utf-8")
        replayed = branchline("sim", "replay", "--demo", "--last", "3m", "--every", "5",
                              "--policy-b", str(candidate), "--json", env=env)  # fmt: skip
        assert replayed.returncode == 0, replayed.stderr
        results = json.loads(replayed.stdout)
        assert results["window"]["ticks"] == 36 and results["evaluated"] > 0
        assert any(d["site"] == site for d in results["decisions"])  # the failure, replayed
        assert "differences" in results
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_demo_commands_without_a_running_demo_say_so(tmp_path: Path) -> None:
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path)}
    done = branchline("demo", "fail", "br-x-001/mpls-1", env=env)
    assert done.returncode == 1 and "no demo is running" in done.stderr
    both = branchline("demo", "fail", "br-x-001/mpls-1", "--hub-cpe", "0", env=env)
    assert both.returncode == 2 and "give one of" in both.stderr


def test_the_outage_route_refuses_what_is_not_one_outage(
    tmp_path: Path, small_inventory: Inventory
) -> None:
    """Without a demo the routes say so (404); with one (not started), a body naming two things
    or none is a 422 naming why, and an outage while its CPEs are not simulated too."""
    settings = Settings(data_dir=tmp_path, reconcile_interval_s=0)
    store = open_store(settings)
    store.replace_inventory(small_inventory, actor="test-setup")
    app = create_app(settings, store=store)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    assert api.get("/api/v1/demo").status_code == 404
    assert "not running the demo" in api.get("/api/v1/demo").json()["detail"]
    app.state.demo = DemoLab(settings, store, base="http://127.0.0.1:9", feed=False)
    for body, says in (({}, "exactly one"), ({"link": "a/b", "carrier": "x"}, "exactly one"),
                       ({"transport": "Internet", "hub_cpe": 0}, "only with carrier"),
                       ({"link": "no-slash"}, "link"), ({"hub_cpe": 7}, "hub_cpe"),
                       ({"link": "a/b"}, "without its simulated CPEs")):  # fmt: skip
        answer = api.post("/api/v1/demo/outages", json=body)
        assert answer.status_code == 422 and says in answer.text, (body, answer.text)
    assert api.delete("/api/v1/demo/outages/1").status_code == 404
    viewer = TestClient(app, headers=bearer(store, "watcher", Role.VIEWER))
    assert viewer.post("/api/v1/demo/outages", json={"hub_cpe": 0}).status_code == 403
    assert viewer.get("/demo/mailbox").status_code == 403  # the mails hold one-time links
    browser = TestClient(app, headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.get("/demo/mailbox").headers["location"] == "/login"
    # The address the demo prints: its token traded for the session, then the page without it.
    admin = app.state.demo.admin_token
    traded = browser.get(f"/demo/mailbox?lang=zh&token={admin}")
    assert traded.status_code == 303 and traded.headers["location"] == "/demo/mailbox?lang=zh"
    assert "HttpOnly" in traded.headers["set-cookie"] and admin not in traded.headers["location"]
    page = browser.get("/demo/mailbox?lang=zh")  # the cookie, kept by the client
    assert page.status_code == 200 and "演示邮箱" in page.text and admin not in page.text
    store.engine.dispose()
