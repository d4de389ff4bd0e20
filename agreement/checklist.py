"""Agreement's step of the project page's first-steps checklist."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreement.models import AgreementRun
from coding.access import Cap
from coding.registry import FirstStep

AGREEMENT_STEP = FirstStep(
    key="agreement",
    position=70,
    label=_("Compute the inter-coder agreement"),
    shown=lambda access: access.can(Cap.SUPERVISE),
    done=lambda access: AgreementRun.objects.filter(
        project_id=access.project.pk
    ).exists(),
    url=lambda project: reverse("agreement:agreement", args=[project.pk]),
)
