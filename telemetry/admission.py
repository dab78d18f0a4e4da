"""Which reported samples a controller takes: those of sites, links and applications its
inventory has, stamped no further ahead of its clock than a CPE's clock may drift.

A sample of an unknown series would be stored for nothing (and a few requests could grow the
store by tens of thousands of series); one stamped years ahead would stay "newest" forever.
A sample a little ahead (a CPE whose clock runs fast, within the bound) is taken at the
controller's time of arrival: stored at its own stamp, it would be invisible to every "newest
sample up to now" until the controller's clock caught up, and the site would look silent.

Pure: the caller passes `now_ms` and the inventory's series.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch

UNKNOWN_SITE = "unknown_site"
UNKNOWN_LINK = "unknown_link"
UNKNOWN_APP = "unknown_app"
AHEAD = "ahead_of_clock"


class Series:
    """The sites, links (per site) and applications of one inventory, for quick lookups."""

    def __init__(self, inventory: Inventory) -> None:
        self.links = {site.id: frozenset(k.id for k in site.links) for site in inventory.sites}
        self.apps = frozenset(a.name for a in inventory.applications) | {LINK_LEVEL}


@dataclass(frozen=True, slots=True)
class Admitted:
    """What to store, and what was refused and why."""

    batch: SampleBatch
    refused: dict[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    """A few refused samples, as "samples[i]: why", for the CPE's operator."""
    ahead_ms: int = 0
    """How far the furthest sample taken was ahead of the controller's clock."""


def admit(batch: SampleBatch, series: Series, now_ms: int, max_ahead_ms: int) -> Admitted:
    """The samples of `batch` the controller takes (see module)."""
    kinds: list[str | None] = []
    for site, link, app in zip(batch.site, batch.link, batch.app, strict=True):
        links = series.links.get(site)
        if links is None:
            kinds.append(UNKNOWN_SITE)
        elif link not in links:
            kinds.append(UNKNOWN_LINK)
        elif app not in series.apps:
            kinds.append(UNKNOWN_APP)
        else:
            kinds.append(None)
    too_far = batch.ts_ms > now_ms + max_ahead_ms
    refused_kind = [
        AHEAD if far and kind is None else kind
        for kind, far in zip(kinds, too_far.tolist(), strict=True)
    ]
    keep = np.array([kind is None for kind in refused_kind], dtype=np.bool_)
    taken = batch.take(np.flatnonzero(keep)) if not keep.all() else batch
    ahead = int(max(0, (taken.ts_ms.max() - now_ms) if len(taken) else 0))
    if ahead:  # within the bound: taken at the time of arrival
        taken = taken.with_timestamps(np.minimum(taken.ts_ms, now_ms))
    counts = Counter(kind for kind in refused_kind if kind is not None)
    examples = tuple(
        f"samples[{i}]: "
        + _WHY[kind].format(site=batch.site[i], link=batch.link[i], app=batch.app[i])
        for i, kind in enumerate(refused_kind)
        if kind is not None
    )[:5]
    return Admitted(taken, dict(counts), examples, ahead)


_WHY = {
    UNKNOWN_SITE: "no site {site!r} in the inventory",
    UNKNOWN_LINK: "site {site!r} has no link {link!r}",
    UNKNOWN_APP: "no application {app!r} in the inventory",
    AHEAD: "stamped further ahead of the controller's clock than a CPE's clock may drift",
}
