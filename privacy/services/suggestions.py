"""Suggestions: running the detector on a transcript and storing what it found."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coding.jobs.services import job_enqueue
from coding.models import Code, Document, Project
from coding.registry import alias_sources
from privacy.detect import Category, Span, detect
from privacy.models import (
    Decision,
    DocumentReview,
    ReviewStatus,
    Suggestion,
    SuggestionJob,
    WordKind,
    WordListEntry,
)
from privacy.services.keytable import privacy_settings, pseudonyms_for


def project_actor_names(project_id: int) -> list[str]:
    """The names and aliases of the project's actors (from the registered alias
    sources: the network app's actors), which the detector must leave alone."""
    names: list[str] = []
    for source in alias_sources:
        found = source.aliases(project_id)
        names += Code.objects.filter(pk__in=list(found)).values_list("name", flat=True)
        for aliases in found.values():
            names += aliases
    return names


@transaction.atomic
def word_list_prefill(*, project: Project) -> int:
    """Add the project's actors to the words never to touch; how many were new."""
    known = {
        w.casefold()
        for w in WordListEntry.objects.filter(project=project).values_list(
            "word", flat=True
        )
    }
    new = []
    for name in project_actor_names(project.pk):
        name = " ".join(name.split())[:200]
        if name and name.casefold() not in known:
            known.add(name.casefold())
            new.append(WordListEntry(project=project, kind=WordKind.PROTECT, word=name))
    WordListEntry.objects.bulk_create(new)
    return len(new)


def word_lists(project: Project) -> tuple[list[str], list[tuple[str, Category]]]:
    """``(protected words, [(word, category) always replaced])`` of the project."""
    protected: list[str] = []
    always: list[tuple[str, Category]] = []
    for entry in WordListEntry.objects.filter(project=project):
        if entry.kind == WordKind.PROTECT:
            protected.append(entry.word)
        else:
            always.append((entry.word, Category(entry.category)))
    return protected, always


def document_detect(document: Document) -> list[Span]:
    """What the detector suggests for the transcript, under the project's lists."""
    settings = privacy_settings(document.project)
    protected, always = word_lists(document.project)
    return detect(
        document.text, language=settings.language, protected=protected, always=always
    )


@transaction.atomic
def suggestions_compute(*, document: Document) -> int:
    """Store the detector's suggestions for ``document``; how many are pending.

    Idempotent: pending suggestions are replaced, decided ones kept (new spans that
    overlap a decided one are left out). Each suggestion gets the project's
    pseudonym of its text, so one person has one label everywhere.
    """
    document = Document.objects.select_for_update().get(pk=document.pk)
    spans = document_detect(document)
    Suggestion.objects.filter(document=document, decision=Decision.PENDING).delete()
    decided = list(
        Suggestion.objects.filter(document=document).values_list("start", "end")
    )
    spans = [
        span
        for span in spans
        if not any(span.start < e and s < span.end for s, e in decided)
    ]
    pseudonyms = pseudonyms_for(
        project=document.project,
        originals=[(document.text[s.start : s.end], s.category.value) for s in spans],
    )
    new = [
        Suggestion(
            document=document,
            start=span.start,
            end=span.end,
            category=span.category.value,
            source=span.source,
            pseudonym=pseudonym,
        )
        for span, pseudonym in zip(spans, pseudonyms, strict=True)
    ]
    Suggestion.objects.bulk_create(new)
    DocumentReview.objects.update_or_create(
        document=document, defaults={"suggested_at": timezone.now()}
    )
    return len(new)


def suggestion_job_work(job: SuggestionJob) -> None:
    """The worker's part: suggestions for the job's transcript, or for every
    transcript of the project still awaiting review."""
    if job.document_id is not None:
        documents = Document.objects.filter(pk=job.document_id)
    else:
        documents = Document.objects.filter(
            project_id=job.project_id,
            privacy_review__status=ReviewStatus.AWAITING,
        )
    found = 0
    for document_id in documents.values_list("pk", flat=True):
        found += suggestions_compute(document=Document.objects.get(pk=document_id))
    SuggestionJob.objects.filter(pk=job.pk).update(found=found)


def suggestions_request(
    *, project: Project, document: Document | None = None
) -> SuggestionJob:
    """Ask a worker for suggestions (sent after the current transaction commits)."""
    job = SuggestionJob.objects.create(project=project, document=document)
    job_enqueue(job)
    return job


def documents_imported(documents, actor) -> None:
    """The import hook: mark new transcripts awaiting review and ask for
    suggestions, unless the project switched this off."""
    project = documents[0].project
    if not privacy_settings(project).review_on_import:
        return
    word_list_prefill(project=project)
    DocumentReview.objects.bulk_create(
        [DocumentReview(document=d, status=ReviewStatus.AWAITING) for d in documents],
        ignore_conflicts=True,
    )
    for document in documents:
        suggestions_request(project=project, document=document)
