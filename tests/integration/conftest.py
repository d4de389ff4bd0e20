"""Real Celery workers as subprocesses, for the integration tests.

They run against the test database on PostgreSQL (the worker is another process)
and the configured broker: Redis when CELERY_BROKER_URL points to it, else the file
broker under REGIE_VAR_DIR; on the tests' own queue.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database, as a URL for another process."""
    s = connection.settings_dict
    host = quote(s.get("HOST") or "127.0.0.1", safe="")  # a socket folder too
    port = s.get("PORT") or 5432
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def start_worker(
    *, env: dict[str, str] | None = None, stdout=subprocess.PIPE, pool: str = "solo"
):
    """A Celery worker on the test database and queue; ``env`` adds settings
    (``REGIE_JOB_*``, say). Its output goes to ``stdout`` (a pipe by default).
    ``pool="prefork"`` runs the tasks in one child process."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REGIE_VAR_DIR": str(settings.VAR_DIR),
        "REGIE_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        **(env or {}),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "regie_site",
            "worker",
            "--pool",
            pool,
            *(["--concurrency", "1"] if pool == "prefork" else []),
            "--loglevel",
            "info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=environment,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


def wait_for(condition, timeout=60.0, every=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


@pytest.fixture
def workers(tmp_path):
    """Start workers with ``workers.start(env, pool)``; each logs to its own file
    (``workers.log(n)``); all are stopped after the test."""

    class Workers:
        def __init__(self) -> None:
            self.processes: list[subprocess.Popen] = []
            self.logs: list[Path] = []

        def start(
            self, env: dict[str, str] | None = None, pool: str = "solo"
        ) -> subprocess.Popen:
            log = tmp_path / f"worker-{len(self.processes) + 1}.log"
            with log.open("w") as out:
                process = start_worker(env=env, stdout=out, pool=pool)
            self.processes.append(process)
            self.logs.append(log)
            return process

        def log(self, n: int) -> str:
            return self.logs[n].read_text(errors="replace")

        def ready(self, n: int) -> bool:
            return " ready." in self.log(n)

        def all_logs(self) -> str:
            return "\n".join(
                f"--- worker {n + 1} ---\n{self.log(n)[-3000:]}"
                for n in range(len(self.logs))
            )

    started = Workers()
    yield started
    for process in started.processes:
        stop_worker(process)
