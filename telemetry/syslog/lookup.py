"""Map a log sender to a site: by the hostname in the message, else by the source address."""

from __future__ import annotations

from sites.inventory import Inventory
from telemetry.syslog.model import SiteLookup


def inventory_lookup(inventory: Inventory) -> SiteLookup:
    """A `SiteLookup` over an inventory. A hostname matches a site id or a CPE serial (CPEs
    often log their serial or a name we configured as the site id; case is ignored); the
    source address matches a CPE's management address (the address it logs from)."""
    by_name: dict[str, str] = {}
    by_address: dict[str, str] = {}
    for site in inventory.sites:
        by_name[site.id.lower()] = site.id
        for cpe in site.cpes:
            by_name[cpe.serial.lower()] = site.id
            by_address[str(cpe.management_address)] = site.id

    def lookup(hostname: str | None, source: str) -> str | None:
        if hostname is not None:
            found = by_name.get(hostname.lower())
            if found is not None:
                return found
        return by_address.get(source)

    return lookup
