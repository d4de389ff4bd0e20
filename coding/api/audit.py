"""API of the audit trail: list a project's events, restore a deleted coding.

Supervisors only: the trail names coders, which blind coding hides from coders.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.access import Cap, access_project
from coding.api.pagination import Pagination
from coding.forms import audit_filters
from coding.models import AuditEvent, Coding
from coding.selectors_audit import audit_events, usernames
from coding.services.audit_restore import audit_restore_coding


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username",
        default=None,
        read_only=True,
        help_text="Who made the change (null: the system, or an account deleted since).",
    )
    document = serializers.IntegerField(
        source="document_id",
        allow_null=True,
        read_only=True,
        help_text="The document concerned (it may be deleted since).",
    )
    coder = serializers.SerializerMethodField(
        help_text="The user whose coding, membership or assignment it is."
    )
    before = serializers.JSONField(
        allow_null=True, read_only=True, help_text="The row before (null: created)."
    )
    after = serializers.JSONField(
        allow_null=True, read_only=True, help_text="The row after (null: deleted)."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "entity",
            "entity_id",
            "document",
            "coder",
            "before",
            "after",
        ]

    def get_coder(self, event: AuditEvent) -> str | None:
        if event.coder_id is None:
            return None
        return self.context["usernames"].get(event.coder_id, str(event.coder_id))


class RestoredCodingSerializer(serializers.ModelSerializer):
    coder = serializers.CharField(source="coder.username", read_only=True)
    text = serializers.CharField(
        read_only=True, help_text="The coded text, text[start:end]."
    )

    class Meta:
        model = Coding
        fields = ["id", "document", "code", "coder", "start", "end", "text", "memo"]


class AuditErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)


def _text_parameter(name: str, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description=description,
        **kwargs,
    )


FILTER_PARAMETERS = [
    OpenApiParameter(
        "document",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description="Only events about this document (id; also a deleted one).",
    ),
    _text_parameter(
        "coder",
        "Only events about this coder's codings, membership or assignments "
        "(user id or user name).",
    ),
    _text_parameter("actor", "Only changes made by this user (user id or user name)."),
    _text_parameter(
        "entity",
        "Only this kind of row.",
        enum=AuditEvent.Entity.values,
    ),
    _text_parameter(
        "action", "Only this kind of change.", enum=AuditEvent.Action.values
    ),
    OpenApiParameter(
        "since",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="From this day on (YYYY-MM-DD, the site's time zone).",
    ),
    OpenApiParameter(
        "until",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="Up to and including this day (YYYY-MM-DD).",
    ),
]


class AuditListView(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={
            200: AuditEventSerializer(many=True),
            400: AuditErrorSerializer,
            403: AuditErrorSerializer,
            404: AuditErrorSerializer,
        },
        summary="The project's audit trail, newest first (owners and supervisors)",
        description=(
            "Every create, change, delete and restore of codings, codes, documents, "
            "memberships and assignments, with the row before and after. Ids in "
            "`before`/`after` stay as they were, also for rows deleted since."
        ),
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        filters = audit_filters(
            project_id=access.project.pk, params=request.query_params
        )
        events = audit_events(project_id=access.project.pk, filters=filters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events, request, view=self)
        names = usernames(event.coder_id for event in page)
        data = AuditEventSerializer(page, many=True, context={"usernames": names}).data
        return paginator.get_paginated_response(data)


class AuditRestoreView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: RestoredCodingSerializer,
            400: AuditErrorSerializer,
            403: AuditErrorSerializer,
            404: AuditErrorSerializer,
        },
        summary="Restore a deleted coding from its audit event",
        description=(
            "Only for an event with `entity` coding and `action` delete. The coding "
            "comes back with its code, span, memo and coder, and a `restore` event is "
            "recorded. 400 when its document or code is gone, or the coding exists "
            "again already."
        ),
    )
    def post(self, request: Request, project_id: int, event_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        event = AuditEvent.objects.filter(pk=event_id, project=access.project).first()
        if event is None:
            raise Http404
        coding = audit_restore_coding(event=event, actor=request.user)
        coding = Coding.objects.select_related("coder").with_text().get(pk=coding.pk)
        return Response(
            RestoredCodingSerializer(coding).data, status=status.HTTP_201_CREATED
        )
