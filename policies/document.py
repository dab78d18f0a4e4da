"""A policy written as a document (YAML, or JSON): parsed and validated, every problem located.

Pure (text in, Policy out). The CLI's linter and the simulator's sweeps read policy files with
it; each raises the located problems in its own error type.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from policies.policy import Policy
from sites.errors import Problem, ProblemsError
from sites.loader import problems_from_validation
from sites.yaml_io import LineFinder, YamlSyntaxError, parse


class PolicyDocumentError(ProblemsError):
    """A policy document that cannot be read, parsed or validated."""

    what = "policy"


def parse_policy(text: str, source: str) -> Policy:
    """The Policy a YAML or JSON text describes; raises PolicyDocumentError with lines."""
    try:
        raw = _parse(text)
    except YamlSyntaxError as exc:
        raise PolicyDocumentError(
            [Problem((), f"not valid YAML: {exc}", exc.line, source)]
        ) from exc
    except json.JSONDecodeError as exc:
        problem = Problem((), f"not valid JSON: {exc.msg}", exc.lineno, source)
        raise PolicyDocumentError([problem]) from exc
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "an empty document"
        problem = Problem((), f"expected a mapping at the top, got {kind}", 1, source)
        raise PolicyDocumentError([problem])
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        finder = LineFinder(text)
        raise PolicyDocumentError(
            [Problem(p.loc, p.message, finder.line(p.loc), source)
             for p in problems_from_validation(exc, ())]
        ) from None  # fmt: skip


def _parse(text: str) -> Any:
    # JSON first when it looks like JSON: its errors name the JSON mistake, and a tab (legal in
    # JSON, not in YAML indentation) does not turn a valid file into a YAML syntax error.
    if text.lstrip().startswith("{"):
        return json.loads(text)
    return parse(text)
