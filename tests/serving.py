"""A real server on loopback for the tests: `branchline serve` as a user runs it (the ZTP tests:
a CPE calls home over HTTP(S) from its own thread or process), started with `env`, waited for
until it answers, stopped with Ctrl-C, what it printed kept; or an app made in the test, served
by uvicorn in a thread (`app_on_loopback`: the browser tests and the docs' screenshots)."""

from __future__ import annotations

import signal
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from controller.store.facade import Store
from tests.browser import Browser
from tests.conftest import BRANCHLINE


@dataclass
class Served:
    process: subprocess.Popen[str]
    browser: Browser
    output: list[str] = field(default_factory=list)
    """What the server printed (stdout and stderr), once it has stopped."""


@contextmanager
def branchline_serve(
    env: dict[str, str], port: int, *, context: ssl.SSLContext | None = None,
    timeout_s: float = 60,
) -> Iterator[Served]:  # fmt: skip
    scheme = "https" if context is not None else "http"
    # Its output goes to a file, not a pipe: a full pipe would stop the server.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [str(BRANCHLINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        served = Served(process, Browser(f"{scheme}://127.0.0.1:{port}", context))
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    if served.browser.call("/api/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(f"branchline serve did not start: {log.read()[-2000:]}")
                time.sleep(0.2)
            yield served
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            served.output.append(log.read())


def wait_until_online(store: Store, site: str, timeout_s: float = 60) -> None:
    """Until `site`'s opening is online; fails at once if it failed, or after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (state := store.ztp.state(site)) is None or state[0].value != "online":
        assert state is None or state[0].value != "failed", state
        assert time.monotonic() < deadline, state
        time.sleep(0.5)


@contextmanager
def app_on_loopback(app: FastAPI, port: int, timeout_s: float = 20) -> Iterator[str]:
    """`app` served on 127.0.0.1:`port` by uvicorn in a thread, its base URL; stopped after."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError(f"the app did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
