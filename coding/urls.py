"""Workbench pages (``coding:`` namespace); URL name == view function name."""

from django.urls import path

from coding.views import (
    adjudication,
    audit,
    codebook,
    compare,
    documents,
    help,
    members,
    progress,
    projects,
    segments,
    versions,
    workbench,
)

app_name = "coding"

urlpatterns = [
    path("", projects.project_list, name="project_list"),
    path("help/", help.help_page, name="help_page"),
    path("projects/new/", projects.project_create_view, name="project_create_view"),
    path("p/<int:project_id>/", projects.project_detail, name="project_detail"),
    path(
        "p/<int:project_id>/first-steps/hide/",
        projects.project_detail_hide_checklist,
        name="project_detail_hide_checklist",
    ),
    path(
        "p/<int:project_id>/settings/",
        projects.project_settings,
        name="project_settings",
    ),
    path(
        "p/<int:project_id>/documents/import/",
        documents.documents_import,
        name="documents_import",
    ),
    path(
        "p/<int:project_id>/documents/import/<int:job_id>/",
        documents.documents_import_job,
        name="documents_import_job",
    ),
    path(
        "p/<int:project_id>/documents/<int:document_id>/edit/",
        documents.document_edit,
        name="document_edit",
    ),
    path(
        "p/<int:project_id>/documents/<int:document_id>/delete/",
        documents.document_delete_view,
        name="document_delete_view",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/", workbench.workbench, name="workbench"
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/apply/",
        workbench.workbench_apply_code,
        name="workbench_apply_code",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/panel/",
        workbench.workbench_panel,
        name="workbench_panel",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/codings/<int:coding_id>/memo/",
        workbench.workbench_save_memo,
        name="workbench_save_memo",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/codings/<int:coding_id>/remove/",
        workbench.workbench_remove_coding,
        name="workbench_remove_coding",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/undo/",
        workbench.workbench_undo,
        name="workbench_undo",
    ),
    path("p/<int:project_id>/codebook/", codebook.codebook, name="codebook"),
    path(
        "p/<int:project_id>/codebook/new/",
        codebook.codebook_create_code,
        name="codebook_create_code",
    ),
    path(
        "p/<int:project_id>/codebook/<int:code_id>/edit/",
        codebook.codebook_edit_code,
        name="codebook_edit_code",
    ),
    path(
        "p/<int:project_id>/codebook/<int:code_id>/merge/",
        codebook.codebook_merge_code,
        name="codebook_merge_code",
    ),
    path(
        "p/<int:project_id>/codebook/<int:code_id>/delete/",
        codebook.codebook_delete_code,
        name="codebook_delete_code",
    ),
    path(
        "p/<int:project_id>/codebook/export.csv",
        codebook.codebook_export_csv,
        name="codebook_export_csv",
    ),
    path(
        "p/<int:project_id>/codebook/import/",
        codebook.codebook_import_csv,
        name="codebook_import_csv",
    ),
    path(
        "p/<int:project_id>/codebook/versions/",
        versions.codebook_versions,
        name="codebook_versions",
    ),
    path(
        "p/<int:project_id>/codebook/versions/diff/",
        versions.codebook_versions_diff,
        name="codebook_versions_diff",
    ),
    path("p/<int:project_id>/segments/", segments.segments, name="segments"),
    path("p/<int:project_id>/audit/", audit.audit, name="audit"),
    path(
        "p/<int:project_id>/audit/<int:event_id>/restore/",
        audit.audit_restore,
        name="audit_restore",
    ),
    path(
        "p/<int:project_id>/audit/<int:event_id>/undo-merge/",
        audit.audit_undo_merge,
        name="audit_undo_merge",
    ),
    path("p/<int:project_id>/my-work/", progress.my_work, name="my_work"),
    path(
        "p/<int:project_id>/my-work/<int:assignment_id>/status/",
        progress.my_work_set_status,
        name="my_work_set_status",
    ),
    path("p/<int:project_id>/progress/", progress.progress, name="progress"),
    path(
        "p/<int:project_id>/progress/table/",
        progress.progress_table,
        name="progress_table",
    ),
    path(
        "p/<int:project_id>/progress/assign/",
        progress.progress_assign,
        name="progress_assign",
    ),
    path(
        "p/<int:project_id>/progress/<int:assignment_id>/unassign/",
        progress.progress_unassign,
        name="progress_unassign",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/compare/",
        compare.compare,
        name="compare",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/adjudicate/",
        adjudication.adjudication,
        name="adjudication",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/adjudicate/decide/",
        adjudication.adjudication_decide,
        name="adjudication_decide",
    ),
    path(
        "p/<int:project_id>/d/<int:document_id>/adjudicate/agreements/",
        adjudication.adjudication_accept_agreements,
        name="adjudication_accept_agreements",
    ),
    path(
        "p/<int:project_id>/consensus/publish/",
        adjudication.adjudication_publish,
        name="adjudication_publish",
    ),
    path("p/<int:project_id>/members/", members.members, name="members"),
    path(
        "p/<int:project_id>/members/<int:membership_id>/remove/",
        members.members_remove,
        name="members_remove",
    ),
]
