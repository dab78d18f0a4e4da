"""The inputs of a sweep, read and validated on the client: scenario and policy texts.

Every file is checked before any task runs, and every problem is collected (file, line, field)
so one run of the command lists them all. Tasks carry the texts, not paths: a remote cluster
needs no shared disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policies.policy import Policy
from simulator.errors import ScenarioError
from simulator.load import load_scenario_text
from sites.errors import Problem
from sites.yaml_io import LineFinder, YamlSyntaxError, parse

DEFAULT_POLICY = "default"
"""The policy name that means "the scenario's own policy"."""


@dataclass(frozen=True)
class ScenarioInput:
    """A scenario file's text, where it came from, and its name."""

    label: str
    name: str
    text: str
    base_dir: str


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
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem((), f"cannot read file: {exc}", source=str(path)))
        return None


def parse_policy(text: str, source: str) -> Policy:
    """A Policy document (YAML, or JSON) validated; raises ScenarioError with lines and fields."""
    try:
        raw: Any = json.loads(text) if text.lstrip().startswith("{") else parse(text)
    except YamlSyntaxError as exc:
        raise ScenarioError([Problem((), f"not valid YAML: {exc}", exc.line, source)]) from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [Problem((), f"not valid JSON: {exc.msg}", exc.lineno, source)]
        ) from exc
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "an empty document"
        raise ScenarioError([Problem((), f"expected a mapping at the top, got {kind}", 1, source)])
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        finder = LineFinder(text)
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            message = error["msg"]
            value = error.get("input")
            if error["type"] != "missing" and isinstance(value, str | int | float | bool):
                message += f" (got {value!r})"
            problems.append(Problem(loc, message, finder.line(loc), source))
        raise ScenarioError(problems) from None


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
            setup = load_scenario_text(text, source=str(path), base_dir=path.parent)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        base = str(path.parent.resolve())
        scenario_inputs.append(ScenarioInput(str(path), setup.scenario.name, text, base))
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
