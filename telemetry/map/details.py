"""What a site's popup shows beyond its marker row, fetched when the popup opens: its links
with their live state and measurements, its applications with their current link, and its open
alarms. Kept out of the page so 10,000 sites cost nothing until one is clicked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sites.applications import Application
from telemetry.alarms import Alarm
from telemetry.health import HealthSnapshot


@dataclass(frozen=True, slots=True)
class CurrentPath:
    """The link an application of the site uses now, and why (from the decision journal)."""

    app: str
    link: str | None
    reason: str


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def site_details(
    site: str,
    snapshot: HealthSnapshot,
    applications: Sequence[Application],
    paths: Iterable[CurrentPath],
    alarms: Iterable[Alarm],
) -> dict[str, Any]:
    """The popup's JSON: `status` and `reasons`, `links` (id, state, latency/jitter/loss),
    `applications` (name, priority, current link or None, reason) and `alarms` (open, newest
    first)."""
    health = snapshot.site(site)
    by_app: Mapping[str, CurrentPath] = {p.app: p for p in paths}
    links = [
        {
            "id": link.link,
            "state": str(link.state),
            "latency_ms": _number(link.latency_ms),
            "jitter_ms": _number(link.jitter_ms),
            "loss_pct": _number(link.loss_pct),
        }
        for link in health.links
    ]
    apps = []
    for app in applications:
        path = by_app.get(app.name)
        apps.append(
            {
                "name": app.name,
                "priority": str(app.priority),
                "link": path.link if path else None,
                "reason": path.reason if path else "no decision recorded",
            }
        )
    return {
        "site": site,
        "status": str(health.status),
        "reasons": list(health.reasons),
        "links": links,
        "applications": apps,
        "alarms": [
            {
                "id": a.id,
                "kind": str(a.key.kind),
                "link": a.key.link,
                "severity": str(a.severity),
                "message": a.message,
                "raised_at": a.raised_at.isoformat(),
                "acknowledged": a.acknowledged,
            }
            for a in alarms
            if a.active
        ],
    }
