"""Projects, their members, cases, transcripts, the codebook and codings.

Offsets (``Coding.start``/``end``, ``SpeakerTurn.start``/``end``) count Python code
points of ``Document.text``, which is stored NFC-normalised with ``\\n`` line endings;
``end`` is exclusive. Rules that span tables (a coding's end within its document's
text, code and document in one project) are enforced by database triggers installed
in migration ``0002_cross_table_rules``.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

COLOR_RE = r"^#[0-9a-fA-F]{6}$"


class Role(models.TextChoices):
    """A member's role; call sites ask capabilities, never compare names."""

    OWNER = "owner", _("Owner")
    SUPERVISOR = "supervisor", _("Supervisor")
    CODER = "coder", _("Coder")
    VIEWER = "viewer", _("Viewer")

    def can_code(self) -> bool:
        return self in {Role.OWNER, Role.SUPERVISOR, Role.CODER}

    def can_edit_codebook(self) -> bool:
        return self in {Role.OWNER, Role.SUPERVISOR}

    def can_manage_documents(self) -> bool:
        return self in {Role.OWNER, Role.SUPERVISOR}

    def can_manage_members(self) -> bool:
        return self == Role.OWNER

    def can_supervise(self) -> bool:
        return self in {Role.OWNER, Role.SUPERVISOR}

    def sees_all_codings(self, *, blind: bool) -> bool:
        """Supervisors and owners see everyone; the others only under open coding."""
        if self in {Role.OWNER, Role.SUPERVISOR}:
            return True
        return not blind


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible_to(self, user) -> ProjectQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Project(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    blind_coding = models.BooleanField(
        _("blind coding"),
        default=True,
        help_text=_("Coders see only their own codings and memos."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_projects",
    )
    created_at = models.DateTimeField(default=timezone.now)
    consensus_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consensus_of",
        help_text="The special coder whose codings form the consensus layer.",
    )
    consensus_published = models.BooleanField(
        _("consensus published"),
        default=False,
        help_text=_("Everyone in the project sees the consensus layer."),
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("coding:project_detail", args=[self.pk])


class Membership(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="coding_membership_unique_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]),
                name="coding_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.project}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Case(models.Model):
    """A respondent, with attributes such as niveau, organisatie and functie."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cases")
    label = models.CharField(_("label"), max_length=200)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "label"], name="coding_case_unique_label"
            )
        ]

    def __str__(self) -> str:
        return self.label


class DocumentQuerySet(models.QuerySet["Document"]):
    def without_text(self) -> DocumentQuerySet:
        """Lists never need the (long) transcript text."""
        return self.defer("text")


class Document(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="documents"
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    length = models.PositiveIntegerField(
        default=0, help_text="Number of code points in text; offsets end here."
    )
    source_name = models.CharField(_("source file"), max_length=300, blank=True)
    source_format = models.CharField(_("format"), max_length=20, blank=True)
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64, blank=True)
    word_count = models.PositiveIntegerField(_("words"), default=0)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imported_documents",
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length=Length("text")),
                name="coding_document_length_matches_text",
            )
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("coding:workbench", args=[self.project_id, self.pk])


class SpeakerTurn(models.Model):
    """A turn of one speaker: a stretch of the document's text."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="turns"
    )
    number = models.PositiveIntegerField()
    speaker = models.CharField(max_length=200, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    started_at_ms = models.PositiveBigIntegerField(null=True, blank=True)
    ended_at_ms = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="coding_speakerturn_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="coding_speakerturn_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.speaker or '—'} [{self.start}:{self.end}]"


class MeasurementLevel(models.TextChoices):
    """Level of measurement of a domain's values (picks Krippendorff's α metric)."""

    NOMINAL = "nominal", _("nominal")
    ORDINAL = "ordinal", _("ordinal")
    INTERVAL = "interval", _("interval")
    RATIO = "ratio", _("ratio")


class Code(models.Model):
    """A node of the project's codebook tree.

    A code marked ``is_domain`` stands for one variable whose mutually exclusive
    values are its sub-codes (agreement measures read it so); ``measurement_level``
    belongs to such a domain and ``value`` to its sub-codes.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("definition"), blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#ffd966")
    shortcut = models.CharField(_("keyboard shortcut"), max_length=1, blank=True)
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_domain = models.BooleanField(
        _("domain of mutually exclusive values"),
        default=False,
        help_text=_(
            "Its sub-codes are the values of one variable; agreement measures "
            "compare which of them a coder applied."
        ),
    )
    measurement_level = models.CharField(
        _("level of measurement"),
        max_length=10,
        choices=MeasurementLevel.choices,
        default=MeasurementLevel.NOMINAL,
        help_text=_("Only for a domain: how Krippendorff's α compares its values."),
    )
    value = models.FloatField(
        _("value"),
        null=True,
        blank=True,
        help_text=_(
            "Only for a sub-code of a domain: its number on an ordinal, interval "
            "or ratio scale."
        ),
    )

    class Meta:
        ordering = ["sort_order", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=Q(parent__isnull=True),
                name="coding_code_unique_root_name",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"], name="coding_code_unique_sibling_name"
            ),
            models.UniqueConstraint(
                fields=["project", "shortcut"],
                condition=~Q(shortcut=""),
                name="coding_code_unique_shortcut",
            ),
            models.CheckConstraint(
                condition=Q(color__regex=COLOR_RE), name="coding_code_color_hex"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="coding_code_name_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(measurement_level__in=[m.value for m in MeasurementLevel]),
                name="coding_code_measurement_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_domain=True) | Q(measurement_level="nominal"),
                name="coding_code_level_only_on_domain",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CodingQuerySet(models.QuerySet["Coding"]):
    def in_document(self, document_id: int) -> CodingQuerySet:
        return self.filter(document_id=document_id)

    def coded_by(self, user_id: int) -> CodingQuerySet:
        return self.filter(coder_id=user_id)

    def overlapping(self, start: int, end: int) -> CodingQuerySet:
        return self.filter(start__lt=end, end__gt=start)

    def with_text(self) -> CodingQuerySet:
        """Annotate ``coded_text`` in SQL, so rows never load whole transcripts."""
        return self.annotate(
            coded_text=Substr(
                "document__text",
                models.F("start") + 1,
                models.F("end") - models.F("start"),
            )
        )


class Coding(models.Model):
    """One coder's application of one code to a span of a document."""

    # Indexed by coding_doc_start_idx and the unique span, which lead with it:
    # every index of this table is written by every coding.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="codings", db_index=False
    )
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="codings"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    memo = models.TextField(_("memo"), blank=True)
    word_count = models.PositiveIntegerField(
        default=0, help_text="Words in the coded text, kept for fast frequency tables."
    )
    codebook_version = models.ForeignKey(
        "CodebookVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="codings",
        help_text="The frozen codebook version current when the coding was made.",
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Raised on every change, for optimistic concurrency."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CodingQuerySet.as_manager()

    class Meta:
        ordering = ["document", "start", "end", "id"]
        indexes = [
            models.Index(fields=["document", "start"], name="coding_doc_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")),
                name="coding_coding_span_valid",
            ),
            models.UniqueConstraint(
                fields=["document", "code", "coder", "start", "end"],
                name="coding_coding_unique_span",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} [{self.start}:{self.end}]"

    @property
    def text(self) -> str:
        annotated = getattr(self, "coded_text", None)
        if annotated is not None:
            return annotated
        return self.document.text[self.start : self.end]


class AssignmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class Assignment(models.Model):
    """A document given to a coder; one document may go to several coders."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="assignments"
    )
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="assignments"
    )
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.NOT_STARTED,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments_given",
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document__title", "coder__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "coder"], name="coding_assignment_unique_coder"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AssignmentStatus]),
                name="coding_assignment_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.coder} ({self.status})"


class CodebookVersion(models.Model):
    """The codebook frozen at the start of a reliability round (names, definitions)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="codebook_versions"
    )
    number = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=200, blank=True)
    frozen_at = models.DateTimeField(default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # [{"id", "parent_id", "name", "path", "description", "color"}], in tree order
    codes = models.JSONField(default=list)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                name="coding_codebookversion_unique_number",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}".strip()


