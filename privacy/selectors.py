"""Read-models of the privacy pages: a transcript cut into text and suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from coding.models import Document, Project
from privacy.models import Decision, DocumentReview, ReviewStatus, Suggestion


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the transcript: plain text, or a suggestion over it."""

    text: str
    suggestion: Suggestion | None = None


def review_pieces(document: Document, suggestions: list[Suggestion]) -> list[Piece]:
    """The transcript in order, suggestions as their own pieces (they never overlap)."""
    pieces: list[Piece] = []
    last = 0
    for s in sorted(suggestions, key=lambda s: s.start):
        if s.start < last:
            continue
        pieces.append(Piece(document.text[last : s.start]))
        pieces.append(Piece(document.text[s.start : s.end], s))
        last = s.end
    pieces.append(Piece(document.text[last:]))
    return [p for p in pieces if p.text]


def document_suggestions(document: Document) -> list[Suggestion]:
    """The document's suggestions, each with ``original``: the words it would
    replace, so the reviewer's list names them beside the pseudonym."""
    suggestions = list(
        Suggestion.objects.filter(document=document).select_related("pseudonym")
    )
    for suggestion in suggestions:
        suggestion.original = document.text[suggestion.start : suggestion.end]
    return suggestions


@dataclass(frozen=True, slots=True)
class DocumentStatus:
    document_id: int
    title: str
    status: str  # "awaiting", "confirmed" or "" (not reviewed)
    pending: int
    replaced: int


def document_statuses(project: Project) -> list[DocumentStatus]:
    """Every transcript's pseudonymisation status (the privacy page, the summary)."""
    reviews = {
        r.document_id: r
        for r in DocumentReview.objects.filter(document__project=project)
    }
    pending: dict[int, int] = {}
    for document_id in Suggestion.objects.filter(
        document__project=project, decision=Decision.PENDING
    ).values_list("document_id", flat=True):
        pending[document_id] = pending.get(document_id, 0) + 1
    rows = []
    for document in Document.objects.filter(project=project).without_text():
        review = reviews.get(document.pk)
        rows.append(
            DocumentStatus(
                document.pk,
                document.title,
                review.status if review else "",
                pending.get(document.pk, 0),
                review.replaced
                if review and review.status == ReviewStatus.CONFIRMED
                else 0,
            )
        )
    return rows
