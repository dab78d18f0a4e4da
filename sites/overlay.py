"""The hub-spoke overlay: its policy, the graph networkx makes of it, and the checks an operator
relies on. It needs only a network's sites and overlay policy (`HubSpoke`), which an
`Inventory` has."""

from __future__ import annotations

from typing import Protocol

import networkx as nx
from pydantic import Field

from sites.base import FrozenModel, Identifier
from sites.enums import SiteRole
from sites.errors import Problem
from sites.site import Site


class Tunnel(FrozenModel):
    """An overlay edge beyond the automatic spoke-to-hub ones, e.g. a direct branch-to-branch."""

    a: Identifier
    b: Identifier


class OverlayPolicy(FrozenModel):
    allow_spoke_to_spoke: bool = Field(
        default=False, description="hub-spoke only unless set: branches talk to the DC"
    )
    tunnels: tuple[Tunnel, ...] = ()


class HubSpoke(Protocol):
    """What the overlay is made of (an `Inventory` is one)."""

    @property
    def sites(self) -> tuple[Site, ...]: ...

    @property
    def overlay(self) -> OverlayPolicy: ...


def build_overlay(inventory: HubSpoke) -> nx.Graph:
    """Nodes are site ids (with role, class, coordinates); edges are overlay tunnels.

    Every spoke gets an edge to each hub it attaches to, carrying the transports it can use;
    explicit tunnels from the overlay policy are added with kind='tunnel'.
    """
    graph = nx.Graph()
    for site in inventory.sites:
        graph.add_node(
            site.id,
            role=site.role.value,
            branch_class=site.branch_class.value if site.branch_class else None,
            latitude=site.latitude,
            longitude=site.longitude,
        )
    for site in inventory.sites:
        transports = sorted({link.transport.value for link in site.links})
        for hub in site.hubs:
            if hub in graph:
                graph.add_edge(site.id, hub, kind="attach", transports=transports)
    for tunnel in inventory.overlay.tunnels:
        graph.add_edge(tunnel.a, tunnel.b, kind="tunnel")
    return graph


def overlay_problems(inventory: HubSpoke, graph: nx.Graph | None = None) -> list[Problem]:
    """Every spoke reaches a hub; no spoke-to-spoke edge unless the overlay policy allows it."""
    graph = build_overlay(inventory) if graph is None else graph
    known = {site.id for site in inventory.sites}
    problems = []
    for i, tunnel in enumerate(inventory.overlay.tunnels):
        loc = ("overlay", "tunnels", i)
        for end in ("a", "b"):
            if getattr(tunnel, end) not in known:
                problems.append(Problem((*loc, end), f"no site with id {getattr(tunnel, end)!r}"))
        if tunnel.a == tunnel.b:
            problems.append(Problem(loc, "a tunnel needs two different sites"))
        roles = {graph.nodes[n].get("role") for n in (tunnel.a, tunnel.b) if n in graph}
        if (
            roles == {SiteRole.SPOKE.value}
            and tunnel.a != tunnel.b
            and not inventory.overlay.allow_spoke_to_spoke
        ):
            problems.append(
                Problem(loc, "spoke-to-spoke tunnel, but overlay.allow_spoke_to_spoke is false")
            )
    hubs = [n for n, role in graph.nodes(data="role") if role == SiteRole.HUB.value]
    reachable: set[str] = set()
    for hub in hubs:
        if hub not in reachable:
            reachable |= nx.node_connected_component(graph, hub)
    for i, site in enumerate(inventory.sites):
        if site.role is SiteRole.SPOKE and site.id not in reachable:
            problems.append(Problem(("sites", i, "hubs"), f"spoke {site.id!r} reaches no hub"))
    return problems
