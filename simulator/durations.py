"""Durations in scenario files: a number of seconds, or text such as '90s', '10m', '1h30m'."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_seconds(value: object) -> float:
    """12 -> 12.0; '1h30m' -> 5400.0; '500ms' -> 0.5. Raises ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError(f"expected seconds or text like '10m', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.replace(" ", "")
        parts = _PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{value!r} is not a duration like '90s', '10m', '1h30m' or '500ms'")
        seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    else:
        raise ValueError(f"expected seconds or text like '10m', got {type(value).__name__}")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"a duration must be finite and >= 0, got {seconds}")
    return seconds


Seconds = Annotated[float, BeforeValidator(parse_seconds)]
"""A duration in seconds; files may write '10m' or '1h30m'."""
