"""Pseudonymisation: review marks, suggestions, word lists and the key table.

The key table (``Pseudonym``) keeps each original string only encrypted
(``privacy.keys``: Fernet, with a key that is not in the database) beside an HMAC
of it, so the same person gets the same label in every transcript without the
database ever holding the name in clear. Suggestions hold offsets, never text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding.jobs.models import Job, JobStatus
from privacy.detect import Category


class CategoryChoice(models.TextChoices):
    PERSON = Category.PERSON.value, _("person")
    ADDRESS = Category.ADDRESS.value, _("address")
    PLACE = Category.PLACE.value, _("place")
    ORGANISATION = Category.ORGANISATION.value, _("organisation")
    PHONE = Category.PHONE.value, _("phone number")
    EMAIL = Category.EMAIL.value, _("e-mail address")
    POSTCODE = Category.POSTCODE.value, _("postcode")
    BIRTHDATE = Category.BIRTHDATE.value, _("date of birth")
    IDENTIFIER = Category.IDENTIFIER.value, _("identification number")


class PrivacySettings(models.Model):
    """A project's data-protection settings (made on first use)."""

    project = models.OneToOneField(
        "coding.Project", on_delete=models.CASCADE, related_name="privacy_settings"
    )
    review_on_import = models.BooleanField(
        _("review transcripts after import"),
        default=True,
        help_text=_(
            "Mark every imported transcript “awaiting review” and suggest "
            "pseudonyms for it."
        ),
    )
    language = models.CharField(
        _("language of the transcripts"), max_length=8, default="nl"
    )
    retention_until = models.DateField(_("keep the data until"), null=True, blank=True)
    retention_reminded_at = models.DateTimeField(null=True, blank=True)
    key_destroyed_at = models.DateTimeField(null=True, blank=True)
    key_destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"privacy of {self.project_id}"

    @property
    def key_destroyed(self) -> bool:
        return self.key_destroyed_at is not None


class ReviewStatus(models.TextChoices):
    AWAITING = "awaiting", _("awaiting review")
    CONFIRMED = "confirmed", _("pseudonymised")


class DocumentReview(models.Model):
    """A transcript's pseudonymisation status. It informs and never blocks."""

    document = models.OneToOneField(
        "coding.Document", on_delete=models.CASCADE, related_name="privacy_review"
    )
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.AWAITING
    )
    suggested_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replaced = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ReviewStatus]),
                name="privacy_documentreview_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.status}"


class Pseudonym(models.Model):
    """One original of a project and its label: ``[Persoon 3]`` in every transcript.

    ``original`` is the Fernet token of the original string; ``digest`` an HMAC of
    its folded form (both keyed by the secret outside the database). Destroying the
    key empties both: the label stays, the original is gone for good.
    """

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="pseudonyms"
    )
    category = models.CharField(max_length=20, choices=CategoryChoice.choices)
    number = models.PositiveIntegerField()
    label = models.CharField(_("label"), max_length=120)
    original = models.BinaryField(blank=True, default=b"")
    digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["category", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "category", "number"],
                name="privacy_pseudonym_unique_number",
            ),
            models.UniqueConstraint(
                fields=["project", "digest"],
                condition=~Q(digest=""),
                name="privacy_pseudonym_unique_digest",
            ),
            models.UniqueConstraint(
                fields=["project", "label"], name="privacy_pseudonym_unique_label"
            ),
            models.CheckConstraint(
                condition=~Q(label=""), name="privacy_pseudonym_label_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Decision(models.TextChoices):
    PENDING = "pending", _("to review")
    ACCEPTED = "accepted", _("replace")
    REJECTED = "rejected", _("keep")


class Suggestion(models.Model):
    """A span of a transcript that may be personal data, and the decision on it."""

    document = models.ForeignKey(
        "coding.Document", on_delete=models.CASCADE, related_name="privacy_suggestions"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    category = models.CharField(max_length=20, choices=CategoryChoice.choices)
    source = models.CharField(max_length=10, default="pattern")
    pseudonym = models.ForeignKey(
        Pseudonym,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    decision = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="privacy_suggestion_span_valid",
            ),
            models.UniqueConstraint(
                fields=["document", "start"], name="privacy_suggestion_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=[d.value for d in Decision]),
                name="privacy_suggestion_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} [{self.start}:{self.end}] {self.decision}"


class WordKind(models.TextChoices):
    PROTECT = "protect", _("never touch")
    REPLACE = "replace", _("always replace")


class WordListEntry(models.Model):
    """A word the project never touches (its actors) or always replaces."""

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="privacy_words"
    )
    kind = models.CharField(max_length=10, choices=WordKind.choices)
    word = models.CharField(_("word"), max_length=200)
    category = models.CharField(
        max_length=20, choices=CategoryChoice.choices, default=CategoryChoice.PERSON
    )

    class Meta:
        ordering = ["kind", "word"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "word"], name="privacy_wordlistentry_unique_word"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in WordKind]),
                name="privacy_wordlistentry_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.word}"


class PrivacyEvent(models.Model):
    """The data-protection trail: suggestions run, decisions applied, the key seen,
    downloaded or destroyed, retention changed. Never holds an original string."""

    class Action(models.TextChoices):
        APPLIED = "applied", _("pseudonyms applied")
        KEY_VIEWED = "key_viewed", _("key viewed")
        KEY_DOWNLOADED = "key_downloaded", _("key downloaded")
        KEY_DESTROYED = "key_destroyed", _("key destroyed")
        RETENTION = "retention", _("retention date set")
        LABEL = "label", _("label changed")

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="privacy_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    document_id = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at}"


class TranscriptAccess(models.Model):
    """Who opened which transcript, when (owners read it)."""

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="transcript_accesses"
    )
    document = models.ForeignKey(
        "coding.Document", on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at"], name="privacy_access_project_at")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.document_id}"


class SuggestionJob(Job):
    """Suggestions for one transcript (or all of a project's), by a worker."""

    task_name = "privacy.tasks.run_suggestion_job"
    task_argument = "job_id"

    project = models.ForeignKey(
        "coding.Project", on_delete=models.CASCADE, related_name="suggestion_jobs"
    )
    document = models.ForeignKey(
        "coding.Document",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="suggestion_jobs",
    )
    found = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]),
                name="privacy_suggestionjob_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"suggestions for {self.document_id or self.project_id} ({self.status})"
