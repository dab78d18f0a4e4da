"""The day-0 bootstrap as it travels between the controller and a CPE: a JSON document, its
Ed25519 signature and the id of the key that made it. Pure (no I/O): the controller signs with
it (`controller.ztp.signing`), and a CPE (or its emulator, `simulator.lab.factory`) verifies with
it, holding only the controller's public key from its factory settings or USB bundle.

A signed document is JSON with sorted keys and no spaces; the signature covers exactly those
UTF-8 bytes."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class Signed:
    """A document and its signature, as a CPE receives them."""

    document: str
    """The JSON text that was signed."""
    signature: str
    """Base64 of the Ed25519 signature of `document`'s UTF-8 bytes."""
    key_id: str
    """Which public key verifies it (the first 16 hex digits of its SHA-256)."""

    def to_json(self) -> dict[str, str]:
        return {"document": self.document, "signature": self.signature, "key_id": self.key_id}


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def public_text(key: Ed25519PublicKey) -> str:
    """The public key as one line (base64 of its 32 raw bytes)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(base64.b64decode(public_text(key))).hexdigest()[:16]


def verify(signed: Signed, public_key: str) -> dict[str, Any]:
    """The document, if `public_key` (as `public_text` gives it) signed it; else ValueError."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signed.signature), signed.document.encode())
    except (InvalidSignature, ValueError):
        raise ValueError("the signature does not verify with the controller's public key") from None
    document: dict[str, Any] = json.loads(signed.document)
    return document


BUNDLE_FORMAT = "branchline-ztp-bundle/1"
MAX_BUNDLE_BYTES = 1 << 20
"""A bundle is a configuration and a signature: 1 MiB is far more than one needs."""


def bundle_text(signed: Signed, public_key: str) -> str:
    """A USB bundle: the signed bootstrap and the public key that verifies it, for a device
    with no key of the controller in its factory settings (one that has a key trusts its own)."""
    return json.dumps({"format": BUNDLE_FORMAT, "public_key": public_key,
                       "bootstrap": signed.to_json()}, indent=2) + "\n"  # fmt: skip


def read_bundle(data: bytes) -> tuple[Signed, str]:
    """The signed bootstrap and the public key a bundle carries; ValueError saying what is
    wrong with it. Verifying it is the reader's next step (`verify`)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise ValueError(f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        bundle = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the bundle is not JSON: {exc}") from None
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise ValueError(f"not a bundle of format {BUNDLE_FORMAT}")
    signed, public_key = bundle.get("bootstrap"), bundle.get("public_key")
    fields = {"document", "signature", "key_id"}
    if (not isinstance(signed, dict) or set(signed) != fields
            or not all(isinstance(v, str) for v in signed.values())
            or not isinstance(public_key, str)):  # fmt: skip
        raise ValueError("the bundle has no bootstrap (document, signature, key_id) and key")
    return Signed(**signed), public_key


SZTP_REDIRECT_OPTION = 143
"""DHCPv4 option OPTION_V4_SZTP_REDIRECT (RFC 8572 §8.3): the URIs of bootstrap servers."""
MAX_OPTION_BYTES = 255


def redirect_option(urls: list[str]) -> bytes:
    """Option 143's value: each URI as its 16-bit length and its ASCII bytes (RFC 8572 §8.3).
    ValueError when it does not fit in one DHCPv4 option."""
    value = b""
    for url in urls:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        try:
            data = url.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError(f"{url!r} is not ASCII: give the host in its xn-- form") from None
        value += len(data).to_bytes(2, "big") + data
    if not value or len(value) > MAX_OPTION_BYTES:
        raise ValueError(f"option {SZTP_REDIRECT_OPTION} holds 1 to {MAX_OPTION_BYTES} bytes: "
                         f"these URLs take {len(value)}")  # fmt: skip
    return value


def read_redirect(value: bytes) -> list[str]:
    """The URIs of an option 143 value; ValueError if it is not one."""
    if len(value) > MAX_OPTION_BYTES:
        raise ValueError(f"option {SZTP_REDIRECT_OPTION} is longer than {MAX_OPTION_BYTES} bytes")
    urls, at = [], 0
    while at < len(value):
        if at + 2 > len(value):
            raise ValueError(f"option {SZTP_REDIRECT_OPTION}: a URI length is cut short")
        size = int.from_bytes(value[at : at + 2], "big")
        data = value[at + 2 : at + 2 + size]
        if size == 0 or len(data) != size:
            raise ValueError(f"option {SZTP_REDIRECT_OPTION}: a URI is cut short or empty")
        try:
            urls.append(data.decode("ascii"))
        except UnicodeDecodeError:
            raise ValueError(f"option {SZTP_REDIRECT_OPTION}: a URI is not ASCII") from None
        at += 2 + size
    return urls
