"""API routes of this area, mounted under ``/api/v1/``. The names are a contract.

``projects/import/`` cannot be taken for a project's routes: those all start with
``projects/<int:project_id>/``.
"""

from django.urls import path

from interop import api as interop
from interop import api_exports

urlpatterns: list = [
    path(
        "projects/import/",
        interop.ProjectImportView.as_view(),
        name="api-projects-import",
    ),
    path(
        "projects/import/<int:job_id>/",
        interop.ProjectImportJobView.as_view(),
        name="api-project-import-job",
    ),
    path(
        "projects/<int:project_id>/export/segments.csv",
        api_exports.SegmentsCsvView.as_view(),
        name="api-export-segments-csv",
    ),
    path(
        "projects/<int:project_id>/export/segments.xlsx",
        interop.SegmentsXlsxView.as_view(),
        name="api-export-segments-xlsx",
    ),
    path(
        "projects/<int:project_id>/export/project.qdpx",
        interop.ProjectQdpxView.as_view(),
        name="api-export-project-qdpx",
    ),
    path(
        "projects/<int:project_id>/export/codebook.qdc",
        interop.CodebookQdcView.as_view(),
        name="api-export-codebook-qdc",
    ),
    path(
        "projects/<int:project_id>/export/codebook.csv",
        interop.CodebookCsvView.as_view(),
        name="api-export-codebook-csv",
    ),
    path(
        "projects/<int:project_id>/export/cases.csv",
        interop.CasesCsvView.as_view(),
        name="api-export-cases-csv",
    ),
    path(
        "projects/<int:project_id>/export/code-documents.csv",
        interop.CodeDocumentCsvView.as_view(),
        name="api-export-code-documents-csv",
    ),
    path(
        "projects/<int:project_id>/codebook/import/",
        interop.CodebookImportView.as_view(),
        name="api-codebook-import",
    ),
]
