"""What a site's panel shows beyond its marker row, fetched when the panel opens (and again on
each refresh while it is open): its links with their live state and measurements, its
applications with their current link and why, its latest path changes and its open alarms; and,
for its charts, each link's figures over a period. Kept out of the page so 10,000 sites cost
nothing until one is clicked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sites.applications import Application
from telemetry.alarms import Alarm
from telemetry.batch import WindowBatch
from telemetry.health import HealthSnapshot

CHART_METRICS = ("latency_ms", "jitter_ms", "loss_pct", "utilization")
"""What the panel charts per link, in its order."""


@dataclass(frozen=True, slots=True)
class CurrentPath:
    """The link an application of the site uses now, and why (from the decision journal)."""

    app: str
    link: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class PathChange:
    """One entry of the site's journal of path changes."""

    at_ms: int
    app: str
    from_link: str | None
    to_link: str | None
    reason: str


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def site_details(
    site: str,
    snapshot: HealthSnapshot,
    applications: Sequence[Application],
    paths: Iterable[CurrentPath],
    alarms: Iterable[Alarm],
    *,
    changes: Iterable[PathChange] = (),
) -> dict[str, Any]:
    """The panel's JSON: `at_ms` (the snapshot's time), `status` and `reasons`, `links` (id,
    state, latency/jitter/loss/utilization), `applications` (name, priority, current link or
    None, reason), `changes` (the latest path changes, newest first) and `alarms` (open)."""
    health = snapshot.site(site)
    by_app: Mapping[str, CurrentPath] = {p.app: p for p in paths}
    links = [
        {
            "id": link.link,
            "state": str(link.state),
            "latency_ms": _number(link.latency_ms),
            "jitter_ms": _number(link.jitter_ms),
            "loss_pct": _number(link.loss_pct),
            "utilization": None if link.utilization is None else round(link.utilization, 4),
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
        "at_ms": snapshot.now_ms,
        "status": str(health.status),
        "reasons": list(health.reasons),
        "links": links,
        "applications": apps,
        "changes": [
            {
                "at_ms": c.at_ms,
                "app": c.app,
                "from": c.from_link,
                "to": c.to_link,
                "reason": c.reason,
            }
            for c in changes
        ],
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


def link_series(windows: WindowBatch, window_s: float) -> dict[str, Any]:
    """The link-level windows of one site as the panel's charts take them: `window_s` and,
    per link, `t` (window starts, ms) and one list per `CHART_METRICS` (utilization 0..1)."""
    links: dict[str, dict[str, list[float]]] = {}
    for i in range(len(windows)):
        if windows.app[i]:
            continue
        series = links.setdefault(str(windows.link[i]), {"t": [], **{m: [] for m in CHART_METRICS}})
        series["t"].append(int(windows.ts_ms[i]))
        for metric in CHART_METRICS:
            series[metric].append(round(float(getattr(windows, metric)[i]), 4))
    return {"window_s": window_s, "links": links}
