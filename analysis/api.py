"""Analysis API: word frequencies, actor mentions, co-occurrence and matrix queries.

Each endpoint takes the same parameters as its page (``analysis.forms``)
and answers from the stored ``AnalysisResult``: small queries are computed in the
request, larger ones by a Celery worker. While a worker computes a first result the
answer is ``202`` with ``status: "computing"`` and ``results: null``; ask again.
Otherwise ``200``, with ``status`` saying whether the figures are ``fresh``,
``stale`` (data changed; being recomputed or waiting for a worker) or ``failed``.
Blind coding applies: a coder's figures come from their own codings (and the
published consensus).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.forms import (
    MentionQuery,
    cooccurrence_query_from_params,
    matrix_query_from_params,
    mention_query_from_params,
    word_query_from_params,
)
from analysis.models import AnalysisKind, AnalysisResult
from analysis.results import CooccurrenceData, MentionsData
from analysis.selectors import (
    NO_VALUE,
    actor_aliases,
    code_nodes,
    cooccurrence_pairs,
    document_titles,
    matrix_cell_codings,
    matrix_column_labels,
    word_groups,
)
from analysis.selectors_frequencies import (
    analysis_state,
    code_frequency_rows,
    frequency_status,
)
from analysis.services.frequencies import frequencies_schedule_if_stale
from analysis.services.results import analysis_badge, analysis_request
from analysis.text import MatrixResult
from coding.access import ProjectAccess, access_code, access_project
from coding.api.segment_filter import SEGMENT_FILTER_PARAMETERS
from coding.api.views import int_param

# --- schema -------------------------------------------------------------------------

DOCUMENT_FILTER_PARAMETERS = [
    p for p in SEGMENT_FILTER_PARAMETERS if p.name in {"documents", "attribute"}
]


def _envelope(name: str, results: serializers.Field) -> type[serializers.Serializer]:
    """The answer's shape: status, when computed, error, parameters, results."""
    return type(
        name,
        (serializers.Serializer,),
        {
            # Plain text (not an enum) so the schema keeps one "status" enum name.
            "status": serializers.CharField(
                help_text="fresh, computing, stale or failed."
            ),
            "computed_at": serializers.DateTimeField(allow_null=True),
            "error": serializers.CharField(
                help_text="Why the computation failed (status failed)."
            ),
            "params": serializers.DictField(
                help_text="The normalised query the figures answer."
            ),
            "results": results,
        },
    )


class WordSerializer(serializers.Serializer):
    word = serializers.CharField(help_text="The group's most frequent form.")
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Share of the group's counted words.")
    documents = serializers.IntegerField(help_text="Documents holding the word.")
    forms = serializers.ListField(
        child=serializers.CharField(), help_text="Forms behind a stem (stem=1)."
    )


class WordGroupSerializer(serializers.Serializer):
    key = serializers.JSONField(
        help_text="Document or code id, speaker name, attribute value; null for the project."
    )
    label = serializers.CharField()
    total = serializers.IntegerField(help_text="Words counted in the group.")
    distinct = serializers.IntegerField(help_text="Different words (or stems).")
    words = WordSerializer(many=True, source="rows")


class MentionActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The actor's code id.")
    name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    total = serializers.IntegerField()
    documents = serializers.IntegerField(help_text="Documents naming the actor.")


class MentionCountSerializer(serializers.Serializer):
    actor = serializers.IntegerField()
    key = serializers.JSONField(help_text="Level (attribute value) or document id.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class MentionResultsSerializer(serializers.Serializer):
    level_attribute = serializers.CharField()
    actors = MentionActorSerializer(many=True)
    by_level = MentionCountSerializer(many=True)
    by_document = MentionCountSerializer(many=True)


class CodeAxisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    path = serializers.CharField()


class CooccurrenceResultsSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["overlap", "turn"])
    codes = CodeAxisSerializer(many=True)
    counts = serializers.ListField(child=serializers.ListField())
    jaccard = serializers.ListField(child=serializers.ListField())
    pair_counts = serializers.ListField(
        child=serializers.ListField(), help_text="Coding pairs behind each cell."
    )
    pairs = serializers.ListField(
        child=serializers.ListField(),
        required=False,
        help_text="With row and column: the (row coding id, column coding id) pairs.",
    )


class MatrixColumnSerializer(serializers.Serializer):
    key = serializers.JSONField(
        help_text='Attribute value ("" = none), document id or coder id.'
    )
    label = serializers.CharField()


