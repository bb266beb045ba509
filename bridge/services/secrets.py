"""The register secret: the key of the suppression list's keyed hashes (CONTRACTS 10).

It lives outside the database, so a copy of the database alone cannot be used to
test whether an e-mail address belongs to an erased person.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256
from pathlib import Path

from bridge.errors import OperationFailed
from bridge.files import PathTaken, private_file
from bridge.settings import Settings


def ensure_register_secret(path: Path) -> bool:
    """Create the secret file (0600, complete or not at all) if it is missing; returns
    True when created. A dangling link at the path is refused, never followed."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with private_file(path, encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    except PathTaken:  # another process created it a moment ago: use theirs
        return False
    return True


def read_register_secret(path: Path) -> bytes:
    return path.read_text(encoding="ascii").strip().encode("ascii")


def keyed_hash(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode("utf-8"), sha256).hexdigest()


def register_secret(settings: Settings) -> bytes:
    path = settings.register.secret_file
    if not path.exists():
        raise OperationFailed(f"register secret {path} is missing: run `bridge db upgrade`")
    return read_register_secret(path)


def tombstone_hash(secret: bytes, connector: str, stream: str, lms_key: str) -> str:
    """The key a sync checks before importing a record (CONTRACTS 8)."""
    return keyed_hash(secret, f"tombstone:{connector}:{stream}:{lms_key}")
