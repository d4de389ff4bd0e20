"""Export endpoints: coded segments as CSV, streamed (a million rows start at once)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from coding.access import access_project
from coding.api.segment_filter import SEGMENT_FILTER_PARAMETERS
from coding.segments import (
    SegmentFilterForm,
    attribute_names,
    filtered_codings,
    iter_segment_records,
)
from interop.csv import iter_segment_csv

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}


class SegmentsCsvView(APIView):
    @extend_schema(
        parameters=[
            *SEGMENT_FILTER_PARAMETERS,
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
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")
        },
        summary="Coded segments as CSV, one row per coding (blind coding applies)",
    )
    def get(self, request: Request, project_id: int) -> StreamingHttpResponse:
        access = access_project(request.user, project_id)
        params = request.query_params
        delimiter = DELIMITERS.get(params.get("delimiter", ","))
        if delimiter is None:
            raise ValidationError({"delimiter": _("Use , or ; or tab as separator.")})
        bom = params.get("bom", "1") not in {"0", "false", "no"}
        codings = filtered_codings(
            access, SegmentFilterForm(params, project_id=project_id).segment_filter()
        )
        response = StreamingHttpResponse(
            iter_segment_csv(
                iter_segment_records(access, codings),
                project=access.project.name,
                attribute_names=attribute_names(access),
                delimiter=delimiter,
                bom=bom,
            ),
            content_type="text/csv; charset=utf-8",
        )
        filename = f"{slugify(access.project.name) or 'project'}-segments.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
