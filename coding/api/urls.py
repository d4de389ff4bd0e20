"""``/api/v1/`` routes. These names are a contract used by outside scripts."""

from django.urls import path

from coding.api import audit, segments, team, versions, views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="api-projects"),
    path(
        "projects/<int:project_id>/documents/",
        views.DocumentListView.as_view(),
        name="api-documents",
    ),
    path(
        "projects/<int:project_id>/documents/import/<int:job_id>/",
        views.DocumentImportJobView.as_view(),
        name="api-document-import-job",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/",
        views.DocumentDetailView.as_view(),
        name="api-document",
    ),
    path(
        "projects/<int:project_id>/codes/",
        views.CodeListView.as_view(),
        name="api-codes",
    ),
    path(
        "projects/<int:project_id>/codes/<int:code_id>/",
        views.CodeDetailView.as_view(),
        name="api-code",
    ),
    path(
        "projects/<int:project_id>/codings/",
        views.CodingListView.as_view(),
        name="api-codings",
    ),
    path(
        "codings/<int:coding_id>/", views.CodingDetailView.as_view(), name="api-coding"
    ),
    path(
        "projects/<int:project_id>/members/",
        views.MemberListView.as_view(),
        name="api-members",
    ),
    path(
        "projects/<int:project_id>/segments/",
        segments.SegmentListView.as_view(),
        name="api-segments",
    ),
    path(
        "projects/<int:project_id>/assignments/",
        team.AssignmentListView.as_view(),
        name="api-assignments",
    ),
    path(
        "assignments/<int:assignment_id>/",
        team.AssignmentDetailView.as_view(),
        name="api-assignment",
    ),
    path(
        "projects/<int:project_id>/consensus/",
        team.ConsensusListView.as_view(),
        name="api-consensus",
    ),
    path(
        "projects/<int:project_id>/audit/",
        audit.AuditListView.as_view(),
        name="api-audit",
    ),
    path(
        "projects/<int:project_id>/audit/<int:event_id>/restore/",
        audit.AuditRestoreView.as_view(),
        name="api-audit-restore",
    ),
    path(
        "projects/<int:project_id>/codebook/versions/",
        versions.CodebookVersionListView.as_view(),
        name="api-codebook-versions",
    ),
    path(
        "projects/<int:project_id>/codebook/versions/diff/",
        versions.CodebookVersionDiffView.as_view(),
        name="api-codebook-versions-diff",
    ),
]
