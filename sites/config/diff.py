"""What differs between an intended and a running configuration.

`diff_configs` is the structural diff of two models in the YANG module's terms: one `Change` per
leaf, list entries addressed by key (`/cpe/wan-link[link=inet-1]/upper-pct`), leaf-lists and the
order of user-ordered lists compared as wholes. `cli_remediation` (in `cli_diff`) is the CLI
counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sites.config.model import CpeConfig
from sites.config.schema import KEYS, ROOT, yang_name
from sites.config.xml import leaf_text


@dataclass(frozen=True, slots=True)
class Change:
    """One leaf that differs. `before` None: added; `after` None: removed."""

    path: str
    before: str | None
    after: str | None

    def render(self) -> str:
        if self.before is None:
            return f"+ {self.path} = {self.after}"
        if self.after is None:
            return f"- {self.path} = {self.before}"
        return f"~ {self.path}: {self.before} -> {self.after}"


def _flatten(node: str, path: str, data: dict[str, Any], out: dict[str, str]) -> None:
    for field, value in data.items():
        if value is None or value == []:
            continue
        name = yang_name(node, field)
        here = f"{path}/{name}"
        if isinstance(value, dict):
            _flatten(name, here, value, out)
        elif isinstance(value, list) and isinstance(value[0], dict):
            key = KEYS[name]
            out[f"{here}/(order)"] = ", ".join(str(item[key]) for item in value)
            for item in value:
                _flatten(name, f"{here}[{key}={item[key]}]", item, out)
        elif isinstance(value, list):
            out[here] = "[" + ", ".join(leaf_text(v) for v in value) + "]"
        else:
            out[here] = leaf_text(value)


def flatten(config: CpeConfig | None) -> dict[str, str]:
    """Every leaf of a configuration by its path, in document order."""
    out: dict[str, str] = {}
    if config is not None:
        _flatten(ROOT, f"/{ROOT}", config.model_dump(mode="json"), out)
    return out


def diff_configs(intended: CpeConfig | None, running: CpeConfig | None) -> tuple[Change, ...]:
    """The changes that turn `running` into `intended` (None: no configuration). Empty when
    they are equal; deterministic order: intended's document order, then removals."""
    want, have = flatten(intended), flatten(running)
    changes = [
        Change(path, have.get(path), value)
        for path, value in want.items()
        if have.get(path) != value
    ]
    changes += [Change(path, value, None) for path, value in have.items() if path not in want]
    return tuple(changes)
