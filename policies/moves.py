"""The move record: one application moved (or placed) by one engine step, with its reason and
the policy version that decided it. The controller's journal, its policy preview and the
simulator's replay of recorded telemetry all speak of moves in this one form, and find them
with the one rule below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

from policies.governance import version_label
from policies.reasons import Decision

Where = Mapping[tuple[str, str], str | None]
"""(site, app) -> the link it is on (None: it has no path); a missing key: never placed."""


class PolicyRef(NamedTuple):
    """Which version of which scope's policy decided; `label` names it in reports
    ("class:B v3", or a policy file's name in a replay)."""

    scope: str
    version: int
    label: str

    @classmethod
    def stored(cls, scope: str, version: int) -> PolicyRef:
        """A stored version of a scope, named as replays and reports name it."""
        return cls(scope, version, version_label(scope, version))


class Move(NamedTuple):
    """One move. (A named tuple: the first step after an import places 160,000 of them.)"""

    at: datetime
    site: str
    app: str
    from_link: str | None
    to_link: str | None
    rule: str
    reason: str
    policy: PolicyRef
    id: int | None = None
    """The journal's id once the controller has recorded it."""

    @property
    def key(self) -> tuple[datetime, str, str, str | None, str | None]:
        """What two records of the same move agree on: tick, site, app, from, to."""
        return (self.at, self.site, self.app, self.from_link, self.to_link)

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form (reports)."""
        return {
            "at": self.at.isoformat(),
            "site": self.site,
            "app": self.app,
            "from": self.from_link,
            "to": self.to_link,
            "rule": self.rule,
            "reason": self.reason,
            "policy": self.policy.label,
        }


_NEVER = object()  # "never placed": differs from every link, None included


def moves(
    decisions: Iterable[tuple[Decision, PolicyRef]], where: Where, at: datetime
) -> list[Move]:
    """The decisions that put an application somewhere else than `where` has it (an app never
    placed moves wherever it goes, even to no path), as moves. Reasons are rendered only for
    those: most decisions of a step move nothing."""
    found = []
    for d, policy in decisions:
        before = where.get((d.site, d.app), _NEVER)
        if before != d.link:
            found.append(
                Move(at, d.site, d.app, None if before is _NEVER else before,  # type: ignore[arg-type]
                     d.link, d.reason.rule.value, d.explain(), policy)
            )  # fmt: skip
    return found
