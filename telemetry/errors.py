"""Errors of the telemetry package, all under Branchline's one exception root."""

from __future__ import annotations

from sites.errors import BranchlineError


class TelemetryError(BranchlineError):
    """Root of every telemetry error."""


class SampleError(TelemetryError, ValueError):
    """A sample or a batch of samples is invalid. The message names the field (and row)."""


class UploadError(SampleError):
    """An upload is not JSON or not valid: `errors` as pydantic reports them (`loc` within the
    body, `msg`), every bad field of it."""

    def __init__(self, errors: list[dict[str, object]]) -> None:
        super().__init__(f"{len(errors)} invalid field{'s' if len(errors) != 1 else ''}")
        self.errors = errors

    def __reduce__(self) -> tuple[type[UploadError], tuple[list[dict[str, object]]]]:
        # Raised in an upload decoder's process and re-raised in the API's: rebuilt from its
        # errors, not from its message.
        return (UploadError, (self.errors,))


class QueryError(TelemetryError, ValueError):
    """A read asks for something meaningless, such as a window shorter than a millisecond."""


class TelemetryStoreError(TelemetryError):
    """A storage backend failed: bad settings, a broken database, an unexpected answer."""


class StoreSettingsError(TelemetryStoreError):
    """A store's settings are invalid; the message names each bad field."""


class UnknownBackendError(TelemetryStoreError):
    """No storage backend is registered under the requested name."""


class StoreClosedError(TelemetryStoreError):
    """The store was used after close()."""


class StoreUnavailableError(TelemetryStoreError):
    """The backend's server cannot be reached or did not settle in time.

    Written samples are not lost when this is raised by the InfluxDB backend: they wait in its
    on-disk spool and are sent when the server is back.
    """
