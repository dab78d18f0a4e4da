"""Load an inventory file: every problem reported with file, line and field; nothing half-loaded."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sites.applications import Application, SlaClass
from sites.base import DEFER_RULES, FrozenModel, collect_rule_problems
from sites.errors import InventoryError, Loc, Problem
from sites.inventory import Inventory
from sites.site import Site
from sites.yaml_io import LineFinder, YamlSyntaxError, dump, parse

SECTIONS: dict[str, type[FrozenModel]] = {
    "sla_classes": SlaClass,
    "applications": Application,
    "sites": Site,
}
_DEFER = {DEFER_RULES: True}


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate an inventory file ('-' reads standard input)."""
    if str(path) == "-":
        return load_inventory_text(sys.stdin.read(), source="<stdin>")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError([Problem((), f"cannot read file: {exc}", source=str(path))]) from exc
    return load_inventory_text(text, source=str(path))


def load_inventory_text(text: str, source: str = "<inventory>") -> Inventory:
    """Validate a YAML inventory. Raises InventoryError listing every problem, located."""
    try:
        raw = parse(text)
    except YamlSyntaxError as exc:
        raise InventoryError([Problem((), f"not valid YAML: {exc}", exc.line, source)]) from exc
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "an empty document"
        raise InventoryError([Problem((), f"expected a mapping at the top, got {kind}", 1, source)])

    problems, inventory = _validate(raw)
    if problems:
        raise _located(problems, text, source)
    assert inventory is not None
    return inventory


def _validate(raw: dict[str, Any]) -> tuple[list[Problem], Inventory | None]:
    problems: list[Problem] = []
    kept: dict[str, tuple[FrozenModel, ...]] = {}
    for section in SECTIONS:
        found, kept[section] = validate_section(raw, section)
        problems += found

    rest = {key: value for key, value in raw.items() if key not in SECTIONS}
    try:
        inventory = Inventory.model_validate({**rest, **kept}, context=_DEFER)
    except ValidationError as exc:
        # An empty section that only looks empty because its items failed is not news.
        problems += [
            p
            for p in problems_from_validation(exc, ())
            if not (len(p.loc) == 1 and p.loc[0] in SECTIONS and raw.get(str(p.loc[0])))
        ]
        return problems, None
    if problems:
        return problems, None
    return inventory.rule_problems(), inventory


def validate_section(raw: dict[str, Any], section: str) -> tuple[list[Problem], tuple[Any, ...]]:
    """Validate one list section item by item: the problems of all items, and the valid ones."""
    items = raw.get(section, [])
    if not isinstance(items, list):
        return [Problem((section,), "expected a list")], ()
    model = SECTIONS[section]
    problems: list[Problem] = []
    valid = []
    for i, item in enumerate(items):
        try:
            obj = model.model_validate(item, context=_DEFER)
        except ValidationError as exc:
            problems += problems_from_validation(exc, (section, i))
            continue
        problems += collect_rule_problems(obj, (section, i))
        valid.append(obj)
    return problems, tuple(valid)


def load_catalogue_text(
    text: str, source: str
) -> tuple[tuple[SlaClass, ...], tuple[Application, ...]]:
    """SLA classes and applications alone (the package's catalogue file has no sites)."""
    raw = parse(text)  # package data: a syntax error here is a bug, let it surface
    sla_problems, classes = validate_section(raw, "sla_classes")
    app_problems, apps = validate_section(raw, "applications")
    problems = sla_problems + app_problems
    if problems:
        raise _located(problems, text, source)
    return classes, apps


def _located(problems: list[Problem], text: str, source: str) -> InventoryError:
    finder = LineFinder(text)
    return InventoryError(Problem(p.loc, p.message, finder.line(p.loc), source) for p in problems)


def problems_from_validation(exc: ValidationError, prefix: Loc) -> list[Problem]:
    """Pydantic's errors as located problems (the offending value quoted where it helps)."""
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"]
        value = error.get("input")
        if error["type"] != "missing" and isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
        problems.append(Problem((*prefix, *error["loc"]), message))
    return problems


def dump_inventory(inventory: Inventory) -> str:
    """YAML text that load_inventory_text reads back to an equal inventory."""
    data = inventory.model_dump(mode="json", exclude_defaults=True)
    return dump({"version": inventory.version, **data})
