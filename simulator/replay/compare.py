"""A/B: where two replays of the same window put an application on different links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from policies.moves import Move
from simulator.replay import ReplayResult


@dataclass(frozen=True, slots=True)
class Difference:
    """From tick `at` on, policy A has `site`/`app` on `link_a` and policy B on `link_b`.

    The reasons are those of each policy's latest move of that application up to `at`.
    """

    at: datetime
    site: str
    app: str
    link_a: str | None
    link_b: str | None
    reason_a: str
    reason_b: str

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {
            "at": self.at.isoformat(),
            "site": self.site,
            "app": self.app,
            "link_a": self.link_a,
            "link_b": self.link_b,
            "reason_a": self.reason_a,
            "reason_b": self.reason_b,
        }


_Key = tuple[str, str]


def _timelines(result: ReplayResult) -> dict[_Key, dict[datetime, Move]]:
    lines: dict[_Key, dict[datetime, Move]] = {}
    for d in result.decisions:
        lines.setdefault((d.site, d.app), {})[d.at] = d
    return lines


def compare(a: ReplayResult, b: ReplayResult) -> list[Difference]:
    """Every tick at which the pair (link under A, link under B) of an application changes and
    the two differ: the start of each divergence and each change within one. Ordered by tick,
    site, app."""
    lines_a, lines_b = _timelines(a), _timelines(b)
    found: list[Difference] = []
    for key in sorted(set(lines_a) | set(lines_b)):
        moves_a, moves_b = lines_a.get(key, {}), lines_b.get(key, {})
        current_a: Move | None = None
        current_b: Move | None = None
        for at in sorted(set(moves_a) | set(moves_b)):
            current_a = moves_a.get(at, current_a)
            current_b = moves_b.get(at, current_b)
            link_a, reason_a = _where(current_a, a, key)
            link_b, reason_b = _where(current_b, b, key)
            if link_a != link_b:
                found.append(Difference(at, key[0], key[1], link_a, link_b, reason_a, reason_b))
    found.sort(key=lambda d: (d.at, d.site, d.app))
    return found


def _where(current: Move | None, result: ReplayResult, key: _Key) -> tuple[str | None, str]:
    """An application's link and why, after its latest decision (else where the window
    found it)."""
    if current is not None:
        return current.to_link, current.reason
    if key in result.baseline:
        return result.baseline[key], "where it was at the window's start"
    return None, "not placed"
