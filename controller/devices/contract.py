"""The contract every device driver keeps, as a pytest suite a driver's tests inherit and run
against the driver's real emulator (a mock would prove nothing about the device):

    class TestNetconfDriver(DriverContract):
        @pytest.fixture
        def device(self, ...) -> Device: ...   # a fresh emulated device and how to reach it

Each test gets a fresh device (nothing configured yet). What the suite checks: a configuration
lands and reads back equal, and compares empty after; one the device refuses changes nothing
and leaves no lock; a commit never confirmed is reverted by the device; rollback before and
after the confirm; another session's lock is a clear error and no change; a changed host key
and wrong credentials are refused.

Imported only by tests (it needs pytest, a test dependency).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from controller.devices.base import DeviceDriver, Endpoint
from controller.devices.errors import (
    AuthError,
    CandidateRejectedError,
    ConfirmExpiredError,
    HostKeyError,
    LockedError,
)

IMPOSTOR_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJyYW5jaGxpbmUtY29udHJhY3QtaW1wb3N0b3Ita2V5"
"""A well-formed ed25519 public key no emulator holds."""


@dataclass(frozen=True)
class Device:
    """A fresh emulated device, as the suite needs it."""

    endpoint: Endpoint
    driver: Callable[[Endpoint], DeviceDriver]
    intended: str
    """A configuration the device accepts, in its dialect."""
    other: str
    """Another one it accepts, different from `intended`."""
    refused: str
    """One it refuses (a value out of range, an invalid command)."""
    refused_because: str
    """Text the refusal's error must hold: where, or why."""
    same: Callable[[str, str | None], bool]
    """Whether a running configuration (as `get_running` gives it) is the given intended one
    (None: the device holds no configuration)."""
    reverts_within_s: float = 20.0
    poll_s: float = 1.5

    def open(self, endpoint: Endpoint | None = None) -> DeviceDriver:
        driver = self.driver(endpoint or self.endpoint)
        driver.open()
        return driver


def _push(driver: DeviceDriver, config: str) -> None:
    driver.load_candidate(config)
    driver.commit(confirm_timeout_s=60)
    driver.confirm()


class DriverContract:
    """Inherit, and give a `device` fixture (see module)."""

    @pytest.fixture
    def device(self) -> Device:
        raise NotImplementedError("a driver's tests give the device fixture")

    def test_a_configuration_lands_reads_back_equal_and_then_compares_empty(
        self, device: Device
    ) -> None:
        with device.open() as driver:
            assert device.same(driver.get_running(), None)
            driver.load_candidate(device.intended)
            assert driver.compare() != ""
            assert device.same(driver.get_running(), None)  # staged, not running
            driver.commit(confirm_timeout_s=60)
            driver.confirm()
            assert device.same(driver.get_running(), device.intended)
            driver.load_candidate(device.intended)
            assert driver.compare() == ""
            driver.discard()
        with device.open() as again:
            assert device.same(again.get_running(), device.intended)

    def test_a_refused_configuration_changes_nothing_and_leaves_no_lock(
        self, device: Device
    ) -> None:
        with device.open() as driver:
            _push(driver, device.intended)
            with pytest.raises(CandidateRejectedError) as refused:
                driver.load_candidate(device.refused)  # refused here (NETCONF validates) ...
                driver.commit(confirm_timeout_s=60)  # ... or as it is typed (a CLI)
            assert device.refused_because in str(refused.value)
            assert device.same(driver.get_running(), device.intended)
        with device.open() as other:
            _push(other, device.other)
            assert device.same(other.get_running(), device.other)

    def test_a_commit_never_confirmed_is_reverted_by_the_device(self, device: Device) -> None:
        with device.open() as driver:
            _push(driver, device.intended)
            driver.load_candidate(device.other)
            driver.commit(confirm_timeout_s=2)
            assert device.same(driver.get_running(), device.other)
            deadline = time.monotonic() + device.reverts_within_s
            while not device.same(driver.get_running(), device.intended):
                assert time.monotonic() < deadline, "the device did not revert"
                time.sleep(device.poll_s)
            with pytest.raises(ConfirmExpiredError):
                driver.confirm()

    def test_rollback_before_and_after_the_confirm(self, device: Device) -> None:
        with device.open() as driver:
            _push(driver, device.intended)
            driver.load_candidate(device.other)
            driver.commit(confirm_timeout_s=60)
            driver.rollback()  # before the confirm
            assert device.same(driver.get_running(), device.intended)
            _push(driver, device.other)
            driver.rollback()  # after it
            assert device.same(driver.get_running(), device.intended)

    def test_another_sessions_lock_is_a_clear_error_and_no_change(self, device: Device) -> None:
        with device.open() as first, device.open() as second:
            _push(first, device.intended)
            first.load_candidate(device.other)
            with pytest.raises(LockedError, match="locked by another session"):
                second.load_candidate(device.other)
            first.discard()
            assert device.same(second.get_running(), device.intended)
            second.load_candidate(device.other)  # released
            second.discard()

    def test_a_changed_host_key_and_wrong_credentials_are_refused(self, device: Device) -> None:
        with device.open(replace(device.endpoint, host_key=None)) as first_contact:
            learned = first_contact.host_key
        assert learned is not None
        if device.endpoint.host_key is not None:
            assert learned == device.endpoint.host_key
        with pytest.raises(HostKeyError, match="not the one pinned"):
            device.open(replace(device.endpoint, host_key=IMPOSTOR_KEY))
        stranger = device.endpoint.credentials.model_copy(update={"username": "nobody"})
        with pytest.raises(AuthError, match="'nobody'"):
            device.open(replace(device.endpoint, credentials=stranger))
