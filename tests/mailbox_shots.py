"""The demo's mailbox in a real browser, in Chinese and English: the list of the mails the
controller sent, and one invitation as its recipient would see it. Headless Chromium dumps each
view's DOM (tests/controller/test_mailbox_shots.py reads it) and takes its screenshot (the guide
shows them: docs/guide.md, "Open a branch").

    python -m tests.mailbox_shots docs/images     # refresh the guide's screenshots

On loopback: the controller in this process with the demo's lab (its mail server; no simulated
CPEs), a branch invited through the API as HQ does, its mail caught by the lab."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

from controller.app import create_app
from controller.demo.lab import DemoLab
from controller.settings import Settings
from controller.stores import open_store
from sites.generator import generate_reference_network
from tests.components import free_port
from tests.serving import app_on_loopback
from tests.shots import Shot, shot, take_all

VIEWS = ("mailbox", "mail")
WINDOW = "1280,900"


def shoot(language: str, out: Path, work: Path) -> list[Shot]:
    """Each of `VIEWS` in `language`: its DOM, its screenshot in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    inventory = generate_reference_network(20, seed=7)
    settings = Settings(data_dir=work / "data", reconcile_interval_s=0)
    store = open_store(settings)
    store.replace_inventory(inventory, actor="guide")
    port = free_port()
    lab = DemoLab(settings, store, base=f"http://127.0.0.1:{port}", feed=False, ztp_branches=0)
    shots: list[Shot] = []
    try:
        app = create_app(lab.prepare(), store=store)
        app.state.demo = lab
        with app_on_loopback(app, port) as base:
            site = next(s for s in inventory.sites if s.hubs)
            request = urllib.request.Request(
                f"{base}/api/v1/sites/{site.id}/invites", method="POST",
                data=json.dumps({"email": "zhang.wei@branch.example.cn"}).encode(),
                headers={"Authorization": f"Bearer {lab.admin_token}",
                         "Content-Type": "application/json"},
            )  # fmt: skip
            urllib.request.urlopen(request, timeout=30).close()
            mail = lab.mailbox.wait_for("zhang.wei@branch.example.cn", 0, timeout_s=30)
            assert mail is not None, "the invitation did not reach the lab's mail server"
            paths = {"mailbox": "/demo/mailbox", "mail": f"/demo/mailbox/{mail.id}"}
            for view in VIEWS:
                url = f"{base}{paths[view]}?token={lab.admin_token}&lang={language}"
                shots.append(
                    shot(
                        view,
                        language,
                        url,
                        png=out / f"demo-mailbox-{language}-{view}.png",
                        profile=work / f"profile-{language}-{view}",
                        window=WINDOW,
                    )
                )
    finally:
        lab.close()
        store.engine.dispose()
    return shots


def main(out: Path) -> None:
    take_all(out, shoot, "tests.mailbox_shots")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
