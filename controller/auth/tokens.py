"""API tokens: `bl_<id>_<secret>`. The id finds the row; only SHA-256 of the secret is stored.

The secret is 32 random bytes, so a fast hash is enough (there is nothing to brute-force the way
there is with a password); the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "bl"


@dataclass(frozen=True, slots=True)
class NewToken:
    id: str
    secret: str

    @property
    def text(self) -> str:
        return f"{PREFIX}_{self.id}_{self.secret}"

    @property
    def secret_hash(self) -> str:
        return hash_secret(self.secret)


def new_token() -> NewToken:
    return NewToken(id=secrets.token_hex(6), secret=secrets.token_urlsafe(32))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(text: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed token, else None."""
    prefix, _, rest = text.partition("_")
    token_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not token_id or not secret:
        return None
    return token_id, secret


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
