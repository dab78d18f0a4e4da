"""`branchline demo`'s live lab around the controller, on one machine with nothing to install:

- a mail server on loopback (`mailbox.MailSink`) that the controller's ZTP mails go to, shown
  at `/demo/mailbox`;
- the reference network's CPEs reporting telemetry every second from the simulator in real time
  (`reports.Reports` over `simulator.feed.LiveFeed`), through `POST /api/v1/telemetry`, the
  hub's CPEs included; outages injected into it at `POST /api/v1/demo/outages`;
- a few branches opened by the e-mailed ZTP link with emulated factory-default CPEs
  (`branches.ZtpBranches`), to which the reconcile loop then pushes its decisions.

`prepare` comes before the app is made (it names the mail server in the settings), `start` once
the server answers, `close` when it stops. The address of the running demo is written to
`DATA_DIR/demo.json` for `branchline demo fail/restore`, with a token of its own in
`DATA_DIR/demo-cli-token` (owner-only; revoked when the demo stops).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from controller.api.demo import OutageBody
from controller.auth.principal import Role
from controller.demo.branches import ZtpBranch, ZtpBranches, pick, replan
from controller.demo.mailbox import Mail, MailSink
from controller.demo.reports import Reports
from controller.settings import Settings
from controller.store.facade import Store
from controller.ztp.signing import SigningKey
from simulator.feed import LiveFeed, Outage
from sites.bootstrap import public_text
from telemetry.private_files import private_file

log = logging.getLogger("branchline.demo")
ACTOR = "demo"
ADMIN = "demo-admin"
FLEET = "demo-cpes"
"""The device user the simulated CPEs of the sites not opened by ZTP report as (its name ends
with a checksum of those sites)."""
STATE_FILE = "demo.json"
TOKEN_FILE = "demo-cli-token"


class DemoLab:
    def __init__(
        self, settings: Settings, store: Store, *, base: str, seed: int = 7, speed: int = 1,
        feed: bool = True, ztp_branches: int = 3,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.store = store
        self.base = base
        self.seed = seed
        self.speed = speed
        self.feed_on = feed
        self.mailbox = MailSink()
        inventory = store.current.inventory()
        self.branches: list[ZtpBranch] = pick(inventory, ztp_branches)
        self._ztp: ZtpBranches | None = None
        self._reports: Reports | None = None
        self._feed: LiveFeed | None = None
        self._lock = threading.Lock()
        self._outages: dict[int, Outage] = {}
        self._next_outage = 1
        self._token_ids: list[str] = []  # ids (not secrets) of this run's tokens: revoked at close
        self.admin_token = self._token(ADMIN, Role.ADMIN, None, "branchline demo")
        self._fleet_sites = {s.id for s in inventory.sites} - {b.site for b in self.branches}
        # A user's sites are fixed when it is made: one fleet user per set of sites, so that a
        # network changed between runs gets one that may report all of them.
        scope = sorted(self._fleet_sites)
        fleet = f"{FLEET}-{zlib.crc32(' '.join(scope).encode()):08x}"
        self._fleet_token = self._token(fleet, Role.DEVICE, scope, "the demo's simulated CPEs")

    def prepare(self) -> Settings:
        """Start the mail server and plan the ZTP branches; the settings the app runs with
        (the ZTP links point at this controller, its mails go to the mail server)."""
        self.mailbox.start()
        replan(self.store, self.branches)
        ztp = self.settings.ztp.model_copy(update={
            "public_url": self.base,
            "smtp": self.settings.ztp.smtp.model_copy(update={
                "host": "127.0.0.1", "port": self.mailbox.port, "security": "none",
                "username": None, "password": None}),
        })  # fmt: skip
        return self.settings.model_copy(update={"ztp": ztp})

    def start(self) -> None:
        """Once the controller answers: the CPEs' reports, the ZTP branches, the CLI's file."""
        if self.feed_on:
            inventory = self.store.current.inventory()
            policy = self.store.policies.current("default").value
            self._feed = LiveFeed(inventory, policy, self.seed, datetime.now(UTC),
                                  speed=self.speed)  # fmt: skip
            self._reports = Reports(self._feed, self.base, self._token_of)
            self._reports.start()
        key = public_text(SigningKey(self.settings.data_dir / "ztp").public())
        self._ztp = ZtpBranches(self.branches, base=self.base, admin_token=self.admin_token,
                                trusted_key=key, mailbox=self.mailbox,
                                directory=self.settings.data_dir / "lab")  # fmt: skip
        self._ztp.start()
        cli_token = self._token(ADMIN, Role.ADMIN, None, "branchline demo fail/restore")
        private_file(self.settings.data_dir / TOKEN_FILE).write_text(cli_token, encoding="utf-8")
        state = {"url": self.base, "pid": os.getpid()}
        (self.settings.data_dir / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")

    def close(self) -> None:
        for path in (STATE_FILE, TOKEN_FILE):
            (self.settings.data_dir / path).unlink(missing_ok=True)
        if self._reports is not None:
            self._reports.close()
        if self._ztp is not None:
            self._ztp.close()
        self.mailbox.stop()
        for token_id in self._token_ids:
            try:
                self.store.users.revoke_token(token_id, ACTOR)
            except Exception:  # stopping: a token left is not worth a traceback
                log.warning("demo: the token with id %s was not revoked", token_id)

    def _token(self, user: str, role: Role, sites: list[str] | None, what: str) -> str:
        if user not in {u.name for u in self.store.users.all()}:
            self.store.users.add(user, role, sites, ACTOR)
        made = self.store.users.create_token(user, what, ACTOR)
        self._token_ids.append(made.id)
        return made.text

    def _token_of(self, site: str) -> str | None:
        """Who reports `site`: its ZTP CPE once opened, else the fleet (None: nobody yet)."""
        if site in self._fleet_sites:
            return self._fleet_token
        return self._ztp.telemetry(site) if self._ztp is not None else None

    # What the API asks (controller.api.demo.DemoLabView).

    def status(self) -> dict[str, Any]:
        states = self.store.ztp.states()
        errors = self._ztp.errors if self._ztp is not None else {}
        with self._lock:
            outages = [{"id": i, "name": o.name} for i, o in self._outages.items()]
        return {
            "branches": [
                {"site": b.site, "name": b.name, "city": b.city, "serial": b.serial,
                 "email": b.email, "by_hand": b.by_hand,
                 "state": str(states.get(b.site, "in-service")),
                 "reporting": self._token_of(b.site) is not None,
                 "error": errors.get(b.site)}
                for b in self.branches
            ],
            "outages": outages,
            "ports": {"smtp": self.mailbox.port,
                      "cpes": self._ztp.ports() if self._ztp is not None else []},
            "feed": {"speed": self.speed, "running": self._feed is not None,
                     "samples_acknowledged": self._reports.posted if self._reports else 0},
        }  # fmt: skip

    def fail(self, body: OutageBody) -> tuple[int, str]:
        if self._feed is None:
            raise ValueError("the demo runs without its simulated CPEs (--no-feed)")
        site, _, link = (body.link or "").partition("/")
        outage = Outage(site=site or None, link=link or None, carrier=body.carrier,
                        transport=body.transport, hub_cpe=body.hub_cpe)  # fmt: skip
        self._feed.fail(outage)  # ValueError naming what does not exist
        with self._lock:
            ident = self._next_outage
            self._next_outage += 1
            self._outages[ident] = outage
        log.warning("demo: %s failed (outage %d)", outage.name, ident)
        return ident, outage.name

    def restore(self, ident: int) -> str | None:
        with self._lock:
            outage = self._outages.pop(ident, None)
        if outage is None or self._feed is None:
            return None
        self._feed.restore(outage)
        log.warning("demo: %s restored (outage %d)", outage.name, ident)
        return outage.name

    def mails(self) -> list[Mail]:
        return self.mailbox.mails()

    def mail(self, ident: int) -> Mail | None:
        return self.mailbox.get(ident)


def running_demo(data_dir: Path) -> tuple[str, str] | None:
    """The running demo's address and the CLI's token, from the files it wrote (None: none)."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
        token = (data_dir / TOKEN_FILE).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    return str(state["url"]), token
