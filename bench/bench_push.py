"""Pushing a changed configuration to many emulated CPEs (NETCONF: netconfd behind sshd on
loopback, `simulator/lab/netconf_cpe.py`), through `controller.devices.push`: the whole fleet
with the worker pool, and some of it one by one, in the same run.

    .venv/bin/python -m bench.bench_push --cpes 340 --serial 20 --workers 32

Reported: the emulators' start-up time and memory (resident, all their processes), the time
of one device's push one by one (stage, compare, commit confirmed, a second session's check,
confirm; median), the fleet's wall time with the pool, and the speed-up over pushing the fleet
one by one (the serial median times the fleet's size). The configurations are those of the generated
reference network's first CPEs under the reference policy; every push changes each device's
configuration (its telemetry interval), so each device commits.

Targets (issue "CPE configuration and transactional push", for SSH CLI CPEs): 340 CPEs under
60 s and at least 10 times the serial run.
"""

from __future__ import annotations

import argparse
import ipaddress
import statistics
import sys
import tempfile
import time
from pathlib import Path

from controller.devices.base import Endpoint
from controller.devices.credentials import Credentials
from controller.devices.push import Outcome, PushOptions, PushTarget, push
from policies.cpe_policy import site_path_policy
from policies.policy import Policy
from simulator.lab.common import LabCpe
from simulator.lab.netconf_cpe import NetconfLab
from sites.config.build import build_site_configs
from sites.config.model import CpeConfig, Management
from sites.config.model import Endpoint as At
from sites.config.xml import render_xml
from sites.enums import Platform
from sites.generator import generate_reference_network

MANAGEMENT = Management(
    controller=At(address=ipaddress.IPv4Address("127.0.0.1"), port=8080),
    telemetry=At(address=ipaddress.IPv4Address("127.0.0.1"), port=8080),
    syslog=At(address=ipaddress.IPv4Address("127.0.0.1"), port=5514),
)


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def fleet_configs(count: int) -> list[tuple[str, str, CpeConfig]]:
    """(site, serial, configuration) of the first `count` CPEs of the generated reference
    network, under the reference policy."""
    inventory = generate_reference_network(max(1, count - 1), seed=7)
    policy = Policy.reference()
    found: list[tuple[str, str, CpeConfig]] = []
    for site in inventory.sites:
        path_policy = site_path_policy(policy, inventory, site)
        configs = build_site_configs(inventory, site.id, path_policy, {}, MANAGEMENT)
        found += [(site.id, serial, config) for serial, config in sorted(configs.items())]
        if len(found) >= count:
            break
    return found[:count]


def _targets(
    cpes: list[LabCpe], configs: list[tuple[str, str, CpeConfig]], interval_s: int
) -> list[PushTarget]:
    found = []
    for cpe, (site, serial, config) in zip(cpes, configs, strict=False):
        changed = config.model_copy(update={"management": config.management.model_copy(
            update={"telemetry_interval_s": interval_s})})  # fmt: skip
        end = Endpoint(cpe.host, cpe.port,
                       Credentials(username=cpe.username, key_file=cpe.key_file),
                       host_key=cpe.host_key)  # fmt: skip
        found.append(PushTarget(serial, site, Platform.NETCONF, end, render_xml(changed)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpes", type=int, default=340)
    parser.add_argument("--serial", type=int, default=20, help="CPEs pushed one by one")
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    print("command: python -m bench.bench_push " + " ".join(sys.argv[1:]), flush=True)
    configs = fleet_configs(args.cpes)
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        lab = NetconfLab(args.cpes, Path(tmp))
        began = time.perf_counter()
        cpes = lab.start()
        started = time.perf_counter() - began
        try:
            memory = _rss_mb(lab.pids())
            print(
                f"{args.cpes} NETCONF CPEs started in {started:.1f} s, {memory:.0f} MB "
                f"resident ({memory / args.cpes:.1f} MB a CPE)",
                flush=True,
            )
            one_by_one = push(_targets(cpes[: args.serial], configs, 10), PushOptions(workers=1))
            one_by_one.raise_for_status()
            each = statistics.median(r.seconds for r in one_by_one.results)
            began = time.perf_counter()
            fleet = push(_targets(cpes, configs, 20), PushOptions(workers=args.workers))
            wall = time.perf_counter() - began
            fleet.raise_for_status()
        finally:
            lab.close()
    assert fleet.count(Outcome.PUSHED) == args.cpes
    serial_estimate = each * args.cpes
    print(f"one device, one by one (median of {args.serial}): {each:.2f} s")
    print(
        f"{args.cpes} devices with {args.workers} workers: {wall:.1f} s wall (one by one: "
        f"about {serial_estimate:.0f} s; speed-up {serial_estimate / wall:.1f}x)"
    )


if __name__ == "__main__":
    main()
