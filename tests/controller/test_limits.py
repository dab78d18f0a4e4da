"""Body limits refuse oversized requests before any parsing, declared or streamed."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from controller.api.limits import BodyLimit


def echo_app() -> TestClient:
    app = FastAPI()

    @app.post("/small/echo")
    @app.post("/big/echo")
    async def echo(request: Request) -> int:
        return len(await request.body())

    app.add_middleware(BodyLimit, limits={"/small": 10, "/": 1000})
    return TestClient(app)


def chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 5):
        yield b"x" * 5


def test_declared_length_over_the_limit() -> None:
    client = echo_app()
    refused = client.post("/small/echo", content=b"x" * 11)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "the body may be at most 10 bytes"
    assert client.post("/small/echo", content=b"x" * 10).json() == 10
    assert client.post("/big/echo", content=b"x" * 11).json() == 11  # the longest prefix wins


def test_streamed_body_is_counted() -> None:
    client = echo_app()
    assert client.post("/small/echo", content=chunks(50)).status_code == 413
    assert client.post("/small/echo", content=chunks(10)).json() == 10
