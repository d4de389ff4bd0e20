"""The secret that encrypts the key table, kept out of the database.

``REGIE_PSEUDONYM_KEY`` (a Fernet key, urlsafe base64 of 32 bytes) wins; otherwise
``var/pseudonym.key`` is read, and made (mode 0600) the first time. Back that file
up apart from the database: without it the originals cannot be read again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "digest", "encrypt", "key_file"]


def key_file() -> Path:
    return Path(settings.VAR_DIR) / "pseudonym.key"


@cache
def _secret() -> bytes:
    from_env = os.environ.get("REGIE_PSEUDONYM_KEY", "").strip()
    if from_env:
        return from_env.encode("ascii")
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


def _fernet(secret: bytes | None = None) -> Fernet:
    return Fernet(secret or _secret())


def encrypt(original: str, *, secret: bytes | None = None) -> bytes:
    return _fernet(secret).encrypt(original.encode("utf-8"))


def decrypt(token: bytes, *, secret: bytes | None = None) -> str:
    """The original; raises ``InvalidToken`` with any other secret."""
    return _fernet(secret).decrypt(bytes(token)).decode("utf-8")


def fold(original: str) -> str:
    """The form two spellings of one name share: NFC, case-folded, one space."""
    return " ".join(unicodedata.normalize("NFC", original).casefold().split())


def digest(original: str, *, secret: bytes | None = None) -> str:
    """An HMAC of the folded original: equal names meet without being stored."""
    key = base64.urlsafe_b64decode(secret or _secret())
    return hmac.new(key, fold(original).encode("utf-8"), hashlib.sha256).hexdigest()


def forget_cached_secret() -> None:
    """Read the secret again on next use (tests, a rotated key)."""
    _secret.cache_clear()
