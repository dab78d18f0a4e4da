"""An answer kept with its gzip-compressed bytes, compressed once when it is made rather than at
every request (the app's `GZipMiddleware` compresses each answer it passes: 40 ms for the
10,000-site map page, and more under load). An answer that says its encoding passes the
middleware untouched."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

from fastapi import Request, Response

LEVEL = 6
"""The middleware's level (controller/app.py): the same bytes on the wire either way."""


@dataclass(frozen=True, slots=True)
class Gzipped:
    """`text`, and its UTF-8 bytes compressed."""

    text: str
    compressed: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compressed", gzip.compress(self.text.encode(), LEVEL))

    def response(self, request: Request, media_type: str, headers: dict[str, str]) -> Response:
        """The compressed bytes to a client that accepts gzip, else the text."""
        if "gzip" not in request.headers.get("accept-encoding", "").lower():
            return Response(self.text, media_type=media_type, headers=headers)
        return Response(
            self.compressed, media_type=media_type,
            headers=headers | {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )  # fmt: skip
