"""What other apps derived from a project's transcripts: the rows of every kind of
job (analysis results, network snapshots, agreement runs, export files), found
through the core's job machinery so this app imports no other satellite."""

from __future__ import annotations

from django.db import transaction
from django.db.models import FileField, Model

from coding.jobs.models import JobStatus
from coding.jobs.services import job_models
from coding.models import Project
from privacy.models import SuggestionJob


def _project_job_models() -> list[type[Model]]:
    return [
        model
        for model in job_models()
        if model is not SuggestionJob
        and "project" in {f.name for f in model._meta.get_fields()}
    ]


def derived_files(project: Project) -> list:
    """Files kept by any kind of job of the project (export files, say)."""
    files = []
    for model in _project_job_models():
        names = [f.name for f in model._meta.get_fields() if isinstance(f, FileField)]
        for job in model.objects.filter(project=project) if names else []:
            files += [getattr(job, name) for name in names if getattr(job, name)]
    return files


def delete_files_on_commit(files: list) -> None:
    def delete() -> None:
        for stored in files:
            stored.storage.delete(stored.name)

    transaction.on_commit(delete)


def derived_forget(project: Project) -> int:
    """Delete the project's finished job rows and their files: results computed
    from the text before pseudonymisation (word lists, quotes, export files) must
    not outlive it. Pages compute them again from the new text. Call inside the
    pseudonymising transaction; the files go after its commit."""
    delete_files_on_commit(derived_files(project))
    deleted = 0
    for model in _project_job_models():
        finished = model.objects.filter(project=project).exclude(
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        )
        deleted += finished.delete()[0]
    return deleted
