"""Run the controller under uvicorn. Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

_SECRET_QUERY = re.compile(r"(?i)([?&](?:token|access_token|key|password)=)[^&#\s]*")
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Blanks credentials in query strings (the map's `?token=`) in what a record says: the
    access log writes every request's URL, and a log is read by more people than a token
    should be."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", a) if isinstance(a, str) else a
                for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", record.msg)
        return True


def serve(
    app: FastAPI,
    host: str,
    port: int,
    log_level: str = "info",
    trusted_proxies: str = "",
    *,
    tls: tuple[Path, Path] | None = None,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Serve until stopped. Returns normally after a signal-initiated graceful shutdown.

    uvicorn finishes in-flight requests and the lifespan shutdown, then re-raises the signal it
    captured; for SIGINT that surfaces here as KeyboardInterrupt, which is the stop we asked for,
    not an error. With `tls` (certificate file, key file), HTTPS only. `on_started` is called
    (in a thread of its own) once the server listens.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=log_level in ("debug", "trace", "info"),  # one line per request costs ~15 %
        # X-Forwarded-For names the client only when it comes from a proxy the operator named:
        # uvicorn's default believes any local process, which could then pose as anyone.
        proxy_headers=bool(trusted_proxies.strip()),
        forwarded_allow_ips=trusted_proxies.strip() or None,
        lifespan="on",
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
    )
    # uvicorn sets its loggers up when the Config is made: add the filter after that.
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactSecrets())
    server = uvicorn.Server(config)
    if on_started is not None:
        threading.Thread(target=_when_started, args=(server, on_started), daemon=True,
                         name="on-started").start()  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


def _when_started(server: uvicorn.Server, then: Callable[[], None]) -> None:
    """`then()` once the server listens (nothing if it stops first)."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    try:
        then()
    except Exception:
        logging.getLogger("branchline.controller").exception("starting beside the server failed")
