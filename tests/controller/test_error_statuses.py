"""Every resource error the controller raises has its HTTP status in one place
(`controller/api/problems.py`): a new error class without one would answer 500."""

from __future__ import annotations

from controller import errors
from controller.api.problems import status_of


def _classes(root: type[errors.ResourceError]) -> list[type[errors.ResourceError]]:
    found = []
    for kind in root.__subclasses__():
        found += [kind, *_classes(kind)]
    return found


def test_every_resource_error_has_a_4xx() -> None:
    kinds = _classes(errors.ResourceError)
    assert errors.NoInventoryError in kinds and len(kinds) >= 7
    for kind in kinds:
        exc = kind() if kind is errors.NoInventoryError else kind("x")
        assert 400 <= status_of(exc) < 500, kind
    assert status_of(errors.StaleWriteError("x")) == 412
    assert status_of(errors.NoInventoryError()) == 409
