"""The reaper of a real worker resends a message nobody took only when it is needed.

A queued job whose message was lost (its row says sent three minutes ago, but no
message exists) is resent by an idle worker's reaper within a round or two. While
the worker is busy (a network build held by a table lock), the same lost-looking
job is left alone, round after round: a busy worker's queue simply waits, and
resending would only make duplicate messages. Once the worker is free again, the
job is resent and built. Fast clock: a reaper round every two seconds.
"""

import time
from datetime import timedelta

import psycopg
import pytest
from django.utils import timezone

from coding.jobs.models import JobStatus
from network.filters import NetworkFilters
from network.models import NetworkSnapshot
from network.services import network_request, network_snapshot_get_or_create
from tests.integration.conftest import database_url, wait_for
from tests.integration.test_killed_worker import FAST_JOBS, _project_with_relations

pytestmark = pytest.mark.django_db(transaction=True)


def _lost_job(project) -> NetworkSnapshot:
    """A queued build whose message went missing three minutes ago."""
    snapshot, _created = network_snapshot_get_or_create(
        project=project, scope="all", filters=NetworkFilters()
    )
    lost_at = timezone.now() - timedelta(minutes=3)
    NetworkSnapshot.objects.filter(pk=snapshot.pk).update(sent_at=lost_at)
    return NetworkSnapshot.objects.get(pk=snapshot.pk)


def _status(snapshot: NetworkSnapshot) -> str:
    return NetworkSnapshot.objects.get(pk=snapshot.pk).status


def test_an_idle_worker_resends_a_lost_message_a_busy_one_does_not(workers):
    workers.start(FAST_JOBS)
    assert wait_for(lambda: workers.ready(0), timeout=90), workers.all_logs()
    projects = [_project_with_relations() for _ in range(3)]
    lost = _lost_job(projects[0])
    started = time.monotonic()
    assert wait_for(lambda: _status(lost) == JobStatus.DONE, timeout=30), (
        workers.all_logs()
    )
    idle_resend = time.monotonic() - started

    with psycopg.connect(database_url()) as hold:
        hold.execute("LOCK TABLE network_actor IN ACCESS EXCLUSIVE MODE")
        busy = network_request(
            project=projects[1], scope="all", filters=NetworkFilters()
        )
        assert wait_for(lambda: _status(busy) == JobStatus.RUNNING), workers.all_logs()
        waiting = _lost_job(projects[2])
        time.sleep(7)  # three reaper rounds of the busy worker
        assert NetworkSnapshot.objects.get(pk=waiting.pk).sent_at == waiting.sent_at
        assert _status(waiting) == JobStatus.QUEUED
        hold.rollback()
    freed = time.monotonic()
    assert wait_for(lambda: _status(waiting) == JobStatus.DONE, timeout=30), (
        workers.all_logs()
    )
    assert _status(busy) == JobStatus.DONE
    print(  # reported with -s
        f"\nlost message: resent and built by an idle worker {idle_resend:.1f} s "
        f"after it was due; left alone while the worker was busy; resent and "
        f"built {time.monotonic() - freed:.1f} s after the worker was free"
    )
