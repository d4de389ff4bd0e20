"""Suggestions, decisions and their application on the Dutch fixture."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError

from coding.models import AuditEvent, SpeakerTurn
from privacy import keys
from privacy.models import (
    Decision,
    DocumentReview,
    PrivacySettings,
    Pseudonym,
    ReviewStatus,
    Suggestion,
    WordKind,
    WordListEntry,
)
from privacy.services.apply import document_pseudonymise
from privacy.services.decisions import suggestion_decide
from privacy.services.keytable import key_destroy, key_rows
from privacy.services.suggestions import suggestions_compute, word_list_prefill
from tests.factories import make_code, make_coding, make_document
from tests.privacy.conftest import ACTORS, INTERVIEW_1, INTERVIEW_2, ORIGINALS

pytestmark = pytest.mark.django_db


def _protect_actors(project) -> None:
    WordListEntry.objects.bulk_create(
        WordListEntry(project=project, kind=WordKind.PROTECT, word=a) for a in ACTORS
    )


def _texts(suggestions) -> dict[str, Suggestion]:
    return {s.document.text[s.start : s.end]: s for s in suggestions}


def _accept_all(document, actor) -> None:
    for suggestion in Suggestion.objects.filter(document=document, decision="pending"):
        suggestion_decide(
            suggestion=suggestion, decision=Decision.ACCEPTED, actor=actor
        )


def test_import_marks_awaiting_review_and_queues_suggestions(
    project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        document = make_document(project=project, text=INTERVIEW_1)
    assert DocumentReview.objects.get(document=document).status == ReviewStatus.AWAITING
    assert len(callbacks) == 1  # the suggestion job goes to a worker after commit


def test_switched_off_per_project(project):
    from privacy.services.keytable import privacy_settings

    settings = privacy_settings(project)
    settings.review_on_import = False
    settings.save()
    document = make_document(project=project, text=INTERVIEW_1)
    assert not DocumentReview.objects.filter(document=document).exists()


def test_decisions_consistent_across_transcripts_and_applied(deduce_ready, project):
    owner = project.memberships.get(role="owner").user
    _protect_actors(project)
    one = make_document(
        project=project, text=INTERVIEW_1, title="Interview Jan Janssens"
    )
    two = make_document(project=project, text=INTERVIEW_2)
    code = make_code(project=project)
    coder = owner
    # A coding over "samen met Jan Janssens en" and one ending inside the name
    start = INTERVIEW_1.index("samen met Jan")
    end = INTERVIEW_1.index(" met mevrouw")
    wide = make_coding(
        document=one,
        code=code,
        coder=coder,
        start=start,
        end=end,
        memo="Jan Janssens is de schepen",
    )
    inside = make_coding(
        document=one,
        code=code,
        coder=coder,
        start=INTERVIEW_1.index("Janssens en"),
        end=INTERVIEW_1.index("Janssens en") + 3,
    )
    after_start = INTERVIEW_1.index("Interviewer: En daarna")
    after = make_coding(
        document=one,
        code=code,
        coder=coder,
        start=after_start,
        end=after_start + len("Interviewer: En daarna"),
    )
    suggestions_compute(document=one)
    suggestions_compute(document=two)
    found_one = _texts(Suggestion.objects.filter(document=one))
    for original in ORIGINALS[:6]:
        assert original in found_one, original
    assert not any("Mechelen?" in t or "Agentschap" in t for t in found_one)
    # One person, one label in both transcripts
    label = found_one["Jan Janssens"].pseudonym.label
    found_two = _texts(Suggestion.objects.filter(document=two))
    assert found_two["Jan Janssens"].pseudonym.label == label
    assert label == "[Persoon 1]" or label.startswith("[Persoon")
    # "everywhere": the phone number decided once for the whole project
    suggestion_decide(
        suggestion=found_one["Jan Janssens"],
        decision=Decision.ACCEPTED,
        actor=owner,
        everywhere=True,
    )
    assert (
        Suggestion.objects.get(pk=found_two["Jan Janssens"].pk).decision
        == Decision.ACCEPTED
    )
    _accept_all(one, owner)
    _accept_all(two, owner)
    document_pseudonymise(document=one, actor=owner)
    document_pseudonymise(document=two, actor=owner)
    one.refresh_from_db()
    two.refresh_from_db()
    for original in ORIGINALS:
        assert original not in one.text + two.text + one.title
    assert "Janssens'" not in two.text  # the inflected form went too
    assert label in one.text
    assert label in two.text
    assert label in one.title
    wide.refresh_from_db()
    assert one.text[wide.start : wide.end] == f"samen met {label} en"
    assert "Jan Janssens" not in wide.memo
    assert label in wide.memo
    inside.refresh_from_db()
    assert one.text[inside.start : inside.end] == label  # never ends inside it
    after.refresh_from_db()
    assert one.text[after.start : after.end] == "Interviewer: En daarna"
    trail = list(
        AuditEvent.objects.filter(project=project).values_list("before", "after")
    )
    assert "Jan Janssens" not in str(trail)
    turns = SpeakerTurn.objects.filter(document=one)
    assert all(one.text[t.start : t.end] for t in turns)
    assert DocumentReview.objects.get(document=one).status == ReviewStatus.CONFIRMED


def test_pending_suggestions_block_confirmation(deduce_ready, project):
    owner = project.memberships.get(role="owner").user
    document = make_document(project=project, text=INTERVIEW_1)
    suggestions_compute(document=document)
    with pytest.raises(ValidationError):
        document_pseudonymise(document=document, actor=owner)


def test_key_unreadable_without_secret_and_destroy_irreversible(project):
    from privacy.services.keytable import pseudonym_for

    owner = project.memberships.get(role="owner").user
    pseudonym = pseudonym_for(
        project=project, original="Jan Janssens", category="person"
    )
    stored = bytes(Pseudonym.objects.get(pk=pseudonym.pk).original)
    assert b"Janssens" not in stored
    assert keys.decrypt(stored) == "Jan Janssens"
    with pytest.raises(keys.InvalidToken):
        keys.decrypt(stored, secret=Fernet.generate_key())
    assert key_rows(project=project)[0].original == "Jan Janssens"
    key_destroy(project=project, actor=owner)
    row = Pseudonym.objects.get(pk=pseudonym.pk)
    assert bytes(row.original) == b""
    assert row.digest == ""
    assert key_rows(project=project)[0].original is None
    with pytest.raises(ValidationError):
        pseudonym_for(project=project, original="Piet", category="person")


def test_word_list_prefilled_from_actors(project):
    from tests.factories import make_actor

    make_actor(project=project, name="Stad Mechelen")
    assert word_list_prefill(project=project) >= 1
    assert WordListEntry.objects.filter(
        project=project, word="Stad Mechelen", kind="protect"
    ).exists()


def test_suggestion_job_runs_through_the_job_machinery(deduce_ready, project):
    from coding.jobs.models import JobStatus
    from privacy.models import SuggestionJob
    from privacy.services.suggestions import suggestions_request
    from privacy.tasks import run_suggestion_job

    document = make_document(project=project, text=INTERVIEW_2)
    job = suggestions_request(project=project)  # every transcript awaiting review
    run_suggestion_job(job_id=job.pk)
    job = SuggestionJob.objects.get(pk=job.pk)
    assert job.status == JobStatus.DONE
    assert job.found == Suggestion.objects.filter(document=document).count() > 0


def test_results_and_export_files_made_before_are_forgotten(
    project, members, django_capture_on_commit_callbacks
):
    """An export written before confirmation (it holds the originals) and any
    finished result of the project are deleted with their files."""
    from django.core.files.base import ContentFile

    from interop.models import ExportJob

    owner = members["owner"]
    PrivacySettings.objects.update_or_create(
        project=project, defaults={"language": "en"}
    )
    document = make_document(project=project, text="Bel 0475 12 34 56.\n")
    job = ExportJob.objects.create(
        project=project, requested_by=owner, kind="segments_csv", status="done"
    )
    job.file.save(f"{job.folder}/segments.csv", ContentFile(b"0475 12 34 56"))
    stored = job.file.name
    storage = job.file.storage
    suggestions_compute(document=document)
    _accept_all(document, owner)
    with django_capture_on_commit_callbacks(execute=True):
        document_pseudonymise(document=document, actor=owner)
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert not storage.exists(stored)


def test_retention_reminder_mails_owners_once(project, members, mailoutbox):
    import datetime as dt

    from django.core.management import call_command

    from privacy.services.retention import settings_update

    members["owner"].email = "eigenaar@example.be"
    members["owner"].save()
    settings_update(
        project=project,
        actor=members["owner"],
        review_on_import=True,
        language="nl",
        retention_until=dt.date(2020, 1, 1),
    )
    call_command("privacy_reminders")
    call_command("privacy_reminders")
    assert [m.to for m in mailoutbox] == [["eigenaar@example.be"]]
