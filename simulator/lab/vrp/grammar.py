"""The commands a VRP-like CPE accepts in each view, with their parameters' types and ranges,
and how a typed line is checked against them: as a Huawei device does, a line that does not
parse is refused with a caret under the word at fault and one of VRP's messages.

The ranges are the device's own (they match the `branchline-cpe` YANG module's, so both kinds
of emulated CPE refuse the same values).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sites.enums import BranchClass, LinkRole, PathMode, Priority, Transport


class Refusal(StrEnum):
    """VRP's messages for a line it cannot take; the caret marks the word at fault."""

    UNRECOGNIZED = "Unrecognized command found at '^' position."
    WRONG = "Wrong parameter found at '^' position."
    INCOMPLETE = "Incomplete command found at '^' position."
    TOO_MANY = "Too many parameters found at '^' position."


def _number(low: float, high: float, *, integer: bool) -> Callable[[str], bool]:
    pattern = re.compile(r"\d{1,10}" if integer else r"\d{1,10}(\.\d{1,6})?")

    def check(word: str) -> bool:
        return bool(pattern.fullmatch(word)) and low <= float(word) <= high

    return check


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda word: bool(compiled.fullmatch(word))


def _one_of(values: type[StrEnum]) -> Callable[[str], bool]:
    allowed = {v.value for v in values}
    return lambda word: word in allowed


def _address(word: str) -> bool:
    try:
        ipaddress.ip_address(word)
    except ValueError:
        return False
    return True


def _prefix(word: str) -> bool:
    try:
        ipaddress.ip_network(word, strict=True)
    except ValueError:
        return False
    return "/" in word


def _ports(word: str) -> bool:
    low, _, high = word.partition("-")
    port = _number(1, 65535, integer=True)
    return port(low) and (not high or (port(high) and int(low) <= int(high)))


_IDENTIFIER = r"[a-z0-9][a-z0-9._-]{0,62}"
SLOTS: dict[str, Callable[[str], bool]] = {
    "hostname": _matches(r"[A-Za-z0-9][A-Za-z0-9.-]{0,79}"),
    "name": _matches(_IDENTIFIER),
    "tunnel": _matches(r"[a-z0-9][a-z0-9._-]{0,119}"),
    "serial": _matches(r"[A-Za-z0-9-]{4,40}"),
    "ifname": _matches(r"(GigabitEthernet|Cellular|Tunnel)\d{1,2}/\d{1,2}/\d{1,3}"),
    "ip": _address,
    "prefix": _prefix,
    "port": _number(1, 65535, integer=True),
    "ports": _ports,
    "dscp": _number(0, 63, integer=True),
    "pct": _number(0, 100, integer=False),
    "ms": _number(0.001, 10_000, integer=False),
    "kbps": _number(1, 100_000_000, integer=True),
    "seconds": _number(1, 86_400, integer=True),
    "interval": _number(1, 3600, integer=True),
    "probe-ms": _number(100, 60_000, integer=True),
    "count": _number(1, 1000, integer=True),
    "site-role": _matches("spoke|hub"),
    "class": _one_of(BranchClass),
    "transport": _one_of(Transport),
    "link-role": _one_of(LinkRole),
    "addressing": _matches("dhcp|static"),
    "priority": _one_of(Priority),
    "protocol": _matches("tcp|udp|any"),
    "mode": _one_of(PathMode),
}
REST = {"text": _matches(r"[^\x00-\x1f]{1,80}")}
"""Slots that take the rest of the line, spaces included."""
MANY = {"modes": "mode", "links": "name"}
"""Slots that take the rest of the line as one or more words of a kind."""


@dataclass(frozen=True, slots=True)
class Command:
    """One command of a view: words and `<slot>`s. `opens` names the view it enters (a section
    whose header is the line); `multi` commands may appear many times with different values;
    others hold one value, and typing them again replaces it."""

    words: tuple[str, ...]
    opens: str | None = None
    multi: bool = False

    @property
    def key(self) -> str:
        """The words before the first slot: what identifies the command in its section."""
        fixed = []
        for word in self.words:
            if word.startswith("<"):
                break
            fixed.append(word)
        return " ".join(fixed)


def _cmd(text: str, opens: str | None = None, *, multi: bool = False) -> Command:
    return Command(tuple(text.split()), opens, multi)


