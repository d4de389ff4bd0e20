"""A real Celery worker (subprocess) computes code frequencies after coding.

Runs against the test database (the worker is another process sharing it) and the
configured broker: Redis when CELERY_BROKER_URL points to it (CI), else the file
broker under REGIE_VAR_DIR.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from analysis.models import AnalysisState, CodeFrequency
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    host = quote(s.get("HOST") or "127.0.0.1", safe="")  # a socket folder too
    port = s.get("PORT") or 5432
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REGIE_VAR_DIR": str(settings.VAR_DIR),
        "REGIE_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "regie_site",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_worker_computes_frequencies_after_a_burst_of_codings(worker):
    owner = make_user()
    project = make_project(owner=owner)
    document = make_document(project=project, text="woord " * 400)
    code = make_code(project=project, name="Overleg")
    for i in range(100):  # a burst: each commit schedules, one task is queued
        make_coding(
            document=document, code=code, coder=owner, start=i * 6, end=i * 6 + 5
        )

    def fresh():
        state = AnalysisState.objects.get(project=project)
        return state.frequencies_badge == "fresh"

    if not wait_for(fresh):
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(
            f"the worker did not compute the frequencies in time:\n{output[-3000:]}"
        )
    total = CodeFrequency.objects.get(
        project=project, code=code, scope="all", scope_key="", rolled_up=True
    )
    assert total.codings == 100
    assert total.words == 100
    state = AnalysisState.objects.get(project=project)
    assert state.dirty_code_ids == []
