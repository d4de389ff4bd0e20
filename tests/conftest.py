"""Shared fixtures: clients per role. Data comes from ``tests/factories.py``."""

from __future__ import annotations

import json
import os
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from coding.models import Role
from tests.factories import make_membership, make_project, make_user

# Playwright's sync API runs an event loop in the main thread; Django must still
# allow its (synchronous) ORM calls made by the tests themselves.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def project(db):
    return make_project()


@pytest.fixture
def members(project):
    """One user per role in ``project``, plus a non-member."""
    users = {"owner": project.memberships.get(role=Role.OWNER).user}
    for role in (Role.SUPERVISOR, Role.CODER, Role.VIEWER):
        user = make_user(username=f"{role.value}-{project.pk}")
        make_membership(project=project, user=user, role=role)
        users[role.value] = user
    users["coder2"] = make_user(username=f"coder2-{project.pk}")
    make_membership(project=project, user=users["coder2"], role=Role.CODER)
    users["outsider"] = make_user(username=f"outsider-{project.pk}")
    return users


# Headers of a request htmx sends: ``client.get(url, headers=HTMX)``.
HTMX = {"HX-Request": "true"}

_CODINGS_DATA = re.compile(
    r'<script type="application/json" id="codings-data"[^>]*>(.*?)</script>', re.S
)


_CODINGS_ADDED = re.compile(
    r'<script type="application/json" id="codings-added"[^>]*>(.*?)</script>', re.S
)


def page_codings(body: str) -> list[list]:
    """The document page's codings data (``[id, start, end, code, coder, memo]``)
    from a page or an htmx answer; [] when the body has none."""
    found = _CODINGS_DATA.search(body)
    return json.loads(found.group(1)) if found else []


def added_codings(body: str) -> list[list]:
    """The new codings an htmx answer adds to the page's (same rows); [] if none."""
    found = _CODINGS_ADDED.search(body)
    return json.loads(found.group(1)) if found and found.group(1) else []


def page_coding_ids(body: str) -> set[int]:
    return {row[0] for row in page_codings(body)}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user) -> APIClient:
    """A DRF test client authenticated as ``user``."""
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner_client(members):
    return client_for(members["owner"])


@pytest.fixture
def supervisor_client(members):
    return client_for(members["supervisor"])


@pytest.fixture
def coder_client(members):
    return client_for(members["coder"])


@pytest.fixture
def viewer_client(members):
    return client_for(members["viewer"])


@pytest.fixture
def outsider_client(members):
    return client_for(members["outsider"])


def pytest_configure(config):
    """Fast password hashing (tests create many users); English messages, because
    assertions quote the English source strings (Dutch has tests of its own)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    # Tests send their Celery messages to a queue of their own, never to a
    # developer's running worker; runs side by side on one broker set
    # REGIE_TEST_QUEUE so that their workers do not take each other's tasks.
    queue = os.environ.get("REGIE_TEST_QUEUE", "regie-tests")
    # Under pytest-xdist every worker has its own test database (pytest-django),
    # var folder (tests/settings.py) and here its own queue.
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
    if xdist_worker:
        queue = f"{queue}-{xdist_worker}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue


@pytest.fixture(autouse=True)
def _english_by_default():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_kept_texts():
    """Each test starts with no transcript text kept (``coding.text_cache``):
    statement counts do not depend on what an earlier test read."""
    from coding.text_cache import transcript_texts

    transcript_texts().clear()


# --- brokers: a real in-memory one, and one that is down --------------------------------


def _celery_app_with_broker(monkeypatch, url: str, queue: str):
    """A Celery app configured like Regie's but with broker ``url``, made current
    (``coding.jobs.services.job_send`` sends through ``celery.current_app``).
    Celery reads ``CELERY_BROKER_URL`` from the environment before its settings."""
    from celery import Celery

    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app = Celery("regie-tests", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(task_default_queue=queue)
    app.set_current()
    return app


@pytest.fixture
def celery_messages(monkeypatch):
    """Messages go to kombu's in-memory broker, on a queue of this test's own.

    Returns a function listing every message sent so far as
    ``(task name, keyword arguments)``, in order.
    """
    from uuid import uuid4

    from regie_site.celery import app as regie_app

    queue = f"regie-tests-{uuid4().hex}"
    app = _celery_app_with_broker(monkeypatch, "memory://", queue)
    received: list[tuple[str, dict]] = []

    def messages() -> list[tuple[str, dict]]:
        with (
            app.connection_for_read() as connection,
            connection.SimpleQueue(queue) as messages_queue,
        ):
            while True:
                try:
                    message = messages_queue.get_nowait()
                except messages_queue.Empty:
                    break
                _args, kwargs, _embed = message.decode()
                received.append((message.headers["task"], kwargs))
                message.ack()
        return list(received)

    yield messages
    regie_app.set_current()


@pytest.fixture
def broker_down(monkeypatch):
    """The broker is a closed port on this machine: every send fails, as when Redis
    is down."""
    import socket

    from regie_site.celery import app as regie_app

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _celery_app_with_broker(
        monkeypatch, f"redis://127.0.0.1:{port}/0", "regie-tests-down"
    )
    yield app
    regie_app.set_current()
