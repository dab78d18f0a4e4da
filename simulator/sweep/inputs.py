"""The inputs of a sweep, read and validated on the client: scenario, inventory and policy texts.

Every file is checked before any task runs, and every problem is collected (file, line, field)
so one run of the command lists them all. Tasks carry the texts, not paths (the inventory file
a scenario names too): a remote cluster needs no shared disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policies.document import PolicyDocumentError, parse_policy
from policies.governance import PolicyLookup
from policies.policy import Policy
from simulator.errors import ScenarioError
from simulator.scenario.load import InventoryText, load_scenario_text, read_inventory, read_text
from sites.errors import Problem

DEFAULT_POLICY = "default"
"""The policy name that means "the scenario's own policy"."""
STORED = "stored:"
"""The prefix of a policy name that means a version the controller keeps."""


@dataclass(frozen=True)
class ScenarioInput:
    """A scenario file's text, where it came from, its name, its inventory file's text, and
    the stored policy version it names, resolved on the client (JSON and label)."""

    label: str
    name: str
    text: str
    inventory: InventoryText | None
    stored_policy: tuple[str, str] | None = None

    def lookup(self) -> PolicyLookup | None:
        """What the worker resolves the scenario's policy_version with: the client's answer."""
        if self.stored_policy is None:
            return None
        text, label = self.stored_policy
        return lambda _scope, _version: (Policy.model_validate_json(text), label)


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


def read_grid(
    scenarios: list[Path], policies: list[str], stored: PolicyLookup | None = None
) -> list[SweepTask]:
    """Read and validate every file; the tasks of scenarios × policies, in that order.

    `policies` holds file paths, `default`, or `stored:SCOPE[@VERSION]` (a version the
    controller keeps, looked up with `stored`). Raises ScenarioError with every problem found.
    """
    problems: list[Problem] = []
    scenario_inputs: list[ScenarioInput] = []
    for path in scenarios:
        text = _read(path, problems)
        if text is None:
            continue
        try:
            inventory = read_inventory(text, str(path), path.parent)
            setup = load_scenario_text(text, str(path), inventory=inventory, stored=stored)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        resolved = (
            (setup.policy.model_dump_json(), setup.policy_label)
            if setup.scenario.policy_version is not None
            else None
        )
        scenario_inputs.append(
            ScenarioInput(str(path), setup.scenario.name, text, inventory, resolved)
        )
    policy_inputs: list[PolicyInput] = []
    for name in policies:
        if name == DEFAULT_POLICY:
            policy_inputs.append(PolicyInput(DEFAULT_POLICY, None))
            continue
        if name.startswith(STORED):
            found = _stored(name, stored, problems)
            if found is not None:
                policy_inputs.append(found)
            continue
        text = _read(Path(name), problems)
        if text is None:
            continue
        try:
            parse_policy(text, name)
        except PolicyDocumentError as exc:
            problems += exc.problems
            continue
        policy_inputs.append(PolicyInput(name, text))
    problems += _duplicates([s.label for s in scenario_inputs], "--scenario")
    problems += _duplicates([p.label for p in policy_inputs], "--policy")
    if problems:
        raise ScenarioError(problems)
    return [SweepTask(s, p) for s in scenario_inputs for p in policy_inputs]


def _stored(name: str, stored: PolicyLookup | None, problems: list[Problem]) -> PolicyInput | None:
    """`stored:class:B` (the current version) or `stored:class:B@3`, looked up now."""
    scope, _, number = name.removeprefix(STORED).partition("@")
    if number and not number.isdigit():
        problems.append(Problem((), f"not a version number: {number!r}", source=name))
        return None
    try:
        if stored is None:
            raise LookupError("stored policies need the controller's database")
        policy, label = stored(scope, int(number) if number else None)
    except LookupError as exc:
        problems.append(Problem((), str(exc.args[0]), source=name))
        return None
    return PolicyInput(label, policy.model_dump_json())


def _duplicates(labels: list[str], option: str) -> list[Problem]:
    seen = sorted({x for x in labels if labels.count(x) > 1})
    return [Problem((), f"given twice with {option}", source=x) for x in seen]
