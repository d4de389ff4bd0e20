"""API routes of this area, mounted under ``/api/v1/``. The names are a contract."""

from django.urls import path

from analysis import api as analysis_queries

urlpatterns: list = [
    path(
        "projects/<int:project_id>/frequencies/words/",
        analysis_queries.WordFrequenciesView.as_view(),
        name="api-frequencies-words",
    ),
    path(
        "projects/<int:project_id>/mentions/",
        analysis_queries.MentionsView.as_view(),
        name="api-mentions",
    ),
    path(
        "projects/<int:project_id>/cooccurrence/",
        analysis_queries.CooccurrenceView.as_view(),
        name="api-cooccurrence",
    ),
    path(
        "projects/<int:project_id>/matrix/",
        analysis_queries.MatrixView.as_view(),
        name="api-matrix",
    ),
    path(
        "projects/<int:project_id>/frequencies/codes/",
        analysis_queries.CodeFrequenciesView.as_view(),
        name="api-frequencies-codes",
    ),
]
