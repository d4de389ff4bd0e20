"""A database made before the agreement app existed upgrades in place."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agreement.models import AgreementRun, AgreementSettings

BEFORE = [("coding", "0008_coding_change"), ("agreement", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_agreement_rows_and_content_types_survive_the_move():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state(BEFORE[0]).apps
        project = old.get_model("coding", "Project").objects.create(
            name="Before", created_at=timezone.now()
        )
        settings_row = old.get_model("coding", "AgreementSettings").objects.create(
            project_id=project.pk, good=0.9, tentative=0.7
        )
        run = old.get_model("coding", "AgreementRun").objects.create(
            project_id=project.pk,
            selection={"unit": "turn"},
            selection_hash="h",
            status="done",
            result={"format": "regie-agreement/1"},
        )
        ContentType.objects.filter(app_label="agreement").delete()
        for model in ("agreementrun", "agreementsettings"):
            ContentType.objects.get_or_create(app_label="coding", model=model)
        kept = dict(
            ContentType.objects.filter(
                app_label="coding", model__startswith="agreement"
            ).values_list("model", "pk")
        )
    finally:
        _migrate(latest)
    assert AgreementSettings.objects.get(pk=settings_row.pk).good == 0.9
    moved = AgreementRun.objects.get(pk=run.pk)
    assert moved.project_id == project.pk
    assert moved.result == {"format": "regie-agreement/1"}
    assert moved.status == "done"
    # The job machinery's columns (agreement 0002) start empty on an upgraded row.
    assert (moved.heartbeat_at, moved.attempts, moved.unsent) == (None, 0, False)
    assert (
        dict(
            ContentType.objects.filter(app_label="agreement").values_list("model", "pk")
        )
        == kept
    )
    assert not ContentType.objects.filter(
        app_label="coding", model__startswith="agreement"
    ).exists()
