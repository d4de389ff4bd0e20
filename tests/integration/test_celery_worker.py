"""A real Celery worker (subprocess) computes code frequencies after coding.

Runs against the test database (the worker is another process sharing it) and the
configured broker: Redis when CELERY_BROKER_URL points to it (CI), else the file
broker under REGIE_VAR_DIR.
"""

import pytest

from analysis.models import AnalysisState, CodeFrequency
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)
from tests.integration.conftest import start_worker, stop_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["wait_for", "worker"]  # imported by the other worker tests


@pytest.fixture
def worker():
    process = start_worker()
    yield process
    stop_worker(process)


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