class AuditEvent(models.Model):
    """One create, change, delete or restore, with the row before and after.

    Ids are kept as plain numbers (not foreign keys) so the trail outlives the rows.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        RESTORE = "restore", _("restored")
        MERGE = "merge", _("merged")

    class Entity(models.TextChoices):
        CODING = "coding", _("coding")
        CODE = "code", _("code")
        DOCUMENT = "document", _("document")
        MEMBERSHIP = "membership", _("membership")
        ASSIGNMENT = "assignment", _("assignment")

    # Indexed by the three indexes below, which lead with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="audit_events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    entity = models.CharField(max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField()
    document_id = models.BigIntegerField(null=True, blank=True)
    coder_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at"], name="coding_audit_project_at"),
            models.Index(
                fields=["project", "document_id"], name="coding_audit_document"
            ),
            models.Index(fields=["project", "coder_id"], name="coding_audit_coder"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.entity_id}"


class Adjudication(models.Model):
    """A supervisor's decision on one difference between two coders."""

    class Decision(models.TextChoices):
        ACCEPT_A = "a", _("coder A's version")
        ACCEPT_B = "b", _("coder B's version")
        BOTH = "both", _("both")
        NEITHER = "neither", _("neither")
        EDITED = "edited", _("an edited span")

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="adjudications"
    )
    code = models.ForeignKey(
        Code, on_delete=models.CASCADE, related_name="adjudications"
    )
    coder_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    coder_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    consensus_coding_ids = models.JSONField(default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "start", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "code", "coder_a", "coder_b", "start", "end"],
                name="coding_adjudication_unique_difference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} [{self.start}:{self.end}] → {self.decision}"


