"""``regie_site.background``: bookkeeping a request leaves, run after its answer.

In the web server's workers (gunicorn's ``post_fork``) the work runs on one thread
per process; everywhere else at once. The thread runs a key's work once for the
asks that came while it waited, never sooner than ``spacing`` after its last run,
and logs a failure instead of dying of it.
"""

from __future__ import annotations

import logging
import runpy
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from analysis.models import AnalysisState
from regie_site import background
from tests.analysis.helpers import capture_sends
from tests.factories import make_code, make_document

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def started():
    background.start()
    yield
    background.stop()


def test_without_a_thread_work_runs_at_once():
    ran = []
    background.soon("k", lambda: ran.append(threading.current_thread()))
    assert ran == [threading.current_thread()]


def test_work_runs_on_the_thread_once_per_wait(started):
    gate, ran = threading.Event(), []

    def blocker():
        gate.wait(timeout=30)
        ran.append("blocker")

    background.soon("blocker", blocker)
    for _ in range(5):  # asked for five times while the thread is busy
        background.soon("k", lambda: ran.append(threading.current_thread().name))
    gate.set()
    background.stop()
    assert ran == ["blocker", "regie-background"]


def test_spacing_defers_a_key_until_its_time_and_stop_runs_it(started):
    first, other, ran = threading.Event(), threading.Event(), []
    background.soon("k", lambda: (ran.append(1), first.set()), spacing=3600)
    assert first.wait(timeout=30)  # a key's first run is due at once
    background.soon("k", lambda: ran.append(2), spacing=3600)  # due in an hour
    background.soon("other", other.set)
    assert other.wait(timeout=30)  # other keys go on meanwhile
    assert ran == [1]
    background.stop()  # what waits runs before the thread ends
    assert ran == [1, 2]


def test_a_failure_is_logged_and_the_thread_goes_on(started, caplog):
    ran = []

    def broken():
        raise RuntimeError("broken bookkeeping")

    with caplog.at_level(logging.ERROR, logger="regie_site.background"):
        background.soon("broken", broken)
        background.soon("after", lambda: ran.append("after"))
        background.stop()
    assert ran == ["after"]
    assert "background work 'broken' failed" in caplog.text
    assert "broken bookkeeping" in caplog.text


def test_gunicorn_workers_start_the_thread():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        config["post_fork"](server=None, worker=None)
        assert background._runner is not None
    finally:
        background.stop()
    assert background._runner is None


@pytest.mark.django_db(transaction=True)
def test_a_coding_answer_leaves_the_frequencies_check_to_the_thread(
    project, members, monkeypatch
):
    """The coding request itself sends token, document and write; the thread then
    queues the project's recomputation (the job's status read and requeue)."""
    document = make_document(project=project, text="De stad betaalt subsidies.")
    code = make_code(project=project)
    _row, token = AuthToken.objects.create(user=members["coder"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    sent = capture_sends(monkeypatch)
    background.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/api/v1/projects/{project.pk}/codings/",
                {"document": document.pk, "code": code.pk, "start": 8, "end": 15},
                format="json",
            )
        assert response.status_code == 201, response.json()
        assert len(queries.captured_queries) == 3
        assert "analysisstate" not in " ".join(
            q["sql"] for q in queries.captured_queries
        )
    finally:
        background.stop()
    state = AnalysisState.objects.get(project=project)
    assert state.status == "queued"
    assert sent == [{"kwargs": {"state_id": state.pk}}]
