"""Interoperability endpoints: Excel and REFI-QDA exports, project and codebook import.

Downloads are built into a temporary file and sent as an attachment; for
exports that take long the export page runs a job instead (the API waits).
Who may export what is decided in ``interop.services.exports.EXPORT_NEEDS``.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.access import Cap, access_project
from coding.api.jobs import import_job_accepted
from coding.api.segment_filter import SEGMENT_FILTER_PARAMETERS
from coding.api.serializers import ImportJobSerializer, ProjectSerializer
from coding.jobs.models import JobStatus
from coding.jobs.services import job_refresh
from coding.services.codebook import codebook_import_file
from interop.models import ExportKind, ProjectImportJob
from interop.services.exports import (
    CONTENT_TYPES,
    access_export,
    csv_chunks,
    export_filename,
    export_request,
    write_export,
)
from interop.services.project_files import (
    access_project_import_job,
    project_import_file,
    project_import_job_create,
)

MAX_CODEBOOK_BYTES = 5 * 1024 * 1024
CSV_PARAMETERS = [
    OpenApiParameter(
        "delimiter",
        OpenApiTypes.STR,
        enum=[",", ";", "tab"],
        description="Separator; `;` for Excel in a Dutch locale. Default `,`.",
    ),
    OpenApiParameter(
        "bom",
        OpenApiTypes.BOOL,
        description="UTF-8 byte order mark for Excel (default 1).",
    ),
]


def _download(request: Request, project_id: int, kind: str) -> FileResponse:
    access = access_export(request.user, project_id, kind)
    export = export_request(access, kind, request.query_params)
    # FileResponse closes the file once it is sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_export(access, export, handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(access, kind),
        content_type=CONTENT_TYPES[export.extension],
    )


def _csv(request: Request, project_id: int, kind: str) -> StreamingHttpResponse:
    access = access_export(request.user, project_id, kind)
    export = export_request(access, kind, request.query_params)
    response = StreamingHttpResponse(
        csv_chunks(access, export), content_type=CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(access, kind)}"'
    )
    return response


class SegmentsXlsxView(APIView):
    @extend_schema(
        parameters=SEGMENT_FILTER_PARAMETERS,
        responses={
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(
                OpenApiTypes.BINARY, description="Excel workbook"
            )
        },
        summary="Coded segments, codebook, cases and frequencies as an Excel workbook",
        description=(
            "Sheets `segments` (as the CSV, filters apply, blind coding applies), "
            "`codebook`, `cases`, `frequencies` (of the exported codings) and "
            "`notes` (what the workbook holds; cells over Excel's 32,767 "
            "characters are cut and listed there)."
        ),
    )
    def get(self, request: Request, project_id: int) -> FileResponse:
        return _download(request, project_id, ExportKind.SEGMENTS_XLSX)


class CasesCsvView(APIView):
    @extend_schema(
        parameters=CSV_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")
        },
        summary="Cases as CSV: label, one column per attribute, their documents",
    )
    def get(self, request: Request, project_id: int) -> StreamingHttpResponse:
        return _csv(request, project_id, ExportKind.CASES_CSV)


class CodeDocumentCsvView(APIView):
    @extend_schema(
        parameters=[*SEGMENT_FILTER_PARAMETERS, *CSV_PARAMETERS],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")
        },
        summary="Codings per code (rows) and document (columns) as CSV",
        description=(
            "Counts of the codings the caller may see (blind coding applies) that "
            "pass the filters; a code counts its own codings, not its sub-codes'."
        ),
    )
    def get(self, request: Request, project_id: int) -> StreamingHttpResponse:
        return _csv(request, project_id, ExportKind.CODE_DOCUMENT_CSV)


class CodebookCsvView(APIView):
    @extend_schema(
        parameters=[CSV_PARAMETERS[1]],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")
        },
        summary="The codebook as CSV (path, name, description, color)",
    )
    def get(self, request: Request, project_id: int) -> StreamingHttpResponse:
        return _csv(request, project_id, ExportKind.CODEBOOK_CSV)


class CodebookQdcView(APIView):
    @extend_schema(
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="REFI-QDA codebook (.qdc)"
            )
        },
        summary="The codebook as a REFI-QDA codebook (.qdc)",
        description="Hierarchy, colours and definitions; every member may export it.",
    )
    def get(self, request: Request, project_id: int) -> FileResponse:
        return _download(request, project_id, ExportKind.CODEBOOK_QDC)


class ProjectQdpxView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "full",
                OpenApiTypes.BOOL,
                description=(
                    "`1`: a full backup (owners only): the .qdpx plus a `regie/` "
                    "folder with roles, assignments, consensus layer, audit trail, "
                    "codebook versions and network settings; `POST "
                    "/api/v1/projects/import/` restores it. Default `0`: a "
                    "standard REFI-QDA project (owners and supervisors)."
                ),
            )
        ],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="REFI-QDA project (.qdpx)"
            )
        },
        summary="The project as REFI-QDA (.qdpx), or a full backup",
        description=(
            "Users, codes (hierarchy, colours, definitions), transcripts, cases "
            "with their attributes and every coding as a text selection with its "
            "coder; a coding's memo is the selection's description."
        ),
    )
    def get(self, request: Request, project_id: int) -> FileResponse:
        full = request.query_params.get("full", "0") in {"1", "true", "yes"}
        kind = ExportKind.BACKUP if full else ExportKind.PROJECT_QDPX
        return _download(request, project_id, kind)


def _upload(request: Request, limit: int):
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": _("Send the file as multipart field “file”.")})
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(limit)}
            }
        )
    return upload


class ImportedProjectSerializer(ProjectSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="What was created."
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="What could not be taken over as it was (from the reader and Regie).",
    )

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "counts", "warnings"]


class ProjectImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ProjectImportRequest",
                {
                    "file": serializers.FileField(
                        help_text="A REFI-QDA project (.qdpx) or a Regie backup."
                    ),
                    "name": serializers.CharField(
                        required=False,
                        help_text="Name of the new project (default: the file's).",
                    ),
                },
            )
        },
        responses={201: ImportedProjectSerializer, 202: ImportJobSerializer},
        summary="Import a REFI-QDA project (.qdpx) or restore a backup",
        description=(
            "Creates a new project owned by the caller, in one transaction. A file "
            "up to `REGIE_IMPORT_INLINE_BYTES` (2 MiB by default) is imported in "
            "the request: the answer is `201` with the project. A larger file is "
            "imported by a worker: the answer is `202` with a `status_url` (also "
            "the `Location` header); ask there until it answers `201` with the "
            "same project data (or `400` with the reason the file was refused). "
            "A file that is not a valid archive or project answers 400 "
            "with the reader's message, and nothing is written. The file's users "
            "are matched by name to existing accounts; the others become inactive "
            "placeholder accounts; all become coders. A Regie backup "
            "(`export/project.qdpx?full=1`) is restored with its roles, audit "
            "trail and everything else."
        ),
    )
    def post(self, request: Request) -> Response:
        upload = _upload(request, settings.REGIE_MAX_UPLOAD_REQUEST_BYTES)
        name = (request.data.get("name") or "").strip() or None
        if upload.size > settings.REGIE_IMPORT_INLINE_BYTES:
            job = project_import_job_create(
                user=request.user, data=upload.read(), filename=upload.name, name=name
            )
            return import_job_accepted(request, job, _status_url(job))
        result = project_import_file(
            data=upload.read(), filename=upload.name, owner=request.user, name=name
        )
        return _imported_project(
            result.project, result.counts, result.warnings, user=request.user
        )


def _imported_project(project, counts: dict, warnings: list, *, user) -> Response:
    """The ``201`` answer of a complete import: the project, its counts, warnings."""
    project.counts = counts
    project.warnings = warnings
    role = project.memberships.filter(user=user).values_list("role", flat=True)
    return Response(
        ImportedProjectSerializer(
            project, context={"roles": {project.pk: role.first()}}
        ).data,
        status=status.HTTP_201_CREATED,
    )


def _status_url(job: ProjectImportJob) -> str:
    return reverse("api-project-import-job", args=[job.pk])


class ProjectImportJobView(APIView):
    @extend_schema(
        responses={
            201: ImportedProjectSerializer,
            202: ImportJobSerializer,
            400: OpenApiTypes.OBJECT,
        },
        summary="The state of a large project import",
        description=(
            "The status URL a `202` answer of `POST /api/v1/projects/import/` "
            "gives. While the import is queued or running: `202` with its "
            "`status`. When it is complete: `201` with the project, exactly as "
            "a small file's import answers. When the file was refused: `400` "
            "with the reason in `detail` (as for a small file), and nothing was "
            "written. Only the user who uploaded the file sees the import (404 otherwise)."
        ),
    )
    def get(self, request: Request, job_id: int) -> Response:
        job = access_project_import_job(request.user, job_id)
        job_refresh(job)
        if job.status == JobStatus.DONE and job.project_id:
            return _imported_project(
                job.project, job.counts, job.warnings, user=request.user
            )
        if job.status in {JobStatus.DONE, JobStatus.FAILED}:
            raise ValidationError({"file": job.error or _("The import failed.")})
        return import_job_accepted(request, job, _status_url(job), location=False)


class CodebookImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "CodebookImportRequest",
                {
                    "file": serializers.FileField(
                        help_text="A REFI-QDA codebook (.qdc) or a codebook CSV."
                    )
                },
            )
        },
        responses={
            200: inline_serializer(
                "CodebookImportResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "warnings": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
        summary="Add a codebook (.qdc or CSV) to the project's codebook",
        description=(
            "Owners and supervisors. Codes are matched by their path; existing "
            "codes get the file's definition and colour, new ones are added, none "
            "is deleted. All or nothing."
        ),
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
        upload = _upload(request, MAX_CODEBOOK_BYTES)
        result = codebook_import_file(
            project=access.project,
            data=upload.read(),
            filename=upload.name,
            actor=request.user,
        )
        return Response(result)
