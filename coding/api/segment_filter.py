"""The coded-segment filter's query parameters, as the API schema describes them.

Shared by every endpoint that takes the filter (segments, analysis, exports).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

SEGMENT_FILTER_PARAMETERS = [
    OpenApiParameter(
        "codes", OpenApiTypes.STR, description="Comma-separated code ids."
    ),
    OpenApiParameter(
        "subcodes",
        OpenApiTypes.BOOL,
        description="Include sub-codes of `codes` (default 1).",
    ),
    OpenApiParameter(
        "match",
        OpenApiTypes.STR,
        enum=["any", "all"],
        description="`all`: the same coder applied every listed code to the same span.",
    ),
    OpenApiParameter(
        "coders", OpenApiTypes.STR, description="Comma-separated user ids or usernames."
    ),
    OpenApiParameter(
        "documents", OpenApiTypes.STR, description="Comma-separated document ids."
    ),
    OpenApiParameter(
        "attribute",
        OpenApiTypes.STR,
        many=True,
        description="Case attribute filter `name=value` (repeatable), e.g. `niveau=middenveld`.",
    ),
    OpenApiParameter(
        "text", OpenApiTypes.STR, description="Coded text contains (any case)."
    ),
    OpenApiParameter("memo", OpenApiTypes.STR, description="Memo contains (any case)."),
]
