"""What can go wrong talking to a device, as our own errors: a driver translates its library's
exceptions into these, so callers (push jobs, the API) never depend on ncclient or netmiko.

Messages name the device and what failed; never a password, a key or a token."""

from __future__ import annotations

from sites.errors import BranchlineError


class DeviceError(BranchlineError):
    """A device operation failed. `device` names it (host:port); `retryable` says whether
    trying again later can help (a connection refused can; a rejected candidate cannot)."""

    retryable = False

    def __init__(self, device: str, message: str) -> None:
        super().__init__(f"{device}: {message}")
        self.device = device
        self.reason = message


class ConnectError(DeviceError):
    """The device could not be reached (refused, unreachable, no route)."""

    retryable = True


class DeviceTimeoutError(ConnectError):
    """The device did not answer in time."""


class AuthError(DeviceError):
    """The device refused our credentials."""


class HostKeyError(DeviceError):
    """The device's SSH host key is not the one pinned for it: possibly another machine on its
    address. Nothing is sent to it."""


class LockedError(DeviceError):
    """Another session holds the device's configuration lock; nothing was changed."""

    retryable = True


class CandidateRejectedError(DeviceError):
    """The device refused the candidate configuration (a value out of range, an invalid
    command); `line` is the offending line or element where the device said, else None. The
    running configuration is unchanged."""

    def __init__(self, device: str, message: str, line: str | None = None) -> None:
        super().__init__(device, message)
        self.line = line


class CommitError(DeviceError):
    """The commit itself failed; the running configuration is as it was."""


class ConfirmExpiredError(DeviceError):
    """The confirm came after the device's timer ran out: the device has reverted."""


class RollbackError(DeviceError):
    """Restoring the previous configuration failed: the device needs a person."""


def first_line(error: object) -> str:
    """A library exception's first line, bounded, for a message of ours."""
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
