"""Decisions of the vectorised path, materialised as Decision objects only when asked."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from policies.compiled import BoolArray, Compiled, IntArray
from policies.reasons import Decision
from policies.state import BatchState, decode_reason, decode_reasons


class BatchDecisions:
    """Where every app of every site goes after one step. Cheap to build: it keeps the arrays
    and builds a Decision (with its reason) for a (site, app) only when one is asked for."""

    def __init__(self, cx: Compiled, previous: IntArray, state: BatchState) -> None:
        self._cx = cx
        self.previous = previous
        self.state = state

    @property
    def link(self) -> IntArray:
        """(sites, apps) chosen link slot, -1 if none."""
        return self.state.link

    @property
    def changed_mask(self) -> BoolArray:
        """(sites, apps) True where an app moved or was placed in this step."""
        mask: BoolArray = self.state.link != self.previous
        return mask

    def decision(self, s: int, a: int) -> Decision:
        """The decision for site index s and app index a."""
        site = self._cx.network.sites[s]
        app = self._cx.network.apps[a]

        def link_id(slot: int) -> str | None:
            return site.links[slot].id if slot >= 0 else None

        return Decision(
            site=site.id,
            app=app.name,
            link=link_id(int(self.state.link[s, a])),
            previous=link_id(int(self.previous[s, a])),
            reason=decode_reason(self._cx, self.state, s, a),
        )

    def decisions(self, rows: IntArray, apps: IntArray) -> list[Decision]:
        """The decisions of many (site index, app index) pairs, as `decision` gives each, with
        the arrays read once for all of them."""
        reasons = decode_reasons(self._cx, self.state, rows, apps)
        sites, names = self._cx.network.sites, [a.name for a in self._cx.network.apps]
        links, previous = self.state.link[rows, apps].tolist(), self.previous[rows, apps].tolist()
        out = []
        for s, a, link, before, reason in zip(
            rows.tolist(), apps.tolist(), links, previous, reasons, strict=True
        ):
            spec = sites[s].links
            out.append(
                Decision(
                    sites[s].id,
                    names[a],
                    spec[link].id if link >= 0 else None,
                    spec[before].id if before >= 0 else None,
                    reason,
                )
            )
        return out

    def changed(self) -> list[Decision]:
        """Every decision that moves or places an app, in (site, app) order."""
        rows, apps = np.nonzero(self.changed_mask)
        return [self.decision(int(s), int(a)) for s, a in zip(rows, apps, strict=True)]

    def for_site(self, site_id: str) -> tuple[Decision, ...]:
        """Every app's decision at one site (the same tuple the per-site path returns)."""
        s = self._cx.network.site_index[site_id]
        return tuple(self.decision(s, a) for a in range(len(self._cx.network.apps)))

    def __iter__(self) -> Iterator[Decision]:
        """Every decision of every site (slow for big networks: prefer `changed`)."""
        for s in range(len(self._cx.network.sites)):
            for a in range(len(self._cx.network.apps)):
                yield self.decision(s, a)
