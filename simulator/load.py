"""Read a scenario file: YAML, validated, every problem reported with its field and line.

Then build what the run needs (`Setup`): the inventory (a file beside the scenario, or the
generated reference network), the spokes the engine manages, and the effective policy; fault
entries that name unknown sites, links, carriers or hubs are reported like field errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policies.policy import Policy
from simulator.errors import ScenarioError
from simulator.network import SimNetwork, build
from simulator.scenario import Scenario
from simulator.targets import fault_problems
from sites.errors import InventoryError, Problem
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from sites.loader import load_inventory
from sites.yaml_io import LineFinder, YamlSyntaxError, parse


@dataclass(frozen=True)
class Setup:
    """A validated scenario with its network resolved."""

    scenario: Scenario
    net: SimNetwork
    policy: Policy


def load_scenario(path: str | Path) -> Setup:
    """Read, validate and resolve a scenario file. Raises ScenarioError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem((), f"cannot read file: {exc}", source=str(path))]) from exc
    return load_scenario_text(text, source=str(path), base_dir=path.parent)


def load_scenario_text(
    text: str, source: str = "<scenario>", base_dir: Path | None = None
) -> Setup:
    """Validate a YAML scenario; an inventory path is read relative to `base_dir`."""
    scenario = parse_scenario(text, source)
    finder = LineFinder(text)
    inventory = _inventory(scenario, source, base_dir or Path.cwd(), finder)
    net = build(inventory)
    problems = fault_problems(scenario, net)
    if problems:
        raise ScenarioError(Problem(p.loc, p.message, finder.line(p.loc), source) for p in problems)
    return Setup(scenario, net, _policy(scenario, inventory))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """The scenario model of a YAML text (no network is built)."""
    try:
        raw = parse(text)
    except YamlSyntaxError as exc:
        raise ScenarioError([Problem((), f"not valid YAML: {exc}", exc.line, source)]) from exc
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "an empty document"
        raise ScenarioError([Problem((), f"expected a mapping at the top, got {kind}", 1, source)])
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        finder = LineFinder(text)
        raise ScenarioError(
            Problem(loc, message, finder.line(loc), source) for loc, message in _errors(exc)
        ) from None


def _errors(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    out = []
    for error in exc.errors(include_url=False):
        loc = _untagged(tuple(error["loc"]))
        message = error["msg"]
        value: Any = error.get("input")
        if error["type"] != "missing" and isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
        out.append((loc, message))
    return out


_KINDS = frozenset({"link-down", "brown-out", "carrier-outage", "hub-cpe-failure", "flapping"})


def _untagged(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # A tagged union puts the tag in the path ('faults.0.brown-out.loss_pct'): drop it.
    if len(loc) > 2 and loc[0] == "faults" and loc[2] in _KINDS:
        return loc[:2] + loc[3:]
    return loc


def _inventory(scenario: Scenario, source: str, base_dir: Path, finder: LineFinder) -> Inventory:
    net = scenario.network
    if net.reference is not None:
        return generate_reference_network(net.reference.branches, net.reference.seed)
    assert net.inventory is not None
    path = Path(net.inventory)
    path = path if path.is_absolute() else base_dir / path
    try:
        return load_inventory(path)
    except InventoryError as exc:
        loc = ("network", "inventory")
        first = exc.problems[0].render() if exc.problems else "invalid"
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise ScenarioError([Problem(loc, f"{first}{more}", finder.line(loc), source)]) from exc


def _policy(scenario: Scenario, inventory: Inventory) -> Policy:
    if scenario.policy is not None:
        return scenario.policy
    reference = Policy.reference()
    names = {a.name for a in inventory.applications}
    # The reference policy names catalogue apps; another inventory gets the plain defaults.
    return reference if set(reference.applications) <= names else Policy()
