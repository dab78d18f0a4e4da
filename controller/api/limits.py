"""Request body limits, enforced before the body is parsed (FastAPI parses it before any
dependency runs). Content-Length beyond the limit is refused at once; a body without one is
counted as it arrives and refused when it crosses the limit."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLargeError(HTTPException):
    """Raised while a body without Content-Length is read. An HTTPException, so that FastAPI's
    body parsing passes it on (it turns any other exception into 400) and the app's problem
    handler answers 413; if it reaches this middleware, the middleware answers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit))


class BodyLimit:
    """413 problem+json for a body larger than the limit of the longest matching path prefix."""

    def __init__(self, app: ASGIApp, limits: dict[str, int]) -> None:
        self.app = app
        self.limits = sorted(limits.items(), key=lambda item: -len(item[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await _refuse(send, limit)

    def _limit(self, scope: Scope) -> int | None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            return None
        path = scope.get("path", "")
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), None)


def _detail(limit: int) -> str:
    return f"the body may be at most {limit} bytes"


async def _refuse(send: Send, limit: int) -> None:
    detail = _detail(limit)
    problem = {"type": "about:blank", "title": "Content Too Large", "status": 413, "detail": detail}
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
