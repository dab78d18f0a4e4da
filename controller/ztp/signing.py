"""The controller's ZTP signing key (Ed25519, `cryptography`): a CPE verifies its day-0
bootstrap with the public half, from its factory settings or its USB bundle.

The private key lives in the data directory (`ztp/signing-key.pem`), created on first use,
readable only by its owner. Rotating it (`branchline ztp key rotate`) keeps the previous key as
`signing-key.previous.pem`; CPEs that hold only the old public key then refuse new bootstraps
until they are given the new one. A signed document is JSON with sorted keys and no spaces; the
signature covers exactly those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from telemetry.private_files import private_dir, private_file

KEY_FILE = "signing-key.pem"
PREVIOUS_FILE = "signing-key.previous.pem"


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


class SigningKey:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def path(self) -> Path:
        return self.directory / KEY_FILE

    def private(self) -> Ed25519PrivateKey:
        """The key, created (owner-only) on first use."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._write(Ed25519PrivateKey.generate(), self.path)
        key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{self.path}: not an Ed25519 private key")
        return key

    def public(self) -> Ed25519PublicKey:
        return self.private().public_key()

    def sign(self, document: dict[str, Any]) -> Signed:
        key = self.private()
        text = canonical(document)
        signature = base64.b64encode(key.sign(text.encode())).decode()
        return Signed(text, signature, key_id(key.public_key()))

    def rotate(self) -> Ed25519PublicKey:
        """A new key; the current one is kept as the previous. The new public key."""
        current = self.private()
        self._write(current, self.directory / PREVIOUS_FILE)
        fresh = Ed25519PrivateKey.generate()
        self._write(fresh, self.path)
        return fresh.public_key()

    def _write(self, key: Ed25519PrivateKey, path: Path) -> None:
        private_dir(self.directory)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
        partial = private_file(path.with_suffix(".partial"))
        partial.write_bytes(pem)
        partial.replace(path)


def verify(signed: Signed, public_key: str) -> dict[str, Any]:
    """The document, if `public_key` (as `public_text` gives it) signed it; else ValueError."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    try:
        key.verify(base64.b64decode(signed.signature), signed.document.encode())
    except (InvalidSignature, ValueError):
        raise ValueError("the signature does not verify with the controller's public key") from None
    document: dict[str, Any] = json.loads(signed.document)
    return document
