"""Export's step of the project page's first-steps checklist."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coding.registry import FirstStep
from interop.models import ExportJob

EXPORT_STEP = FirstStep(
    key="export",
    position=80,
    label=_("Export the coded segments"),
    shown=lambda access: True,
    # One's own exports: another member's say nothing about one's own step.
    done=lambda access: ExportJob.objects.filter(
        project_id=access.project.pk, requested_by_id=access.user_id
    ).exists(),
    url=lambda project: reverse("interop:export", args=[project.pk]),
)
