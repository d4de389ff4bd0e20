"""The access log: who opened which transcript, when."""

from __future__ import annotations

from django.db.models import QuerySet

from coding.models import Document, Project
from privacy.models import TranscriptAccess


def transcript_opened(*, document: Document, user) -> None:
    if user.is_authenticated:
        TranscriptAccess.objects.create(
            project_id=document.project_id, document=document, user=user
        )


def access_log(*, project: Project) -> QuerySet[TranscriptAccess]:
    return TranscriptAccess.objects.filter(project=project).select_related(
        "document", "user"
    )
