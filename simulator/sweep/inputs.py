"""The inputs of a sweep, read and validated on the client: scenario, inventory and policy texts.

Every file is checked before any task runs, and every problem is collected (file, line, field)
so one run of the command lists them all. Tasks carry the texts, not paths (the inventory file
a scenario names too): a remote cluster needs no shared disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.document import PolicyDocumentError, parse_policy
from policies.governance import PolicyLookup
from policies.policy import Policy
from simulator.errors import ScenarioError
from simulator.scenario import LinkModels
from simulator.scenario.load import InventoryText, load_scenario_text, read_inventory, read_text
from sites.documents import load_document
from sites.errors import Problem

DEFAULT_POLICY = "default"
"""The policy name that means "the scenario's own policy"."""
STORED = "stored:"
"""The prefix of a policy name that means a version the controller keeps."""
SCENARIO_PROBE = "scenario"
"""The probe label of runs with the scenario's own probes."""
SCENARIO_LINKS = "scenario"
"""The link-model label of runs with the scenario's own link models."""
MAX_SEEDS = 1000


@dataclass(frozen=True)
class ScenarioInput:
    """A scenario file's text, where it came from, its name, its inventory file's text, and
    the stored policy version it names, resolved on the client (JSON and label)."""

    label: str
    name: str
    text: str
    inventory: InventoryText | None
    stored_policy: tuple[str, str] | None = None
    seed: int = 0  # the scenario's own

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
class LinkInput:
    """A link-model file (the `links` of a scenario) as checked fields, and its label."""

    label: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class SweepTask:
    """One cell of the grid: everything a worker needs, as plain texts, and the probe preset
    (None: the scenario's own) and seed (None: the scenario's own) it runs with."""

    scenario: ScenarioInput
    policy: PolicyInput
    probe: str | None = None
    seed: int | None = None
    links: LinkInput | None = None

    @property
    def links_label(self) -> str:
        """The link-model column: a file, or `scenario` for the scenario's own."""
        return self.links.label if self.links else SCENARIO_LINKS

    @property
    def probe_label(self) -> str:
        """The probe column of the tables: a preset, or `scenario` for the scenario's own."""
        return self.probe or SCENARIO_PROBE

    def overrides(self) -> dict[str, Any]:
        """The scenario fields this cell replaces."""
        fields: dict[str, Any] = {}
        if self.probe is not None:
            fields["probe"] = {"preset": self.probe}
        if self.seed is not None:
            fields["seed"] = self.seed
        if self.links is not None:
            fields["links"] = self.links.fields
        return fields


def _read(path: Path, problems: list[Problem]) -> str | None:
    try:
        return read_text(path)
    except ScenarioError as exc:
        problems += exc.problems
        return None


def read_grid(
    scenarios: list[Path],
    policies: list[str],
    stored: PolicyLookup | None = None,
    *,
    probes: list[str] | None = None,
    seeds: int = 1,
    links: list[Path] | None = None,
) -> list[SweepTask]:
    """Read and validate every file; the tasks of scenarios × policies × probe presets ×
    seeds, in that order.

    `policies` holds file paths, `default`, or `stored:SCOPE[@VERSION]` (a version the
    controller keeps, looked up with `stored`). `probes` holds preset names (none: the
    scenarios' own probes); every scenario is checked with each. `links` holds link-model files
    (a scenario's `links` section as a document; none: the scenarios' own). `seeds` > 1 runs
    each cell with the scenario's seed and the next ones (Monte Carlo). Raises ScenarioError
    with every problem found.
    """
    problems: list[Problem] = []
    if not 1 <= seeds <= MAX_SEEDS:
        problems.append(
            Problem((), f"seeds must be 1 to {MAX_SEEDS}, got {seeds}", source="--seeds")
        )
    variants: list[str | None] = list(probes) if probes else [None]
    models: list[LinkInput | None] = [
        m for path in links or [] if (m := _link_model(path, problems)) is not None
    ] or [None]
    scenario_inputs = [
        found
        for path in scenarios
        if (found := _scenario(path, variants, stored, problems)) is not None
    ]
    policy_inputs = [
        policy for name in policies if (policy := _policy(name, stored, problems)) is not None
    ]
    problems += _duplicates([s.label for s in scenario_inputs], "--scenario")
    problems += _duplicates([p.label for p in policy_inputs], "--policy")
    problems += _duplicates([p or SCENARIO_PROBE for p in variants], "--probe")
    problems += _duplicates([m.label if m else SCENARIO_LINKS for m in models], "--links")
    if problems:
        raise ScenarioError(problems)
    return [
        SweepTask(s, p, preset, None if seeds == 1 else s.seed + k, model)
        for s in scenario_inputs
        for p in policy_inputs
        for preset in variants
        for model in models
        for k in range(seeds)
    ]


def _link_model(path: Path, problems: list[Problem]) -> LinkInput | None:
    """A link-model file read and checked (every problem with its line)."""
    text = _read(path, problems)
    if text is None:
        return None
    try:
        model = load_document(text, str(path), LinkModels, ScenarioError)
    except ScenarioError as exc:
        problems += exc.problems
        return None
    return LinkInput(str(path), model.model_dump(mode="python"))


def _scenario(
    path: Path, variants: list[str | None], stored: PolicyLookup | None, problems: list[Problem]
) -> ScenarioInput | None:
    """A scenario file read and checked, with each probe preset it is to run with."""
    text = _read(path, problems)
    if text is None:
        return None
    try:
        inventory = read_inventory(text, str(path), path.parent)
        setup = load_scenario_text(text, str(path), inventory=inventory, stored=stored)
    except ScenarioError as exc:
        problems += exc.problems
        return None
    fits = True
    for preset in variants:
        if preset is None:
            continue
        try:  # its tick must suit the preset: say so before any run
            where = f"{path} (probe {preset})"
            load_scenario_text(text, where, inventory=inventory, stored=stored,
                               overrides={"probe": {"preset": preset}})  # fmt: skip
        except ScenarioError as exc:
            problems += exc.problems
            fits = False
    if not fits:
        return None
    resolved = (
        (setup.policy.model_dump_json(), setup.policy_label)
        if setup.scenario.policy_version is not None
        else None
    )
    return ScenarioInput(
        str(path), setup.scenario.name, text, inventory, resolved, setup.scenario.seed
    )


def _policy(name: str, stored: PolicyLookup | None, problems: list[Problem]) -> PolicyInput | None:
    """`default`, a stored version, or a policy file read and checked."""
    if name == DEFAULT_POLICY:
        return PolicyInput(DEFAULT_POLICY, None)
    if name.startswith(STORED):
        return _stored(name, stored, problems)
    text = _read(Path(name), problems)
    if text is None:
        return None
    try:
        parse_policy(text, name)
    except PolicyDocumentError as exc:
        problems += exc.problems
        return None
    return PolicyInput(name, text)


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
