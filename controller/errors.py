"""Errors of the controller's resources (what the store and the API refuse). The API answers
each class with one HTTP status: the map is `controller/api/problems.py`."""

from __future__ import annotations

from sites.errors import BranchlineError


class ResourceError(BranchlineError):
    """A request about the controller's resources that cannot be done as asked."""

    def __init__(
        self, message: str, field: str | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors  # several located problems, when there are several


class NotFoundError(ResourceError):
    """No such resource."""


class ConflictError(ResourceError):
    """The write contradicts what is stored: a duplicate id, a hub with spokes, a class in use."""


class NoInventoryError(ConflictError):
    """The controller holds no network yet (nothing imported, or every site deleted): what
    needs the network cannot answer."""

    def __init__(self) -> None:
        super().__init__(
            "the controller holds no network yet: import an inventory (PUT /api/v1/inventory, "
            "or `branchline inventory import FILE` on the controller's machine)"
        )


class OverLimitError(ResourceError):
    """The request is well-formed but asks for more work than the controller's settings allow."""


class StaleWriteError(ResourceError):
    """If-Match named a revision that is no longer current: someone else wrote first."""


class MissingPreconditionError(ResourceError):
    """A write without If-Match could overwrite someone else's change unseen."""


class UnknownReferenceError(ResourceError):
    """The body is well-formed but names things that do not exist (e.g. an unknown hub)."""
