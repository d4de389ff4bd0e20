"""REST API v1. Every view starts from ``access_*`` (never from a bare URL id)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from coding.access import (
    Cap,
    ProjectAccess,
    access_code,
    access_coding,
    access_document,
    access_project,
)
from coding.api import serializers as s
from coding.api.jobs import import_job_accepted
from coding.api.rows import (
    CODING_ORDER,
    coding_rows,
    coding_values,
    created_row,
    document_detail,
    transcript_values,
)
from coding.forms import TextParam, whole_number
from coding.jobs.models import JobStatus
from coding.jobs.services import job_refresh
from coding.models import (
    Case,
    Code,
    Coding,
    Document,
    DocumentImportJob,
    Membership,
    Project,
)
from coding.registry import CodingApiExtra, coding_api_extras, notify_document_read
from coding.services.codebook import code_create, code_delete, code_update
from coding.services.codings import (
    CodingSpec,
    coding_create,
    coding_delete,
    coding_update,
    codings_create_bulk,
)
from coding.services.document_imports import (
    access_document_import_job,
    document_import_job_create,
    document_import_job_documents,
    imports_in_background,
)
from coding.services.documents import (
    case_get_or_create,
    document_create_from_text,
    document_delete,
    document_update,
    documents_import_files,
)
from coding.services.projects import membership_set, project_create
from regie_site import sql
from regie_site.parsers import JSONParser

User = get_user_model()
MAX_BULK_CODINGS = 5000


def _coding_related() -> tuple[str, ...]:
    """What a coding's answer needs loaded: its coder and the apps' extras."""
    return ("coder",) + tuple(
        path for extra in coding_api_extras for path in extra.select_related
    )


def _claiming_extra(items: list[dict]) -> CodingApiExtra | None:
    """The app whose fields some of the items carry (a relation coding's), if any."""
    for extra in coding_api_extras:
        if any(extra.claims(item) for item in items):
            return extra
    return None


def _paginated(view: APIView, request: Request, queryset, serializer_class, **kwargs):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(
        serializer_class(page, many=True, **kwargs).data
    )


class ProjectListView(APIView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        responses=s.ProjectSerializer(many=True), summary="Projects you are a member of"
    )
    def get(self, request: Request) -> Response:
        projects = Project.objects.visible_to(request.user).order_by("name", "id")
        roles = dict(
            Membership.objects.filter(user=request.user).values_list(
                "project_id", "role"
            )
        )
        return _paginated(
            self, request, projects, s.ProjectSerializer, context={"roles": roles}
        )

    @extend_schema(
        request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer}
    )
    def post(self, request: Request) -> Response:
        data = s.ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_create(owner=request.user, **data.validated_data)
        return Response(
            s.ProjectSerializer(project, context={"roles": {project.pk: "owner"}}).data,
            status=status.HTTP_201_CREATED,
        )


def _resolve_case(project: Project, value) -> Case | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdecimal()):
        case = Case.objects.filter(project=project, pk=int(value)).first()
        if case is None:
            raise ValidationError(
                {"case": _("There is no case %(id)s in this project.") % {"id": value}}
            )
        return case
    return case_get_or_create(project=project, label=str(value))


