"""Retention: a date, a reminder to owners, and the hard delete of a project."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import Project, Role
from privacy.models import PrivacyEvent, PrivacySettings
from privacy.services.derived import delete_files_on_commit, derived_files
from privacy.services.keytable import privacy_settings


@transaction.atomic
def settings_update(
    *,
    project: Project,
    actor,
    review_on_import: bool,
    language: str,
    retention_until: dt.date | None,
) -> PrivacySettings:
    settings = privacy_settings(project)
    if retention_until != settings.retention_until:
        PrivacyEvent.objects.create(
            project=project,
            actor=actor,
            action=PrivacyEvent.Action.RETENTION,
            detail={"until": retention_until.isoformat() if retention_until else None},
        )
        settings.retention_reminded_at = None
    settings.review_on_import = review_on_import
    settings.language = language
    settings.retention_until = retention_until
    settings.save()
    return settings


def retention_due(project: Project, today: dt.date | None = None) -> bool:
    """The retention date is reached: the owners are reminded to delete."""
    until = privacy_settings(project).retention_until
    return until is not None and until <= (today or timezone.localdate())


def retention_reminders(
    today: dt.date | None = None,
) -> list[tuple[Project, list[str]]]:
    """Projects past their retention date not yet reminded, with their owners'
    e-mail addresses; marks them reminded (the command sends the mails)."""
    today = today or timezone.localdate()
    due = PrivacySettings.objects.filter(
        retention_until__lte=today, retention_reminded_at__isnull=True
    ).select_related("project")
    found = []
    for settings in due:
        owners = list(
            settings.project.memberships.filter(role=Role.OWNER).values_list(
                "user__email", flat=True
            )
        )
        found.append((settings.project, [e for e in owners if e]))
        settings.retention_reminded_at = timezone.now()
        settings.save(update_fields=["retention_reminded_at"])
    return found


def project_erase(*, project: Project, actor, confirm_name: str) -> None:
    """Delete the project with everything derived from it: transcripts, codings,
    results, snapshots, jobs (rows cascade) and the files its jobs wrote."""
    if confirm_name.strip() != project.name:
        raise ValidationError(_("Type the project's name exactly to delete it."))
    with transaction.atomic():
        delete_files_on_commit(derived_files(project))
        consensus = project.consensus_user
        project.delete()
        if consensus is not None:
            consensus.delete()
