"""DHCP option 143 (RFC 8572 §8.3): URIs each after their 16-bit length, written by the
controller (`branchline ztp dhcp-option`) and read by a CPE's DHCP client, bounded both ways."""

from __future__ import annotations

import pytest

from sites.bootstrap import read_redirect, redirect_option


def test_the_option_carries_each_url_after_its_length() -> None:
    urls = ["https://ztp.branch.example:8443", "https://10.0.0.1"]
    value = redirect_option(urls)
    assert value[:2] == (31).to_bytes(2, "big") and value[2:33] == urls[0].encode()
    assert read_redirect(value) == urls


@pytest.mark.parametrize(("urls", "why"), [
    ([], "1 to 255 bytes"), (["https://" + "a" * 300], "1 to 255 bytes"),
    (["ftp://x.example"], "not an http"), (["https://ü.example"], "xn--"),
])  # fmt: skip
def test_what_does_not_fit_or_is_not_a_url_is_refused(urls: list[str], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        redirect_option(urls)


@pytest.mark.parametrize(("value", "why"), [
    (b"\x00", "cut short"), (b"\x00\x10https://", "cut short"), (b"\x00\x00", "empty"),
    (b"\x00\x02\xff\xfe", "not ASCII"), (b"\x00\x01a" * 100, "longer than"),
])  # fmt: skip
def test_a_malformed_option_is_refused(value: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        read_redirect(value)
