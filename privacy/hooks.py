"""What the privacy app registers with the core (``coding/registry.py``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from coding.access import Cap, ProjectAccess
from coding.models import Document
from coding.registry import DocumentReadHook, DocumentsImportedHook, DocumentTool
from privacy.models import DocumentReview
from privacy.services.access_log import transcript_opened
from privacy.services.suggestions import documents_imported


def _review_context(
    request: HttpRequest, access: ProjectAccess, document: Document
) -> dict[str, Any]:
    """The document page's note on pseudonymisation."""
    review = DocumentReview.objects.filter(document=document).first()
    return {
        "review": review,
        "can_review": access.can(Cap.MANAGE_DOCUMENTS),
        "project_id": access.project.pk,
        "document_id": document.pk,
    }


def _read(document: Document, user) -> None:
    transcript_opened(document=document, user=user)


DOCUMENT_READ = DocumentReadHook(key="privacy", read=_read)
DOCUMENT_IMPORTED = DocumentsImportedHook(key="privacy", imported=documents_imported)
REVIEW_TOOL = DocumentTool(
    key="privacy",
    context=_review_context,
    body_template="privacy/partials/document_note.html",
)
