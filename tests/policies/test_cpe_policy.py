"""The policy part of a CPE configuration agrees with the engine it stands in for."""

from __future__ import annotations

from policies.compiled import compile_policy
from policies.cpe_policy import failover_order, site_path_policy
from policies.network import Network
from policies.policy import AppPolicy, Policy, UtilizationThresholds
from sites.enums import LinkRole
from tests.sites.cpe_fixtures import cpe_inventory, reference_policy

POLICIES = [
    reference_policy(),
    Policy(metered_last_resort_only=False),
    Policy(
        link_preference=(LinkRole.BACKUP, LinkRole.PRIMARY, LinkRole.LAST_RESORT),
        applications={
            "o32-trading": AppPolicy(
                link_preference=(LinkRole.LAST_RESORT, LinkRole.PRIMARY, LinkRole.BACKUP)
            )
        },
    ),
]


def test_failover_order_is_the_engines_preference_order() -> None:
    inventory = cpe_inventory()
    network = Network.from_inventory(inventory)
    for policy in POLICIES:
        compiled = compile_policy(policy, network)
        for s, site in enumerate(network.sites):
            for a, app in enumerate(network.apps):
                ranks = compiled.pref_rank[s, a, : len(site.links)]
                engine = tuple(
                    site.links[i].id for i in sorted(range(len(ranks)), key=ranks.__getitem__)
                )
                assert failover_order(policy, app.name, inventory.site_by_id[site.id]) == engine


def test_bands_follow_the_link_role_in_percent() -> None:
    inventory = cpe_inventory()
    policy = Policy(utilization={LinkRole.BACKUP: UtilizationThresholds(upper=0.8, lower=0.35)})
    site = inventory.site_by_id["br-beijing-001"]
    bands = {
        b.link: (b.upper_pct, b.lower_pct) for b in site_path_policy(policy, inventory, site).links
    }
    assert bands == {"mstp-1": (70.0, 50.0), "inet-1": (80.0, 35.0)}


def test_hold_down_is_rounded_up_to_whole_seconds() -> None:
    inventory = cpe_inventory()
    site = inventory.site_by_id["br-beijing-001"]
    policy = Policy.model_validate({"sla_dampening": {"hold_down_s": 12.2}})
    assert site_path_policy(policy, inventory, site).dampening.hold_down_s == 13
