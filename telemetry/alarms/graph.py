"""The alarm dependency graph (networkx): which alarm explains which.

Nodes: `site:<id>` for every site, `link:<site>/<link>` for every link and `config:<site>` for
what callers report about a site's configuration (push and ZTP failures). Edges point from a
cause to what depends on it: hub site -> spoke site, site -> its links, site -> its config.

A node is *cut* when an active cause alarm (site-offline) sits on it, or when it has parents
and every parent is cut. An alarm is suppressed when its node has parents and every parent is
cut; the suppressor is the cause alarm found on the first cut parent. So:

- a site-offline alarm suppresses the link-down, SLA-violation and flapping alarms of that site,
  and its push/ZTP failure alarms (the device is unreachable; those are consequences);
- a hub's site-offline alarm suppresses the site-offline alarms (and through them the link
  alarms) of spokes whose hubs are all offline: their telemetry reaches the controller through
  the data centre. A spoke with one hub still up is not suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from sites.inventory import Inventory
from telemetry.alarms.model import EXTERNAL_KINDS, LINK_KINDS, Alarm, AlarmKey, AlarmKind

CAUSES = frozenset({AlarmKind.SITE_OFFLINE})
"""Alarm kinds that cut their node (and so suppress what depends on it)."""


def site_node(site: str) -> str:
    return f"site:{site}"


def node_of(key: AlarmKey) -> str:
    """The graph node an alarm sits on."""
    if key.kind in LINK_KINDS:
        return f"link:{key.site}/{key.link}"
    if key.kind in EXTERNAL_KINDS:
        return f"config:{key.site}"
    return site_node(key.site)


def dependency_graph(inventory: Inventory) -> nx.DiGraph:
    """The graph of an inventory (rebuild it when the inventory changes)."""
    graph = nx.DiGraph()
    for site in inventory.sites:
        node = site_node(site.id)
        graph.add_node(node, kind="site")
        graph.add_edge(node, f"config:{site.id}")
        for link in site.links:
            graph.add_edge(node, f"link:{site.id}/{link.id}")
    for site in inventory.sites:
        for hub in site.hubs:
            graph.add_edge(site_node(hub), site_node(site.id))
    return graph


def suppression(
    graph: nx.DiGraph, active: Iterable[Alarm], causes: frozenset[AlarmKind] = CAUSES
) -> dict[int, int]:
    """{suppressed alarm id: id of the cause alarm that explains it} among `active` alarms."""
    alarms = list(active)
    cause_at = {node_of(a.key): a.id for a in alarms if a.key.kind in causes and a.active}
    memo: dict[str, int | None] = {}

    def cut(node: str) -> int | None:
        """The cause alarm that cuts `node`, or None."""
        if node not in memo:
            memo[node] = None  # a cycle (tunnels are not edges here, but be safe) is not a cut
            found = cause_at.get(node)
            if found is None:
                found = _parents_cut(node)
            memo[node] = found
        return memo[node]

    def _parents_cut(node: str) -> int | None:
        parents = list(graph.predecessors(node)) if node in graph else []
        found = [cut(p) for p in parents]
        if parents and all(f is not None for f in found):
            return found[0]
        return None

    result = {}
    for alarm in alarms:
        if alarm.active:
            by = _parents_cut(node_of(alarm.key))
            if by is not None and by != alarm.id:
                result[alarm.id] = by
    return result