class CodingChange(models.Model):
    """Append-only: codings of ``code_id`` (``None``: of any code) changed at a moment.

    Every coding write adds rows here instead of updating one row per project, so
    twenty coders never queue on a lock. Results ask "changed since?" (the latest
    ``changed_at``) and workers read the codes touched since their last read
    (``coding.services.changes``). ``xid`` is the writing transaction's id, filled
    by the database: ids are taken before the commit, so a row with a lower id can
    become visible after one with a higher id; the transaction id tells a reader
    which rows its last read could not see yet.
    """

    id = models.BigAutoField(primary_key=True)
    # Indexed by the three indexes below, which lead with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="coding_changes", db_index=False
    )
    code_id = models.BigIntegerField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    xid = models.BigIntegerField(
        db_default=RawSQL("pg_current_xact_id()::text::bigint", []),
        editable=False,
        help_text="The writing transaction's id (PostgreSQL fills it in).",
    )

    class Meta:
        indexes = [
            models.Index(fields=["project", "id"], name="coding_change_project_idx"),
            models.Index(
                fields=["project", "changed_at"], name="coding_change_time_idx"
            ),
            models.Index(fields=["project", "xid"], name="coding_change_xid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: code {self.code_id or '*'} at {self.changed_at}"


def upload_storage() -> FileSystemStorage:
    """Where uploads wait for the worker importing them (outside any served folder)."""
    return FileSystemStorage(location=settings.VAR_DIR / "uploads")


class DocumentImportJob(Job):
    """A large transcript upload (files, ``.zip`` batches) imported by a worker.

    The uploaded files are kept in ``upload_storage()`` under ``folder`` (their
    names in ``files``) until the job ends; the import is one transaction, so a
    refused, failed or killed attempt writes nothing. ``document_ids`` lists what
    a complete import created, ``problems`` the per-file reasons of a refusal.
    """

    task_name = "coding.tasks.run_document_import_job"
    task_argument = "job_id"
    # An import that killed its worker (memory, say) is not tried again and again.
    max_attempts = 2

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="document_import_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="document_import_jobs",
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(
        max_length=300, blank=True, help_text="The title of a single document (API)."
    )
    folder = models.CharField(max_length=100, blank=True)
    files = models.JSONField(
        default=list, blank=True, help_text="[{name, stored, size}] of the upload."
    )
    size = models.PositiveBigIntegerField(default=0)
    language = models.CharField(
        max_length=10, blank=True, help_text="The uploader's; the messages are in it."
    )
    document_ids = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]),
                name="coding_documentimportjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"import of {len(self.files)} files into {self.project_id}"

    @property
    def names(self) -> list[str]:
        return [item["name"] for item in self.files]

    @property
    def reasons(self) -> list[str]:
        """Why a failed import wrote nothing: each refused file's reason, else the
        job's (a worker that died, say)."""
        return self.problems or [self.error or str(_("The import failed."))]

    def abandon(self) -> None:
        """A dead worker's import wrote nothing (one transaction); the upload stays
        for the next attempt, unless this was the last one."""
        if self.attempts >= self.max_attempts:
            self.discard_upload()

    def discard_upload(self) -> None:
        """Delete the kept files (the row stays, for its outcome)."""
        storage = upload_storage()
        for item in self.files:
            if item.get("stored"):
                storage.delete(item["stored"])
        if self.folder and storage.exists(self.folder):
            try:
                os.rmdir(storage.path(self.folder))
            except OSError:
                logger.warning("could not remove %s", self.folder, exc_info=True)
        self.files = [{**item, "stored": ""} for item in self.files]
        self.save(update_fields=["files"])
