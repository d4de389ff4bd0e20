"""Restoring a deleted coding from the audit trail: page, htmx, API, and refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import Coding
from coding.services.audit_restore import audit_restore_coding
from coding.services.codebook import code_delete
from coding.services.documents import document_delete, document_update
from tests.coding.audit.helpers import (
    Action,
    Entity,
    api_url,
    assert_back,
    deleted_coding_event,
    last_event,
    page_url,
    restore_url,
)
from tests.conftest import HTMX, api_client_for, client_for
from tests.factories import (
    make_coding,
    make_document,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- restoring


def test_restore_from_page_round_trip(project, members):
    _document, _code, event = deleted_coding_event(project, members)
    client = client_for(members["supervisor"])
    back = page_url(project, entity="coding")
    response = client.post(restore_url(project, event), {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert_back(Coding.objects.get(), event)
    restored = last_event(project)
    assert (restored.action, restored.actor_id) == (
        Action.RESTORE,
        members["supervisor"].pk,
    )
    followed = client.get(back)
    assert "Restored: ‘Subsidies’" in followed.content.decode()

    again = client.post(restore_url(project, event), {"next": back})
    assert again.status_code == 400
    assert "This coding exists again already" in again.content.decode()
    assert Coding.objects.count() == 1


def test_restore_from_page_with_htmx_rerenders_the_row(project, members):
    _document, _code, event = deleted_coding_event(project, members)
    client = client_for(members["owner"])
    response = client.post(restore_url(project, event), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="audit-event-{event.pk}"')
    assert "Restored: ‘Subsidies’" in body
    assert "hx-post" not in body  # nothing left to restore
    assert_back(Coding.objects.get(), event)
    again = client.post(restore_url(project, event), headers=HTMX)
    assert again.status_code == 400
    assert "This coding exists again already" in again.content.decode()


def test_restore_ignores_foreign_next(project, members):
    _document, _code, event = deleted_coding_event(project, members)
    response = client_for(members["owner"]).post(
        restore_url(project, event), {"next": "https://evil.example/"}
    )
    assert response["Location"] == page_url(project)


def test_restore_through_api_round_trip(project, members):
    document, code, event = deleted_coding_event(project, members)
    client = api_client_for(members["supervisor"])
    url = f"{api_url(project)}{event.pk}/restore/"
    response = client.post(url)
    assert response.status_code == 201
    coding = Coding.objects.get()
    assert_back(coding, event)
    assert response.json() == {
        "id": coding.pk,
        "document": document.pk,
        "code": code.pk,
        "coder": members["coder"].username,
        "start": event.before["start"],
        "end": event.before["end"],
        "text": "subsidies",
        "memo": "Waarom dit?",
    }
    again = client.post(url)
    assert again.status_code == 400
    assert "exists again already" in again.json()["detail"]
    assert Coding.objects.count() == 1


def test_only_deleted_codings_can_be_restored(project, members):
    document = make_document(project=project)
    make_coding(document=document, coder=members["coder"])
    created = last_event(project, entity=Entity.CODING)
    response = api_client_for(members["owner"]).post(
        f"{api_url(project)}{created.pk}/restore/"
    )
    assert response.status_code == 400
    assert "Only a deleted coding can be restored" in response.json()["detail"]
    page = client_for(members["owner"]).post(restore_url(project, created))
    assert page.status_code == 400


def test_restore_refuses_when_document_or_code_is_gone(project, members):
    document, code, event = deleted_coding_event(project, members)
    code_delete(code=code, actor=members["owner"])
    with pytest.raises(ValidationError, match="The code “Subsidies” has been deleted"):
        audit_restore_coding(event=event, actor=members["owner"])
    document_delete(document=document, actor=members["owner"])
    response = api_client_for(members["owner"]).post(
        f"{api_url(project)}{event.pk}/restore/"
    )
    assert response.status_code == 400
    assert (
        f"The document “{document.title}” has been deleted"
        in (response.json()["detail"])
    )
    page = client_for(members["owner"]).get(page_url(project))
    assert "document deleted" in page.content.decode()


def test_restore_refuses_when_text_changed(project, members):
    document, _code, event = deleted_coding_event(project, members)
    document_update(
        document=document, text="I: een heel andere tekst.\n", actor=members["owner"]
    )
    with pytest.raises(ValidationError, match="changed after this coding was deleted"):
        audit_restore_coding(event=event, actor=members["owner"])
