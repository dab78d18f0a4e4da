"""NETCONF XML for the `branchline-cpe` YANG module: render a `CpeConfig`, parse one back.

The XML follows the model field by field (snake_case -> kebab-case, list fields by their YANG
singular name), keys first as NETCONF requires. Rendering is deterministic: the same model gives
the same bytes. Parsing accepts what a server answers to `get-config` (any canonical number
form, extra whitespace) and validates it with the model.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

from pydantic import ValidationError

from sites.config.model import CpeConfig
from sites.config.schema import LISTS, NAMESPACE, ROOT, yang_name
from sites.errors import ConfigError

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
ET.register_namespace("nc", NC)
_PLURAL = {parent: {y: f for f, y in names.items()} for parent, names in LISTS.items()}


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def leaf_text(value: object) -> str:
    """A leaf value as the module's XML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # decimal64 with 3 fraction digits: at most 3 decimals, no exponent, no trailing zeros.
        text = f"{value:.3f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def _name(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if value is None:
            continue
        name = yang_name(_name(parent), field)
        if isinstance(value, list):
            for item in value:
                child = ET.SubElement(parent, _tag(name))
                if isinstance(item, dict):
                    _fill(child, item)
                else:
                    child.text = leaf_text(item)
        elif isinstance(value, dict):
            _fill(ET.SubElement(parent, _tag(name)), value)
        else:
            ET.SubElement(parent, _tag(name)).text = leaf_text(value)


def config_element(config: CpeConfig) -> ET.Element:
    """The `<cpe>` element of the configuration."""
    root = ET.Element(_tag(ROOT))
    _fill(root, config.model_dump(mode="json"))
    return root


def render_xml(config: CpeConfig) -> str:
    """The configuration as an XML document, the `<cpe>` element in the module's namespace."""
    root = config_element(config)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode", default_namespace=NAMESPACE) + "\n"


def render_edit_config(config: CpeConfig) -> str:
    """The `<config>` payload of an edit-config that replaces the whole `<cpe>` container."""
    root = config_element(config)
    root.set(f"{{{NC}}}operation", "replace")
    outer = ET.Element(f"{{{NC}}}config")
    outer.append(root)
    ET.indent(outer, space="  ")
    return ET.tostring(outer, encoding="unicode", default_namespace=NAMESPACE)


def _read(element: ET.Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    lists = _PLURAL.get(_name(element), {})
    for child in element:
        name = child.tag.removeprefix(f"{{{NAMESPACE}}}")
        if name == child.tag:
            raise ConfigError(f"unexpected element {child.tag!r} in the {ROOT} configuration")
        value: Any = _read(child) if len(child) else (child.text or "").strip()
        if name in lists:
            out.setdefault(lists[name], []).append(value)
        else:
            out[name.replace("-", "_")] = value
    return out


_DOCTYPE = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parse_xml(text: str) -> CpeConfig | None:
    """A configuration from XML holding a `<cpe>` element (a document, or a `get-config`
    `<data>` reply). None when there is no `<cpe>`: the device holds no configuration."""
    if _DOCTYPE.search(text):
        raise ConfigError("a device answer with a DTD or entities is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ConfigError(f"not well-formed XML: {exc}") from None
    cpe = root if root.tag == _tag(ROOT) else root.find(f".//{_tag(ROOT)}")
    if cpe is None:
        return None
    try:
        return CpeConfig.model_validate(_read(cpe))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: {first['msg']}") from None
