"""Pages of the analysis area (namespace ``analysis:``).

The code-frequency dashboard was published under the ``coding:`` namespace before
analysis became its own app; its names are a contract, so its routes stay there:
``regie_site/urls.py`` adds ``coding_urlpatterns`` to the core's ``coding:`` patterns
(the core itself never imports this app).
"""

from django.urls import path

from analysis.views import (
    autocode,
    codes,
    cooccurrence,
    matrix,
    mentions,
    words,
)
from analysis.views import overview as analysis_overview
from analysis.views import results as analysis_results

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

# Names under the ``coding:`` namespace (see the module docstring).
coding_urlpatterns: list = [
    path(
        "p/<int:project_id>/analysis/codes/",
        codes.analysis_codes,
        name="analysis_codes",
    ),
    path(
        "p/<int:project_id>/analysis/codes/status/",
        codes.analysis_codes_status,
        name="analysis_codes_status",
    ),
    path(
        "p/<int:project_id>/analysis/codes/refresh/",
        codes.analysis_codes_refresh,
        name="analysis_codes_refresh",
    ),
]
