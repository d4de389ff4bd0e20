"""Code frequencies never show as fresh while a change committed after the worker's
read waits: the late writer (a second, real connection) took a lower change id
than the changes the worker read, and committed after the read."""

import pytest

from analysis.models import AnalysisState
from analysis.services.frequencies import frequencies_recompute
from tests.analysis.helpers import capture_sends
from tests.coding.test_changes import insert_change, second_connection
from tests.factories import make_code, make_coding, make_document, make_project

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_late_commit_leaves_the_figures_stale_until_taken(monkeypatch):
    capture_sends(monkeypatch)  # no broker needed: the worker is called here
    project = make_project()
    document = make_document(project=project, text="een twee drie vier vijf zes")
    seen, late = make_code(project=project), make_code(project=project)
    make_coding(document=document, code=seen, coder=project.created_by, start=0, end=3)
    frequencies_recompute(project_id=project.pk)
    with second_connection() as other:
        insert_change(other, project.pk, late.pk)  # a writer still busy
        make_coding(
            document=document, code=seen, coder=project.created_by, start=4, end=8
        )
        result = frequencies_recompute(project_id=project.pk)
        assert result["partial"] == 1
        state = AnalysisState.objects.get(project=project)
        assert state.frequencies_badge == "fresh"  # the busy writer is not seen yet
        other.commit()
    state = AnalysisState.objects.get(project=project)
    assert state.frequencies_badge == "stale"
    assert state.dirty_code_ids == [late.pk]
    frequencies_recompute(project_id=project.pk)
    state = AnalysisState.objects.get(project=project)
    assert state.frequencies_badge == "fresh"
    assert state.dirty_code_ids == []