class MatrixResultsSerializer(serializers.Serializer):
    cell = serializers.ChoiceField(choices=["segments", "cases", "words"])
    rows = CodeAxisSerializer(many=True)
    columns = MatrixColumnSerializer(many=True)
    values = serializers.ListField(
        child=serializers.ListField(), help_text="values[row][column]"
    )
    codings = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="With row and column: ids of the codings counted in that cell.",
    )


WordFrequencies = _envelope("WordFrequencies", WordGroupSerializer(many=True))
ActorMentions = _envelope("ActorMentions", MentionResultsSerializer())
Cooccurrence = _envelope("Cooccurrence", CooccurrenceResultsSerializer())
MatrixQueryResult = _envelope("MatrixQueryResult", MatrixResultsSerializer())


def _responses(serializer) -> dict:
    """200 with figures; 202 while a worker computes the first ones."""
    return {200: serializer, 202: serializer}


# --- views --------------------------------------------------------------------------


def _answer(result: AnalysisResult, results: Any) -> Response:
    has_results = result.result is not None
    return Response(
        {
            "status": analysis_badge(result),
            "computed_at": result.computed_at,
            "error": result.error,
            "params": result.params,
            "results": results if has_results else None,
        },
        status=status.HTTP_200_OK
        if has_results or not result.in_progress
        else status.HTTP_202_ACCEPTED,
    )


class WordFrequenciesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group",
                OpenApiTypes.STR,
                enum=["project", "document", "speaker", "attribute", "code"],
                description="Count per whole project (default), document, speaker, "
                "case attribute value or code (the words inside its coded segments).",
            ),
            OpenApiParameter(
                "attribute_name",
                OpenApiTypes.STR,
                description="With group=attribute: the attribute (default niveau).",
            ),
            OpenApiParameter(
                "stop",
                OpenApiTypes.STR,
                description="Stop lists to apply, comma-separated: nl, en (default "
                "both) or none. The project's own lists where it has them.",
            ),
            OpenApiParameter(
                "stem",
                OpenApiTypes.BOOL,
                description="Group word forms by their Snowball stem (default 0).",
            ),
            OpenApiParameter(
                "language",
                OpenApiTypes.STR,
                enum=["nl", "en"],
                description="Stemming language (default nl).",
            ),
            OpenApiParameter(
                "min_length",
                OpenApiTypes.INT,
                description="Shortest word counted, 1–50 (default 3).",
            ),
            OpenApiParameter(
                "top",
                OpenApiTypes.INT,
                description="Words per group, 1–500 (default 50).",
            ),
            *SEGMENT_FILTER_PARAMETERS,
        ],
        responses=_responses(WordFrequencies),
        summary="Top words per group; coding filters apply when group=code",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        query = word_query_from_params(request.query_params, project_id=project_id)
        result = analysis_request(
            access=access, kind=AnalysisKind.WORDS, query=query, user=request.user
        )
        groups = word_groups(access, query, result.data)
        return _answer(result, WordGroupSerializer(groups, many=True).data)


def _mention_results(
    access: ProjectAccess, result: AnalysisResult, query: MentionQuery
) -> dict | None:
    data: MentionsData | None = result.data
    if data is None:
        return None
    nodes = code_nodes(access.project.pk)
    aliases = actor_aliases(access.project.pk)
    titles = document_titles(access.project.pk)
    return {
        "level_attribute": query.level_attribute,
        "actors": [
            {
                "id": a,
                "name": nodes[a].name if a in nodes else str(a),
                "aliases": aliases.get(a, []),
                "total": data.total_of(a).mentions,
                "documents": data.total_of(a).documents,
            }
            for a in data.actors
        ],
        "by_level": [
            {
                "actor": m.actor,
                "key": m.key,
                "label": m.key if m.key != NO_VALUE else "",
                "count": m.count,
            }
            for m in data.by_level
        ],
        "by_document": [
            {
                "actor": m.actor,
                "key": m.key,
                "label": titles.get(m.key, ""),
                "count": m.count,
            }
            for m in data.by_document
        ],
    }


class MentionsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                OpenApiTypes.STR,
                description="Case attribute holding the respondent level (default niveau).",
            ),
            *DOCUMENT_FILTER_PARAMETERS,
        ],
        responses=_responses(ActorMentions),
        summary="Mentions of each actor (any of its names) per document and level",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        query = mention_query_from_params(request.query_params, project_id=project_id)
        result = analysis_request(
            access=access, kind=AnalysisKind.MENTIONS, query=query, user=request.user
        )
        return _answer(result, _mention_results(access, result, query))


