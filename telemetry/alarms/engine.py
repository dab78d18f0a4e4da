"""The pure core: health snapshots and `now` in, alarms to raise and clear out.

Vectorised over every link slot of the network, so that a 10,000-site snapshot is evaluated in
a few milliseconds; Python loops run only over links whose alarm state changes. The engine
keeps what it needs between snapshots (when an SLA violation began, recent up/down changes,
when each site was last seen) but reads no clock and does no I/O.

A link with no data neither raises nor clears its link alarms: silence is not recovery. That
is what lets a site-offline alarm suppress (graph.py) the link alarms that were active when the
site went quiet, until fresh samples clear them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from telemetry.alarms.model import AlarmError, AlarmKey, AlarmKind, AlarmSpec
from telemetry.alarms.rules import AlarmRules
from telemetry.health.layout import HealthLayout, Int8Array
from telemetry.health.model import DOWN, NO_DATA, UP
from telemetry.health.snapshot import HealthSnapshot
from telemetry.samples import from_ms, to_ms

DEFAULT_RULES = AlarmRules()


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What changed at one evaluation: alarms to raise, and keys to clear with the reason."""

    raised: tuple[AlarmSpec, ...] = ()
    cleared: tuple[tuple[AlarmKey, str], ...] = ()


class AlarmEngine:
    """Derives link-down, sustained SLA violation, flapping and site-offline alarms.

    `active` lists keys already active in the alarm store (after a restart), so that they are
    cleared when their condition ends instead of being raised a second time.
    """

    def __init__(
        self,
        layout: HealthLayout,
        rules: AlarmRules = DEFAULT_RULES,
        active: Iterable[AlarmKey] = (),
    ) -> None:
        self.layout = layout
        self.rules = rules
        n_sites, slots = len(layout.site_ids), layout.valid.size
        self._valid = layout.valid.reshape(-1)
        self._down = np.zeros(slots, dtype=np.bool_)
        self._sla = np.zeros(slots, dtype=np.bool_)
        self._sla_since = np.full(slots, -1, dtype=np.int64)
        self._flapping = np.zeros(slots, dtype=np.bool_)
        self._last_state = np.full(slots, NO_DATA, dtype=np.int8)
        self._changes: dict[int, deque[int]] = {}
        self._offline = np.zeros(n_sites, dtype=np.bool_)
        self._last_seen = np.full(n_sites, -1, dtype=np.int64)
        self._started_ms: int | None = None
        self._adopt(active)

    def _adopt(self, keys: Iterable[AlarmKey]) -> None:
        index = self.layout.site_index
        flags = {
            AlarmKind.LINK_DOWN: self._down,
            AlarmKind.SLA_VIOLATION: self._sla,
            AlarmKind.LINK_FLAPPING: self._flapping,
        }
        for key in keys:
            if key.kind is AlarmKind.SITE_OFFLINE and key.site in index:
                self._offline[index[key.site]] = True
            elif key.kind in flags and (key.site, key.link) in self.layout.slot:
                flags[key.kind][self.layout.slot[(key.site, str(key.link))]] = True

    def evaluate(self, snapshot: HealthSnapshot, now: datetime) -> EngineResult:
        """Alarms raised and cleared by this snapshot, in key order."""
        if snapshot.layout is not self.layout:
            raise AlarmError("the snapshot was scored on another layout than the engine's")
        now_ms = to_ms(now)
        if self._started_ms is None:
            # A site never seen since the engine started is offline `offline_after` from then.
            self._started_ms = now_ms
        state = snapshot.state.reshape(-1)
        raised: list[AlarmSpec] = []
        cleared: list[tuple[AlarmKey, str]] = []
        self._links_down(snapshot, state, raised, cleared)
        self._sla_violations(snapshot, state, now_ms, raised, cleared)
        self._flaps(state, now_ms, raised, cleared)
        self._sites_offline(snapshot, now_ms, raised, cleared)
        return EngineResult(
            tuple(sorted(raised, key=lambda s: s.key)), tuple(sorted(cleared, key=lambda c: c[0]))
        )

    def _key(self, kind: AlarmKind, slot: int) -> AlarmKey:
        width = self.layout.max_links
        site = slot // width
        return AlarmKey(kind, self.layout.site_ids[site], self.layout.link_ids[site][slot % width])

    def _spec(self, kind: AlarmKind, slot: int, message: str) -> AlarmSpec:
        key = self._key(kind, slot)
        return AlarmSpec(key, self.rules.severity[kind], f"{key.site} {key.link}: {message}")

    def _links_down(
        self,
        snap: HealthSnapshot,
        state: Int8Array,
        raised: list[AlarmSpec],
        cleared: list[tuple[AlarmKey, str]],
    ) -> None:
        down = self._valid & (state == DOWN)
        loss = snap.loss_pct.reshape(-1)
        for slot in np.flatnonzero(down & ~self._down).tolist():
            raised.append(self._spec(AlarmKind.LINK_DOWN, slot, f"down (loss {loss[slot]:g} %)"))
        back = self._valid & (state == UP) & self._down
        cleared += [
            (self._key(AlarmKind.LINK_DOWN, s), "link up") for s in np.flatnonzero(back).tolist()
        ]
        self._down = (self._down | down) & ~back

    def _sla_violations(
        self,
        snap: HealthSnapshot,
        state: Int8Array,
        now_ms: int,
        raised: list[AlarmSpec],
        cleared: list[tuple[AlarmKey, str]],
    ) -> None:
        critical = self.layout.critical
        meets = snap.meets.reshape(state.size, -1)[:, critical]
        failing = self._valid & (state == UP) & np.any(~meets, axis=1)
        known_ok = self._valid & (state != NO_DATA) & ~failing
        self._sla_since[failing & (self._sla_since < 0)] = now_ms
        self._sla_since[known_ok] = -1
        due = failing & ~self._sla & (now_ms - self._sla_since >= self.rules.ms("sla_sustain"))
        names = [n for n, c in zip(self.layout.class_names, critical, strict=True) if c]
        lat, jit, loss = (a.reshape(-1) for a in (snap.latency_ms, snap.jitter_ms, snap.loss_pct))
        for slot in np.flatnonzero(due).tolist():
            bad = [n for n, ok in zip(names, meets[slot], strict=True) if not ok]
            seconds = (now_ms - int(self._sla_since[slot])) / 1000
            raised.append(
                self._spec(
                    AlarmKind.SLA_VIOLATION,
                    slot,
                    f"fails SLA {', '.join(bad)} for {seconds:g} s "
                    f"(latency {lat[slot]:g} ms, jitter {jit[slot]:g} ms, loss {loss[slot]:g} %)",
                )
            )
        ended = self._sla & known_ok
        cleared += [
            (self._key(AlarmKind.SLA_VIOLATION, s), "within SLA" if state[s] == UP else "link down")
            for s in np.flatnonzero(ended).tolist()
        ]
        self._sla = (self._sla | due) & ~ended

    def _flaps(
        self,
        state: Int8Array,
        now_ms: int,
        raised: list[AlarmSpec],
        cleared: list[tuple[AlarmKey, str]],
    ) -> None:
        known = self._valid & (state != NO_DATA)
        changed = known & (self._last_state != NO_DATA) & (state != self._last_state)
        self._last_state[known] = state[known]
        for slot in np.flatnonzero(changed).tolist():
            self._changes.setdefault(slot, deque()).append(now_ms)
        window = self.rules.ms("flap_window")
        for slot in list(self._changes):
            times = self._changes[slot]
            while times and times[0] <= now_ms - window:
                times.popleft()
            if len(times) >= self.rules.flap_count and not self._flapping[slot]:
                self._flapping[slot] = True
                message = f"changed between up and down {len(times)} times in {window // 1000} s"
                raised.append(self._spec(AlarmKind.LINK_FLAPPING, slot, message))
            elif not times:
                del self._changes[slot]
                if self._flapping[slot]:
                    self._flapping[slot] = False
                    cleared.append((self._key(AlarmKind.LINK_FLAPPING, slot), "stable"))

    def _sites_offline(
        self,
        snap: HealthSnapshot,
        now_ms: int,
        raised: list[AlarmSpec],
        cleared: list[tuple[AlarmKey, str]],
    ) -> None:
        seen = snap.last_seen_ms
        self._last_seen = np.maximum(self._last_seen, seen)
        started = now_ms if self._started_ms is None else self._started_ms
        since = np.where(self._last_seen >= 0, self._last_seen, started)
        offline = now_ms - since >= self.rules.ms("offline_after")
        sites = self.layout.site_ids
        for i in np.flatnonzero(offline & ~self._offline).tolist():
            last = int(self._last_seen[i])
            when = f"last sample {from_ms(last).isoformat()}" if last >= 0 else "never reported"
            minutes = self.rules.offline_after.total_seconds() / 60
            key = AlarmKey(AlarmKind.SITE_OFFLINE, sites[i])
            message = f"{sites[i]}: no telemetry for {minutes:g} min ({when})"
            raised.append(AlarmSpec(key, self.rules.severity[AlarmKind.SITE_OFFLINE], message))
        back = self._offline & ~offline
        cleared += [
            (AlarmKey(AlarmKind.SITE_OFFLINE, sites[i]), "telemetry resumed")
            for i in np.flatnonzero(back).tolist()
        ]
        self._offline = offline
