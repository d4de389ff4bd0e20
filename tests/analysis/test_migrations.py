"""Upgrading in place: the frequency state of an existing database survives the move
to the core's change record (analysis migration 0002)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("analysis", "0001_initial"), ("coding", "0009_move_analysis")]
AFTER = [("analysis", "0002_state_reads_change_record")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_clock_and_waiting_codes_become_change_rows():
    old = migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        Project = old.get_model("coding", "Project")
        State = old.get_model("analysis", "AnalysisState")
        owner = User.objects.create(username="upgrade-owner")
        at = timezone.now() - timedelta(hours=2)
        waiting = Project.objects.create(name="waiting", created_by_id=owner.pk)
        done = Project.objects.create(name="done", created_by_id=owner.pk)
        everything = Project.objects.create(name="all", created_by_id=owner.pk)
        State.objects.create(
            project=waiting, codings_changed_at=at, dirty_code_ids=[7, 9]
        )
        State.objects.create(
            project=done, codings_changed_at=at, frequencies_computed_at=at
        )
        State.objects.create(
            project=everything, codings_changed_at=at, dirty_code_ids=["*"]
        )

        new = migrate(AFTER)
        Change = new.get_model("coding", "CodingChange")
        State = new.get_model("analysis", "AnalysisState")
        rows = Change.objects.filter(project_id=waiting.pk)
        assert sorted(rows.values_list("code_id", flat=True)) == [7, 9]
        assert {r.changed_at for r in rows} == {at}
        assert State.objects.get(project_id=waiting.pk).last_change_id == 0
        taken = Change.objects.get(project_id=done.pk)
        assert (taken.code_id, taken.changed_at) == (None, at)
        assert State.objects.get(project_id=done.pk).last_change_id == taken.pk
        assert Change.objects.get(project_id=everything.pk).code_id is None
        assert State.objects.get(project_id=everything.pk).last_change_id == 0
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


JOBS_BEFORE = [
    ("analysis", "0002_state_reads_change_record"),
    ("coding", "0011_move_agreement"),
]


def test_analysis_jobs_keep_every_value():
    """Analysis 0003 (and coding 0012): the three kinds become jobs; idle states
    are done, renamed columns keep their values, old changes get xid 0."""
    old = migrate(JOBS_BEFORE)
    try:
        User = old.get_model("auth", "User")
        Project = old.get_model("coding", "Project")
        Code = old.get_model("coding", "Code")
        State = old.get_model("analysis", "AnalysisState")
        Result = old.get_model("analysis", "AnalysisResult")
        Run = old.get_model("analysis", "AutoCodeRun")
        Change = old.get_model("coding", "CodingChange")
        owner = User.objects.create(username="jobs-owner")
        at = timezone.now() - timedelta(hours=3)
        idle, busy = (
            Project.objects.create(name=name, created_by_id=owner.pk)
            for name in ("idle", "busy")
        )
        State.objects.create(
            project=idle,
            frequencies_status="idle",
            frequencies_computed_at=at,
            frequencies_started_at=at,
            frequencies_error="old trouble",
            last_change_id=5,
        )
        State.objects.create(project=busy, frequencies_status="queued")
        result = Result.objects.create(
            project=idle, kind="words", params_hash="x", status="done", computed_at=at
        )
        code = Code.objects.create(project=idle, name="Stad")
        run = Run.objects.create(
            project=idle, code=code, coder=owner, status="undone", created_at=at
        )
        change = Change.objects.create(project=idle, code_id=code.pk)

        new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        State = new.get_model("analysis", "AnalysisState")
        done = State.objects.get(project_id=idle.pk)
        assert (done.status, done.finished_at, done.started_at, done.error) == (
            "done",
            at,
            at,
            "old trouble",
        )
        assert (done.last_change_id, done.changes_snapshot) == (5, "")
        assert State.objects.get(project_id=busy.pk).status == "queued"
        result = new.get_model("analysis", "AnalysisResult").objects.get(pk=result.pk)
        assert (result.status, result.finished_at) == ("done", at)
        run = new.get_model("analysis", "AutoCodeRun").objects.get(pk=run.pk)
        assert (run.status, run.requested_at) == ("undone", at)
        assert (
            new.get_model("coding", "CodingChange").objects.get(pk=change.pk).xid == 0
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
