"""Split a syslog TCP stream into messages (RFC 6587): octet counting or newline framing.

Each frame says which it uses: octet counting starts with a digit ("57 <34>1 ..."), while a
framed-by-newline message starts with "<". A sender may mix both on one connection.
"""

from __future__ import annotations

from telemetry.syslog.model import SyslogError

MAX_MESSAGE = 64 * 1024
"""Longest frame accepted: RFC 5425 requires receivers to take at least 2 KiB, most send less
than 8 KiB, and a bound stops a broken sender from growing the buffer without end."""


class FramingError(SyslogError):
    """The stream cannot be split any more (a bad length, a frame too long): close it."""


class StreamFramer:
    """Feed bytes as they arrive; get whole messages back."""

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self.max_message = max_message
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while self._buffer:
            frame = self._next()
            if frame is None:
                break
            if frame.strip():
                frames.append(frame)
        if len(self._buffer) > self.max_message + 16:
            raise FramingError(f"no frame end within {self.max_message} bytes")
        return frames

    def close(self) -> list[bytes]:
        """At end of stream, an unterminated last line is still a message."""
        rest, self._buffer = bytes(self._buffer), bytearray()
        return [rest] if rest.strip() else []

    def _next(self) -> bytes | None:
        buffer = self._buffer
        if buffer[:1].isdigit():
            space = buffer.find(b" ", 0, 12)
            if space < 0:
                if len(buffer) >= 12 or not buffer.isdigit():
                    raise FramingError(f"bad octet count {bytes(buffer[:12])!r}")
                return None
            length = int(buffer[:space])
            if not 0 < length <= self.max_message:
                raise FramingError(f"octet count {length} is outside 1..{self.max_message}")
            end = space + 1 + length
            if len(buffer) < end:
                return None
            frame = bytes(buffer[space + 1 : end])
            del buffer[:end]
            return frame
        newline = buffer.find(b"\n")
        if newline < 0:
            return None
        frame = bytes(buffer[:newline])
        del buffer[: newline + 1]
        return frame
