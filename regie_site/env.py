"""Configuration read from the environment, with embedded defaults.

Everything a deployment changes comes from environment variables; when one is absent
Regie falls back to something that runs on a laptop with nothing but Python: a local
PostgreSQL (``bootstrap.py`` starts an embedded one under ``var/`` when none answers),
a file-based Celery broker under ``var/``, and a secret key generated once and kept
there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def persistent_secret_key(var_dir: Path) -> str:
    """Return ``SECRET_KEY`` from the environment, else one kept in ``var/``.

    The key is generated on first use and stored with owner-only permissions so that
    sessions survive restarts without a secret ever being committed.
    """
    from_env = env_str("SECRET_KEY")
    if from_env:
        return from_env
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def filesystem_broker_folder(var_dir: Path) -> Path:
    """One folder shared by producers and workers for kombu's filesystem transport."""
    folder = var_dir / "celery-broker"
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    return folder
