"""Opening branches by ZTP, end to end over HTTPS: from following the mailed link to the site
online, for one branch and for many opened at once.

    .venv/bin/python -m bench.bench_ztp --branches 50

A real `branchline serve` (HTTPS, a test CA), a real SMTP server (aiosmtpd), and SSH CLI CPEs
(`simulator.lab.cli_cpe`, in this process) of the reference network's single-CPE VRP branches.
For each branch: the invitation is mailed (not timed); then, timed, the installer's browser
opens the page, posts the token and claims the serial, the factory-default CPE calls home,
verifies and applies its day-0 (`simulator.lab.factory`), and the page is polled until the site
is online. Reported: one branch alone, then all of them at once (wall time, and the slowest).
Then the time the controller takes to refuse a tampered token (a real one with its last
character changed) and an unknown one, interleaved over one kept-alive connection, each
request from another client address (through the trusted-proxy header, so that the limit of
failures per client does not answer instead): they must not tell apart.

Targets (issue "Zero-touch provisioning"): one branch under 10 s, 50 under 60 s (the seed's
deployment took 30 minutes).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import trustme

from controller.settings import Settings, ZtpSettings
from controller.stores import open_store
from controller.ztp.invitations import Invitations
from controller.ztp.signing import SigningKey
from simulator.lab.cli_cpe import CliLab
from simulator.lab.common import free_ports
from simulator.lab.factory import apply_day0, call_home
from sites.bootstrap import public_text
from sites.generator import generate_reference_network
from telemetry.smtp import SmtpServer
from tests.browser import Browser
from tests.mailbox import Mailbox, smtp_server


@dataclass(frozen=True)
class Rig:
    """The controller's address, the CA that vouches for it, the CPEs, the key they trust."""

    base: str
    context: ssl.SSLContext
    ca_file: Path
    lab: CliLab
    trusted: str


