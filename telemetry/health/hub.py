"""Site-to-hub quality: per spoke, its best path to the data centre right now.

CPE probes measure the round trip from the branch to the data centre, so a spoke's links are
its paths to the hub(s) it attaches to. The best path is the up link with the lowest quality
score, `max(latency, jitter, loss as fractions of the strictest critical class's limits)`: the
score `policies` uses for best effort (`policies.sla.quality_score`); <= 1 meets every
critical class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from policies.sla import quality_score
from telemetry.health.model import STATUS_BY_CODE, UP, Status
from telemetry.health.snapshot import HealthSnapshot


@dataclass(frozen=True, slots=True)
class HubPath:
    """A spoke's best link towards its hubs, or `link=None` when no link is up."""

    site: str
    hubs: tuple[str, ...]
    link: str | None
    latency_ms: float | None
    jitter_ms: float | None
    loss_pct: float | None
    score: float | None  # <= 1: meets every critical SLA class
    status: Status  # the site's status, for colouring the spoke-hub edge


def best_scores(snapshot: HealthSnapshot) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Per site: the quality score of its best up link (inf when no link is up), and that
    link's index."""
    layout = snapshot.layout
    limits = layout.critical if layout.critical.any() else np.ones_like(layout.critical)
    strictest = (
        float(layout.max_latency[limits].min()),
        float(layout.max_jitter[limits].min()),
        float(layout.max_loss[limits].min()),
    )
    score = quality_score(snapshot.latency_ms, snapshot.jitter_ms, snapshot.loss_pct, strictest)
    score = np.where(snapshot.state == UP, score, np.inf)
    best = np.argmin(score, axis=1)
    return score[np.arange(len(best)), best], best


def hub_quality(snapshot: HealthSnapshot) -> list[HubPath]:
    """One `HubPath` per spoke (a site that attaches to at least one hub), in layout order."""
    layout = snapshot.layout
    scores, best = best_scores(snapshot)
    paths = []
    for i, site in enumerate(layout.site_ids):
        if not layout.hubs[i]:
            continue
        k = int(best[i])
        found = bool(np.isfinite(scores[i]))
        paths.append(
            HubPath(
                site=site,
                hubs=layout.hubs[i],
                link=layout.link_ids[i][k] if found else None,
                latency_ms=float(snapshot.latency_ms[i, k]) if found else None,
                jitter_ms=float(snapshot.jitter_ms[i, k]) if found else None,
                loss_pct=float(snapshot.loss_pct[i, k]) if found else None,
                score=float(scores[i]) if found else None,
                status=STATUS_BY_CODE[int(snapshot.status[i])],
            )
        )
    return paths
