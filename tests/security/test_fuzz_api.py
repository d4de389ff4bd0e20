"""Schemathesis against ``/api/schema/``: no input makes the API answer 5xx (issue 12).

Every operation of the schema is called with generated cases (valid and invalid
values, derandomized so CI is repeatable) through Django's WSGI app, in-process,
as the owner of the demo project; path ids name the demo's own objects so the
views run past their lookups. Each case runs in a savepoint rolled back after it,
so a ``DELETE`` of the project does not starve the cases after it.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from agreement.models import AgreementRun
from coding.demo.loader import demo_load
from coding.models import Assignment, AuditEvent, Coding

pytestmark = pytest.mark.django_db

CASES_PER_OPERATION = 20  # 58 operations: 1,160 cases, about 110 s on 2 busy cores


@pytest.fixture
def fuzz_target(settings):
    settings.ALLOWED_HOSTS = ["*"]
    # The WSGI handler closes the connection after each request (as a server must);
    # the test's transaction lives on it, so keep it open as Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    project = demo_load().project
    owner = project.memberships.get(role="owner").user
    _token, key = AuthToken.objects.create(owner)
    coding = Coding.objects.filter(document__project=project).first()
    assignment = Assignment.objects.filter(project=project).first()
    event = AuditEvent.objects.filter(project=project).first()
    run = AgreementRun.objects.filter(project=project).first()
    ids = {
        "project_id": project.pk,
        "document_id": project.documents.first().pk,
        "code_id": project.codes.first().pk,
        "coding_id": coding.pk if coding else 1,
        "assignment_id": assignment.pk if assignment else 1,
        "event_id": event.pk if event else 1,
        "run_id": run.pk if run else 1,
    }
    yield ids, {"Authorization": f"Token {key}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


def test_no_server_error_on_any_operation(fuzz_target):
    ids, headers = fuzz_target
    schema = _schema()
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    counted = 0
    started = time.monotonic()

    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | (
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        )

        @settings(
            max_examples=CASES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            nonlocal counted
            counted += 1
            for name, value in ids.items():
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = value
            with transaction.atomic():
                try:
                    case.call_and_validate(headers=headers, checks=[not_a_server_error])
                except Exception as error:  # a 5xx, or the app raising past it
                    label = case.operation.label
                    failures.append(f"{label}: {type(error).__name__} {error}"[:600])
                transaction.set_rollback(True)

        run()

    elapsed = time.monotonic() - started
    print(f"API fuzz: {len(operations)} operations, {counted} cases, {elapsed:.0f} s")
    assert counted >= 1000
    assert not failures, "\n".join(dict.fromkeys(failures))
