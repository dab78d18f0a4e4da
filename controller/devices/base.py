"""What every device driver offers (NAPALM's configuration lifecycle), and where a device is.

A push is: `open`, `load_candidate` (the whole intended configuration, in the platform's
dialect), `compare` (what would change), `commit(confirm_timeout_s=...)`, a check that the
device still answers, `confirm`, `close`. On any failure before `confirm`, `discard` (nothing
committed) or `rollback` (committed, not yet confirmed: the device goes back to what it ran).
A commit never confirmed is reverted by the device itself when its timer runs out, or when the
session that made it ends: a controller that dies mid-push leaves the device as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from controller.devices.credentials import Credentials


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach one device's management plane."""

    host: str
    port: int
    credentials: Credentials
    host_key: str | None = None
    """The SSH host key pinned for the device ("ssh-ed25519 AAAA..."); None: first contact,
    the key the device shows is accepted and reported (`DeviceDriver.host_key`)."""
    timeout_s: float = 30.0

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


class DeviceDriver(Protocol):
    """One session with one device. Every method raises `controller.devices.errors.DeviceError`
    subclasses only."""

    endpoint: Endpoint

    @property
    def host_key(self) -> str | None:
        """The host key the device showed, once open (to pin at first contact)."""

    def open(self) -> None: ...

    def close(self) -> None:
        """End the session; a commit not confirmed by then is reverted by the device."""

    def get_running(self) -> str:
        """The running configuration, in the platform's dialect."""

    def load_candidate(self, config: str) -> None:
        """Stage `config` as the whole intended configuration (replacing, not merging); nothing
        runs it yet. A device with a candidate datastore checks it now and raises
        `CandidateRejectedError` (its candidate discarded); a CLI refuses a line only as it is
        typed, in `commit`. Raises `LockedError` when another session holds the lock."""

    def compare(self) -> str:
        """What committing the candidate would change, as text ("" when nothing)."""

    def commit(self, confirm_timeout_s: int | None = None) -> None:
        """Make the candidate run; with a timeout, the device reverts unless `confirm` comes
        within it. Raises `CandidateRejectedError` when the device refuses a line of it (a CLI):
        the device is back where it was."""

    def confirm(self) -> None:
        """Keep what the last confirmed commit made run. Raises `ConfirmExpiredError` if the
        device had already reverted."""

    def discard(self) -> None:
        """Drop the staged candidate (and any lock taken for it)."""

    def rollback(self) -> None:
        """Go back to the configuration that ran before the last commit."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class SessionContext:
    """`with driver:` opens it and closes it, whatever happens inside (for drivers)."""

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
