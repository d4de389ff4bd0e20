"""Pages of the analysis area (namespace `analysis:`)."""

from django.urls import path

from coding.views import (
    analysis_overview,
    analysis_results,
    autocode,
    cooccurrence,
    matrix,
    mentions,
    words,
)

app_name = "analysis"

urlpatterns: list = [
    path(
        "p/<int:project_id>/analysis/",
        analysis_overview.analysis_overview,
        name="analysis_overview",
    ),
    path(
        "p/<int:project_id>/analysis/results/<int:result_id>/refresh/",
        analysis_results.analysis_result_refresh,
        name="analysis_result_refresh",
    ),
    path("p/<int:project_id>/analysis/words/", words.words, name="words"),
    path(
        "p/<int:project_id>/analysis/words/stop-lists/",
        words.words_stop_lists,
        name="words_stop_lists",
    ),
    path("p/<int:project_id>/analysis/mentions/", mentions.mentions, name="mentions"),
    path(
        "p/<int:project_id>/analysis/cooccurrence/",
        cooccurrence.cooccurrence,
        name="cooccurrence",
    ),
    path(
        "p/<int:project_id>/analysis/cooccurrence/cell/",
        cooccurrence.cooccurrence_cell,
        name="cooccurrence_cell",
    ),
    path("p/<int:project_id>/analysis/matrix/", matrix.matrix, name="matrix"),
    path(
        "p/<int:project_id>/analysis/matrix/cell/",
        matrix.matrix_cell,
        name="matrix_cell",
    ),
    path(
        "p/<int:project_id>/analysis/matrix/export.csv",
        matrix.matrix_export,
        name="matrix_export",
    ),
    path("p/<int:project_id>/analysis/autocode/", autocode.autocode, name="autocode"),
    path(
        "p/<int:project_id>/analysis/autocode/apply/",
        autocode.autocode_apply,
        name="autocode_apply",
    ),
    path(
        "p/<int:project_id>/analysis/autocode/runs/",
        autocode.autocode_runs,
        name="autocode_runs",
    ),
    path(
        "p/<int:project_id>/analysis/autocode/runs/<int:run_id>/undo/",
        autocode.autocode_undo_run,
        name="autocode_undo_run",
    ),
]
