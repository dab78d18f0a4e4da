"""What each CPE should run now: its configuration (sites.config) built from the stored
inventory, the policy version governing its site, the controller's current paths (the
steering) and the controller's own addresses, rendered in its platform's dialect."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from controller.reconcile.effective import governing_policies
from controller.settings import Settings
from controller.store.facade import Store
from policies.cpe_policy import site_path_policy
from sites.config.build import build_site_configs
from sites.config.model import CpeConfig, Endpoint, Management
from sites.config.render import render
from sites.enums import Platform
from sites.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Intended:
    serial: str
    site: str
    platform: Platform
    credentials_ref: str
    management_address: str
    text: str
    config: CpeConfig


def management(settings: Settings) -> Management:
    """The controller, its telemetry collector and its syslog receiver, as CPEs reach them."""
    address = settings.devices.advertise_address
    return Management(
        controller=Endpoint(address=address, port=settings.port),
        telemetry=Endpoint(address=address, port=settings.port),
        syslog=Endpoint(address=address, port=settings.syslog.udp_port or 514),
    )


def intended_configs(
    store: Store, settings: Settings, sites: Iterable[str] | None = None
) -> tuple[dict[str, Intended], dict[str, tuple[str, str]]]:
    """{serial: what it should run} for every CPE of `sites` (all when None), and
    {serial: (site, why none)} for those whose configuration cannot be built or rendered."""
    _, inventory = store.current.get()
    wanted = None if sites is None else set(sites)
    governing = governing_policies(store.policies, inventory)
    steering: dict[str, dict[str, str]] = defaultdict(dict)
    for (site_id, app), link in store.paths.links().items():
        if link is not None and (wanted is None or site_id in wanted):
            steering[site_id][app] = link
    found: dict[str, Intended] = {}
    problems: dict[str, tuple[str, str]] = {}
    addresses = management(settings)
    for site in inventory.sites:
        if wanted is not None and site.id not in wanted:
            continue
        path_policy = site_path_policy(governing[site.id].policy, inventory, site)
        cpes = {cpe.serial: cpe for cpe in site.cpes}
        try:
            configs = build_site_configs(
                inventory, site.id, path_policy, steering[site.id], addresses
            )
        except ConfigError as exc:
            for serial in cpes:
                problems[serial] = (site.id, str(exc))
            continue
        for serial, config in configs.items():
            cpe = cpes[serial]
            try:
                text = render(config, cpe.platform)
            except ConfigError as exc:
                problems[serial] = (site.id, str(exc))
                continue
            found[serial] = Intended(serial, site.id, cpe.platform, cpe.credentials_ref,
                                     str(cpe.management_address), text, config)  # fmt: skip
    return found, problems
