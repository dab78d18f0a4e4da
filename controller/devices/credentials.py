"""The secrets a device login needs, found behind the inventory's `credentials_ref`, which
names where they live and never holds them:

- `env:NAME`: the environment variables NAME_USERNAME, and NAME_PASSWORD and/or NAME_KEY_FILE
  (a private key's path);
- `file:PATH`: a YAML or JSON file (at most 64 KB, readable by its owner only) with `username`,
  and `password` and/or `key_file`.

`vault:` and `keyring:` references are valid in inventories but have no resolver yet: resolving
one says so. Passwords are `SecretStr`: not shown by repr, str or logs."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from sites.documents import read_mapping
from sites.errors import BranchlineError, ProblemsError

MAX_FILE_BYTES = 64 * 1024


class CredentialsError(BranchlineError):
    """A `credentials_ref` that cannot be resolved; the message names the reference and what
    is missing, never a secret."""


class Credentials(BaseModel):
    """A device login."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr | None = None
    key_file: Path | None = None

    @model_validator(mode="after")
    def _something_to_log_in_with(self) -> Credentials:
        if self.password is None and self.key_file is None:
            raise ValueError("give a password or a key_file")
        return self


def resolve(ref: str, environ: Mapping[str, str] | None = None) -> Credentials:
    """The credentials `ref` points at (see module)."""
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        found = environ if environ is not None else os.environ
        values = {
            field: found[f"{name}_{field.upper()}"]
            for field in ("username", "password", "key_file")
            if f"{name}_{field.upper()}" in found
        }
        return _checked(ref, values)
    if scheme == "file":
        return _checked(ref, _read_file(ref, Path(name)))
    raise CredentialsError(f"credentials {ref!r}: no resolver for {scheme!r} references yet "
                           "(env: and file: are resolved)")  # fmt: skip


def _read_file(ref: str, path: Path) -> dict[str, object]:
    try:
        info = path.stat()
        if info.st_size > MAX_FILE_BYTES:
            raise CredentialsError(f"credentials {ref!r}: the file is over {MAX_FILE_BYTES} bytes")
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialsError(
                f"credentials {ref!r}: the file is readable by others than its owner "
                f"(chmod 600 {path})"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CredentialsError(f"credentials {ref!r}: {why}") from None
    try:
        return read_mapping(text, str(path), _FileProblemsError, json_first=True)
    except ProblemsError as exc:
        # Where, not what: the parser's message may quote the line, and the line a secret.
        line = exc.problems[0].line if exc.problems else None
        at = f" (line {line})" if line is not None else ""
        raise CredentialsError(f"credentials {ref!r}: not a YAML or JSON mapping{at}") from None


class _FileProblemsError(ProblemsError):
    what = "credentials file"


def _checked(ref: str, values: Mapping[str, object]) -> Credentials:
    try:
        return Credentials.model_validate(values)
    except ValidationError as exc:
        # Field names and messages only: pydantic's text would quote the input, a secret.
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(credentials)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise CredentialsError(f"credentials {ref!r}: {where}") from None