def open_branch(rig: Rig, token: str, serial: str, port: int) -> float:
    """Seconds from following the link to the site online."""
    base, lab = rig.base, rig.lab
    began = time.perf_counter()
    browser = Browser(base, rig.context)
    assert browser.call("/ztp")[0] == 200
    assert browser.call("/ztp/session", {"token": token})[0] == 200
    assert browser.call("/ztp/claim", {"serial": serial})[0] == 200
    cpe = next(c for c in lab.cpes if c.port == port)
    day0 = call_home(base, serial, cpe.port, cpe.host_key, rig.trusted, ca_file=rig.ca_file)
    apply_day0(lab.servers[port], day0)
    while (state := json.loads(browser.call("/ztp/status")[1]))["state"] != "online":
        if state["state"] == "failed":
            raise SystemExit(f"{serial}: {state['reason']}")
        time.sleep(0.2)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--probes", type=int, default=500, help="refused tokens of each kind")
    args = parser.parse_args()
    print("command: python -m bench.bench_ztp " + " ".join(sys.argv[1:]), flush=True)
    inventory = generate_reference_network(340, seed=7)
    branches = [(s.id, s.cpes[0].serial) for s in inventory.sites
                if s.role == "spoke" and len(s.cpes) == 1
                and s.cpes[0].platform.value == "huawei_vrp"][: args.branches + 1]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-ztp-") as tmp, smtp_server() as box:
        directory = Path(tmp)
        ca = trustme.CA()
        issued = ca.issue_cert("127.0.0.1")
        cert, key, ca_file = directory / "cert.pem", directory / "key.pem", directory / "ca.pem"
        issued.cert_chain_pems[0].write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        ca.cert_pem.write_to_path(str(ca_file))
        context = ssl.create_default_context(cafile=str(ca_file))
        (port,) = free_ports(1)
        base = f"https://127.0.0.1:{port}"
        env = {**os.environ, "BRANCHLINE_DATA_DIR": str(directory / "data"),
               "BRANCHLINE_RECONCILE_INTERVAL_S": "0", "BRANCHLINE_TLS_CERTFILE": str(cert),
               "BRANCHLINE_TLS_KEYFILE": str(key), "BRANCHLINE_ZTP__PUBLIC_URL": base,
               "BRANCHLINE_ZTP__SMTP__PORT": str(box.port),
               "BRANCHLINE_DEVICES__DRIFT_INTERVAL_S": "0",
               "BRANCHLINE_TRUSTED_PROXIES": "127.0.0.1"}  # fmt: skip
        settings = Settings(data_dir=directory / "data", ztp=ZtpSettings(
            public_url=base, smtp=SmtpServer(port=box.port)))  # fmt: skip
        store = open_store(settings)
        store.replace_inventory(inventory, "bench")
        trusted = public_text(SigningKey(settings.data_dir / "ztp").public())
        lab = CliLab(len(branches), directory / "lab")
        lab.start()
        server = subprocess.Popen([str(Path(sys.executable).parent / "branchline"), "serve",
                                   "--port", str(port), "--log-level", "warning"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            _wait(base, context, server)
            tokens = _invite(store, settings, box, branches)
            refusals = _refusal_times(port, context, tokens[-1], args.probes)
            ports = [c.port for c in lab.cpes]
            rig = Rig(base, context, ca_file, lab, trusted)
            one = open_branch(rig, tokens[0], branches[0][1], ports[0])
            print(f"one branch, link to online: {one:.2f} s", flush=True)
            rest = list(zip(tokens[1:], branches[1:], ports[1:], strict=True))
            began = time.perf_counter()
            with ThreadPoolExecutor(max_workers=len(rest)) as pool:
                times = list(pool.map(lambda r: open_branch(rig, r[0], r[1][1], r[2]), rest))
            wall = time.perf_counter() - began
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
            lab.close()
            store.engine.dispose()
    print(f"{len(rest)} branches at once: {wall:.1f} s wall; each {statistics.median(times):.1f} s "
          f"median, {max(times):.1f} s slowest")  # fmt: skip
    _report_refusals(refusals)


def _report_refusals(refusals: dict[str, list[float]]) -> None:
    for name, took in refusals.items():
        ms = sorted(t * 1000 for t in took)
        print(f"{name} token refused (404): median {statistics.median(ms):.2f} ms, "
              f"p95 {ms[int(0.95 * len(ms))]:.2f} ms over {len(ms)}")  # fmt: skip
    gap = statistics.median(refusals["tampered"]) - statistics.median(refusals["unknown"])
    spread = statistics.stdev(refusals["unknown"])
    print(f"tampered minus unknown: {gap * 1e6:+.0f} us median ({gap / spread:+.2f} of the "
          f"unknown ones' standard deviation)")  # fmt: skip


def _refusal_times(
    port: int, context: ssl.SSLContext, token: str, probes: int
) -> dict[str, list[float]]:
    """Seconds to answer each tampered and each unknown token (see module), interleaved."""
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    unknown = "x" * len(token)
    took: dict[str, list[float]] = {"tampered": [], "unknown": []}
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        for i in range(2 * probes):
            name, tried = ("tampered", tampered) if i % 2 else ("unknown", unknown)
            body = json.dumps({"token": tried})
            client = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
            headers = {"Content-Type": "application/json", "X-Forwarded-For": client}
            began = time.perf_counter()
            connection.request("POST", "/ztp/session", body, headers)
            answer = connection.getresponse()
            answer.read()
            elapsed = time.perf_counter() - began
            if answer.status != HTTPStatus.NOT_FOUND:
                raise SystemExit(f"a {name} token got {answer.status}, not 404")
            if i >= 20:  # the first ones warm the connection and the caches
                took[name].append(elapsed)
    finally:
        connection.close()
    return took


def _wait(base: str, context: ssl.SSLContext, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if Browser(base, context).call("/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the controller did not start")
        time.sleep(0.2)


def _invite(
    store: Any, settings: Settings, box: Mailbox, branches: list[tuple[str, str]]
) -> list[str]:
    invitations = Invitations(store, settings)
    tokens = []
    for site, _ in branches:
        invitations.invite(site, "branch@example.cn", "bench")
        body = box.messages[-1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(r"/ztp#([A-Za-z0-9_-]+)", body)
        assert found is not None
        tokens.append(found.group(1))
    return tokens


if __name__ == "__main__":
    main()
