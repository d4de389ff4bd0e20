"""API routes of this area, mounted under ``/api/v1/``."""

from django.urls import path

from agreement import api as agreement

urlpatterns = [
    path(
        "projects/<int:project_id>/agreement/",
        agreement.AgreementView.as_view(),
        name="api-agreement",
    ),
    path(
        "projects/<int:project_id>/agreement/runs/",
        agreement.AgreementRunListView.as_view(),
        name="api-agreement-runs",
    ),
    path(
        "projects/<int:project_id>/agreement/runs/<int:run_id>/",
        agreement.AgreementRunView.as_view(),
        name="api-agreement-run",
    ),
    path(
        "projects/<int:project_id>/agreement/runs/<int:run_id>/report/",
        agreement.AgreementRunReportView.as_view(),
        name="api-agreement-run-report",
    ),
]
