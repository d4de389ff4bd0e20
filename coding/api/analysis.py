"""Analysis API: stored code frequencies and coded segments, with the pages' filters."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from coding.access import access_project
from coding.api.segment_filter import SEGMENT_FILTER_PARAMETERS
from coding.segment_pages import with_context
from coding.segments import filtered_codings, segment_filter_from_params
from coding.selectors_frequencies import analysis_state, code_frequency_rows
from coding.services.frequencies import frequencies_schedule_if_stale


class FrequencyRowSerializer(serializers.Serializer):
    code = serializers.IntegerField(source="code_id")
    code_path = serializers.CharField()
    scope = serializers.CharField()
    scope_key = serializers.CharField()
    scope_label = serializers.CharField()
    codings = serializers.IntegerField()
    documents = serializers.IntegerField()
    cases = serializers.IntegerField()
    characters = serializers.IntegerField()
    words = serializers.IntegerField()


class CodeFrequenciesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                enum=["all", "document", "coder", "attribute"],
                description="Per whole project (default), document, coder or case attribute value.",
            ),
            OpenApiParameter(
                "rolled",
                OpenApiTypes.BOOL,
                description="Roll sub-codes up into parents (default 1).",
            ),
        ],
        responses=inline_serializer(
            "CodeFrequencies",
            {
                "status": serializers.ChoiceField(
                    choices=["fresh", "computing", "stale"]
                ),
                "computed_at": serializers.DateTimeField(allow_null=True),
                "results": FrequencyRowSerializer(many=True),
            },
        ),
        summary="Code frequencies as last computed by the worker (blind coding applies)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        frequencies_schedule_if_stale(project_id=access.project.pk)
        rows = code_frequency_rows(
            access,
            scope=request.query_params.get("scope", "all"),
            rolled_up=request.query_params.get("rolled", "1") not in {"0", "false"},
        )
        state = analysis_state(access)
        return Response(
            {
                "status": state.frequencies_badge,
                "computed_at": serializers.DateTimeField().to_representation(
                    state.frequencies_computed_at
                )
                if state.frequencies_computed_at
                else None,
                "results": FrequencyRowSerializer(rows, many=True).data,
            }
        )


class SegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.IntegerField(source="document_id")
    document_title = serializers.CharField(source="document.title")
    case = serializers.CharField(source="document.case.label", default=None)
    code = serializers.IntegerField(source="code_id")
    code_name = serializers.CharField(source="code.name")
    coder = serializers.CharField(source="coder.username")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField(source="segment_text")
    memo = serializers.CharField()


class SegmentListView(APIView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        parameters=SEGMENT_FILTER_PARAMETERS,
        responses=SegmentSerializer(many=True),
        summary="Coded segments with the retrieval page's filters (blind coding applies)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        codings = (
            filtered_codings(access, segment_filter_from_params(request.query_params))
            .select_related("code", "coder", "document__case")
            .defer("document__text")
            .order_by("document_id", "start", "end", "id")
        )
        paginator = self.pagination_class()
        # The passages are sliced in Python from the page's transcripts, read once
        # each: in SQL every row skipped before the page would unpack its
        # transcript too.
        page = with_context(paginator.paginate_queryset(codings, request, view=self))
        return paginator.get_paginated_response(SegmentSerializer(page, many=True).data)
