"""Errors of the controller's store and API, each mapped to one HTTP status."""

from __future__ import annotations

from sites.errors import BranchlineError


class StoreError(BranchlineError):
    status = 500

    def __init__(
        self, message: str, field: str | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors  # several located problems, when there are several


class NotFoundError(StoreError):
    status = 404


class ConflictError(StoreError):
    """The write contradicts what is stored: a duplicate id, a hub with spokes, a class in use."""

    status = 409


class NoInventoryError(ConflictError):
    """The controller holds no network yet (nothing imported, or every site deleted): what
    needs the network cannot answer."""

    def __init__(self) -> None:
        super().__init__(
            "the controller holds no network yet: import an inventory (PUT /api/v1/inventory, "
            "or `branchline inventory import FILE` on the controller's machine)"
        )


class OverLimitError(StoreError):
    """The request is well-formed but asks for more work than the controller's settings allow."""

    status = 422


class StaleWriteError(StoreError):
    """If-Match named a revision that is no longer current: someone else wrote first."""

    status = 412


class MissingPreconditionError(StoreError):
    """A write without If-Match could overwrite someone else's change unseen."""

    status = 428


class UnknownReferenceError(StoreError):
    """The body is well-formed but names things that do not exist (e.g. an unknown hub)."""

    status = 422
