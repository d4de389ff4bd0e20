"""API routes of pseudonymisation, mounted under ``/api/v1/`` (a contract)."""

from django.urls import path

from privacy.api import views

urlpatterns = [
    path(
        "projects/<int:project_id>/documents/<int:document_id>/pseudonyms/",
        views.PseudonymsView.as_view(),
        name="api-pseudonyms",
    ),
]