VIEWS: dict[str, tuple[Command, ...]] = {
    "system": (
        _cmd("sysname <hostname>"),
        _cmd("sdwan site <name>", "site"),
        _cmd("info-center loghost <ip> port <port>", multi=True),
        _cmd("sdwan controller <ip> port <port>", "controller"),
        _cmd("interface <ifname>", "interface"),
        _cmd("sdwan wan-link <name>", "wan-link"),
        _cmd("sdwan probe", "probe"),
        _cmd("sdwan application <name>", "application"),
    ),
    "site": (
        _cmd("serial <serial>"),
        _cmd("role <site-role>"),
        _cmd("branch-class <class>"),
    ),
    "controller": (
        _cmd("telemetry <ip> port <port> interval <interval>"),
        _cmd("headless-after <seconds>"),
    ),
    "interface": (
        _cmd("description <text>"),
        _cmd("ip address dhcp-alloc"),
        _cmd("tunnel-protocol gre"),
        _cmd("source <ifname>"),
        _cmd("destination <ip>"),
        _cmd("sdwan tunnel <tunnel> link <name> hub <name> cpe <serial>"),
    ),
    "wan-link": (
        _cmd("interface <ifname>"),
        _cmd("peer-cpe"),
        _cmd("transport <transport>"),
        _cmd("carrier <text>"),
        _cmd("role <link-role>"),
        _cmd("metered"),
        _cmd("bandwidth down <kbps> up <kbps>"),
        _cmd("address <addressing>"),
        _cmd("utilization upper <pct> lower <pct>"),
    ),
    "probe": (
        _cmd("interval <probe-ms>"),
        _cmd("dampening bad <count> good <count> hold-down <seconds>"),
    ),
    "application": (
        _cmd("priority <priority>"),
        _cmd("match protocol <protocol>"),
        _cmd("match port <ports>", multi=True),
        _cmd("match dscp <dscp>", multi=True),
        _cmd("match destination <prefix>", multi=True),
        _cmd("sla-class <name> latency <ms> jitter <ms> loss <pct>"),
        _cmd("mode <modes>"),
        _cmd("offload enable"),
        _cmd("failover <links>"),
        _cmd("link <name>"),
    ),
}


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command
    line: str
    """The line as the device keeps it: words separated by one space."""


class CommandError(Exception):
    """A line the device refuses: `refusal` and the column (0-based, in the typed line) of the
    word at fault."""

    def __init__(self, refusal: Refusal, column: int) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.column = column


def _words(line: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]


def _rest(slot: str, rest: list[tuple[int, str]]) -> CommandError | None:
    """A slot that takes the rest of the line: what is wrong with it, if anything."""
    check = SLOTS[MANY[slot]] if slot in MANY else None
    bad = [c for c, w in rest if check is not None and not check(w)]
    if bad or (slot in REST and not REST[slot](" ".join(w for _, w in rest))):
        return CommandError(Refusal.WRONG, bad[0] if bad else rest[0][0])
    return None


def _attempt(command: Command, words: list[tuple[int, str]], end: int) -> CommandError | None:
    """Where and why `command` does not take the line's words, or None when it does."""
    for i, token in enumerate(command.words):
        if i >= len(words):
            return CommandError(Refusal.INCOMPLETE, end)
        column, word = words[i]
        slot = token[1:-1] if token.startswith("<") else None
        if slot is None and word != token:
            return CommandError(Refusal.UNRECOGNIZED, column)
        if slot in REST or slot in MANY:
            assert slot is not None
            return _rest(slot, words[i:])
        if slot is not None and not SLOTS[slot](word):
            return CommandError(Refusal.WRONG, column)
    if len(words) > len(command.words):
        return CommandError(Refusal.TOO_MANY, words[len(command.words)][0])
    return None


def parse(view: str, line: str, *, partial: bool = False) -> Parsed:
    """`line` checked against the commands of `view`. With `partial` (an `undo`), the words up
    to a command's key are enough. Raises `CommandError` with the furthest failure."""
    words = _words(line)
    if not words:
        raise CommandError(Refusal.INCOMPLETE, 0)
    best: CommandError | None = None
    for command in VIEWS[view]:
        if partial and [w for _, w in words] == command.key.split():
            return Parsed(command, command.key)
        outcome = _attempt(command, words, len(line.rstrip()) + 1)
        if outcome is None:
            return Parsed(command, " ".join(w for _, w in words))
        if best is None or _rank(outcome) > _rank(best):
            best = outcome
    assert best is not None
    raise best


def _rank(error: CommandError) -> tuple[int, int]:
    # The error furthest into the line wins; at one column, a wrong value beats "unrecognized".
    return error.column, error.refusal != Refusal.UNRECOGNIZED
