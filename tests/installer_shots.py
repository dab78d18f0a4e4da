"""The installer's page in a real browser, as the person at the branch sees it on a phone: the
link from the mail opened, the serial entered, the progress while the CPE calls home, the
branch online, and the same link opened again afterwards. Headless Chromium dumps each state's
DOM (the test reads it: tests/controller/test_installer_browser.py) and takes its screenshot
(the user guide shows them: docs/opening-a-branch.md).

    python -m tests.installer_shots docs/images     # refresh the guide's screenshots

Everything runs on loopback: the controller in this process, an SSH CLI CPE in its factory
settings, and no mail server (the invitation is kept instead of sent)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

from controller.app import create_app
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store
from controller.ztp.invitations import Invitations
from controller.ztp.signing import SigningKey
from simulator.lab.cli_cpe import CliLab
from simulator.lab.factory import CliTarget, FactoryCpe
from sites.bootstrap import public_text
from sites.loader import load_inventory_text
from tests.browser import Browser
from tests.chromium import chromium
from tests.components import free_port
from tests.conftest import DATA
from tests.serving import app_on_loopback
from tests.shots import Shot, take_all

SITE, SERIAL = "br-hangzhou-001", "HZ-0001"
PHONE = "390,844"
STAGES = ("serial", "progress", "online", "used")


@contextmanager
def _controller(directory: Path) -> Iterator[tuple[str, Store, Settings, list[EmailMessage]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=directory / "data", reconcile_interval_s=0,
                        ztp={"public_url": base})  # fmt: skip
    store = open_store(settings)
    store.replace_inventory(load_inventory_text((DATA / "small.yaml").read_text()), "guide")
    app = create_app(settings, store=store)
    mails: list[EmailMessage] = []
    try:
        with app_on_loopback(app, port):
            yield base, store, settings, mails
    finally:
        store.engine.dispose()


def shoot(language: str, out: Path, work: Path) -> list[Shot]:
    """Each stage of opening a branch, in `language` (zh or en): its DOM and `out/*.png`."""
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    lab = CliLab(1, work / "lab")
    with _controller(work) as (base, store, settings, mails), lab:
        Invitations(store, settings, send=lambda _server, message: mails.append(message)).invite(
            SITE, "zhang.wei@branch.example.cn", "guide")  # fmt: skip
        body = mails[-1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        token = re.search(r"/ztp#([A-Za-z0-9_-]+)", body).group(1)  # type: ignore[union-attr]
        page = f"{base}/ztp?lang={language}"
        phone = work / f"phone-{language}"  # one browser profile: the session cookie stays

        def take(stage: str, url: str, profile: Path = phone) -> None:
            png = out / f"ztp-installer-{language}-{stage}.png"
            png.unlink(missing_ok=True)
            done = chromium(profile, "--dump-dom", url, window=PHONE)
            chromium(profile, f"--screenshot={png}", url, window=PHONE)
            shots.append(Shot(stage, language, done.stdout, done.stderr, png))

        take("serial", f"{page}#{token}")
        # The installer types the serial and sends it (here from a second session of the link).
        other = Browser(base)
        other.call("/ztp/session", {"token": token})
        other.call("/ztp/claim", {"serial": SERIAL})
        take("progress", page)
        trusted = public_text(SigningKey(settings.data_dir / "ztp").public())
        device = FactoryCpe(CliTarget(lab.servers[lab.cpes[0].port]), SERIAL, base, trusted,
                            poll_s=1)  # fmt: skip
        device.start()
        deadline = time.monotonic() + 60
        while (store.ztp.state(SITE) or (None,))[0] not in ("online", "failed"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the branch did not open: {store.ztp.timeline(SITE)}")
            time.sleep(0.2)
        device.stop()
        take("online", page)
        take("used", f"{page}#{token}", work / f"other-phone-{language}")
    return shots


def main(out: Path) -> None:
    take_all(out, shoot, "tests.installer_shots")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
