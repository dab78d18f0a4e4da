"""Real components the tests start on loopback, and the rule for when one is missing.

With CI=true a missing component fails the test: CI must never pass by skipping what it was meant
to exercise. On a developer machine the test is skipped with the reason and how to install it.
"""

from __future__ import annotations

import os
import socket
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(component: str, how: str) -> NoReturn:
    message = f"{component} is not available: {how}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
