"""Inter-coder agreement runs and the project's agreement defaults.

Both models were born in the ``coding`` app and keep its tables (``db_table``) and
constraint names. A run stores the selection it was asked for, the codebook version
frozen at that moment, where the job stands (a ``coding.jobs`` job) and, once done,
the report (``agreement.services`` builds it). A run goes stale when codings change
after the data were read (the core's ``coding.selectors_changes.codings_changed_at``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding import selectors_changes
from coding.jobs.models import Job, JobStatus

__all__ = ["AgreementRun", "AgreementSettings"]

# Krippendorff (2004, 2019): α ≥ .800 reliable, ≥ .667 for tentative conclusions.
DEFAULT_GOOD = 0.800
DEFAULT_TENTATIVE = 0.667
# Miles & Huberman (1994: 64): aim for 90 % agreement, 80 % at the start.
DEFAULT_PERCENT_GOOD = 90.0
DEFAULT_PERCENT_TENTATIVE = 80.0
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 1


class AgreementSettings(models.Model):
    """A project's default thresholds and bootstrap settings for agreement runs."""

    project = models.OneToOneField(
        "coding.Project", on_delete=models.CASCADE, related_name="agreement_settings"
    )
    good = models.FloatField(_("good from"), default=DEFAULT_GOOD)
    tentative = models.FloatField(_("tentative from"), default=DEFAULT_TENTATIVE)
    percent_good = models.FloatField(
        _("percentage agreement good from"), default=DEFAULT_PERCENT_GOOD
    )
    percent_tentative = models.FloatField(
        _("percentage agreement tentative from"), default=DEFAULT_PERCENT_TENTATIVE
    )
    n_resamples = models.PositiveIntegerField(
        _("bootstrap resamples"), default=DEFAULT_RESAMPLES
    )
    seed = models.PositiveIntegerField(_("random seed"), default=DEFAULT_SEED)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "coding_agreementsettings"
        verbose_name = _("agreement settings")
        verbose_name_plural = _("agreement settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(tentative__lte=models.F("good")),
                name="coding_agreementsettings_tentative_not_above_good",
            ),
            models.CheckConstraint(
                condition=Q(percent_tentative__lte=models.F("percent_good")),
                name="coding_agreementsettings_percent_tentative_not_above_good",
            ),
        ]

    def __str__(self) -> str:
        return f"agreement settings of {self.project}"

    @property
    def thresholds(self) -> dict[str, float]:
        return {
            "good": self.good,
            "tentative": self.tentative,
            "percent_good": self.percent_good,
            "percent_tentative": self.percent_tentative,
        }


class AgreementRun(Job):
    """One agreement computation: the selection, the job's state and the report.

    ``selection`` holds documents, coders, codes (ids), unit, measures,
    n_resamples, seed, confidence and thresholds; ``selection_hash`` fingerprints it
    without the thresholds (they only colour the figures), so the same question
    finds the stored answer. The job's lifecycle (status, heartbeat, resending) is
    ``coding.jobs``'s; ``progress`` is the percentage the worker has done.
    """

    task_name = "agreement.tasks.compute_agreement_run"
    task_argument = "run_id"

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="agreement_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    selection = models.JSONField(default=dict)
    selection_hash = models.CharField(max_length=64)
    codebook_version = models.ForeignKey(
        "coding.CodebookVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreement_runs",
        help_text="The latest frozen codebook version when the run was requested.",
    )
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    disagreements = models.JSONField(null=True, blank=True)
    codings_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The project's codings_changed_at when the data were read.",
    )

    class Meta:
        db_table = "coding_agreementrun"
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["project", "selection_hash"], name="coding_agreementrun_sel"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="coding_agreementrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="coding_agreementrun_progress_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"agreement run {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("agreement:agreement_run", args=[self.project_id, self.pk])

    def stale_against(self, codings_changed_at) -> bool:
        """Stale when codings changed after this run read them."""
        if self.status != JobStatus.DONE or codings_changed_at is None:
            return False
        return (
            self.codings_changed_at is None
            or codings_changed_at > self.codings_changed_at
        )

    @property
    def is_stale(self) -> bool:
        """One query; lists call ``stale_against`` with the value read once."""
        return self.stale_against(selectors_changes.codings_changed_at(self.project_id))
