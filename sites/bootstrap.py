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
