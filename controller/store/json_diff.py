"""A readable diff of two JSON documents: one entry per changed leaf, with its path."""

from __future__ import annotations

from typing import Any


def json_diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """[{'path': 'utilization.primary.upper', 'before': 0.7, 'after': 0.75}, ...], sorted by path.

    Mappings are compared key by key; anything else (lists included) as a whole value, which
    is what an operator reading a policy change wants to see.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after)):
            sub = f"{path}.{key}" if path else str(key)
            if key not in before:
                changes.append({"path": sub, "before": None, "after": after[key]})
            elif key not in after:
                changes.append({"path": sub, "before": before[key], "after": None})
            else:
                changes += json_diff(before[key], after[key], sub)
        return changes
    if before == after:
        return []
    return [{"path": path or "(whole)", "before": before, "after": after}]
