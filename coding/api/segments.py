"""Coded segments API: the retrieval page's filters, blind coding applied."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from coding.access import access_project
from coding.api.segment_filter import SEGMENT_FILTER_PARAMETERS
from coding.segment_pages import with_context
from coding.segments import filtered_codings, segment_filter_from_params


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
            filtered_codings(
                access,
                segment_filter_from_params(request.query_params, project_id=project_id),
            )
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
