"""Parsing RFC 5424 and RFC 3164 messages, including what real devices get wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from telemetry.syslog import FramingError, LogFormat, LogSeverity, StreamFramer, parse

RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_rfc5424_with_structured_data_and_bom() -> None:
    line = (
        "<165>1 2026-03-02T09:29:58.123+08:00 br-wuxi-001 sdwand 4242 LINK "
        '[link@32473 id="inet-1" note="a \\"quoted\\" ]"] \ufeffinet-1 down: BFD timeout'
    )
    r = parse(line.encode(), "10.0.0.1", RECEIVED)
    assert r.format is LogFormat.RFC5424
    assert (r.facility, r.severity) == (20, LogSeverity.NOTICE)
    assert r.timestamp == datetime(2026, 3, 2, 1, 29, 58, 123000, tzinfo=UTC)
    assert (r.hostname, r.app_name, r.procid, r.msgid) == ("br-wuxi-001", "sdwand", "4242", "LINK")
    assert r.message.endswith("inet-1 down: BFD timeout")
    assert r.message.startswith('[link@32473 id="inet-1"')


def test_rfc5424_nil_fields() -> None:
    r = parse(b"<11>1 - - - - - -", "10.0.0.1", RECEIVED)
    assert r.timestamp == RECEIVED
    assert (r.hostname, r.app_name, r.message, r.severity) == (None, None, "", LogSeverity.ERROR)


def test_rfc3164_with_tag_and_pid() -> None:
    r = parse(b"<34>Mar  2 09:29:01 br-wuxi-001 su[231]: 'su root' failed\n", "10.0.0.2", RECEIVED)
    assert r.format is LogFormat.RFC3164
    assert (r.facility, r.severity) == (4, LogSeverity.CRITICAL)
    assert r.timestamp == datetime(2026, 3, 2, 9, 29, 1, tzinfo=UTC)
    assert (r.hostname, r.app_name, r.procid) == ("br-wuxi-001", "su", "231")
    assert r.message == "'su root' failed"


def test_rfc3164_local_time_and_year_rollover() -> None:
    cst = timezone(timedelta(hours=8))
    january = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    r = parse(b"<14>Dec 31 23:59:50 cpe-7 kernel: x", "10.0.0.3", january, local_tz=cst)
    assert r.timestamp == datetime(2025, 12, 31, 15, 59, 50, tzinfo=UTC)


def test_rfc3164_without_hostname_or_pri_is_kept_whole() -> None:
    r = parse(b"<13>Mar  2 09:00:00 sshd: accepted", "10.0.0.4", RECEIVED)
    assert (r.hostname, r.app_name, r.message) == (None, "sshd", "accepted")
    bare = parse(b"something odd happened", "10.0.0.4", RECEIVED)
    assert (bare.severity, bare.facility) == (LogSeverity.NOTICE, 1)
    assert bare.message == "something odd happened"
    assert bare.timestamp == RECEIVED


def test_tcp_framing_octet_counting_and_newlines_mixed() -> None:
    framer = StreamFramer()
    first = b"<13>1 - h a - - - hello"
    stream = f"{len(first)} ".encode() + first + b"<14>plain line\n<15>half"
    assert framer.feed(stream[:10]) == []
    assert framer.feed(stream[10:]) == [first, b"<14>plain line"]
    assert framer.close() == [b"<15>half"]


def test_tcp_framing_rejects_a_bad_or_huge_count() -> None:
    with pytest.raises(FramingError, match="outside"):
        StreamFramer(max_message=100).feed(b"1000 <13>x")
    with pytest.raises(FramingError, match="no frame end"):
        StreamFramer(max_message=100).feed(b"<13>" + b"x" * 200)
