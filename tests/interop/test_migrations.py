"""Export jobs made before they were jobs of ``coding.jobs`` upgrade in place."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from interop.models import ExportJob

BEFORE = [("interop", "0001_initial")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _row(pk: int) -> dict:
    """The columns an export job had before the job machinery, as stored."""
    columns = [
        "id",
        "project_id",
        "requested_by_id",
        "kind",
        "params",
        "status",
        "progress",
        "total",
        "file",
        "filename",
        "error",
        "requested_at",
        "started_at",
        "finished_at",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"select {', '.join(columns)} from coding_exportjob where id = %s", [pk]
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


@pytest.mark.django_db(transaction=True)
def test_export_jobs_keep_every_column_and_gain_the_job_columns():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state(BEFORE[0]).apps
        user = old.get_model("auth", "User").objects.create(username="before")
        project = old.get_model("coding", "Project").objects.create(
            name="Before", created_at=timezone.now()
        )
        OldJob = old.get_model("interop", "ExportJob")
        now = timezone.now()
        done = OldJob.objects.create(
            project_id=project.pk,
            requested_by_id=user.pk,
            kind="segments_xlsx",
            params={"codes": "1,2"},
            status="done",
            progress=60_000,
            total=60_000,
            file="exports/1/before-segments.xlsx",
            filename="before-segments.xlsx",
            started_at=now,
            finished_at=now,
        )
        queued = OldJob.objects.create(
            project_id=project.pk,
            requested_by_id=user.pk,
            kind="backup",
            error="",
        )
        before = {job.pk: _row(job.pk) for job in (done, queued)}
    finally:
        _migrate(latest)
    assert {pk: _row(pk) for pk in before} == before
    upgraded = ExportJob.objects.get(pk=done.pk)
    assert (
        upgraded.attempts,
        upgraded.heartbeat_at,
        upgraded.unsent,
        upgraded.sent_at,
    ) == (1, None, False, None)
    waiting = ExportJob.objects.get(pk=queued.pk)
    assert (waiting.status, waiting.attempts, waiting.unsent) == ("queued", 0, False)
