"""Load an inventory file: every problem reported with file, line and field; nothing half-loaded."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from sites.applications import Application, SlaClass
from sites.base import DEFER_RULES, FrozenModel, collect_rule_problems
from sites.documents import located, problems_from_validation, read_mapping
from sites.errors import InventoryError, Loc, Problem
from sites.inventory import Inventory
from sites.site import Site
from sites.yaml_io import dump, parse

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
    raw = read_mapping(text, source, InventoryError)
    problems, inventory = _validate(raw)
    if problems:
        raise InventoryError(located(problems, text, source))
    assert inventory is not None
    return inventory


def _validate(raw: dict[str, Any]) -> tuple[list[Problem], Inventory | None]:
    problems: list[Problem] = []
    kept: dict[str, tuple[FrozenModel, ...]] = {}
    placed: dict[str, list[FrozenModel | None]] = {}
    for section in SECTIONS:
        found, placed[section], kept[section] = _validate_items(raw, section)
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
    if not problems:
        return inventory.rule_problems(), inventory
    # The rules across sections still run, over every item in its place (those that failed
    # with the fields that were valid), so that one run reports every problem of the file.
    if any(obj is None for objs in placed.values() for obj in objs):
        return problems, None  # an item is not even a mapping: positions would not hold
    whole = inventory.model_copy(update={section: tuple(objs) for section, objs in placed.items()})
    try:
        return problems + whole.rule_problems(), None
    except (AttributeError, TypeError, ValueError, KeyError):  # a rule needed a failed field
        return problems, None


def validate_section(raw: dict[str, Any], section: str) -> tuple[list[Problem], tuple[Any, ...]]:
    """Validate one list section item by item: the problems of all items, and the valid ones."""
    problems, _, valid = _validate_items(raw, section)
    return problems, valid


def _validate_items(
    raw: dict[str, Any], section: str
) -> tuple[list[Problem], list[Any], tuple[Any, ...]]:
    """The problems of every item of a section; every item in its place: built, partly built
    (an item with invalid fields, its valid ones only), or None (not a mapping); and the
    items that were built."""
    items = raw.get(section, [])
    if not isinstance(items, list):
        return [Problem((section,), "expected a list")], [], ()
    model = SECTIONS[section]
    problems: list[Problem] = []
    placed: list[Any] = []
    valid: list[Any] = []
    for i, item in enumerate(items):
        try:
            obj = model.model_validate(item, context=_DEFER)
        except ValidationError as exc:
            problems += problems_from_validation(exc, (section, i))
            partial = _partly(model, item, exc)
            if partial is not None:
                problems += _own_rules(partial, (section, i))
            placed.append(partial)
            continue
        problems += collect_rule_problems(obj, (section, i))
        placed.append(obj)
        valid.append(obj)
    return problems, placed, tuple(valid)


def _partly(model: type[FrozenModel], item: object, exc: ValidationError) -> FrozenModel | None:
    """The item with its valid fields (the failed ones None), for the rules to look at, so
    that a site with a bad latitude still hears of its duplicate link ids in the same run."""
    failed = {e["loc"][0] for e in exc.errors() if e["loc"]}
    if not isinstance(item, dict) or not failed:
        return None
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key in failed or key not in item:
            fields[name] = None if key in failed else info.get_default(call_default_factory=True)
            continue
        kind: Any = info.annotation
        if info.metadata:
            kind = Annotated[(kind, *info.metadata)]
        try:  # valid in the item, so this only builds the nested models
            fields[name] = TypeAdapter(kind).validate_python(item[key], context=_DEFER)
        except ValidationError:
            return None
    return model.model_construct(**fields)


def _own_rules(partial: FrozenModel, loc: Loc) -> list[Problem]:
    try:
        return collect_rule_problems(partial, loc)
    except (AttributeError, TypeError, ValueError, KeyError):  # a rule needed a failed field
        return []


def load_catalogue_text(
    text: str, source: str
) -> tuple[tuple[SlaClass, ...], tuple[Application, ...]]:
    """SLA classes and applications alone (the package's catalogue file has no sites)."""
    raw = parse(text)  # package data: a syntax error here is a bug, let it surface
    sla_problems, classes = validate_section(raw, "sla_classes")
    app_problems, apps = validate_section(raw, "applications")
    problems = sla_problems + app_problems
    if problems:
        raise InventoryError(located(problems, text, source))
    return classes, apps


def dump_inventory(inventory: Inventory) -> str:
    """YAML text that load_inventory_text reads back to an equal inventory."""
    data = inventory.model_dump(mode="json", exclude_defaults=True)
    return dump({"version": inventory.version, **data})
