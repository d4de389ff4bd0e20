"""Decisions on suggestions: one, many (the API), or everywhere in the project."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import Document, Project
from privacy.detect import WordMatcher
from privacy.models import (
    Decision,
    Pseudonym,
    ReviewStatus,
    Suggestion,
    WordKind,
    WordListEntry,
)
from privacy.services.keytable import pseudonym_for, pseudonym_relabel


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """One decision as a page, the API or a command gives it."""

    suggestion_id: int
    decision: str
    label: str = ""
    everywhere: bool = False


def _set_label(suggestion: Suggestion, label: str, actor) -> None:
    """An edited pseudonym: the label of another pseudonym joins this original to
    it (the same person); a new label renames the suggestion's pseudonym."""
    label = " ".join(label.split())
    if not label or label == suggestion.pseudonym.label:
        return
    other = Pseudonym.objects.filter(
        project_id=suggestion.pseudonym.project_id, label=label
    ).first()
    if other is not None:
        suggestion.pseudonym = other
    else:
        pseudonym_relabel(pseudonym=suggestion.pseudonym, label=label, actor=actor)


@transaction.atomic
def suggestion_decide(
    *,
    suggestion: Suggestion,
    decision: str,
    actor,
    label: str = "",
    everywhere: bool = False,
) -> list[Suggestion]:
    """Accept (replace) or reject (keep) a suggestion; the suggestions changed.

    ``everywhere`` applies the decision to every occurrence of the same words in the
    project's transcripts awaiting review (case- and inflection-tolerant) and puts
    the words on the project's list (always replace / never touch), so transcripts
    imported later follow it.
    """
    if decision not in {Decision.ACCEPTED, Decision.REJECTED, Decision.PENDING}:
        raise ValidationError({"decision": _("Unknown decision.")})
    document = suggestion.document
    if _confirmed(document):
        raise ValidationError(_("This transcript is already pseudonymised."))
    if label:
        _set_label(suggestion, label, actor)
    _decide(suggestion, decision, actor)
    if not everywhere or decision == Decision.PENDING:
        return [suggestion]
    original = document.text[suggestion.start : suggestion.end]
    _remember(document.project, original, suggestion.category, decision)
    return [suggestion, *_everywhere(suggestion, original, decision, actor)]


def _decide(suggestion: Suggestion, decision: str, actor) -> None:
    suggestion.decision = decision
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["decision", "decided_by", "decided_at", "pseudonym"])


def _confirmed(document: Document) -> bool:
    review = getattr(document, "privacy_review", None)
    return review is not None and review.status == ReviewStatus.CONFIRMED


def _remember(project: Project, word: str, category: str, decision: str) -> None:
    kind = WordKind.REPLACE if decision == Decision.ACCEPTED else WordKind.PROTECT
    word = " ".join(word.split())[:200]
    entry = WordListEntry.objects.filter(project=project, word__iexact=word).first()
    if entry is None:
        WordListEntry.objects.create(
            project=project, kind=kind, word=word, category=category
        )
    elif entry.kind != kind:
        entry.kind = kind
        entry.save(update_fields=["kind"])


def _everywhere(
    suggestion: Suggestion, original: str, decision: str, actor
) -> list[Suggestion]:
    """The same decision on every occurrence in the transcripts awaiting review."""
    matcher = WordMatcher([original])
    changed: list[Suggestion] = []
    documents = Document.objects.filter(
        project_id=suggestion.document.project_id
    ).exclude(privacy_review__status=ReviewStatus.CONFIRMED)
    for document in documents:
        existing = list(Suggestion.objects.filter(document=document))
        for start, end, _word in matcher.matches(document.text):
            if document.pk == suggestion.document_id and start == suggestion.start:
                continue
            hit = _covering(existing, start, end)
            if hit is None:
                hit = Suggestion.objects.create(
                    document=document,
                    start=start,
                    end=end,
                    category=suggestion.category,
                    source="list",
                    pseudonym=suggestion.pseudonym,
                )
            elif hit.decision != Decision.PENDING:
                continue
            hit.pseudonym = suggestion.pseudonym
            _decide(hit, decision, actor)
            changed.append(hit)
    return changed


def _covering(existing: list[Suggestion], start: int, end: int) -> Suggestion | None:
    """The suggestion over this span; an overlapping one that is only pending
    gives way to the exact span."""
    for other in existing:
        if other.start == start and other.end == end:
            return other
    for other in existing:
        if other.start < end and start < other.end:
            if other.decision == Decision.PENDING:
                other.delete()
                existing.remove(other)
                return None
            return other
    return None


@transaction.atomic
def decisions_apply_bulk(
    *, document: Document, decisions: list[DecisionInput], actor
) -> list[Suggestion]:
    """Many decisions on one transcript, all or none (the API's POST)."""
    by_id = {
        s.pk: s
        for s in Suggestion.objects.filter(
            document=document, pk__in=[d.suggestion_id for d in decisions]
        ).select_related("pseudonym", "document")
    }
    missing = [d.suggestion_id for d in decisions if d.suggestion_id not in by_id]
    if missing:
        raise ValidationError(
            {
                "suggestion": _("No such suggestion in this transcript: %(ids)s")
                % {"ids": ", ".join(map(str, missing))}
            }
        )
    changed: list[Suggestion] = []
    for item in decisions:
        changed += suggestion_decide(
            suggestion=by_id[item.suggestion_id],
            decision=item.decision,
            actor=actor,
            label=item.label,
            everywhere=item.everywhere,
        )
    return changed


def suggestion_add(
    *, document: Document, start: int, end: int, category: str, actor
) -> Suggestion:
    """A span the detector missed, marked by hand (accepted)."""
    if not (0 <= start < end <= document.length):
        raise ValidationError(_("The span lies outside the transcript."))
    if Suggestion.objects.filter(
        document=document, start__lt=end, end__gt=start
    ).exists():
        raise ValidationError(_("This overlaps another suggestion."))
    suggestion = Suggestion.objects.create(
        document=document,
        start=start,
        end=end,
        category=category,
        source="hand",
        pseudonym=pseudonym_for(
            project=document.project,
            original=document.text[start:end],
            category=category,
        ),
    )
    _decide(suggestion, Decision.ACCEPTED, actor)
    return suggestion
