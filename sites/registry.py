"""Named implementations, each imported only when first asked for (DESIGN §4.1): telemetry
stores, alarm notifiers, and next device drivers and ZTP channels. A registry maps a name to
'package.module:attribute'; nothing is imported until `resolve` (so choosing InfluxDB, say,
costs nothing to a controller that runs the embedded store)."""

from __future__ import annotations

import importlib
from typing import Generic, TypeVar

from pydantic import ValidationError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(
        self, kind: str, targets: dict[str, str], unknown: type[Exception] = LookupError
    ) -> None:
        self.kind = kind
        self._targets: dict[str, str] = {}
        self._unknown = unknown
        for name, target in targets.items():
            self.register(name, target)

    def register(self, name: str, target: str) -> None:
        """Register `name` as 'package.module:attribute'; the module is imported on first use."""
        if ":" not in target:
            raise ValueError(f"target must look like 'module:attribute', got {target!r}")
        self._targets[name] = target

    def names(self) -> list[str]:
        return sorted(self._targets)

    def resolve(self, name: str) -> T:
        """What is registered under `name`, importing its module now. An unknown name raises
        the registry's error, listing the known ones."""
        try:
            target = self._targets[name]
        except KeyError:
            known = ", ".join(self.names())
            raise self._unknown(f"no {self.kind} {name!r}; known: {known}") from None
        module_name, _, attribute = target.partition(":")
        found: T = getattr(importlib.import_module(module_name), attribute)
        return found


def bad_options(exc: ValidationError) -> str:
    """What is wrong with the options given to a registered factory, field by field."""
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or '(settings)'}: {error['msg']}"
        for error in exc.errors()
    )
