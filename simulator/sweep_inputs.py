"""The inputs of a sweep, read and validated on the client: scenario, inventory and policy texts.

Every file is checked before any task runs, and every problem is collected (file, line, field)
so one run of the command lists them all. Tasks carry the texts, not paths (the inventory file
a scenario names too): a remote cluster needs no shared disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policies.document import PolicyDocumentError
from policies.document import parse_policy as parse_document
from policies.policy import Policy
from simulator.errors import ScenarioError
from simulator.load import InventoryText, load_scenario_text, read_inventory, read_text
from sites.errors import Problem

DEFAULT_POLICY = "default"
"""The policy name that means "the scenario's own policy"."""


@dataclass(frozen=True)
class ScenarioInput:
    """A scenario file's text, where it came from, its name, and its inventory file's text."""

    label: str
    name: str
    text: str
    inventory: InventoryText | None


@dataclass(frozen=True)
class PolicyInput:
    """A policy file's text (None: the scenario's own policy) and its label in the table."""

    label: str
    text: str | None


@dataclass(frozen=True)
class SweepTask:
    """One cell of the grid: everything a worker needs, as plain texts."""

    scenario: ScenarioInput
    policy: PolicyInput


def _read(path: Path, problems: list[Problem]) -> str | None:
    try:
        return read_text(path)
    except ScenarioError as exc:
        problems += exc.problems
        return None


def parse_policy(text: str, source: str) -> Policy:
    """A Policy document (YAML, or JSON) validated; raises ScenarioError with lines and fields."""
    try:
        return parse_document(text, source)
    except PolicyDocumentError as exc:
        raise ScenarioError(exc.problems) from None


def read_grid(scenarios: list[Path], policies: list[str]) -> list[SweepTask]:
    """Read and validate every file; the tasks of scenarios × policies, in that order.

    `policies` holds file paths or `default`. Raises ScenarioError with every problem found.
    """
    problems: list[Problem] = []
    scenario_inputs: list[ScenarioInput] = []
    for path in scenarios:
        text = _read(path, problems)
        if text is None:
            continue
        try:
            inventory = read_inventory(text, str(path), path.parent)
            setup = load_scenario_text(text, source=str(path), inventory=inventory)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        scenario_inputs.append(ScenarioInput(str(path), setup.scenario.name, text, inventory))
    policy_inputs: list[PolicyInput] = []
    for name in policies:
        if name == DEFAULT_POLICY:
            policy_inputs.append(PolicyInput(DEFAULT_POLICY, None))
            continue
        text = _read(Path(name), problems)
        if text is None:
            continue
        try:
            parse_policy(text, name)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        policy_inputs.append(PolicyInput(name, text))
    problems += _duplicates([s.label for s in scenario_inputs], "--scenario")
    problems += _duplicates([p.label for p in policy_inputs], "--policy")
    if problems:
        raise ScenarioError(problems)
    return [SweepTask(s, p) for s in scenario_inputs for p in policy_inputs]


def _duplicates(labels: list[str], option: str) -> list[Problem]:
    seen = sorted({x for x in labels if labels.count(x) > 1})
    return [Problem((), f"given twice with {option}", source=x) for x in seen]
