"""Shared model base and field types: strict at the edge, frozen inside."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, model_validator

from sites.errors import Loc, Problem

# Validation context key: when set, models skip their cross-field rules so that a loader can run
# them itself afterwards and report every problem with its own location (see loader.py).
DEFER_RULES = "branchline.defer_rules"

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")]
"""Lower-case id usable in URLs, file names and device configs: 'br-hangzhou-003', 'inet-1'."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class FrozenModel(BaseModel):
    """Unknown fields are an error (a typo must not be ignored); instances are immutable.

    Cross-field rules live in `rule_problems`, which returns located problems. Validation raises
    them at once, unless the context defers them to a loader that wants every problem of a file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def rule_problems(self) -> list[Problem]:
        """Cross-field problems of this model alone, located relative to it."""
        return []

    @model_validator(mode="after")
    def _enforce_rules(self, info: ValidationInfo) -> Self:
        if not (info.context and info.context.get(DEFER_RULES)):
            problems = self.rule_problems()
            if problems:
                raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
        return self


def collect_rule_problems(model: FrozenModel, loc: Loc = ()) -> list[Problem]:
    """Run `rule_problems` on a model and every model nested in it, with absolute locations."""
    found = [Problem(loc + p.loc, p.message) for p in model.rule_problems()]
    for name in type(model).model_fields:
        value = getattr(model, name, None)  # None: a field a partly valid item lacks
        if isinstance(value, FrozenModel):
            found += collect_rule_problems(value, (*loc, name))
        elif isinstance(value, tuple) and value and isinstance(value[0], FrozenModel):
            for i, item in enumerate(value):
                found += collect_rule_problems(item, (*loc, name, i))
    return found
