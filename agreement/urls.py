"""Pages of the agreement area (namespace `agreement:`)."""

from django.urls import path

from agreement import views as agreement

app_name = "agreement"

urlpatterns = [
    path("p/<int:project_id>/agreement/", agreement.agreement, name="agreement"),
    path(
        "p/<int:project_id>/agreement/start/",
        agreement.agreement_start,
        name="agreement_start",
    ),
    path(
        "p/<int:project_id>/agreement/runs/<int:run_id>/",
        agreement.agreement_run,
        name="agreement_run",
    ),
    path(
        "p/<int:project_id>/agreement/runs/<int:run_id>/status/",
        agreement.agreement_run_status,
        name="agreement_run_status",
    ),
    path(
        "p/<int:project_id>/agreement/runs/<int:run_id>/thresholds/",
        agreement.agreement_run_thresholds,
        name="agreement_run_thresholds",
    ),
    path(
        "p/<int:project_id>/agreement/runs/<int:run_id>/export.csv",
        agreement.agreement_run_csv,
        name="agreement_run_csv",
    ),
    path(
        "p/<int:project_id>/agreement/runs/<int:run_id>/disagreements/",
        agreement.agreement_disagreements,
        name="agreement_disagreements",
    ),
]
