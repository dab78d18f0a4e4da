"""The hub-spoke overlay graph and its checks."""

from __future__ import annotations

import pytest

from sites.errors import InventoryError
from sites.inventory import Inventory
from sites.loader import load_inventory_text
from sites.overlay import build_overlay, overlay_problems


def test_graph_of_the_reference_network(reference_340: Inventory) -> None:
    graph = build_overlay(reference_340)
    assert graph.number_of_nodes() == 341
    assert graph.number_of_edges() == 340  # a star: every branch to the DC, nothing else
    assert graph.degree["dc-shanghai"] == 340
    hangzhou = next(s for s in reference_340.sites if s.city == "Hangzhou")
    assert graph.edges[hangzhou.id, "dc-shanghai"]["transports"] == sorted(
        {link.transport.value for link in hangzhou.links}
    )
    assert overlay_problems(reference_340, graph) == []


def with_overlay(small_yaml: str, overlay: str) -> str:
    return small_yaml.replace("sla_classes:\n", f"overlay:\n{overlay}sla_classes:\n", 1)


def test_spoke_to_spoke_tunnel_needs_the_policy(small_yaml: str) -> None:
    tunnel = "  tunnels: [{a: br-hangzhou-001, b: br-lhasa-001}]\n"
    with pytest.raises(InventoryError) as caught:
        load_inventory_text(with_overlay(small_yaml, tunnel))
    [problem] = caught.value.problems
    assert problem.field == "overlay.tunnels[0]"
    assert "allow_spoke_to_spoke is false" in problem.message

    allowed = load_inventory_text(
        with_overlay(small_yaml, "  allow_spoke_to_spoke: true\n" + tunnel)
    )
    assert build_overlay(allowed).has_edge("br-hangzhou-001", "br-lhasa-001")


def test_every_spoke_must_reach_a_hub(small_yaml: str) -> None:
    text = small_yaml.replace("hubs: [dc-shanghai]\n    cpes:\n      - {serial: LS-0001",
                              "hubs: []\n    cpes:\n      - {serial: LS-0001")  # fmt: skip
    with pytest.raises(InventoryError) as caught:
        load_inventory_text(text)
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("sites[2].hubs", "spoke 'br-lhasa-001' reaches no hub")
    ]
    # ... unless a permitted tunnel to a spoke that does reach one carries it.
    tunnel = "  allow_spoke_to_spoke: true\n  tunnels: [{a: br-hangzhou-001, b: br-lhasa-001}]\n"
    assert load_inventory_text(with_overlay(text, tunnel)).sites[2].hubs == ()


def test_tunnel_to_an_unknown_site(small_yaml: str) -> None:
    with pytest.raises(InventoryError) as caught:
        load_inventory_text(with_overlay(small_yaml, "  tunnels: [{a: dc-shanghai, b: br-x}]\n"))
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("overlay.tunnels[0].b", "no site with id 'br-x'")
    ]