class DocumentListView(APIView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        responses=s.DocumentSerializer(many=True), summary="Documents of a project"
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        documents = (
            Document.objects.filter(project=access.project)
            .without_text()
            .select_related("case", "imported_by")
            .order_by("id")
        )
        return _paginated(self, request, documents, s.DocumentSerializer)

    @extend_schema(
        request={
            "application/json": s.DocumentCreateSerializer,
            "multipart/form-data": s.DocumentCreateSerializer,
        },
        responses={201: s.DocumentDetailSerializer, 202: s.ImportJobSerializer},
        summary="Add a document",
        description=(
            "JSON `{title, text, case?}`, or a multipart `file` (.txt, .md, .docx, "
            ".odt, .pdf, .rtf, .vtt, .srt; a .zip answers with a list of documents). "
            "`case` is a case id or a label (a new label creates the case). A file "
            "up to `REGIE_DOCUMENT_IMPORT_INLINE_BYTES` (2 MiB by default) is "
            "imported in the request: `201` with the document(s). A larger file is "
            "imported by a worker: the answer is `202` with a `status_url` (also the "
            "`Location` header); ask there until it answers `201` with the same "
            "data (or `400` with the reasons the file was refused). A refused file "
            "answers 400 with every file's reason, and nothing is written."
        ),
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
        data = s.DocumentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = _resolve_case(access.project, values.get("case"))
        upload = values.get("file")
        if upload is None:
            document = document_create_from_text(
                project=access.project,
                title=values["title"],
                text=values["text"],
                user=request.user,
                case=case,
            )
            return Response(
                s.DocumentDetailSerializer(document).data,
                status=status.HTTP_201_CREATED,
            )
        if upload.size > settings.REGIE_MAX_UPLOAD_REQUEST_BYTES:
            raise ValidationError({"file": _("The file is too large to import.")})
        if imports_in_background([upload]):
            job = document_import_job_create(
                project=access.project,
                uploads=[upload],
                user=request.user,
                case=case,
                title=values.get("title", ""),
            )
            return import_job_accepted(request, job, _status_url(job))
        documents = documents_import_files(
            project=access.project,
            files=[(upload.name, upload.read())],
            user=request.user,
            max_file_bytes=settings.REGIE_MAX_UPLOAD_FILE_BYTES,
            case=case,
        )
        if values.get("title", "").strip() and len(documents) == 1:
            document_update(
                document=documents[0], title=values["title"], actor=request.user
            )
        return _imported_documents(documents)


def _imported_documents(documents: list[Document]) -> Response:
    """The ``201`` of a complete file import: one document with its text, or the
    list of a ``.zip``'s documents."""
    if len(documents) == 1:
        return Response(
            s.DocumentDetailSerializer(documents[0]).data,
            status=status.HTTP_201_CREATED,
        )
    return Response(
        s.DocumentSerializer(documents, many=True).data,
        status=status.HTTP_201_CREATED,
    )


def _status_url(job: DocumentImportJob) -> str:
    return reverse("api-document-import-job", args=[job.project_id, job.pk])


class DocumentImportJobView(APIView):
    @extend_schema(
        responses={
            201: PolymorphicProxySerializer(
                component_name="ImportedDocuments",
                serializers=[
                    s.DocumentDetailSerializer,
                    s.DocumentSerializer(many=True),
                ],
                resource_type_field_name=None,
                many=False,
            ),
            202: s.ImportJobSerializer,
            400: OpenApiTypes.OBJECT,
        },
        summary="The state of a large document import",
        description=(
            "The status URL a `202` answer of `POST "
            "/api/v1/projects/{project_id}/documents/` gives. While the import is "
            "queued or running: `202` with its `status`. When it is complete: "
            "`201` with the document (a `.zip`: the list of documents), exactly "
            "as a small file's import answers. When the file was refused: `400` "
            "with the reason of every refused file in `errors` (the first in "
            "`detail`), and nothing was written. Only the member who uploaded the "
            "file sees the import (404 otherwise)."
        ),
    )
    def get(self, request: Request, project_id: int, job_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
        job = access_document_import_job(access.project, request.user, job_id)
        job_refresh(job)
        if job.status == JobStatus.DONE:
            return _imported_documents(
                document_import_job_documents(job, with_text=True)
            )
        if job.status == JobStatus.FAILED:
            raise ValidationError(job.reasons)
        return import_job_accepted(request, job, _status_url(job), location=False)


class DocumentDetailView(APIView):
    @extend_schema(
        responses=s.DocumentDetailSerializer, summary="A document with its text"
    )
    def get(self, request: Request, project_id: int, document_id: int) -> Response:
        _access, document = access_document(request.user, project_id, document_id)
        notify_document_read(document, request.user)
        return Response(document_detail(document))

    @extend_schema(
        request=s.DocumentUpdateSerializer, responses=s.DocumentDetailSerializer
    )
    def patch(self, request: Request, project_id: int, document_id: int) -> Response:
        access, document = access_document(
            request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
        )
        data = s.DocumentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "case" in values:
            values["case"] = _resolve_case(access.project, values["case"])
        document = document_update(document=document, actor=request.user, **values)
        return Response(s.DocumentDetailSerializer(document).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, document_id: int) -> Response:
        _access, document = access_document(
            request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
        )
        document_delete(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _code_fields(access, values: dict) -> dict:
    if "parent" in values:
        parent_id = values["parent"]
        if parent_id is None:
            values["parent"] = None
        else:
            parent = Code.objects.filter(project=access.project, pk=parent_id).first()
            if parent is None:
                raise ValidationError(
                    {
                        "parent": _("There is no code %(id)s in this project.")
                        % {"id": parent_id}
                    }
                )
            values["parent"] = parent
    return values


class CodeListView(APIView):
    @extend_schema(
        responses=s.CodeSerializer(many=True),
        summary="The codebook (flat, with parents)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        codes = Code.objects.filter(project=access.project).order_by("id")
        return Response(s.CodeSerializer(codes, many=True).data)

    @extend_schema(request=s.CodeWriteSerializer, responses={201: s.CodeSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
        data = s.CodeWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = _code_fields(access, dict(data.validated_data))
        if not values.get("name"):
            raise ValidationError({"name": _("A code needs a name.")})
        code = code_create(project=access.project, actor=request.user, **values)
        return Response(s.CodeSerializer(code).data, status=status.HTTP_201_CREATED)


class CodeDetailView(APIView):
    @extend_schema(responses=s.CodeSerializer)
    def get(self, request: Request, project_id: int, code_id: int) -> Response:
        _access, code = access_code(request.user, project_id, code_id)
        return Response(s.CodeSerializer(code).data)

    @extend_schema(request=s.CodeWriteSerializer, responses=s.CodeSerializer)
    def patch(self, request: Request, project_id: int, code_id: int) -> Response:
        access, code = access_code(
            request.user, project_id, code_id, need=Cap.EDIT_CODEBOOK
        )
        data = s.CodeWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        code = code_update(
            code=code,
            actor=request.user,
            **_code_fields(access, dict(data.validated_data)),
        )
        return Response(s.CodeSerializer(code).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, code_id: int) -> Response:
        _access, code = access_code(
            request.user, project_id, code_id, need=Cap.EDIT_CODEBOOK
        )
        code_delete(code=code, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(
            {name: _("“%(value)s” is not a number.") % {"value": raw}}
        ) from None


def text_param(request: Request, name: str) -> str:
    """A text query parameter, stripped (``""`` when absent); NUL is a 400."""
    try:
        return TextParam().clean(request.query_params.get(name))
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None


class CodingListView(APIView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "document",
                OpenApiTypes.INT,
                description=(
                    "Only this document. A page then holds up to 1,000 codings "
                    "unless `page_size` says otherwise: a transcript's codings "
                    "in one request."
                ),
            ),
            OpenApiParameter("code", OpenApiTypes.INT, description="Only this code."),
            OpenApiParameter(
                "coder",
                OpenApiTypes.STR,
                description="Only this coder (user id or username).",
            ),
        ],
        responses=s.CodingSerializer(many=True),
        summary="Codings you may see (under blind coding: your own)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        paginator = self.pagination_class()
        params = request.query_params
        if params.get("document", "") != "":  # a transcript's codings: 1,000 a page
            paginator.page_size = paginator.max_page_size
        transcript = whole_number(params.get("document", ""))
        if transcript is not None and not {"code", "coder", "page"} & params.keys():
            limit = paginator.get_page_size(request)
            page = _transcript_page(request, project_id, transcript, limit)
            if page is not None:
                return page
        access = access_project(request.user, project_id)
        document_id = int_param(request, "document")
        texts: dict[int, str] = {}
        if document_id is not None:
            # Opening a transcript: its text is read once, here, and the codings
            # are cut from it (not the project's document list, not a join).
            texts = dict(
                Document.objects.filter(
                    project=access.project, pk=document_id
                ).values_list("pk", "text")
            )
            codings = access.visible_codings_in(list(texts))
        else:
            codings = access.visible_codings()
        code_id = int_param(request, "code")
        if code_id is not None:
            codings = codings.filter(code_id=code_id)
        coder = text_param(request, "coder")
        if coder:
            by_coder = Q(coder__username=coder)
            if (coder_id := whole_number(coder)) is not None:
                by_coder |= Q(coder_id=coder_id)
            codings = codings.filter(by_coder)
        codings = codings.order_by(*CODING_ORDER)
        page = paginator.paginate_queryset(coding_values(codings), request, view=self)
        return paginator.get_paginated_response(coding_rows(page, texts))

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="CodingCreateOneOrMany",
            serializers=[s.CodingCreateSerializer, s.CodingCreateSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={201: s.CodingSerializer},
        summary="Code a span (or post a list to create many at once)",
        description=(
            "Offsets count Unicode code points; `end` is exclusive. The coder is the "
            "caller. A JSON list creates all items or none; errors name the item index."
        ),
    )
    def post(self, request: Request, project_id: int) -> Response:
        access, document = _coding_access(request, project_id)
        many = isinstance(request.data, list)
        items = _coding_items(request.data, many=many)
        extra = _claiming_extra(items)
        # Checks the extra fields (a relation item's code is its flow's).
        resolved = extra.resolve(access.project, items) if extra else None
        if extra is None and not many:
            return _create_one(request, items[0], document)
        specs = _coding_specs(access.project, items, many=many, document=document)
        if extra is None:
            # The answer is built from what was written, as for one coding.
            created = codings_create_bulk(specs=specs, coder=request.user)
            name = request.user.get_username()
            payload = [created_row(c, name) for c in sorted(created, key=_pk)]
            return Response(payload, status=status.HTTP_201_CREATED)
        created = extra.create(specs, resolved, request.user, many)
        rows = (
            Coding.objects.filter(pk__in=[c.pk for c in created])
            .select_related(*_coding_related())
            .with_text()
            .order_by("id")
        )
        payload = s.CodingSerializer(rows, many=True).data
        return Response(payload if many else payload[0], status=status.HTTP_201_CREATED)


def _transcript_page(
    request: Request, project_id: int, document_id: int, limit: int
) -> Response | None:
    """A transcript's codings (``?document=``, perhaps a ``page_size``): the first
    page as the general path gives it, in two statements after the token: the
    document with the caller's role, then the codings (``transcript_values``).
    ``None`` leaves the answer to the general path: a document of no project of
    the caller's (its 404, or its empty page), more codings than ``limit``."""
    try:
        access, document = access_document(request.user, project_id, document_id)
    except Http404:
        return None
    # Always read up to a full page and one (one statement, whatever the size).
    most = CodingListView.pagination_class.max_page_size + 1
    values = transcript_values(access, document, most)
    if len(values) > limit:
        return None
    rows = coding_rows(values, {document.pk: document.text})
    return Response(
        {"count": len(rows), "next": None, "previous": None, "results": rows}
    )


def _pk(coding: Coding) -> int:
    return coding.pk


def _coding_items(data, *, many: bool) -> list[dict]:
    """The validated items of a create (one, or a list of at most
    ``MAX_BULK_CODINGS``)."""
    if many and not data:
        raise ValidationError(_("Send at least one coding."))
    if many and len(data) > MAX_BULK_CODINGS:
        raise ValidationError(
            _("Send at most %(max)d codings per request.") % {"max": MAX_BULK_CODINGS}
        )
    plain = [_plain_item(item) for item in (data if many else [data])]
    if None not in plain:
        return plain
    serializer = s.CodingCreateSerializer(data=data, many=many)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data if many else [serializer.validated_data]


_PLAIN_KEYS = frozenset({"document", "code", "start", "end"})
_PLAIN_WITH_MEMO = _PLAIN_KEYS | {"memo"}


def _plain_item(item) -> dict | None:
    """The item as ``CodingCreateSerializer`` validates it, when it has the plain
    shape a coder's client sends: four whole numbers and perhaps a memo (text,
    trimmed as the serializer trims it), no extra fields. Building the serializer
    (its fields, the extras' fields) took a tenth of a coding's time; anything
    else (strings for numbers, a memo that is not text or holds a NUL or a lone
    surrogate, extras, errors) goes to it."""
    if type(item) is not dict:
        return None
    keys = item.keys()
    if keys != _PLAIN_KEYS and keys != _PLAIN_WITH_MEMO:
        return None
    numbers = (item["document"], item["code"], item["start"], item["end"])
    if not all(type(value) is int and abs(value) <= sql.MAX_ID for value in numbers):
        return None
    memo = item.get("memo", "")
    if type(memo) is not str or "\x00" in memo or not _encodable(memo):
        return None
    return {**item, "memo": memo.strip()}


def _encodable(text: str) -> bool:
    """No lone surrogate (which the serializer refuses)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _coding_access(
    request: Request, project_id: int
) -> tuple[ProjectAccess, Document | None]:
    """The caller's right to code in the project, and when the body's codings
    all name one document (one coding, a highlight with several codes) that
    document if it is the project's, the caller's role read with it, in one
    statement on the path every coding takes (its text mostly kept by this
    process: ``access_document``)."""
    items = request.data if isinstance(request.data, list) else [request.data]
    named = [item.get("document") if isinstance(item, dict) else None for item in items]
    document_id = named[0] if named and named.count(named[0]) == len(named) else None
    if not (isinstance(document_id, int) and sql.row_id(document_id)):
        return access_project(request.user, project_id, need=Cap.CODE), None
    try:
        return access_document(request.user, project_id, document_id, need=Cap.CODE)
    except Http404:
        # Not the project's document (or not the caller's project): the project's
        # own 404 or 403 comes next, else the item is refused as any other.
        return access_project(request.user, project_id, need=Cap.CODE), None


def _create_one(request: Request, item: dict, document: Document | None) -> Response:
    """One coding, in the document read with the access check; the code is
    looked up by the statement that writes the coding."""
    if document is None or document.pk != item["document"]:
        raise ValidationError({"document": _no_document(item["document"])})
    coding = coding_create(
        document=document,
        code=item["code"],
        coder=request.user,
        start=item["start"],
        end=item["end"],
        memo=item.get("memo", ""),
    )
    return Response(
        created_row(coding, request.user.get_username()),
        status=status.HTTP_201_CREATED,
    )


_ITEM_DOCUMENTS = f"""
SELECT id, project_id, text, length FROM {sql.table(Document)}
WHERE project_id = %s AND id = ANY(%s::bigint[])
"""
_ITEM_CODES = f"""
SELECT id, project_id, name, color FROM {sql.table(Code)}
WHERE project_id = %s AND id = ANY(%s::bigint[])
"""


def _items_found(query: str, model, fields: list[str], project: Project, ids) -> dict:
    """The project's rows among ``ids`` (by id), with ``fields`` loaded (the
    query selects them in the model's order, as ``from_db`` takes them): one
    prepared statement, the path of every list of codings a script posts."""
    wanted = sorted({i for i in ids if isinstance(i, int) and sql.row_id(i)})
    with sql.prepared_cursor() as cursor:
        cursor.execute(query, [project.pk, wanted])
        rows = cursor.fetchall()
    return {row[0]: model.from_db(DEFAULT_DB_ALIAS, fields, row) for row in rows}


def _coding_documents(project: Project, items: list[dict]) -> dict[int, Document]:
    """The items' documents that are the project's, by id (with their text: the
    word counts are taken from it)."""
    fields = ["id", "project_id", "text", "length"]
    ids = [item["document"] for item in items]
    return _items_found(_ITEM_DOCUMENTS, Document, fields, project, ids)


def _no_document(document_id: int) -> str:
    return _("No document %(id)s in this project.") % {"id": document_id}


def _coding_specs(
    project: Project,
    items: list[dict],
    *,
    many: bool,
    document: Document | None,
) -> list[CodingSpec]:
    """The items as specs, once their documents and codes are the project's
    (several items: every problem, by index; one: its first problem, by field).
    ``document``: the one document all items name, read already."""
    if document is not None and all(i["document"] == document.pk for i in items):
        documents = {document.pk: document}
    else:
        documents = _coding_documents(project, items)
    fields = ["id", "project_id", "name", "color"]
    ids = [item["code"] for item in items]
    codes = _items_found(_ITEM_CODES, Code, fields, project, ids)
    problems = []
    for index, item in enumerate(items):
        if item["document"] not in documents:
            problems.append((index, "document", _no_document(item["document"])))
        if item["code"] not in codes:
            message = _("No code %(id)s in this project.") % {"id": item["code"]}
            problems.append((index, "code", message))
    if problems and many:
        raise ValidationError(
            {
                "items": [
                    _("Item %(index)d: %(message)s") % {"index": i, "message": m}
                    for i, _field, m in problems
                ]
            }
        )
    if problems:
        raise ValidationError({problems[0][1]: problems[0][2]})
    return [
        CodingSpec(
            document=documents[item["document"]],
            code=codes[item["code"]],
            start=item["start"],
            end=item["end"],
            memo=item.get("memo", ""),
        )
        for item in items
    ]


class CodingDetailView(APIView):
    def _get(self, request: Request, coding_id: int, need: Cap = Cap.VIEW):
        access, coding = access_coding(request.user, coding_id, need=need)
        return access, Coding.objects.select_related(
            *_coding_related()
        ).with_text().get(pk=coding.pk)

    @extend_schema(responses=s.CodingSerializer)
    def get(self, request: Request, coding_id: int) -> Response:
        _access, coding = self._get(request, coding_id)
        return Response(s.CodingSerializer(coding).data)

    @extend_schema(
        request=s.CodingUpdateSerializer,
        responses={200: s.CodingSerializer, 409: OpenApiTypes.OBJECT},
    )
    def patch(self, request: Request, coding_id: int) -> Response:
        access, coding = self._get(request, coding_id, need=Cap.CODE)
        data = s.CodingUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "code" in values:
            code = Code.objects.filter(
                project=access.project, pk=values["code"]
            ).first()
            if code is None:
                raise ValidationError(
                    {
                        "code": _("No code %(id)s in this project.")
                        % {"id": values["code"]}
                    }
                )
            values["code"] = code
        expected = values.pop("revision", None)
        blind_memo = "memo" in values and expected is None
        extra_values = [
            (extra, {k: values.pop(k) for k in extra.update_fields() if k in values})
            for extra in coding_api_extras
        ]
        with transaction.atomic():
            coding = coding_update(
                coding=coding, expected_revision=expected, actor=request.user, **values
            )
            for extra, given in extra_values:
                if given:
                    extra.update(coding, given, request.user)
            if blind_memo:  # after the other checks, so their errors come first
                raise ValidationError(
                    {
                        "revision": _(
                            "Give the coding's revision with a new memo, so that a "
                            "newer memo is not overwritten."
                        )
                    }
                )
        _access, coding = self._get(request, coding_id)
        return Response(s.CodingSerializer(coding).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, coding_id: int) -> Response:
        _access, coding = self._get(request, coding_id, need=Cap.CODE)
        coding_delete(coding=coding, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(APIView):
    @extend_schema(
        responses=s.MemberSerializer(many=True), summary="Members and their roles"
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        members = Membership.objects.filter(project=access.project).select_related(
            "user"
        )
        return Response(s.MemberSerializer(members, many=True).data)

    @extend_schema(
        request=s.MemberWriteSerializer,
        responses={201: s.MemberSerializer},
        summary="Add a member or change a role (owners only)",
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
        data = s.MemberWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = Membership.objects.filter(
            project=access.project, user__username=data.validated_data["username"]
        ).exists()
        membership = membership_set(
            project=access.project, actor=request.user, **data.validated_data
        )
        return Response(
            s.MemberSerializer(membership).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )
