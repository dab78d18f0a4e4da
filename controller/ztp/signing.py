"""The controller's ZTP signing key (Ed25519, `cryptography`): a CPE verifies its day-0
bootstrap with the public half, from its factory settings or its USB bundle.

The private key lives in the data directory (`ztp/signing-key.pem`), created on first use,
readable only by its owner. Rotating it (`branchline ztp key rotate`) keeps the previous key as
`signing-key.previous.pem`; CPEs that hold only the old public key then refuse new bootstraps
until they are given the new one. The signed format is `sites.bootstrap`'s.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sites.bootstrap import Signed, canonical, key_id
from telemetry.private_files import private_dir, private_file

KEY_FILE = "signing-key.pem"
PREVIOUS_FILE = "signing-key.previous.pem"


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
