"""Pushing a changed configuration to many emulated CPEs through `controller.devices.push`:
the whole fleet with the worker pool, and some of it one by one, in the same run.

    .venv/bin/python -m bench.bench_push --kind cli --cpes 340 --serial 20 --workers 64
    .venv/bin/python -m bench.bench_push --kind netconf --cpes 340 --serial 20 --workers 32

`--kind cli`: SSH CLI CPEs (`branchline lab cpe --kind cli`, in a process of their own, as
devices are), first given their whole configuration (timed apart: "initial"), then the change.
`--kind netconf`: NETCONF CPEs (netconfd behind sshd, `simulator/lab/netconf_cpe.py`), where
every push replaces the whole configuration.

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
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
from sites.config.vrp import render_vrp
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
    kind: str, cpes: list[LabCpe], configs: list[tuple[str, str, CpeConfig]], interval_s: int
) -> list[PushTarget]:
    platform, render = (
        (Platform.NETCONF, render_xml) if kind == "netconf" else (Platform.HUAWEI_VRP, render_vrp)
    )
    found = []
    for cpe, (site, serial, config) in zip(cpes, configs, strict=False):
        changed = config.model_copy(update={"management": config.management.model_copy(
            update={"telemetry_interval_s": interval_s})})  # fmt: skip
        end = Endpoint(cpe.host, cpe.port,
                       Credentials(username=cpe.username, key_file=cpe.key_file),
                       host_key=cpe.host_key)  # fmt: skip
        found.append(PushTarget(serial, site, platform, end, render(changed)))
    return found


@contextmanager
def _lab(kind: str, count: int, directory: Path) -> Iterator[tuple[list[LabCpe], list[int]]]:
    """The emulated CPEs, and the processes that run them."""
    if kind == "netconf":
        lab = NetconfLab(count, directory)
        try:
            yield lab.start(), lab.pids()
        finally:
            lab.close()
        return
    branchline = Path(sys.executable).parent / "branchline"
    process = subprocess.Popen(
        [str(branchline), "lab", "cpe", "--kind", "cli", "--count", str(count), "--dir",
         str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        listing = directory / "cpes.json"
        while not listing.exists():
            if process.poll() is not None:
                raise SystemExit(f"the lab did not start: {process.stderr.read()[-500:]}")  # type: ignore[union-attr]
            time.sleep(0.1)
        cpes = [LabCpe(c["host"], c["port"], c["username"], Path(c["key_file"]), c["host_key"])
                for c in json.loads(listing.read_text())]  # fmt: skip
        yield cpes, [process.pid]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("cli", "netconf"), default="cli")
    parser.add_argument("--cpes", type=int, default=340)
    parser.add_argument("--serial", type=int, default=20, help="CPEs pushed one by one")
    parser.add_argument("--workers", type=int, default=64)
    args = parser.parse_args()
    print("command: python -m bench.bench_push " + " ".join(sys.argv[1:]), flush=True)
    configs = fleet_configs(args.cpes)
    kind, pool = args.kind, PushOptions(workers=args.workers)
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        began = time.perf_counter()
        with _lab(kind, args.cpes, Path(tmp)) as (cpes, pids):
            started = time.perf_counter() - began
            memory = _rss_mb(pids)
            print(
                f"{args.cpes} {kind} CPEs started in {started:.1f} s, {memory:.0f} MB "
                f"resident ({memory / args.cpes:.2f} MB a CPE)",
                flush=True,
            )
            if kind == "cli":  # from the factory configuration to the whole one
                began = time.perf_counter()
                push(_targets(kind, cpes, configs, 5), pool).raise_for_status()
                print(f"initial configuration of {args.cpes}: "
                      f"{time.perf_counter() - began:.1f} s", flush=True)  # fmt: skip
            one_by_one = push(_targets(kind, cpes[: args.serial], configs, 10),
                              PushOptions(workers=1))  # fmt: skip
            one_by_one.raise_for_status()
            each = statistics.median(r.seconds for r in one_by_one.results)
            began = time.perf_counter()
            fleet = push(_targets(kind, cpes, configs, 20), pool)
            wall = time.perf_counter() - began
            fleet.raise_for_status()
            memory_after = _rss_mb(pids)
    assert fleet.count(Outcome.PUSHED) == args.cpes
    serial_estimate = each * args.cpes
    print(f"emulators' memory after the pushes: {memory_after:.0f} MB resident")
    print(f"one device, one by one (median of {args.serial}): {each:.2f} s")
    print(
        f"{args.cpes} devices with {args.workers} workers: {wall:.1f} s wall (one by one: "
        f"about {serial_estimate:.0f} s; speed-up {serial_estimate / wall:.1f}x)"
    )


if __name__ == "__main__":
    main()
