"""Pushing to many real NETCONF CPEs at once: every reachable device gets its configuration,
every other one is reported with the reason, nothing is half-applied, and a second push of the
same configurations sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.devices.netconf import NetconfDriver
from controller.devices.push import (
    Outcome,
    PushFailedError,
    PushOptions,
    PushTarget,
    push,
    waves,
)
from simulator.lab.common import LabCpe
from simulator.lab.netconf_cpe import HOW, NetconfLab, available
from sites.config.model import CpeConfig
from sites.config.xml import parse_xml, render_xml
from sites.enums import Platform
from tests.components import missing
from tests.devices.conftest import endpoint
from tests.sites.cpe_fixtures import REFERENCE_SITES, site_configs

pytestmark = pytest.mark.slow  # 53 NETCONF servers

(BASE,) = site_configs(REFERENCE_SITES["A"]).values()
FAST = PushOptions(workers=16, confirm_timeout_s=60, retries=1, backoff_s=0.05)


def config_of(name: str) -> CpeConfig:
    return BASE.model_copy(update={"identity": BASE.identity.model_copy(update={"hostname": name})})


def target(cpe: LabCpe, device: str, site: str, config: str | None = None) -> PushTarget:
    text = render_xml(config_of(device)) if config is None else config
    return PushTarget(device, site, Platform.NETCONF, endpoint(cpe), text)


def running(cpe: LabCpe) -> CpeConfig | None:
    with NetconfDriver(endpoint(cpe)) as driver:
        return parse_xml(driver.get_running())


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NetconfLab, list[LabCpe]]]:
    if available() is not None:
        missing("NETCONF CPE emulator (netconfd, sshd)", HOW)
    lab = NetconfLab(53, Path(tmp_path_factory.mktemp("push-lab")))
    cpes = lab.start()
    try:
        yield lab, cpes
    finally:
        lab.close()


def test_fifty_cpes_five_unreachable(lab: tuple[NetconfLab, list[LabCpe]]) -> None:
    netconf, cpes = lab
    fleet = cpes[:50]
    down = {cpe.port for cpe in fleet[::10]}  # 5 of them stop answering NETCONF
    for port in down:
        netconf.stop(port)
    targets = [target(cpe, f"cpe-{i:02d}", f"br-{i:02d}") for i, cpe in enumerate(fleet)]
    seen: list[int] = []
    report = push(targets, FAST, progress=seen.append)

    assert report.count(Outcome.PUSHED) == 45
    failed = report.failed
    assert {r.device for r in failed} == {t.device for t, c in zip(targets, fleet, strict=True)
                                         if c.port in down}  # fmt: skip
    for result in failed:
        assert result.outcome is Outcome.FAILED and result.error_kind == "ConnectError"
        port = next(t.endpoint.port for t in targets if t.device == result.device)
        assert result.error is not None and result.error.startswith(f"127.0.0.1:{port}: ")
        assert result.attempts == 2  # a connection failure is tried again, once here
    assert seen == list(range(1, 51))
    for i, cpe in enumerate(fleet):  # every reachable device runs exactly its configuration
        if cpe.port not in down:
            assert running(cpe) == config_of(f"cpe-{i:02d}")
    with pytest.raises(PushFailedError, match="5 of 50 devices failed: cpe-00 \\(ConnectError\\)"):
        report.raise_for_status()

    again = push(targets, FAST)  # the same configurations: nothing is sent
    assert again.count(Outcome.UNCHANGED) == 45 and again.count(Outcome.PUSHED) == 0
    assert all(r.diff == "" for r in again.results if r.outcome is Outcome.UNCHANGED)


def test_a_sites_second_cpe_waits_for_its_first_and_is_left_alone_if_it_failed(
    lab: tuple[NetconfLab, list[LabCpe]],
) -> None:
    netconf, cpes = lab
    first, second = cpes[50], cpes[51]
    netconf.stop(first.port)
    hub = [target(first, "hub-a", "dc-shanghai"), target(second, "hub-b", "dc-shanghai")]
    assert [[t.device for t in wave] for wave in waves(hub)] == [["hub-a"], ["hub-b"]]
    report = push(hub, FAST)
    outcome = {r.device: r.outcome for r in report.results}
    assert outcome == {"hub-a": Outcome.FAILED, "hub-b": Outcome.SKIPPED}
    assert running(second) is None  # not touched


def test_a_configuration_the_device_refuses_is_not_retried_and_changes_nothing(
    lab: tuple[NetconfLab, list[LabCpe]],
) -> None:
    _, cpes = lab
    cpe = cpes[52]
    push([target(cpe, "cpe-52", "br-52")], FAST).raise_for_status()
    before = running(cpe)
    assert before == config_of("cpe-52")
    bad = render_xml(config_of("cpe-52b")).replace("<upper-pct>70</upper-pct>",
                                                   "<upper-pct>170</upper-pct>")  # fmt: skip
    report = push([target(cpe, "cpe-52", "br-52", bad)], FAST)
    (result,) = report.results
    assert result.outcome is Outcome.FAILED and result.error_kind == "CandidateRejectedError"
    assert result.attempts == 1
    assert "upper-pct" in (result.error or "")
    assert running(cpe) == before
