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
