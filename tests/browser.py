"""An installer's browser for the ZTP tests and bench: its own cookies, JSON in and out, and
optionally a CA to trust for HTTPS."""

from __future__ import annotations

import http.cookiejar
import json
import ssl
import urllib.error
import urllib.request
from typing import Any


class Browser:
    def __init__(self, base: str, context: ssl.SSLContext | None = None) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self.opener = urllib.request.build_opener(*handlers)

    def call(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
        """(status, text) of a GET, or of a POST of `body` as JSON."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        try:
            with self.opener.open(request, timeout=30) as answer:
                return int(answer.status), answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
