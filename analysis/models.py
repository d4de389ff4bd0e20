"""Code frequencies, stored analysis results, stop lists and auto-coding runs.

The tables keep their names from the time these models lived in the ``coding`` app
(``db_table``), so an existing database moved in place. Heavy queries (word
frequencies, actor mentions, co-occurrence, matrix coding, auto-code previews) are computed by a Celery worker into an
``AnalysisResult``; pages and the API read the stored result and show whether it is
fresh, being computed or stale.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analysis.results import ResultData, load_result
from coding.jobs.models import Badge, Job, JobStatus
from coding.selectors_changes import (
    ChangeHorizon,
    changes_pending,
    changes_since,
    codings_changed_at,
)

ALL_CODES = "*"


class AnalysisKind(models.TextChoices):
    WORDS = "words", _("word frequencies")
    MENTIONS = "mentions", _("actor mentions")
    COOCCURRENCE = "cooccurrence", _("code co-occurrence")
    MATRIX = "matrix", _("matrix coding query")
    AUTOCODE_PREVIEW = "autocode_preview", _("auto-coding preview")


class AnalysisResult(Job):
    """One query's result for one visibility scope, computed from a known source.

    A job of ``coding.jobs``: its lifecycle (queued, running, done, failed; the
    heartbeat and resends) is the machinery's. ``params`` is the normalised query
    and ``params_hash`` its SHA-256, so the same question asked twice (in any
    parameter order) finds the same row. ``scope`` is ``"all"``, or
    ``"coder:<id>"`` (``+consensus`` once the consensus is published) for a coder
    under blind coding, whose figures come from their own codings only.
    ``source_key`` fingerprints the data the result was computed from (codings'
    ``codings_changed_at`` snapshot, the documents); when the project's current key
    differs, the result is stale. ``computed_at`` is when the data were read.
    """

    task_name = "analysis.tasks.compute_analysis_result"
    task_argument = "result_id"

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="analysis_results"
    )
    kind = models.CharField(max_length=20, choices=AnalysisKind.choices)
    params = models.JSONField(default=dict)
    params_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=60, default="all")
    source_key = models.CharField(max_length=200, blank=True)
    codings_changed_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "coding_analysisresult"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "scope", "params_hash"],
                name="coding_analysisresult_unique_query",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]),
                name="coding_analysisresult_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in AnalysisKind]),
                name="coding_analysisresult_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} ({self.status})"

    @property
    def data(self) -> ResultData | None:
        """The stored result, typed (``None`` until first computed)."""
        return load_result(self.kind, self.result)


class ProjectStopWords(models.Model):
    """The project's own Dutch and English stop lists (one word a line).

    Without a row the shipped lists in ``analysis/text/stopwords_*.txt`` apply.
    """

    project = models.OneToOneField(
        "coding.Project", on_delete=models.CASCADE, related_name="stop_words"
    )
    dutch = models.TextField(_("Dutch stop words"), blank=True)
    english = models.TextField(_("English stop words"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "coding_projectstopwords"
        verbose_name = _("stop list")
        verbose_name_plural = _("stop lists")

    def __str__(self) -> str:
        return f"stop words of {self.project}"


class AutoCodeRun(Job):
    """One application of auto-coding: which codings it made, so undo removes them.

    A job of ``coding.jobs`` whose status has one more value, ``undone``, set by
    undo once the run is done. ``coding_ids`` lists every coding the run created;
    undo deletes those that still exist and were not changed since
    (``revision == 1``). ``requested_at`` is when the run was asked for.
    """

    task_name = "analysis.tasks.run_autocode"
    task_argument = "run_id"

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        UNDONE = "undone", _("undone")

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="autocode_runs"
    )
    code = models.ForeignKey(
        "coding.Code", on_delete=models.CASCADE, related_name="autocode_runs"
    )
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autocode_runs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    matches = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(
        default=0, help_text="Passages the coder had already coded with this code."
    )
    coding_ids = models.JSONField(default=list, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    undo_kept = models.PositiveIntegerField(
        default=0, help_text="Codings changed after the run, which undo left alone."
    )

    class Meta:
        db_table = "coding_autocoderun"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["queued", "running", "done", "failed", "undone"]
                ),
                name="coding_autocoderun_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"auto-code {self.code} ({self.status})"

    @property
    def created(self) -> int:
        return len(self.coding_ids)


class AnalysisStateQuerySet(models.QuerySet):
    def for_project(self, project_id: int) -> AnalysisState:
        """The project's state, made (done, nothing computed yet) if missing."""
        state, _created = self.get_or_create(
            project_id=project_id, defaults={"status": JobStatus.DONE}
        )
        return state


