"""Headless Chromium driven over the DevTools protocol, for tests that click: open a page, read
values off it and run script in it (a click is `element.click()`). The same browser and flags as
`tests/chromium.py`; the protocol over the `websockets` package."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.chromium import CHROMIUM, FLAGS, need_chromium


class Page:
    """One tab: `evaluate(js)` returns the expression's value (promises awaited)."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = count(1)

    def evaluate(self, expression: str) -> Any:
        result = self._call("Runtime.evaluate", expression=expression, awaitPromise=True,
                            returnByValue=True)  # fmt: skip
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        """Go to `url` as if typed in the address bar (a script's `location.href = ...`
        would be a navigation the page started: cross-site from a blank page, so a SameSite
        cookie set on the way would not be sent)."""
        result = self._call("Page.navigate", url=url)
        if "errorText" in result:
            raise AssertionError(f"{url}: {result['errorText']}")

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=30))
            if message.get("id") != ident:
                continue  # an event
            if "error" in message:  # e.g. a value that cannot be returned by value
                what = params.get("expression", "")  # not a URL: it may hold a token
                raise AssertionError(f"{method} {what}: {message['error']}")
            answer: dict[str, Any] = message["result"]
            return answer

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """The expression's value once it is truthy."""
        deadline = time.monotonic() + timeout
        guarded = f"(() => {{ try {{ return ({expression}); }} catch (e) {{ return null; }} }})()"
        while time.monotonic() < deadline:
            value = self.evaluate(guarded)  # null while the page is still loading
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"never true within {timeout} s: {expression}")


@contextmanager
def browser_page(profile: Path, url: str) -> Iterator[Page]:
    """Chromium showing `url`, driven over its DevTools port; stopped at the end."""
    need_chromium()
    # --virtual-time-budget runs the page to the budget and freezes it: not for a page we click.
    flags = [f for f in FLAGS if not f.startswith("--virtual-time-budget")]
    process = subprocess.Popen(
        [CHROMIUM, *flags, "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=1280,900", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("Chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.loads(answer.read())
        page = next(t for t in targets if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=2**24) as socket:
            yield Page(socket)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
