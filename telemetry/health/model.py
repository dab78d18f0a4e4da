"""What health reports: link states, site statuses and the rules that derive them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    """A site's colour on the map. Grey is "no data", which is not the same as red."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


# Integer codes of the status arrays, and of the map's status.json (one digit a site); index
# into this tuple to get the Status. Worse is higher: grey (no data) is worse than green.
STATUS_BY_CODE = (Status.GREEN, Status.GREY, Status.AMBER, Status.RED)
GREEN, GREY, AMBER, RED = range(4)


class LinkState(StrEnum):
    UP = "up"
    DOWN = "down"
    NO_DATA = "no-data"


LINK_STATE_BY_CODE = (LinkState.NO_DATA, LinkState.DOWN, LinkState.UP)
NO_DATA, DOWN, UP = range(3)


@dataclass(frozen=True, slots=True)
class HealthRules:
    """Tunables of site scoring.

    `stale_after`: a link-level sample older than this (at `now`) is ignored, so a silent link
    reads as no data. `critical_classes`: the SLA classes a site must keep on at least one link
    to avoid red; None means the classes of the inventory's high-priority applications.
    """

    stale_after: timedelta = timedelta(minutes=5)
    critical_classes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class LinkHealth:
    """One link of one site at a moment. `sla` maps each SLA class to "met?" (empty unless up)."""

    link: str
    state: LinkState
    sla: dict[str, bool] = field(default_factory=dict)
    latency_ms: float | None = None
    jitter_ms: float | None = None
    loss_pct: float | None = None
    utilization: float | None = None
    last_sample: datetime | None = None

    @property
    def in_violation(self) -> bool:
        """Up, but failing at least one SLA class it was checked against."""
        return self.state is LinkState.UP and not all(self.sla.values())


@dataclass(frozen=True, slots=True)
class SiteHealth:
    """One site at a moment: its colour, why, and its links."""

    site: str
    status: Status
    reasons: tuple[str, ...]
    links: tuple[LinkHealth, ...]
    last_sample: datetime | None
