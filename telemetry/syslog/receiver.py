"""The syslog receiver: UDP datagrams and TCP streams (octet counting or newline framing) on
asyncio, each message parsed, mapped to a site and stored.

`SyslogReceiver` runs on the caller's event loop; `BackgroundReceiver` gives it a loop of its
own in a thread, for a synchronous caller (the controller's start-up, the tests).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import Any

from telemetry.samples import from_ms
from telemetry.syslog.framing import FramingError, StreamFramer
from telemetry.syslog.model import SiteLookup, SyslogError
from telemetry.syslog.parse import parse
from telemetry.syslog.store import LogStore

log = logging.getLogger(__name__)
READ_CHUNK = 65536


class SyslogReceiver:
    """Listens on `host` (UDP `udp_port`, TCP `tcp_port`; 0 picks a free port, None turns the
    transport off). After `start`, `udp_port` and `tcp_port` hold the bound ports."""

    def __init__(
        self,
        store: LogStore,
        site_lookup: SiteLookup,
        *,
        host: str = "127.0.0.1",
        udp_port: int | None = 514,
        tcp_port: int | None = 514,
        clock: Callable[[], float] = time.time,
        local_tz: tzinfo = UTC,
    ) -> None:
        self.store = store
        self.site_lookup = site_lookup
        self.host = host
        self.udp_port = udp_port
        self.tcp_port = tcp_port
        self.clock = clock
        self.local_tz = local_tz
        self.received = 0
        self.rejected_streams = 0
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    def handle(self, data: bytes, source: str) -> None:
        """Parse, map to a site, store one message. Public so other transports can feed it."""
        now = from_ms(int(self.clock() * 1000))
        record = parse(data, source, now, self.local_tz)
        record = replace(record, site=self.site_lookup(record.hostname, source))
        self.store.add([record], now)
        self.received += 1

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self.udp_port is not None:
                self._udp, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self), local_addr=(self.host, self.udp_port)
                )
                self.udp_port = int(self._udp.get_extra_info("sockname")[1])
            if self.tcp_port is not None:
                self._tcp = await asyncio.start_server(self._stream, self.host, self.tcp_port)
                self.tcp_port = int(self._tcp.sockets[0].getsockname()[1])
        except OSError as exc:
            await self.stop()
            raise SyslogError(f"syslog receiver cannot listen on {self.host}: {exc}") from exc

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()
            self._tcp = None

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        source = str(writer.get_extra_info("peername")[0])
        framer = StreamFramer()
        try:
            while chunk := await reader.read(READ_CHUNK):
                for frame in framer.feed(chunk):
                    self.handle(frame, source)
            for frame in framer.close():
                self.handle(frame, source)
        except FramingError as exc:
            # One broken sender must not take the receiver down: drop its connection, say why.
            self.rejected_streams += 1
            log.warning("closing syslog stream from %s: %s", source, exc)
        except ConnectionError:
            pass
        finally:
            writer.close()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: SyslogReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.receiver.handle(data, str(addr[0]))


class BackgroundReceiver:
    """Runs a `SyslogReceiver` on its own event loop in a daemon thread."""

    def __init__(self, receiver: SyslogReceiver) -> None:
        self.receiver = receiver
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self.receiver.start(), self._loop)
        future.result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        future = asyncio.run_coroutine_threadsafe(self.receiver.stop(), self._loop)
        try:
            future.result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            self._loop.close()

    def __enter__(self) -> SyslogReceiver:
        self.start()
        return self.receiver

    def __exit__(self, *exc: object) -> None:
        self.stop()
