"""One way to read a document (an inventory, a scenario, a policy): YAML (or JSON) text, a
mapping at the top, a pydantic model; every problem located by field and line and raised at
once in the caller's `ProblemsError`. Parsing is bounded by `sites.yaml_io`'s limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sites.errors import Loc, Problem, ProblemsError
from sites.yaml_io import LineFinder, YamlSyntaxError, parse

M = TypeVar("M", bound=BaseModel)
Describe = Callable[[ValidationError], list[Problem]]


def problems_from_validation(exc: ValidationError, prefix: Loc = ()) -> list[Problem]:
    """Pydantic's errors as located problems (the offending value quoted where it helps)."""
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"]
        value = error.get("input")
        if error["type"] != "missing" and isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
        problems.append(Problem((*prefix, *error["loc"]), message))
    return problems


def read_mapping(
    text: str, source: str, error: type[ProblemsError], *, json_first: bool = False
) -> dict[str, Any]:
    """The mapping a YAML text holds (JSON first when `json_first` and it looks like JSON: its
    errors name the JSON mistake, and a tab, legal in JSON, is not a YAML indentation error)."""
    try:
        looks_json = json_first and text.lstrip().startswith("{")
        raw = json.loads(text) if looks_json else parse(text)
    except YamlSyntaxError as exc:
        raise error([Problem((), f"not valid YAML: {exc}", exc.line, source)]) from exc
    except json.JSONDecodeError as exc:
        raise error([Problem((), f"not valid JSON: {exc.msg}", exc.lineno, source)]) from exc
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "an empty document"
        raise error([Problem((), f"expected a mapping at the top, got {kind}", 1, source)])
    return raw


def located(problems: Iterable[Problem], text: str, source: str) -> list[Problem]:
    """The problems with the line of the text each field is on, and the source named."""
    finder = LineFinder(text)
    return [Problem(p.loc, p.message, finder.line(p.loc), source) for p in problems]


def load_document(
    text: str,
    source: str,
    model: type[M],
    error: type[ProblemsError],
    *,
    json_first: bool = False,
    describe: Describe = problems_from_validation,
) -> M:
    """`model` validated from the text; raises `error` with every problem, located."""
    raw = read_mapping(text, source, error, json_first=json_first)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(located(describe(exc), text, source)) from None
