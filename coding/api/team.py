"""API for team coding: assignments (document status per coder) and the consensus layer."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from coding.access import Cap, access_project
from coding.api.serializers import CodingCreateSerializer, CodingSerializer
from coding.forms import (
    AssignmentParamForm,
    DocumentParamForm,
    parse_params,
    whole_number,
)
from coding.models import Assignment, AssignmentStatus, Code, Coding, Document
from coding.segments import known_users, unknown_user_error
from coding.services.codings import coding_create
from coding.services.team import (
    assignment_create,
    assignment_delete,
    assignment_set_status,
    consensus_user_for,
)

User = get_user_model()


class AssignmentSerializer(serializers.ModelSerializer):
    coder = serializers.CharField(source="coder.username", read_only=True)
    document_title = serializers.CharField(source="document.title", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "document",
            "document_title",
            "coder",
            "status",
            "assigned_at",
            "updated_at",
        ]


class AssignmentCreateSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    coder = serializers.CharField(
        help_text="User id or username of a coder in the project."
    )


class AssignmentUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)


def _user(value: str, project_id: int):
    """The project's user with this id or name; the same error for a user of
    another project as for nobody (no user listing)."""
    number = whole_number(value)
    lookup = Q(username=value) if number is None else Q(username=value) | Q(pk=number)
    user = known_users(project_id).filter(lookup).first()
    if user is None:
        raise ValidationError({"coder": unknown_user_error(value).messages[0]})
    return user


class AssignmentListView(APIView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "document", OpenApiTypes.INT, description="Only this document."
            ),
            OpenApiParameter(
                "coder",
                OpenApiTypes.STR,
                description="Only this coder (id or username).",
            ),
        ],
        responses=AssignmentSerializer(many=True),
        summary="Assignments and their status (coders see their own)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        assignments = (
            Assignment.objects.filter(project=access.project)
            .select_related("coder", "document")
            .defer("document__text")
        )
        if not access.can(Cap.SUPERVISE):
            assignments = assignments.filter(coder_id=access.user_id)
        params = parse_params(AssignmentParamForm(request.query_params)).cleaned_data
        document_id, coder = params["document"], params["coder"]
        if document_id is not None:
            assignments = assignments.filter(document_id=document_id)
        if coder:
            assignments = assignments.filter(coder=_user(coder, project_id))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            assignments.order_by("id"), request, view=self
        )
        return paginator.get_paginated_response(
            AssignmentSerializer(page, many=True).data
        )

    @extend_schema(
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer},
        summary="Assign a document to a coder (supervisors)",
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        data = AssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = Document.objects.filter(
            project=access.project, pk=data.validated_data["document"]
        ).first()
        if document is None:
            raise ValidationError(
                {
                    "document": _("No document %(id)s in this project.")
                    % {"id": data.validated_data["document"]}
                }
            )
        existed = Assignment.objects.filter(
            document=document, coder=_user(data.validated_data["coder"], project_id)
        ).exists()
        assignment = assignment_create(
            document=document,
            coder=_user(data.validated_data["coder"], project_id),
            actor=request.user,
        )
        return Response(
            AssignmentSerializer(assignment).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class AssignmentDetailView(APIView):
    def _get(self, request: Request, assignment_id: int, *, change: bool):
        assignment = (
            Assignment.objects.select_related("coder", "document")
            .filter(pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise Http404
        access = access_project(request.user, assignment.project_id)
        mine = assignment.coder_id == access.user_id
        if not mine and not access.can(Cap.SUPERVISE):
            raise Http404
        if change and not (mine or access.can(Cap.SUPERVISE)):
            raise PermissionDenied(_("This is another coder's assignment."))
        return access, assignment

    @extend_schema(responses=AssignmentSerializer)
    def get(self, request: Request, assignment_id: int) -> Response:
        _access, assignment = self._get(request, assignment_id, change=False)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(
        request=AssignmentUpdateSerializer,
        responses=AssignmentSerializer,
        summary="Set the status (the coder marks a document done)",
    )
    def patch(self, request: Request, assignment_id: int) -> Response:
        _access, assignment = self._get(request, assignment_id, change=True)
        data = AssignmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_set_status(
            assignment=assignment,
            status=data.validated_data["status"],
            actor=request.user,
        )
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(
        responses={204: None},
        summary="Remove an assignment (supervisors); codings stay",
    )
    def delete(self, request: Request, assignment_id: int) -> Response:
        access, assignment = self._get(request, assignment_id, change=True)
        if not access.can(Cap.SUPERVISE):
            raise PermissionDenied(_("Only owners and supervisors can do this."))
        assignment_delete(assignment=assignment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConsensusListView(APIView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "document", OpenApiTypes.INT, description="Only this document."
            )
        ],
        responses=CodingSerializer(many=True),
        summary="The consensus layer (supervisors; everyone once published)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        project = access.project
        if not access.can(Cap.SUPERVISE) and not project.consensus_published:
            raise PermissionDenied(_("The consensus layer has not been published yet."))
        codings = (
            Coding.objects.filter(
                document__project=project, coder_id=project.consensus_user_id
            )
            .select_related("coder")
            .with_text()
        )
        params = parse_params(DocumentParamForm(request.query_params)).cleaned_data
        if params["document"] is not None:
            codings = codings.filter(document_id=params["document"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            codings.order_by("document_id", "start", "id"), request, view=self
        )
        return paginator.get_paginated_response(CodingSerializer(page, many=True).data)

    @extend_schema(
        request=CodingCreateSerializer,
        responses={201: CodingSerializer},
        summary="Add a coding to the consensus layer (supervisors)",
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        data = CodingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("code") is None:  # relation fields alone name no code here
            raise ValidationError(
                {"code": _("The consensus layer holds plain codings: give a code.")}
            )
        document = Document.objects.filter(
            project=access.project, pk=values["document"]
        ).first()
        code = Code.objects.filter(project=access.project, pk=values["code"]).first()
        if document is None or code is None:
            raise ValidationError(_("Document and code must belong to this project."))
        coding = coding_create(
            document=document,
            code=code,
            coder=consensus_user_for(access.project),
            start=values["start"],
            end=values["end"],
            memo=values.get("memo", ""),
            actor=request.user,
        )
        row = Coding.objects.select_related("coder").with_text().get(pk=coding.pk)
        return Response(CodingSerializer(row).data, status=status.HTTP_201_CREATED)
