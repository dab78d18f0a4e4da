"""The `branchline-cpe` YANG module: where it is, and the names the XML rendering uses."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MODULE = "branchline-cpe"
NAMESPACE = "urn:branchline:yang:branchline-cpe"
REVISION = "2026-12-05"


def yang_path() -> Path:
    """The module's file, shipped as package data (netconfd loads it with --module)."""
    path = resources.files("sites.config") / "yang" / f"{MODULE}.yang"
    return Path(str(path))


ROOT = "cpe"
LISTS: dict[str, dict[str, str]] = {
    ROOT: {"wan_links": "wan-link", "tunnels": "tunnel", "applications": "application"},
    "application": {"modes": "mode", "failover": "failover"},
    "match": {"ports": "port", "dscp": "dscp", "destinations": "destination"},
}
"""Model field -> YANG list or leaf-list name, per parent node; any other field is its own name,
kebab-cased. Per parent because `port` is a leaf of an endpoint and a leaf-list of a match."""

KEYS = {"wan-link": "link", "tunnel": "name", "application": "name"}
"""The key leaf of each YANG list (model field of the same name)."""


def yang_name(parent: str, field: str) -> str:
    """The YANG node name of model field `field` under the node named `parent`."""
    return LISTS.get(parent, {}).get(field) or field.replace("_", "-")
