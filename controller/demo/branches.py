"""The demo's branches opened by ZTP, end to end on loopback.

A few branches of the network are planned to be opened. Each gets an emulated SSH CLI CPE in
its factory settings (`simulator.lab`), calling the controller home until its branch is
claimed. HQ's part is played through the API, as an operator would: an invitation per branch,
mailed by the controller to the demo's mailbox. The person at the branch is played for all but
the last branch: their mail is read from the mailbox, its one-time link followed and the CPE's
serial typed in, as on the installer page (`/ztp`). The last branch waits for the user to do
that by hand; the tour says how.

The emulated CPEs are new at each run: a branch a previous run opened is planned again, its
old device forgotten (a new CPE at the branch), and invited again.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import re
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from controller.demo.mailbox import MailSink
from controller.store.facade import Store
from simulator.lab.cli_cpe import CliLab
from simulator.lab.factory import CliTarget, FactoryCpe
from sites.enums import Platform, SiteRole
from sites.inventory import Inventory

log = logging.getLogger("branchline.demo")
ACTOR = "demo"
POLL_S = 2.0
"""How often a factory CPE calls home while its branch is not claimed (a real one: 10 s)."""
LINK = re.compile(r"(https?://[^\s\"'<>]+/ztp#[A-Za-z0-9_-]+)")


@dataclass(frozen=True, slots=True)
class ZtpBranch:
    """A branch the demo opens by ZTP: its site, its CPE's serial, the invited person."""

    site: str
    name: str
    city: str
    serial: str
    email: str
    by_hand: bool
    """Left for the user: open the mailbox, follow the link, type the serial."""


def pick(inventory: Inventory, count: int) -> list[ZtpBranch]:
    """`count` branches in different cities, each with one SSH CLI (VRP) CPE and at least two
    links (a failure then moves its applications), the first by id; the last is left for the
    user to open by hand."""
    chosen, cities = [], set()
    for site in sorted(inventory.sites, key=lambda s: s.id) if count > 0 else ():
        if site.role is not SiteRole.SPOKE or site.city in cities or len(site.links) < 2:
            continue
        if len(site.cpes) != 1 or site.cpes[0].platform is not Platform.HUAWEI_VRP:
            continue
        cities.add(site.city)
        chosen.append(site)
        if len(chosen) == count:
            break
    return [
        ZtpBranch(site.id, site.name, site.city, site.cpes[0].serial,
                  f"{site.id}@branch.demo.example", by_hand=i == len(chosen) - 1)
        for i, site in enumerate(chosen)
    ]  # fmt: skip


def replan(store: Store, branches: list[ZtpBranch]) -> None:
    """Plan each branch again, forgetting a device a previous run's CPE left enrolled."""
    enrolled = store.devices.all()
    for branch in branches:
        if branch.serial in enrolled:
            store.devices.remove(branch.serial, ACTOR)
        store.ztp.plan(branch.site, ACTOR)


class ZtpBranches:
    """The branches' factory CPEs, their invitations, and the people at the branches."""

    def __init__(
        self, branches: list[ZtpBranch], *, base: str, admin_token: str, trusted_key: str,
        mailbox: MailSink, directory: Path,
    ) -> None:  # fmt: skip
        self.branches = branches
        self._base = base
        self._admin = admin_token
        self._mailbox = mailbox
        self._lab = CliLab(len(branches), directory)
        self._trusted_key = trusted_key
        self._cpes: dict[str, FactoryCpe] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._open_all, name="demo-ztp", daemon=True)
        self.errors: dict[str, str] = {}
        """Per site, why its opening went wrong (for the log and the API)."""

    def start(self) -> None:
        """Switch the CPEs on (they call home) and invite the branches, in the background."""
        cpes = self._lab.start()
        for branch, cpe in zip(self.branches, cpes, strict=True):
            factory = FactoryCpe(CliTarget(self._lab.servers[cpe.port]), branch.serial,
                                 self._base, self._trusted_key, poll_s=POLL_S)  # fmt: skip
            self._cpes[branch.site] = factory
            factory.start()
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        for factory in self._cpes.values():
            factory.stop()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._lab.close()

    def telemetry(self, site: str) -> str | None:
        """The token the site's CPE reports with, once its bootstrap gave it one."""
        factory = self._cpes.get(site)
        if factory is None or factory.telemetry is None:
            return None
        return str(factory.telemetry["token"])

    def ports(self) -> list[int]:
        """The emulated CPEs' SSH ports on loopback."""
        return [factory.target.port for factory in self._cpes.values()]

    def _open_all(self) -> None:
        for branch in self.branches:
            if self._stop.is_set():
                return
            try:
                seen = max((m.id for m in self._mailbox.mails()), default=0)
                self._invite(branch)
                if not branch.by_hand:
                    self._claim(branch, seen)
            except (OSError, ValueError, KeyError) as exc:
                self.errors[branch.site] = str(exc)
                log.warning("demo: opening %s: %s", branch.site, exc)

    def _invite(self, branch: ZtpBranch) -> None:
        """HQ invites the branch through the API (the controller mails the link)."""
        request = urllib.request.Request(
            f"{self._base}/api/v1/sites/{branch.site}/invites",
            data=json.dumps({"email": branch.email}).encode(), method="POST",
            headers={"Authorization": f"Bearer {self._admin}",
                     "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def _claim(self, branch: ZtpBranch, seen: int) -> None:
        """The person at the branch: the mail's link followed, the serial typed in."""
        mail = self._mailbox.wait_for(branch.email, seen, timeout_s=30)
        if mail is None:
            raise ValueError(f"no invitation mail reached {branch.email} within 30 s")
        found = LINK.search(mail.text)
        if found is None:
            raise ValueError(f"the mail to {branch.email} holds no installer link")
        page, _, token = found.group(1).partition("#")
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        for path, body in (("/session", {"token": token}), ("/claim", {"serial": branch.serial})):
            request = urllib.request.Request(
                page + path, data=json.dumps(body).encode(), method="POST",
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            with opener.open(request, timeout=30) as answer:
                answer.read()
