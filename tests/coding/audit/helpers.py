"""Helpers of the audit-trail tests: its URLs, its events, a deleted coding."""

from __future__ import annotations

from django.urls import reverse

from coding.models import AuditEvent, Coding
from coding.services.codings import coding_delete
from tests.factories import (
    make_code,
    make_coding,
    make_document,
)

Action = AuditEvent.Action
Entity = AuditEvent.Entity


def page_url(project, **params) -> str:
    url = reverse("coding:audit", args=[project.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def api_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/audit/"


def restore_url(project, event) -> str:
    return reverse("coding:audit_restore", args=[project.pk, event.pk])


def events_of(project, **filters):
    return list(AuditEvent.objects.filter(project=project, **filters).order_by("id"))


def last_event(project, **filters) -> AuditEvent:
    return AuditEvent.objects.filter(project=project, **filters).latest("at", "id")


def deleted_coding_event(project, members, *, memo="Waarom dit?", start=None):
    """A coding by ``coder`` deleted by the supervisor, and its delete event."""
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    start = document.text.index("subsidies") if start is None else start
    coding = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 9,
        memo=memo,
    )
    coding_delete(coding=coding, actor=members["supervisor"])
    event = last_event(project, entity=Entity.CODING, action=Action.DELETE)
    return document, code, event


def assert_back(coding: Coding, event: AuditEvent) -> None:
    before = event.before
    assert coding.document_id == before["document"]
    assert coding.code_id == before["code"]
    assert coding.coder_id == before["coder"]
    assert (coding.start, coding.end) == (before["start"], before["end"])
    assert coding.memo == before["memo"]
