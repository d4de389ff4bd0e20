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
from coding.services.changes import changes_since, codings_changed_at

ALL_CODES = "*"


class AnalysisKind(models.TextChoices):
    WORDS = "words", _("word frequencies")
    MENTIONS = "mentions", _("actor mentions")
    COOCCURRENCE = "cooccurrence", _("code co-occurrence")
    MATRIX = "matrix", _("matrix coding query")
    AUTOCODE_PREVIEW = "autocode_preview", _("auto-coding preview")


class ResultStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class AnalysisResult(models.Model):
    """One query's result for one visibility scope, computed from a known source.

    ``params`` is the normalised query and ``params_hash`` its SHA-256, so the same
    question asked twice (in any parameter order) finds the same row. ``scope`` is
    ``"all"``, or ``"coder:<id>"`` (``+consensus`` once the consensus is published)
    for a coder under blind coding, whose figures come from their own codings only.
    ``source_key`` fingerprints the data the result was computed from (codings'
    ``codings_changed_at`` snapshot, the documents); when the project's current key
    differs, the result is stale.
    """

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="analysis_results"
    )
    kind = models.CharField(max_length=20, choices=AnalysisKind.choices)
    params = models.JSONField(default=dict)
    params_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=60, default="all")
    status = models.CharField(
        max_length=10, choices=ResultStatus.choices, default=ResultStatus.QUEUED
    )
    error = models.TextField(blank=True)
    unsent = models.BooleanField(
        default=False, help_text="Queued, but no broker took the message yet."
    )
    source_key = models.CharField(max_length=200, blank=True)
    codings_changed_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
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
                condition=Q(status__in=[s.value for s in ResultStatus]),
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
    def in_progress(self) -> bool:
        return self.status in {ResultStatus.QUEUED, ResultStatus.RUNNING}

    @property
    def data(self) -> ResultData | None:
        """The stored result, typed (``None`` until first computed)."""
        return load_result(self.kind, self.result)

    def badge(self, current_source_key: str) -> str:
        """``computing``, ``failed``, ``stale`` or ``fresh`` — what the page shows.

        A job no broker took (``unsent``) is stale: the old figures (if any) stay on
        the page until a worker catches up.
        """
        if self.in_progress and self.unsent:
            return "stale"
        if self.in_progress:
            return "computing"
        if self.status == ResultStatus.FAILED:
            return "failed"
        if self.source_key != current_source_key:
            return "stale"
        return "fresh"


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


class AutoCodeRun(models.Model):
    """One application of auto-coding: which codings it made, so undo removes them.

    ``coding_ids`` lists every coding the run created; undo deletes those that still
    exist and were not changed since (``revision == 1``).
    """

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
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(blank=True)
    matches = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(
        default=0, help_text="Passages the coder had already coded with this code."
    )
    coding_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
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
        ordering = ["-created_at", "-id"]
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

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class AnalysisStatus(models.TextChoices):
    IDLE = "idle", _("idle")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    FAILED = "failed", _("failed")


class AnalysisState(models.Model):
    """Per project: where the frequency job stands, and which changes it has taken.

    Coding writes never touch this row: they append to the core's ``CodingChange``
    record. The worker reads the changes after ``last_change_id``
    (``coding.services.changes.changes_since``), so a burst of changes becomes one,
    often partial, update; "changed since" is the core's ``codings_changed_at``.
    """

    project = models.OneToOneField(
        "coding.Project", on_delete=models.CASCADE, related_name="analysis_state"
    )
    last_change_id = models.BigIntegerField(
        default=0, help_text="The last CodingChange the frequencies were computed from."
    )
    frequencies_status = models.CharField(
        max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.IDLE
    )
    frequencies_started_at = models.DateTimeField(null=True, blank=True)
    frequencies_computed_at = models.DateTimeField(null=True, blank=True)
    frequencies_error = models.TextField(blank=True)

    class Meta:
        db_table = "coding_analysisstate"

    def __str__(self) -> str:
        return f"{self.project}: {self.frequencies_status}"

    @property
    def codings_changed_at(self) -> datetime | None:
        """When codings of the project last changed (the core's clock; one query)."""
        return codings_changed_at(self.project_id)

    @property
    def dirty_code_ids(self) -> list[int | str]:
        """The codes touched since the last computation (``["*"]``: any code), read
        from the core's change record (one query)."""
        changes = changes_since(self.project_id, self.last_change_id)
        if changes.all_codes:
            return [ALL_CODES]
        return sorted(changes.code_ids)

    @property
    def frequencies_badge(self) -> str:
        """``fresh``, ``computing`` or ``stale`` — what the page shows."""
        if self.frequencies_status in {AnalysisStatus.QUEUED, AnalysisStatus.RUNNING}:
            return "computing"
        if self.frequencies_computed_at is None:
            return "stale"
        changed = self.codings_changed_at
        if changed and changed > self.frequencies_computed_at:
            return "stale"
        return "fresh"


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
