"""Read a scenario file: YAML, validated, every problem reported with its field and line.

Then build what the run needs (`Setup`): the inventory (a file beside the scenario, or the
generated reference network), the spokes the engine manages, and the effective policy; fault
entries that name unknown sites, links, carriers or hubs are reported like field errors.

The inventory file's text can be read first (`read_inventory`) and handed to
`load_scenario_text`, which then opens no file: a sweep's worker loads a scenario that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policies.governance import PolicyLookup
from policies.policy import Policy
from simulator.errors import ScenarioError
from simulator.network import SimNetwork, build, with_capacity
from simulator.scenario import Scenario
from simulator.targets import fault_problems, planning_problems
from sites.documents import load_document
from sites.errors import InventoryError, Problem
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from sites.loader import load_inventory_text
from sites.yaml_io import LineFinder


@dataclass(frozen=True)
class Setup:
    """A validated scenario with its network resolved."""

    scenario: Scenario
    net: SimNetwork
    policy: Policy
    policy_label: str = "inline"
    """Which policy: inline, reference, defaults, a stored version ("class:B v3"), a file."""


@dataclass(frozen=True)
class InventoryText:
    """The text of the inventory file a scenario names, and the file's path (problems name it)."""

    source: str
    text: str


def read_text(path: Path) -> str:
    """A file's text. Raises ScenarioError ("cannot read file", the path as its source)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem((), f"cannot read file: {exc}", source=str(path))]) from exc


def load_scenario(path: str | Path, stored: PolicyLookup | None = None) -> Setup:
    """Read, validate and resolve a scenario file. Raises ScenarioError listing every problem.
    `stored` resolves a policy_version (the controller's policies)."""
    path = Path(path)
    return load_scenario_text(
        read_text(path), source=str(path), base_dir=path.parent, stored=stored
    )


def load_scenario_text(
    text: str,
    source: str = "<scenario>",
    base_dir: Path | None = None,
    inventory: InventoryText | None = None,
    stored: PolicyLookup | None = None,
    *,
    overrides: dict[str, Any] | None = None,
) -> Setup:
    """Validate a YAML scenario and resolve its network and policy. `overrides` replace
    top-level fields (a sweep's probe preset or seed) and are validated with the rest.

    The inventory file it names is `inventory` when given (no file is opened), else read
    relative to `base_dir` (default: the working directory). A stored policy version is looked
    up with `stored`; without one such a scenario is refused.
    """
    scenario = parse_scenario(text, source)
    if overrides:
        scenario = _overridden(scenario, overrides, source)
    finder = LineFinder(text)
    with _at_inventory(source, finder):
        inventory = inventory or _read_inventory(scenario, base_dir or Path.cwd())
        resolved = _inventory(scenario, inventory)
    net = build(resolved)
    # What the network and the policy store have to say, told together.
    problems = fault_problems(scenario, net) + planning_problems(scenario, net)
    try:
        policy, label = _policy(scenario, resolved, stored)
    except LookupError as exc:
        problems.append(Problem(("policy_version",), str(exc.args[0])))
    if problems:
        raise ScenarioError(Problem(p.loc, p.message, finder.line(p.loc), source) for p in problems)
    bandwidth = {(c.site, c.link): c.mbps for c in scenario.planning.capacity}
    return Setup(scenario, with_capacity(net, bandwidth), policy, label)


def read_inventory(text: str, source: str, base_dir: Path) -> InventoryText | None:
    """The inventory file a YAML scenario names, read relative to `base_dir` (None: it uses the
    reference network). Raises ScenarioError: the scenario's problems, or an unreadable file."""
    scenario = parse_scenario(text, source)
    with _at_inventory(source, LineFinder(text)):
        return _read_inventory(scenario, base_dir)


def _overridden(scenario: Scenario, overrides: dict[str, Any], source: str) -> Scenario:
    fields = scenario.model_dump(mode="python", by_alias=True) | overrides
    try:
        return Scenario.model_validate(fields)
    except ValidationError as exc:
        raise ScenarioError(
            Problem(p.loc, p.message, source=source) for p in _problems(exc)
        ) from None


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """The scenario model of a YAML text (no network is built)."""
    return load_document(text, source, Scenario, ScenarioError, describe=_problems)


def _problems(exc: ValidationError) -> list[Problem]:
    return [Problem(loc, message) for loc, message in _errors(exc)]


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


def _read_inventory(scenario: Scenario, base_dir: Path) -> InventoryText | None:
    if scenario.network.inventory is None:
        return None
    path = Path(scenario.network.inventory)
    path = path if path.is_absolute() else base_dir / path
    return InventoryText(str(path), read_text(path))


def _inventory(scenario: Scenario, inventory: InventoryText | None) -> Inventory:
    net = scenario.network
    if net.reference is not None:
        return generate_reference_network(net.reference.branches, net.reference.seed)
    assert inventory is not None
    return load_inventory_text(inventory.text, inventory.source)


@contextmanager
def _at_inventory(source: str, finder: LineFinder) -> Iterator[None]:
    """An unreadable or invalid inventory file: one problem at the scenario's network.inventory."""
    try:
        yield
    except (InventoryError, ScenarioError) as exc:
        loc = ("network", "inventory")
        first = exc.problems[0].render() if exc.problems else "invalid"
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise ScenarioError([Problem(loc, f"{first}{more}", finder.line(loc), source)]) from exc


def _policy(
    scenario: Scenario, inventory: Inventory, stored: PolicyLookup | None
) -> tuple[Policy, str]:
    if scenario.policy is not None:
        return scenario.policy, "inline"
    if scenario.policy_version is not None:
        if stored is None:
            raise LookupError(
                "a stored policy version needs the controller's policies: run the scenario "
                "with `branchline sim run` where the controller's data is, or POST it to "
                "/api/v1/simulations"
            )
        return stored(scenario.policy_version.scope, scenario.policy_version.version)
    reference = Policy.reference()
    names = {a.name for a in inventory.applications}
    # The reference policy names catalogue apps; another inventory gets the plain defaults.
    if set(reference.applications) <= names:
        return reference, "reference"
    return Policy(), "defaults"
