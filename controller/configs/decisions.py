"""The reconcile loop's decisions, pushed to the CPEs they concern: when the loop moves an
application at a site, that site's steering changes, and its enrolled CPEs get their new
configuration. Only sites that changed, and only those with an enrolled CPE; the sites of a
burst of ticks are gathered for `coalesce_s` and pushed as one job (one transaction per
device), in a thread of its own so that a push never holds up a tick. One job at a time: the
sites that change while a job runs go in the next."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from controller.configs.deploy import Deployer
from controller.store.config_store import Job
from policies.moves import Move

log = logging.getLogger("branchline.configs")

ACTOR = "controller:reconcile"


class DecisionPusher:
    def __init__(self, deployer: Deployer, coalesce_s: float) -> None:
        self._deployer = deployer
        self._coalesce_s = coalesce_s
        self._pending: dict[str, int] = {}  # site: moves not pushed yet
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_job: Job | None = None

    def offer(self, moves: Iterable[Move]) -> None:
        """Moves the loop just recorded; their sites are pushed after the coalescing window."""
        managed = self._deployer.managed_sites()
        with self._mutex:
            for move in moves:
                if move.site in managed:
                    self._pending[move.site] = self._pending.get(move.site, 0) + 1
            if self._pending:
                self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="decision-push", daemon=True)
        self._thread.start()

    def close(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.wait(self._coalesce_s):  # more decisions gather meanwhile
                return
            with self._mutex:
                pending, self._pending = self._pending, {}
                self._wake.clear()
            if pending:
                self._push(pending)

    def _push(self, pending: dict[str, int]) -> None:
        try:
            plan = self._deployer.plan(sorted(pending))
            if plan.empty:
                return
            moves = sum(pending.values())
            reason = f"{moves} path decision{'s' if moves != 1 else ''} at {len(pending)} site" + (
                "s" if len(pending) != 1 else ""
            )
            self.last_job = self._deployer.push(plan, kind="decisions", actor=ACTOR, reason=reason)
        except Exception:  # the next decisions must still be pushed
            log.exception("pushing the decisions of %d sites failed", len(pending))