def _code_axis(access: ProjectAccess, ids: list[int]) -> list[dict]:
    nodes = code_nodes(access.project.pk)
    return [{"id": c, "path": nodes[c].path if c in nodes else ""} for c in ids]


def _cell(request: Request, project_id: int) -> tuple[int, str] | None:
    """``row`` (a code of the project) and ``column``, when a cell is asked for."""
    row = int_param(request, "row")
    if row is None:
        return None
    access_code(request.user, project_id, row)
    return row, request.query_params.get("column", "")


def _code_cell(request: Request, project_id: int) -> tuple[int, int] | None:
    """A co-occurrence cell: ``row`` and ``column``, both codes of the project."""
    row, column = int_param(request, "row"), int_param(request, "column")
    if row is None or column is None:
        return None
    for code_id in (row, column):
        access_code(request.user, project_id, code_id)
    return row, column


COOCCURRENCE_CELL = [
    OpenApiParameter(
        "row",
        OpenApiTypes.INT,
        description="With column: list the pairs behind a cell.",
    ),
    OpenApiParameter("column", OpenApiTypes.INT, description="The cell's column code."),
]


class CooccurrenceView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "mode",
                OpenApiTypes.STR,
                enum=["overlap", "turn"],
                description="overlap (default): passages overlapping in a document; "
                "turn: codes within the same speaker turn.",
            ),
            *SEGMENT_FILTER_PARAMETERS,
            *COOCCURRENCE_CELL,
        ],
        responses=_responses(Cooccurrence),
        summary="Codes × codes: counts, coding pairs and Jaccard indices",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        query = cooccurrence_query_from_params(
            request.query_params, project_id=project_id
        )
        cell = _code_cell(request, project_id)
        result = analysis_request(
            access=access,
            kind=AnalysisKind.COOCCURRENCE,
            query=query,
            user=request.user,
        )
        data: CooccurrenceData | None = result.data
        results = None
        if data is not None:
            results = {**data.to_json(), "codes": _code_axis(access, list(data.codes))}
            if cell:
                results["pairs"] = [
                    list(p) for p in cooccurrence_pairs(access, query, *cell)
                ]
        return _answer(result, results)


class MatrixView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "columns",
                OpenApiTypes.STR,
                enum=["attribute", "document", "coder"],
                description="Columns: case attribute values (default), documents or coders.",
            ),
            OpenApiParameter(
                "attribute_name",
                OpenApiTypes.STR,
                description="With columns=attribute: the attribute (default niveau).",
            ),
            OpenApiParameter(
                "cell",
                OpenApiTypes.STR,
                enum=["segments", "cases", "words"],
                description="What a cell counts: coded segments (default), cases, words.",
            ),
            OpenApiParameter(
                "rolled",
                OpenApiTypes.BOOL,
                description="Roll sub-codes up into their parents (default 1).",
            ),
            *SEGMENT_FILTER_PARAMETERS,
            OpenApiParameter(
                "row",
                OpenApiTypes.INT,
                description="With column: list the codings counted in a cell.",
            ),
            OpenApiParameter(
                "column",
                OpenApiTypes.STR,
                description="The cell's column key (attribute value, document or coder id).",
            ),
        ],
        responses=_responses(MatrixQueryResult),
        summary="Matrix coding query: codes × attribute values, documents or coders",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        query = matrix_query_from_params(request.query_params, project_id=project_id)
        cell = _cell(request, project_id)
        result = analysis_request(
            access=access, kind=AnalysisKind.MATRIX, query=query, user=request.user
        )
        data: MatrixResult | None = result.data
        results = None
        if data is not None:
            labels = matrix_column_labels(access, query, data.columns)
            results = {
                "cell": data.cell,
                "rows": _code_axis(access, list(data.rows)),
                "columns": [{"key": c, "label": labels[c]} for c in data.columns],
                "values": [list(v) for v in data.values],
            }
            if cell:
                results["codings"] = list(
                    matrix_cell_codings(access, query, *cell)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
        return _answer(result, results)


# --- code frequencies ----------------------------------------------------------------


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
        state = frequency_status(access, analysis_state(access))
        return Response(
            {
                "status": state.badge,
                "computed_at": serializers.DateTimeField().to_representation(
                    state.frequencies_computed_at
                )
                if state.frequencies_computed_at
                else None,
                "results": FrequencyRowSerializer(rows, many=True).data,
            }
        )
