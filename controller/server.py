"""Run the controller under uvicorn. Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully."""

from __future__ import annotations

import contextlib

import uvicorn
from fastapi import FastAPI


def serve(app: FastAPI, host: str, port: int, log_level: str = "info") -> None:
    """Serve until stopped. Returns normally after a signal-initiated graceful shutdown.

    uvicorn finishes in-flight requests and the lifespan shutdown, then re-raises the signal it
    captured; for SIGINT that surfaces here as KeyboardInterrupt, which is the stop we asked for,
    not an error.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=log_level in ("debug", "trace", "info"),  # one line per request costs ~15 %
        lifespan="on",
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
