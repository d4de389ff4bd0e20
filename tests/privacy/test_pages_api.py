"""Pages, API and command of pseudonymisation; after confirmation no original
string appears in any page, API answer or export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from coding.models import Project
from privacy.models import (
    Decision,
    DocumentReview,
    PrivacyEvent,
    ReviewStatus,
    Suggestion,
    TranscriptAccess,
    WordKind,
    WordListEntry,
)
from privacy.services.suggestions import suggestions_compute
from tests.conftest import HTMX, api_client_for, client_for
from tests.factories import make_code, make_coding, make_document
from tests.privacy.conftest import ACTORS, INTERVIEW_1, INTERVIEW_2, ORIGINALS

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(deduce_ready, project, members):
    WordListEntry.objects.bulk_create(
        WordListEntry(project=project, kind=WordKind.PROTECT, word=a) for a in ACTORS
    )
    one = make_document(
        project=project, text=INTERVIEW_1, title="Interview Jan Janssens"
    )
    two = make_document(project=project, text=INTERVIEW_2)
    code = make_code(project=project)
    start = INTERVIEW_1.index("Jan Janssens belde")
    make_coding(
        document=one,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + len("Jan Janssens belde"),
        memo="Jan Janssens belt veel",
    )
    suggestions_compute(document=one)
    suggestions_compute(document=two)
    return one, two


def _pages(project, one, two) -> list[str]:
    p = project.pk
    return [
        reverse("coding:workbench", args=[p, one.pk]),
        reverse("coding:workbench", args=[p, two.pk]),
        reverse("coding:project_detail", args=[p]),
        reverse("coding:audit", args=[p]) if _has("coding:audit") else None,
        reverse("privacy:review", args=[p, one.pk]),
        reverse("privacy:privacy", args=[p]),
        reverse("privacy:privacy_summary", args=[p]),
        reverse("privacy:privacy_summary", args=[p]) + "?format=md",
        f"/api/v1/projects/{p}/documents/",
        f"/api/v1/projects/{p}/documents/{one.pk}/",
        f"/api/v1/projects/{p}/documents/{two.pk}/",
        f"/api/v1/projects/{p}/codings/",
        f"/api/v1/projects/{p}/segments/",
        f"/api/v1/projects/{p}/audit/",
        f"/api/v1/projects/{p}/documents/{one.pk}/pseudonyms/",
        f"/api/v1/projects/{p}/export/segments.csv",
        f"/api/v1/projects/{p}/export/segments.xlsx",
        f"/api/v1/projects/{p}/export/project.qdpx",
        f"/api/v1/projects/{p}/export/project.qdpx?full=1",
        f"/api/v1/projects/{p}/export/cases.csv",
    ]


def _has(name: str) -> bool:
    try:
        reverse(name, args=[1])
    except Exception:
        return False
    return True


def _body(response) -> str:
    """The answer's text; zip and xlsx files unpacked."""
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
            )
    return content.decode("utf-8", "replace")


