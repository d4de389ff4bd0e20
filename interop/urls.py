"""Pages of the interop area (namespace `interop:`): exports, project import and
codebook import."""

from django.urls import path

from interop import views as interop

app_name = "interop"

urlpatterns: list = [
    path("p/<int:project_id>/export/", interop.export, name="export"),
    path("p/<int:project_id>/export/start/", interop.export_start, name="export_start"),
    path(
        "p/<int:project_id>/export/jobs/<int:job_id>/",
        interop.export_job_status,
        name="export_job_status",
    ),
    path(
        "p/<int:project_id>/export/jobs/<int:job_id>/download/",
        interop.export_download,
        name="export_download",
    ),
    path(
        "p/<int:project_id>/codebook/import/preview/",
        interop.codebook_import,
        name="codebook_import",
    ),
    path(
        "p/<int:project_id>/codebook/import/confirm/",
        interop.codebook_import_confirm,
        name="codebook_import_confirm",
    ),
    path("projects/import/", interop.project_import, name="project_import"),
    path(
        "projects/import/job/<int:job_id>/",
        interop.project_import_job,
        name="project_import_job",
    ),
    path(
        "projects/import/<int:pending_id>/",
        interop.project_import_preview,
        name="project_import_preview",
    ),
    path(
        "projects/import/<int:pending_id>/confirm/",
        interop.project_import_confirm,
        name="project_import_confirm",
    ),
    path(
        "projects/import/<int:pending_id>/cancel/",
        interop.project_import_cancel,
        name="project_import_cancel",
    ),
]
