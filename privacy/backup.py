"""The privacy app's tables in a full backup (see ``coding.backup``): settings,
word lists, review marks, its trail, the access log and the pseudonyms' labels. The key is kept apart: a
backup carries no original (encrypted or not), so a restored project keeps its
labels and numbering but cannot link a pseudonym to a person. Suggestions are
derived (suggest again)."""

from __future__ import annotations

from typing import Any

from coding.backup import ModelTable
from coding.models import Project
from coding.registry import BackupPart
from privacy.models import Pseudonym

SETTINGS = ModelTable("privacy_settings", "privacy.PrivacySettings", "project")
WORDS = ModelTable("privacy_words", "privacy.WordListEntry", "project")
REVIEWS = ModelTable("privacy_reviews", "privacy.DocumentReview", "document__project")
EVENTS = ModelTable("privacy_events", "privacy.PrivacyEvent", "project")
ACCESSES = ModelTable("privacy_accesses", "privacy.TranscriptAccess", "project")


def _labels(project: Project) -> list[dict[str, Any]]:
    return list(
        Pseudonym.objects.filter(project=project)
        .order_by("pk")
        .values("category", "number", "label")
    )


def _restore_labels(
    project: Project, rows: list[dict[str, Any]], ids: dict[str, dict[int, int]]
) -> None:
    Pseudonym.objects.bulk_create(
        Pseudonym(
            project=project,
            category=str(row["category"])[:20],
            number=int(row["number"]),
            label=str(row["label"])[:120],
        )
        for row in rows
    )


LABELS = BackupPart(key="privacy_labels", dump=_labels, restore=_restore_labels)

PRIVACY_BACKUP = [
    SETTINGS.part(),
    WORDS.part(),
    REVIEWS.part(),
    EVENTS.part(),
    ACCESSES.part(),
    LABELS,
]
