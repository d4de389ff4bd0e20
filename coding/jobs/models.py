"""The abstract job row every kind of background work extends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Queued this long without a worker taking it: the page says no worker seems to run.
WORKER_HINT_AFTER = timedelta(minutes=2)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Badge(models.TextChoices):
    """What a page shows beside a result computed in the background."""

    FRESH = "fresh", _("up to date")
    STALE = "stale", _("out of date")
    COMPUTING = "computing", _("computing")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """A piece of background work: its state, heartbeat and attempts.

    Subclasses name their Celery task (``task_name``, called with one keyword
    argument ``task_argument`` = the row's id) and add their own fields. The
    lifecycle lives in ``coding.jobs.services``; nothing else changes ``status``.
    """

    task_name: ClassVar[str] = ""
    task_argument: ClassVar[str] = "job_id"
    # A running job is resent this many times at most when its worker dies.
    max_attempts: ClassVar[int] = 3

    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running it."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker took the job."
    )
    unsent = models.BooleanField(
        default=False, help_text="Queued, but no broker took the message yet."
    )
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the message last went (or was offered) to the broker.",
    )
    error = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def in_progress(self) -> bool:
        return self.status in {JobStatus.QUEUED, JobStatus.RUNNING}

    @property
    def waiting_for_worker(self) -> bool:
        """Queued, and either no broker took it or no worker for a while."""
        if self.status != JobStatus.QUEUED:
            return False
        return self.unsent or timezone.now() - self.requested_at > WORKER_HINT_AFTER

    def badge(self, *, up_to_date: bool = True) -> str:
        """``computing``, ``failed``, ``stale`` or ``fresh``, the same on every page.

        ``up_to_date`` says whether the stored result still matches its inputs. A
        job no broker took yet shows ``stale``: the old figures (if any) stay until
        a worker catches up.
        """
        if self.in_progress and not self.unsent:
            return Badge.COMPUTING
        if self.in_progress:
            return Badge.STALE
        if self.status == JobStatus.FAILED:
            return Badge.FAILED
        return Badge.FRESH if up_to_date else Badge.STALE

    def abandon(self) -> None:
        """Clean up after a worker that died mid-job (partial files, say).

        Called by the reaper before the job is resent or failed; the default has
        nothing to clean.
        """

    def finished_before(self, moment: datetime | None) -> bool:
        """Whether the job finished before ``moment`` (``None``: never changed)."""
        return moment is not None and (
            self.finished_at is None or self.finished_at < moment
        )
