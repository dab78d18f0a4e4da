"""Parse one syslog message, RFC 5424 or RFC 3164 (BSD), leniently.

Devices get the details wrong (no hostname, a missing PRI, a trailing newline, odd spacing);
a log server that drops what it cannot parse loses exactly the messages that matter during an
incident, so anything unparsable is kept whole as the message text (RFC 3164 §4.3.3: PRI 13).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from telemetry.syslog.model import LogFormat, LogRecord, LogSeverity

_PRI = re.compile(r"<(\d{1,3})>")
_NIL = "-"
_BOM = "\ufeff"
_BSD_TIME = re.compile(r"([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) ")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_TAG = re.compile(r"([^\s:\[]{1,48})(?:\[([^\]]{1,128})\])?:\s?")
DEFAULT_PRI = 13  # user.notice, RFC 3164 §4.3.3


def parse(data: bytes, source: str, received_at: datetime, local_tz: tzinfo = UTC) -> LogRecord:
    """One message (one datagram or one TCP frame). `local_tz` is the zone of RFC 3164
    timestamps, which carry none."""
    text = data.decode("utf-8", errors="replace").rstrip("\r\n\x00")
    pri, rest = DEFAULT_PRI, text
    match = _PRI.match(text)
    if match and int(match.group(1)) <= 191:
        pri, rest = int(match.group(1)), text[match.end() :]
    facility, severity = divmod(pri, 8)
    if rest.startswith("1 "):
        record = _rfc5424(rest[2:], received_at)
        if record is not None:
            return _with(record, source, received_at, facility, severity)
    return _with(_rfc3164(rest, received_at, local_tz), source, received_at, facility, severity)


Fields = tuple[datetime | None, str | None, str | None, str | None, str | None, str, LogFormat]


def _with(
    fields: Fields, source: str, received_at: datetime, facility: int, severity: int
) -> LogRecord:
    when, host, app, procid, msgid, message, fmt = fields
    return LogRecord(
        timestamp=when or received_at,
        received_at=received_at,
        source=source,
        facility=facility,
        severity=LogSeverity(severity),
        hostname=host,
        app_name=app,
        procid=procid,
        msgid=msgid,
        message=message,
        format=fmt,
    )


def _nil(value: str) -> str | None:
    return None if value == _NIL else value


def _rfc5424(rest: str, received_at: datetime) -> Fields | None:
    """TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]; None if malformed."""
    parts = rest.split(" ", 5)
    if len(parts) < 6:
        return None
    stamp, host, app, procid, msgid, tail = parts
    when: datetime | None = None
    if stamp != _NIL:
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:  # RFC 5424 requires an offset; a device without one: UTC
            when = when.replace(tzinfo=UTC)
    sd_end = _structured_data_end(tail)
    if sd_end is None:
        return None
    structured, message = tail[:sd_end], tail[sd_end:].removeprefix(" ").removeprefix(_BOM)
    if structured != _NIL:
        # Keep structured data searchable: it often holds the interface or the peer address.
        message = f"{structured} {message}".rstrip()
    return when, _nil(host), _nil(app), _nil(procid), _nil(msgid), message, LogFormat.RFC5424


def _structured_data_end(tail: str) -> int | None:
    """Index just past STRUCTURED-DATA ("-" or [id k="v"]...; `\\]` and `\\"` are escapes)."""
    if tail.startswith(_NIL):
        return 1
    i, n = 0, len(tail)
    while i < n and tail[i] == "[":
        quoted = False
        i += 1
        while i < n:
            char = tail[i]
            if char == "\\" and quoted:
                i += 2
                continue
            if char == '"':
                quoted = not quoted
            elif char == "]" and not quoted:
                break
            i += 1
        if i >= n:
            return None
        i += 1
    return i if i > 0 else None


def _rfc3164(rest: str, received_at: datetime, local_tz: tzinfo) -> Fields:
    """Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG, each part optional in practice."""
    when: datetime | None = None
    host: str | None = None
    match = _BSD_TIME.match(rest)
    if match and match.group(1) in _MONTHS:
        when = _bsd_time(match, received_at, local_tz)
        rest = rest[match.end() :]
        head, _, tail = rest.partition(" ")
        if head and not head.endswith(":") and tail:  # "host tag: msg", not "tag: msg"
            host, rest = head, tail
    app = procid = None
    tag = _TAG.match(rest)
    if tag:
        app, procid, rest = tag.group(1), tag.group(2), rest[tag.end() :]
    return when, host, app, procid, None, rest, LogFormat.RFC3164


def _bsd_time(match: re.Match[str], received_at: datetime, local_tz: tzinfo) -> datetime | None:
    month, day = _MONTHS[match.group(1)], int(match.group(2))
    hour, minute, second = (int(match.group(k)) for k in (3, 4, 5))
    year = received_at.astimezone(local_tz).year
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=local_tz)
        # No year on the wire: a December message received in January is from last year.
        if when - received_at > timedelta(days=1):
            when = when.replace(year=year - 1)
    except ValueError:  # Feb 29 in the wrong year, or a day that does not exist
        return None
    return when.astimezone(UTC)
