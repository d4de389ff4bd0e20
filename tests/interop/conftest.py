"""Fixtures of the interop tests."""

from __future__ import annotations

import pytest

from coding.demo.loader import demo_load
from tests.factories import make_case, make_code, make_coding, make_document


@pytest.fixture
def coded(project, members):
    """Two coders' codings, a case with attributes, a long and a formula memo."""
    case = make_case(project=project, label="R01", niveau="middenveld")
    document = make_document(project=project, case=case, title="Interview J@M")
    parent = make_code(project=project, name="Beleidsinstrumenten")
    code = make_code(project=project, name="Subsidies", parent=parent)
    start = document.text.index("De stad geeft")
    mine = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 13,
        memo="=SOM(A1)",
    )
    theirs = make_coding(
        document=document,
        code=parent,
        coder=members["coder2"],
        start=0,
        end=11,
        memo="x" * 40_000,
    )
    return document, code, mine, theirs


@pytest.fixture
def demo():
    return demo_load().project


class FakeBroker:
    """Stands in for Celery in ``coding.jobs.services``: records what is sent, or
    refuses everything while ``down``, as a stopped Redis would."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.down = False

    def send_task(self, name: str, kwargs: dict | None = None, **options) -> None:
        if self.down:
            raise ConnectionError("no broker")
        self.sent.append((name, kwargs or {}))


@pytest.fixture
def broker(monkeypatch) -> FakeBroker:
    """No message leaves the test: jobs are sent to a ``FakeBroker``."""
    from coding.jobs import services

    fake = FakeBroker()
    monkeypatch.setattr(services, "current_app", fake)
    return fake


@pytest.fixture
def later(monkeypatch):
    """``later(seconds)``: the job machinery's clock runs that far ahead."""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from coding.jobs import services

    def shift(seconds: float) -> None:
        moved = SimpleNamespace(now=lambda: timezone.now() + timedelta(seconds=seconds))
        monkeypatch.setattr(services, "timezone", moved)

    return shift


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """``job_run`` drops stale database connections first, as a worker should; run
    in a test, that would close the connection holding the test's transaction."""
    from coding.jobs import services

    monkeypatch.setattr(services, "close_old_connections", lambda: None, raising=False)
