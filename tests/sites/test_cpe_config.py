"""The CPE configuration as data: built from the inventory, the policy and the steering."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from policies.cpe_policy import site_path_policy
from policies.policy import Policy
from sites.config.build import build_site_configs
from sites.config.model import WanLinkConfig
from sites.errors import ConfigError
from tests.sites.cpe_fixtures import REFERENCE_SITES, cpe_inventory, management, site_configs


def test_spoke_opens_a_tunnel_from_each_local_link_to_both_hub_cpes() -> None:
    (config,) = site_configs(REFERENCE_SITES["A"]).values()
    pairs = {(t.link, t.hub_cpe, str(t.remote)) for t in config.tunnels}
    assert pairs == {
        ("mstp-1", "HUB-0001", "172.16.0.1"),
        ("mstp-1", "HUB-0002", "172.16.0.2"),
        ("inet-1", "HUB-0001", "172.16.0.1"),
        ("inet-1", "HUB-0002", "172.16.0.2"),
    }
    assert config.identity.hostname == "br-beijing-001"
    assert config.identity.branch_class == "A"


def test_hub_cpes_hold_no_per_spoke_tunnels() -> None:
    configs = site_configs("dc-shanghai")
    assert [c.identity.hostname for c in configs.values()] == ["dc-shanghai-1", "dc-shanghai-2"]
    assert all(c.tunnels == () for c in configs.values())


def test_two_cpe_site_knows_which_links_are_on_the_peer() -> None:
    configs = site_configs(REFERENCE_SITES["B"])
    local = {serial: {w.link: w.interface for w in c.wan_links} for serial, c in configs.items()}
    assert local == {
        "HZ-0001": {"mpls-1": "GigabitEthernet0/0/0", "inet-1": None},
        "HZ-0002": {"mpls-1": None, "inet-1": "GigabitEthernet0/0/0"},
    }
    assert {t.link for t in configs["HZ-0002"].tunnels} == {"inet-1"}


def test_links_carry_bandwidth_and_the_70_50_band() -> None:
    (config,) = site_configs(REFERENCE_SITES["C"]).values()
    inet = next(w for w in config.wan_links if w.link == "inet-1")
    assert (inet.down_kbps, inet.up_kbps) == (100_000, 20_500)
    assert (inet.upper_pct, inet.lower_pct) == (70.0, 50.0)
    lte = next(w for w in config.wan_links if w.link == "lte-1")
    assert lte.interface == "Cellular0/0/0"
    assert lte.metered


def test_metered_link_is_last_in_every_failover_order() -> None:
    # lte-1 is listed first and is a backup, but metered links are last resort by default.
    (config,) = site_configs(REFERENCE_SITES["C"]).values()
    assert {app.failover for app in config.applications} == {("inet-1", "lte-1")}


def test_steering_is_carried_and_defaults_to_the_first_failover_link() -> None:
    (config,) = site_configs(REFERENCE_SITES["A"], steering={"office-web": "inet-1"}).values()
    links = {app.name: app.link for app in config.applications}
    assert links == {"o32-trading": "mstp-1", "hd-video": "mstp-1", "office-web": "inet-1"}
    offload = {app.name: app.offloadable for app in config.applications}
    assert offload == {"o32-trading": False, "hd-video": False, "office-web": True}


def test_sla_thresholds_and_classifiers_come_from_the_inventory() -> None:
    (config,) = site_configs(REFERENCE_SITES["A"]).values()
    trading = config.applications[0]
    assert (trading.max_latency_ms, trading.max_jitter_ms, trading.max_loss_pct) == (80, 15, 0.5)
    assert trading.match.ports == ("9001", "9100-9110")
    assert trading.modes == ("sla",)


@pytest.mark.parametrize(
    ("steering", "field"),
    [
        ({"office-web": "mpls-9"}, "steering.office-web"),
        ({"no-such-app": "inet-1"}, "steering.no-such-app"),
    ],
)
def test_bad_steering_names_the_field(steering: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        site_configs(REFERENCE_SITES["A"], steering=steering)


def test_unknown_site_is_refused() -> None:
    inventory = cpe_inventory()
    path_policy = site_path_policy(Policy(), inventory, inventory.sites[0])
    with pytest.raises(ConfigError, match="no site with id 'br-nowhere'"):
        build_site_configs(inventory, "br-nowhere", path_policy, {}, management())


def test_out_of_range_threshold_is_refused() -> None:
    (config,) = site_configs(REFERENCE_SITES["C"]).values()
    data = config.wan_links[0].model_dump()
    with pytest.raises(ValidationError, match="upper_pct"):
        WanLinkConfig.model_validate({**data, "upper_pct": 120})
    with pytest.raises(ValidationError, match="lower_pct"):
        WanLinkConfig.model_validate({**data, "lower_pct": 80})


def test_steering_to_a_link_the_site_lacks_is_refused_by_the_model() -> None:
    (config,) = site_configs(REFERENCE_SITES["C"]).values()
    app = config.applications[0].model_copy(update={"link": "mpls-9"})
    with pytest.raises(ValidationError, match=r"applications\[0\].link: no link 'mpls-9'"):
        type(config).model_validate(
            {**config.model_dump(mode="json"), "applications": [app.model_dump(mode="json")]}
        )