class AnalysisState(Job):
    """Per project: the code-frequency job, and which changes it has taken.

    A job of ``coding.jobs`` (one row per project, queued again for every
    recomputation). Coding writes never lock this row: they append to the core's
    ``CodingChange`` record and queue the job after their commit. The worker reads
    the changes since its horizon (``last_change_id`` and ``changes_snapshot``,
    see ``coding.selectors_changes.changes_since``), so a burst of changes becomes
    one, often partial, update. ``frequencies_computed_at`` is when the figures'
    data were read.
    """

    task_name = "analysis.tasks.recompute_code_frequencies"
    task_argument = "state_id"

    project = models.OneToOneField(
        "coding.Project", on_delete=models.CASCADE, related_name="analysis_state"
    )
    last_change_id = models.BigIntegerField(
        default=0, help_text="The last CodingChange the frequencies were computed from."
    )
    changes_snapshot = models.TextField(
        blank=True,
        help_text="The snapshot the last changes were read in (pg_snapshot text).",
    )
    frequencies_computed_at = models.DateTimeField(null=True, blank=True)

    objects = AnalysisStateQuerySet.as_manager()

    class Meta:
        db_table = "coding_analysisstate"

    def __str__(self) -> str:
        return f"{self.project}: {self.status}"

    @property
    def horizon(self) -> ChangeHorizon:
        return ChangeHorizon(
            last_id=self.last_change_id, snapshot=self.changes_snapshot
        )

    @property
    def codings_changed_at(self) -> datetime | None:
        """When codings of the project last changed (the core's clock; one query)."""
        return codings_changed_at(self.project_id)

    @property
    def dirty_code_ids(self) -> list[int | str]:
        """The codes touched since the last computation (``["*"]``: any code), read
        from the core's change record (one query)."""
        changes = changes_since(self.project_id, self.horizon)
        if changes.all_codes:
            return [ALL_CODES]
        return sorted(changes.code_ids)

    @property
    def up_to_date(self) -> bool:
        """Computed, and no change committed since the changes it took."""
        return self.frequencies_computed_at is not None and not changes_pending(
            self.project_id, self.horizon
        )

    @property
    def frequencies_badge(self) -> str:
        """``fresh``, ``computing``, ``stale`` or ``failed`` — what the page shows.

        A failed run leaves the figures as they were: if they still hold (no
        change since they were computed: a forced recomputation failed) they are
        ``fresh`` and the failure does not matter; if not, ``failed`` (and only
        then does the page say the last computation failed).
        """
        if self.status == JobStatus.FAILED:
            return Badge.FRESH if self.up_to_date else Badge.FAILED
        return self.badge(up_to_date=self.up_to_date)


class CodeFrequency(models.Model):
    """One code's figures in one scope: the whole project, a document, a coder or a
    case attribute value; with or without its sub-codes rolled up."""

    class Scope(models.TextChoices):
        ALL = "all", _("whole project")
        DOCUMENT = "document", _("document")
        CODER = "coder", _("coder")
        ATTRIBUTE = "attribute", _("case attribute")

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="code_frequencies"
    )
    code = models.ForeignKey(
        "coding.Code", on_delete=models.CASCADE, related_name="frequencies"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_key = models.CharField(max_length=300, blank=True)
    rolled_up = models.BooleanField(default=False)
    codings = models.PositiveIntegerField(default=0)
    documents = models.PositiveIntegerField(default=0)
    cases = models.PositiveIntegerField(default=0)
    characters = models.PositiveBigIntegerField(default=0)
    words = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "coding_codefrequency"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code", "scope", "scope_key", "rolled_up"],
                name="coding_codefrequency_unique_cell",
            )
        ]
        indexes = [
            models.Index(
                fields=["project", "scope", "rolled_up"], name="coding_freq_scope_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.scope}:{self.scope_key} = {self.codings}"
