"""A real Celery worker (subprocess) builds the actor network a page asked for."""

import pytest

from coding.jobs.models import JobStatus
from network.filters import NetworkFilters
from network.models import NetworkSnapshot, NetworkTie
from network.services import network_request
from tests.factories import (
    make_actor,
    make_document,
    make_flow,
    make_project,
    make_relation,
    make_user,
)
from tests.integration.test_celery_worker import wait_for, worker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_builds_the_network(worker):  # noqa: F811
    owner = make_user()
    project = make_project(owner=owner)
    document = make_document(project=project, text="woord " * 100)
    stad = make_actor(project=project, name="Stad", kind="city")
    partners = [make_actor(project=project, name=f"Partner {i}") for i in range(5)]
    flow = make_flow(project=project)
    for i, partner in enumerate(partners):
        make_relation(
            document=document,
            source=stad,
            target=partner,
            flow=flow,
            coder=owner,
            start=i * 6,
            end=i * 6 + 5,
        )
    snapshot = network_request(project=project, scope="all", filters=NetworkFilters())

    def done():
        return NetworkSnapshot.objects.get(pk=snapshot.pk).status in {
            JobStatus.DONE,
            JobStatus.FAILED,
        }

    if not wait_for(done, timeout=120):  # the queue may hold older messages
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not build the network in time:\n{output[-3000:]}")
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.DONE, snapshot.error
    assert NetworkTie.objects.filter(snapshot=snapshot).count() == 5
    assert snapshot.summary["gatekeeper_ids"] == []  # a star without paths through
