#!/usr/bin/env python3
"""Set up and run Regie with nothing but Python 3.11: ``serve`` or ``test``.

    python3 bootstrap.py serve   # install, migrate, load the demo, run web + worker
    python3 bootstrap.py test    # install, then run the whole test suite

Uses only the standard library until the virtualenv (``.venv/``) exists. PostgreSQL
and Redis are used when configured (``DATABASE_URL``, ``CELERY_BROKER_URL``) or when
they answer on 127.0.0.1; otherwise SQLite and a file-based broker under ``var/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCKS = {
    "serve": ROOT / "requirements" / "lock.txt",
    "test": ROOT / "requirements" / "dev-lock.txt",
}
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"[regie] {message}", flush=True)


def ensure_python() -> None:
    pass


def ensure_venv(lock: Path) -> None:
    """Create ``.venv`` and install the pinned requirements (skipped when unchanged)."""
    if not PYTHON.exists():
        say("creating the virtualenv in .venv/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{lock.stem}"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing {lock.relative_to(ROOT)} (first run takes a minute)")
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-r", str(lock)])
    stamp.write_text(digest)


def run(command: list[str], env: dict | None = None) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.5):
            return True
    except OSError:
        return False


def postgres_url(database: str) -> str | None:
    """A URL for a local PostgreSQL server with trust auth, creating the database."""
    if not port_open("127.0.0.1", 5432):
        return None
    script = (
        "import psycopg, sys\n"
        "name = sys.argv[1]\n"
        "for user in ('postgres', ''):\n"
        "    try:\n"
        "        conn = psycopg.connect(host='127.0.0.1', port=5432, dbname='postgres',"
        " user=user or None, autocommit=True, connect_timeout=3)\n"
        "    except Exception:\n"
        "        continue\n"
        "    if not conn.execute('select 1 from pg_database where datname = %s',"
        " (name,)).fetchone():\n"
        "        conn.execute(f'create database \"{name}\"')\n"
        "    print(user)\n"
        "    break\n"
    )
    found = subprocess.run(
        [str(PYTHON), "-c", script, database], capture_output=True, text=True, cwd=ROOT
    )
    if found.returncode != 0 or not found.stdout.strip():
        return None
    return f"postgres://{found.stdout.strip()}@127.0.0.1:5432/{database}"


def configure_services(env: dict, *, database: str) -> None:
    if env.get("DATABASE_URL"):
        say("database: DATABASE_URL from the environment")
    else:
        url = postgres_url(database)
        if url:
            env["DATABASE_URL"] = url
            say(f"database: PostgreSQL on 127.0.0.1:5432 (database {database!r})")
        else:
            say(
                "NOTICE: no PostgreSQL reachable on 127.0.0.1:5432 — using SQLite in var/"
            )
    if env.get("CELERY_BROKER_URL"):
        say("task broker: CELERY_BROKER_URL from the environment")
    elif port_open("127.0.0.1", 6379):
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
        say("task broker: Redis on 127.0.0.1:6379")
    else:
        say(
            "NOTICE: no Redis reachable on 127.0.0.1:6379 — using the file broker in var/"
        )


def serve() -> None:
    ensure_venv(LOCKS["serve"])
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    configure_services(env, database="regie")
    manage = [str(PYTHON), "manage.py"]
    run([*manage, "migrate", "--noinput", "-v", "0"], env=env)
    run([*manage, "load_demo"], env=env)
    worker = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "celery",
            "-A",
            "regie_site",
            "worker",
            "--loglevel",
            "warning",
            "--concurrency",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    say("Celery worker started")
    say("Regie runs at http://127.0.0.1:8000/ (stop with Ctrl+C)")
    try:
        web = subprocess.run(
            [*manage, "runserver", "127.0.0.1:8000"], cwd=ROOT, env=env
        )
    except KeyboardInterrupt:
        web = None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    sys.exit(web.returncode if web else 0)


def ensure_chromium(env: dict) -> None:
    """Browser tests need Debian's chromium; install it where we can, else skip them."""
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Debian's chromium for the browser tests")
        quiet = {**env, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], env=quiet, check=False)
        subprocess.run(
            [apt, "install", "-y", "-qq", "chromium"], env=quiet, check=False
        )
    if CHROMIUM.exists():
        return
    if env.get("CI"):
        sys.exit(
            "[regie] CI is set but /usr/bin/chromium could not be installed: failing."
        )
    env["REGIE_SKIP_BROWSER_TESTS"] = "1"
    say(
        "NOTICE: /usr/bin/chromium is missing and cannot be installed here — "
        "the browser tests will be SKIPPED (everything else runs)."
    )


def test(extra: list[str]) -> None:
    ensure_venv(LOCKS["test"])
    env = dict(os.environ)
    configure_services(env, database="regie")
    ensure_chromium(env)
    command = [str(PYTHON), "-m", "pytest", *extra]
    say("running: " + " ".join(command[2:]))
    sys.exit(subprocess.run(command, cwd=ROOT, env=env).returncode)


def main() -> None:
    ensure_python()
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        sys.exit(__doc__)
    if sys.argv[1] == "serve":
        serve()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
