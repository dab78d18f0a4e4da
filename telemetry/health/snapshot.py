"""A scored moment of the whole network: arrays for machines, `SiteHealth` for people."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from telemetry.batch import BoolArray, FloatArray, IntArray
from telemetry.health.layout import HealthLayout, Int8Array
from telemetry.health.model import (
    GREY,
    LINK_STATE_BY_CODE,
    STATUS_BY_CODE,
    UP,
    LinkHealth,
    LinkState,
    SiteHealth,
    Status,
)
from telemetry.samples import from_ms


@dataclass(frozen=True, eq=False)
class HealthSnapshot:
    """Health at `now_ms`. Arrays are (sites, link slots) in layout order; `meets` adds the SLA
    class axis; `state` holds `model.NO_DATA/DOWN/UP` codes, `status` `model.GREY..RED` codes;
    `ts_ms` is -1 where a link has no data. Padded slots (not `layout.valid`) mean nothing."""

    layout: HealthLayout
    now_ms: int
    state: Int8Array
    latency_ms: FloatArray
    jitter_ms: FloatArray
    loss_pct: FloatArray
    utilization: FloatArray
    ts_ms: IntArray
    meets: BoolArray
    status: Int8Array

    @cached_property
    def _index(self) -> dict[str, int]:
        return self.layout.site_index

    @property
    def last_seen_ms(self) -> IntArray:
        """Per site, the newest link-level sample's time, or -1 when none is fresh."""
        seen: IntArray = self.ts_ms.max(axis=1)
        return seen

    def status_of(self, site: str) -> Status:
        return STATUS_BY_CODE[int(self.status[self._index[site]])]

    def statuses(self) -> dict[str, Status]:
        """{site id: status} for every site."""
        codes = self.status.tolist()
        return {
            site: STATUS_BY_CODE[c] for site, c in zip(self.layout.site_ids, codes, strict=True)
        }

    def counts(self) -> dict[Status, int]:
        """How many sites have each status (every status present, zero included)."""
        tally = np.bincount(self.status.astype(np.intp), minlength=len(STATUS_BY_CODE))
        return {STATUS_BY_CODE[c]: int(n) for c, n in enumerate(tally)}

    def link_state(self, site: str, link: str) -> LinkState:
        flat = self.layout.slot[(site, link)]
        return LINK_STATE_BY_CODE[int(self.state.reshape(-1)[flat])]

    def site(self, site: str) -> SiteHealth:
        """The readable health of one site, with the reasons for its colour."""
        i = self._index[site]
        layout = self.layout
        critical = [n for n, c in zip(layout.class_names, layout.critical, strict=True) if c]
        links = []
        reasons: list[str] = []
        for k, link in enumerate(layout.link_ids[i]):
            state = LINK_STATE_BY_CODE[int(self.state[i, k])]
            sla = (
                {
                    name: bool(met)
                    for name, met in zip(layout.class_names, self.meets[i, k], strict=True)
                }
                if state is LinkState.UP
                else {}
            )
            ts = int(self.ts_ms[i, k])
            links.append(
                LinkHealth(
                    link=link,
                    state=state,
                    sla=sla,
                    latency_ms=_value(self.latency_ms[i, k]),
                    jitter_ms=_value(self.jitter_ms[i, k]),
                    loss_pct=_value(self.loss_pct[i, k]),
                    utilization=_value(self.utilization[i, k]),
                    last_sample=from_ms(ts) if ts >= 0 else None,
                )
            )
            if state is not LinkState.UP:
                reasons.append(f"{link} {'down' if state is LinkState.DOWN else 'has no data'}")
            else:
                failed = [c for c in critical if not sla[c]]
                if failed:
                    reasons.append(f"{link} fails SLA {', '.join(failed)}")
        status = STATUS_BY_CODE[int(self.status[i])]
        if status is Status.GREY:
            reasons = ["no link has reported within the staleness window"]
        else:
            if not (self.state[i] == UP).any():
                reasons.insert(0, "no link is up")
            for name in critical:
                k = layout.class_names.index(name)
                if not self.meets[i, : len(links), k].any():
                    reasons.insert(0, f"no link meets SLA {name}")
        seen = int(self.last_seen_ms[i])
        return SiteHealth(
            site=site,
            status=status,
            reasons=tuple(reasons),
            links=tuple(links),
            last_sample=from_ms(seen) if seen >= 0 and self.status[i] != GREY else None,
        )


def _value(x: np.floating | float) -> float | None:
    return None if np.isnan(x) else float(x)
