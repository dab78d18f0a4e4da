"""The reference sites of the CPE configuration tests (tests/sites/data/cpe.yaml), built."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path

from policies.cpe_policy import site_path_policy
from policies.policy import Policy
from sites.config.build import build_site_configs
from sites.config.model import CpeConfig, Endpoint, Management
from sites.inventory import Inventory
from sites.loader import load_inventory

CPE_YAML = Path(__file__).parent / "data" / "cpe.yaml"
REFERENCE_SITES = {"A": "br-beijing-001", "B": "br-hangzhou-001", "C": "br-lhasa-001"}
LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


def management() -> Management:
    """The controller, collector and syslog server the reference configurations point at."""
    return Management(
        controller=Endpoint(address=ipaddress.IPv4Address("10.0.0.10"), port=8443),
        telemetry=Endpoint(address=ipaddress.IPv4Address("10.0.0.11"), port=8086),
        syslog=Endpoint(address=ipaddress.IPv4Address("10.0.0.12"), port=514),
    )


def cpe_inventory() -> Inventory:
    return load_inventory(CPE_YAML)


def reference_policy() -> Policy:
    """The case study's reference policy, with the overrides of the apps cpe.yaml has."""
    names = {app.name for app in cpe_inventory().applications}
    overrides = Policy.reference().applications
    return Policy(applications={k: v for k, v in overrides.items() if k in names})


def site_configs(
    site_id: str,
    steering: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    inventory: Inventory | None = None,
) -> dict[str, CpeConfig]:
    """Every CPE configuration of one reference site under the reference policy."""
    inventory = inventory or cpe_inventory()
    policy = policy or reference_policy()
    site = inventory.site_by_id[site_id]
    path_policy = site_path_policy(policy, inventory, site)
    return build_site_configs(inventory, site_id, path_policy, steering or {}, management())
