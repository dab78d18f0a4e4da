"""Single rules in isolation: bandwidth share, flap dampening, and a real inventory."""

from __future__ import annotations

import numpy as np

from policies.engine import PolicyEngine
from policies.network import AppSpec, Network
from policies.observations import BatchObservations
from policies.policy import AppPolicy, Mode, Policy
from policies.reasons import Rule
from sites.enums import Priority
from sites.generator import generate_reference_network
from tests.policies.scenario import Cond, run, small_apps


def test_share_places_high_priority_first_and_never_overfills_while_room_remains() -> None:
    classes = {a.sla.name: a.sla for a in small_apps()}
    apps = (
        AppSpec("bulk-a", Priority.LOW, classes["bulk"]),
        AppSpec("bulk-b", Priority.LOW, classes["bulk"]),
        AppSpec("urgent", Priority.HIGH, classes["bulk"]),
    )
    share = AppPolicy(modes=(Mode.SHARE,))
    policy = Policy(applications={a.name: share for a in apps})
    # 10 Mbit/s primary at 40 % background: room for 3 Mbit/s under 70 %.
    demand = {"bulk-a": 2.0, "bulk-b": 2.0, "urgent": 2.5}
    result = run(
        policy,
        lambda t: {"mpls-1": Cond(background=0.4)},
        3,
        apps=apps,
        capacity={"mpls-1": 10.0, "inet-1": 100.0, "lte-1": 20.0},
        demand=demand,
        start_on=None,
    )
    first = {d.app: d for d in result.decisions[0][1]}
    assert first["urgent"].link == "mpls-1", "high priority is placed first, on the preferred link"
    assert first["bulk-a"].link == first["bulk-b"].link == "inet-1"
    # 40 % + 2.5 Mbit/s = 65 % on mpls-1: another 2 Mbit/s would make 85 % > 70 %, and
    # inet-1 has room, so both bulk apps go there.
    reason = first["bulk-a"].reason
    assert (reason.rule, reason.link, reason.value) == (Rule.SHARE, "inet-1", 0.02)
    assert result.moves(after=0) == [], "sticky: nothing moves while it fits"


def test_a_link_that_flaps_again_within_the_window_is_held_down_twice_as_long() -> None:
    bursts = [(10, 20), (120, 130)]  # 10 % loss twice; the second soon after the first return

    def timeline(t: float) -> dict[str, Cond]:
        loss = 10.0 if any(a <= t < b for a, b in bursts) else 0.0
        return {"mpls-1": Cond(loss_pct=loss, background=0.2)}

    result = run(Policy(), timeline, 400, apps=small_apps())
    back = [t for t, d in result.moves("o32-trading", after=0) if d.link == "mpls-1"]
    hold = Policy().sla_dampening.hold_down_s
    assert back == [bursts[0][1] - 1 + hold, bursts[1][1] - 1 + 2 * hold]


def test_reference_network_from_the_inventory_puts_healthy_traffic_on_primaries() -> None:
    inventory = generate_reference_network(40, seed=11)
    network = Network.from_inventory(inventory)
    engine = PolicyEngine(Policy.reference(), network)
    shape = (len(network.sites), network.max_links)
    present = engine.compiled.present
    obs = BatchObservations(
        up=present.copy(),
        latency_ms=np.full(shape, 20.0),
        jitter_ms=np.full(shape, 2.0),
        loss_pct=np.zeros(shape),
        utilization=np.full(shape, 0.3),
        capacity_mbps=np.full(shape, 100.0),
        demand_mbps=np.full((len(network.sites), len(network.apps)), 0.5),
    )
    _, decisions = engine.step(engine.initial_state(), obs, 0.0)
    for site in inventory.sites:
        primaries = {link.id for link in site.links if link.role.value == "primary"}
        for d in decisions.for_site(site.id):
            assert d.link in primaries and d.reason.rule is Rule.PLACED
