"""Answers kept with their gzip-compressed bytes, compressed once when they are made rather
than at every request (the app's `GZipMiddleware` compresses each answer it passes: 40 ms for
the 10,000-site map page, and more under load). An answer that says its encoding passes the
middleware untouched. Used for the map's page (kept per generation) and its static files (read
once: a file answered from disk goes through worker threads, a handover per chunk, which under
ingest at 10,000 sites made a first visit's scripts arrive half a second late)."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fastapi import Request, Response

LEVEL = 6
"""The middleware's level (controller/app.py): the same bytes on the wire either way."""


@dataclass(frozen=True, slots=True)
class Gzipped:
    """`plain` bytes, compressed, and a strong validator of them (an ETag)."""

    plain: bytes
    compressed: bytes = field(init=False, repr=False)
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compressed", gzip.compress(self.plain, LEVEL))
        object.__setattr__(
            self, "etag", f'"{hashlib.blake2b(self.plain, digest_size=12).hexdigest()}"'
        )

    @classmethod
    def of_text(cls, text: str) -> Gzipped:
        return cls(text.encode())

    @property
    def text(self) -> str:
        return self.plain.decode()

    def response(self, request: Request, media_type: str, headers: dict[str, str]) -> Response:
        """The compressed bytes to a client that accepts gzip, else the plain ones; 304 to a
        client that holds these bytes already (If-None-Match)."""
        headers = headers | {"ETag": self.etag, "Vary": "Accept-Encoding"}
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" not in request.headers.get("accept-encoding", "").lower():
            return Response(self.plain, media_type=media_type, headers=headers)
        return Response(self.compressed, media_type=media_type,
                        headers=headers | {"Content-Encoding": "gzip"})  # fmt: skip


@lru_cache(maxsize=64)
def packaged_file(path: Path) -> tuple[Gzipped, str]:
    """A file that ships with the package (it does not change while the controller runs), and
    its media type, read and compressed once."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Gzipped(path.read_bytes()), media_type