def test_review_then_no_original_anywhere(study, project, members):
    one, two = study
    owner = members["owner"]
    api = api_client_for(owner)
    url = f"/api/v1/projects/{project.pk}/documents/{one.pk}/pseudonyms/"
    found = api.get(url).json()
    assert found["status"] == "awaiting"
    texts = {s["text"] for s in found["suggestions"]}
    assert "Jan Janssens" in texts
    assert not any("Agentschap" in t or t == "Stad Mechelen" for t in texts)
    answer = api.post(
        url,
        {
            "decisions": [
                {"suggestion": s["id"], "decision": "accepted"}
                for s in found["suggestions"]
            ],
            "confirm": True,
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "confirmed"
    # the second transcript through the review page, by htmx, then confirmed
    client = client_for(owner)
    decide = reverse("privacy:review_decide", args=[project.pk, two.pk])
    for suggestion in Suggestion.objects.filter(
        document=two, decision=Decision.PENDING
    ):
        response = client.post(
            decide, {"suggestion": suggestion.pk, "decision": "accept"}, headers=HTMX
        )
        assert response.status_code == 200
        assert 'id="review-body"' in response.content.decode()
    client.post(reverse("privacy:review_confirm", args=[project.pk, two.pk]))
    assert DocumentReview.objects.get(document=two).status == ReviewStatus.CONFIRMED
    for path in filter(None, _pages(project, one, two)):
        response = api.get(path) if path.startswith("/api/") else client.get(path)
        assert response.status_code == 200, path
        body = _body(response)
        for original in ORIGINALS:
            assert original not in body, (path, original)
    # the page and the API both count as reading the transcript
    assert TranscriptAccess.objects.filter(document=one, user=owner).count() >= 2


def test_api_refuses_bad_input_and_coders(study, project, members):
    one, _two = study
    url = f"/api/v1/projects/{project.pk}/documents/{one.pk}/pseudonyms/"
    assert api_client_for(members["coder"]).get(url).status_code == 403
    assert api_client_for(members["outsider"]).get(url).status_code == 404
    owner = api_client_for(members["owner"])
    bad = owner.post(
        url, {"decisions": [{"suggestion": 0, "decision": "accepted"}]}, format="json"
    )
    assert bad.status_code == 400
    assert owner.post(url, {"decisions": "x"}, format="json").status_code == 400
    pending = owner.post(url, {"decisions": [], "confirm": True}, format="json")
    assert pending.status_code == 400  # suggestions still pending


def test_key_page_owners_only_audited_and_destroy(study, project, members):
    url = reverse("privacy:key", args=[project.pk])
    assert client_for(members["supervisor"]).get(url).status_code == 403
    owner = client_for(members["owner"])
    page = owner.get(url).content.decode()
    assert "Jan Janssens" in page
    download = owner.get(reverse("privacy:key_download", args=[project.pk]))
    assert "Jan Janssens" in download.content.decode()
    destroy = reverse("privacy:key_destroy", args=[project.pk])
    owner.post(destroy, {"confirm_name": "wrong"})
    assert "Jan Janssens" in owner.get(url).content.decode()
    owner.post(destroy, {"confirm_name": project.name})
    assert "Jan Janssens" not in owner.get(url).content.decode()
    actions = set(
        PrivacyEvent.objects.filter(project=project).values_list("action", flat=True)
    )
    assert {"key_viewed", "key_downloaded", "key_destroyed"} <= actions


def test_privacy_page_settings_words_log_and_erase(project, members):
    owner = client_for(members["owner"])
    url = reverse("privacy:privacy", args=[project.pk])
    assert client_for(members["coder"]).get(url).status_code == 403
    owner.post(
        reverse("privacy:privacy_settings_save", args=[project.pk]),
        {"language": "nl", "retention_until": "2020-01-01"},
    )
    page = owner.get(url).content.decode()
    assert 'id="retention-due"' in page
    document = make_document(project=project, text="Kort.")
    assert not DocumentReview.objects.filter(document=document).exists()  # switched off
    owner.post(
        reverse("privacy:privacy_words", args=[project.pk]),
        {"word": "Marieke", "kind": "replace", "category": "person"},
    )
    assert WordListEntry.objects.filter(project=project, word="Marieke").exists()
    bad = owner.post(
        reverse("privacy:privacy_settings_save", args=[project.pk]),
        {"retention_until": "gisteren"},
    )
    assert bad.status_code == 302
    owner.post(
        reverse("privacy:privacy_erase", args=[project.pk]),
        {"confirm_name": project.name},
    )
    assert not Project.objects.filter(pk=project.pk).exists()


def test_command_suggests_and_applies(deduce_ready, project):
    WordListEntry.objects.create(
        project=project, kind=WordKind.PROTECT, word="Stad Mechelen"
    )
    document = make_document(project=project, text=INTERVIEW_2)
    out = io.StringIO()
    call_command("pseudonymise", project.pk, stdout=out)
    assert "suggestion(s) to review" in out.getvalue()
    Suggestion.objects.filter(document=document).update(decision=Decision.ACCEPTED)
    call_command("pseudonymise", project.pk, "--apply-accepted", stdout=out)
    document.refresh_from_db()
    assert "Pieter Peeters" not in document.text
    assert "Stad Mechelen" in document.text


def test_bad_input_never_a_server_error(project, members):
    """Odd ids and offsets answer without a 500."""
    document = make_document(project=project, text="Kort.\n")
    owner = client_for(members["owner"])
    p, d = project.pk, document.pk
    huge = str(2**63)
    answers = [
        owner.post(reverse("privacy:review_decide", args=[p, d]), {"suggestion": huge}),
        owner.post(reverse("privacy:review_decide", args=[p, d]), {"suggestion": "x"}),
        owner.post(
            reverse("privacy:review_mark", args=[p, d]),
            {"start": huge, "end": "x", "category": "person"},
            headers=HTMX,
        ),
        owner.post(reverse("privacy:privacy_words", args=[p]), {"remove": "x"}),
        owner.post(reverse("privacy:privacy_words", args=[p]), {"remove": huge}),
        api_client_for(members["owner"]).post(
            f"/api/v1/projects/{p}/documents/{d}/pseudonyms/",
            {"decisions": [{"suggestion": int(huge), "decision": "accepted"}]},
            format="json",
        ),
    ]
    assert [a.status_code for a in answers] == [404, 404, 200, 302, 302, 400]
