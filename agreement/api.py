"""Agreement API: the inter-coder agreement report of a selection, and its runs.

``GET /projects/{id}/agreement/`` answers with the report (200) when a fresh stored
run of the same selection exists or the selection is small enough to compute in the
request (``agreement.services.agreement_is_small``); otherwise it queues a
run and answers 202 with the run's status and a URL to poll. Supervisors and owners
only: coders and viewers get 403, non-members 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from agreement.forms import agreement_selection_from_params
from agreement.models import AgreementRun
from agreement.report import MEASURES, MEASURES_BY_UNIT, UNITS
from agreement.services import (
    SYNC_CELLS,
    SYNC_CHARACTERS,
    SYNC_CODINGS,
    SourceState,
    agreement_is_small,
    agreement_output,
    agreement_request,
    run_stale,
    runs_with_source,
    source_state,
)
from coding.access import Cap, access_project
from coding.jobs.models import JobStatus
from coding.jobs.services import job_refresh

_MEASURE_HELP = "; ".join(
    f"{unit}: {', '.join(m)}" for unit, m in MEASURES_BY_UNIT.items()
)

AGREEMENT_PARAMETERS = [
    OpenApiParameter(
        "unit",
        OpenApiTypes.STR,
        enum=list(UNITS),
        description="Unit of comparison (default turn): character (NVivo-compatible, "
        "every character a unit), sentence, turn (speaker turns, or paragraphs "
        "where a document has none) or unitizing (the coders' own span "
        "boundaries, Krippendorff's u-alpha family).",
    ),
    OpenApiParameter(
        "measure",
        OpenApiTypes.STR,
        description="Comma-separated measures (default: every usual one for the "
        f"unit). Known: {', '.join(MEASURES)}. Per unit: {_MEASURE_HELP}. "
        "percent_agreement is NVivo's percentage at the character level; "
        "nvivo_kappa is NVivo's κ at character, sentence or turn granularity; "
        "at unit character cohen_kappa is the same figure (NVivo's κ is Cohen's κ "
        "over characters), so either name may be asked for; "
        "binary_u_alpha is |uα, k_u_alpha (k)uα per value, cu_alpha cuα and "
        "u_alpha_1995 Krippendorff's older (1995/2004) per-category α_U.",
    ),
    OpenApiParameter(
        "coders",
        OpenApiTypes.STR,
        description="Comma-separated user ids or user names (at least two; default: "
        "everyone who coded or was assigned one of the documents, without the "
        "consensus layer).",
    ),
    OpenApiParameter(
        "codes",
        OpenApiTypes.STR,
        description="Comma-separated code ids (default: the whole codebook). A code "
        "marked as a domain is one variable whose value is the sub-code applied.",
    ),
    OpenApiParameter(
        "documents",
        OpenApiTypes.STR,
        description="Comma-separated document ids (default: every document).",
    ),
    OpenApiParameter(
        "n_resamples",
        OpenApiTypes.INT,
        description="Bootstrap resamples for the 95 % intervals of κ and α "
        "(0–10,000; default: the project's setting, 1,000).",
    ),
    OpenApiParameter(
        "seed",
        OpenApiTypes.INT,
        description="Random seed of the bootstrap (default: the project's, 1); the "
        "same seed gives the same intervals.",
    ),
    OpenApiParameter(
        "good",
        OpenApiTypes.NUMBER,
        description="A coefficient from this value is good (default 0.800).",
    ),
    OpenApiParameter(
        "tentative",
        OpenApiTypes.NUMBER,
        description="A coefficient from this value is tentative (default 0.667).",
    ),
    OpenApiParameter(
        "percent_good",
        OpenApiTypes.NUMBER,
        description="Percentage agreement from this value is good (default 90).",
    ),
    OpenApiParameter(
        "percent_tentative",
        OpenApiTypes.NUMBER,
        description="Percentage agreement from this value is tentative (default 80).",
    ),
]


class FigureSerializer(serializers.Serializer):
    value = serializers.FloatField(
        allow_null=True,
        help_text="The coefficient (percentages 0–100); null when undefined.",
    )
    n = serializers.IntegerField(
        help_text="Units behind the figure: characters, sentences or turns compared "
        "(pairable units for α), or the continuum's characters for unitizing."
    )
    reason = serializers.CharField(
        allow_null=True, help_text="Why the value is undefined; null when defined."
    )
    verdict = serializers.ChoiceField(
        choices=["good", "tentative", "poor", "undefined"],
        help_text="The value against the thresholds.",
    )
    ci_low = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Lower end of the 95 % percentile bootstrap interval (pooled rows).",
    )
    ci_high = serializers.FloatField(required=False, allow_null=True)
    resamples = serializers.IntegerField(
        required=False, help_text="Bootstrap resamples in which the value was defined."
    )
    mean = serializers.FloatField(
        required=False,
        help_text="Plain mean over documents (the value itself is pooled, i.e. "
        "length-weighted).",
    )
    note = serializers.CharField(required=False)


class RowSerializer(serializers.Serializer):
    variable = serializers.CharField(
        help_text="A variable key of ``variables`` (c<code id>, v<code id> for a "
        "domain's value, or all)."
    )
    group = serializers.CharField(
        help_text="A coder pair (<id>-<id>) or all (every coder)."
    )
    document = serializers.IntegerField(
        allow_null=True, help_text="null when pooled over the documents."
    )
    measures = serializers.DictField(
        child=FigureSerializer(), help_text="Measure name → figure."
    )


class VariableSerializer(serializers.Serializer):
    key = serializers.CharField()
    code = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    path = serializers.CharField()
    kind = serializers.CharField(
        help_text="code (binary), domain (one variable), value (a domain's value, "
        "unitizing only) or all_codes."
    )
    level = serializers.CharField()
    values = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="A domain's values."
    )
    conflicts = serializers.IntegerField(
        required=False,
        help_text="A domain's conflicts: unit × coder cells where a coder applied two "
        "different values (missing there), or, for unitizing, the characters where "
        "a coder's spans of different values overlap (left out).",
    )
    disagreements = serializers.IntegerField(
        required=False, help_text="Disagreeing stretches over all coder pairs."
    )


class AgreementReportSerializer(serializers.Serializer):
    format = serializers.CharField()
    project = serializers.DictField()
    run = serializers.DictField(
        help_text="id, status, stale, requested_at, finished_at of the stored run."
    )
    codebook_version = serializers.DictField(
        allow_null=True,
        help_text="The latest frozen codebook version when the run was asked for.",
    )
    selection = serializers.DictField(
        help_text="unit, measures, documents, coders, codes, n_resamples, seed, "
        "confidence, thresholds."
    )
    unit = serializers.DictField()
    coders = serializers.ListField(child=serializers.DictField())
    documents = serializers.ListField(child=serializers.DictField())
    groups = serializers.ListField(child=serializers.DictField())
    measures = serializers.ListField(child=serializers.DictField())
    variables = VariableSerializer(many=True)
    rows = RowSerializer(many=True, help_text="Pooled over the documents.")
    document_rows_cover = serializers.CharField(
        help_text="“every code”, or “all codes” when the selection has more than "
        "1,000 code × document cells."
    )
    document_rows = RowSerializer(many=True, help_text="Per document, no intervals.")
    source = serializers.DictField(
        help_text="The data the run read: codings_changed_at and an assignments "
        "fingerprint; the run is stale when either has changed since."
    )
    methods = serializers.DictField(
        child=serializers.CharField(),
        help_text="The methods paragraph: en and nl.",
    )


class AgreementRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="queued, running, done or failed.")
    progress = serializers.IntegerField(help_text="0–100.")
    stale = serializers.BooleanField()
    error = serializers.CharField()
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    selection = serializers.DictField()
    status_url = serializers.CharField()
    report_url = serializers.CharField(
        allow_null=True, help_text="Where the report is, once done."
    )


def run_status(request: Request, run: AgreementRun, state: SourceState) -> dict:
    url = reverse("api-agreement-run", args=[run.project_id, run.pk], request=request)
    return {
        "id": run.pk,
        "status": run.status,
        "progress": run.progress,
        "stale": run_stale(run, state),
        "error": run.error,
        "requested_at": run.requested_at,
        "finished_at": run.finished_at,
        "selection": run.selection,
        "status_url": url,
        "report_url": f"{url}report/" if run.status == JobStatus.DONE else None,
    }


class AgreementView(APIView):
    @extend_schema(
        parameters=AGREEMENT_PARAMETERS,
        responses={200: AgreementReportSerializer, 202: AgreementRunSerializer},
        summary="Inter-coder agreement of a selection (supervisors)",
        description=(
            "The stored report of the same selection when it is fresh; else computed "
            "in the request when the selection is small (at most "
            f"{SYNC_CELLS} code × document × coder-group cells, where the groups are "
            "every coder pair plus all coders together; "
            f"{SYNC_CHARACTERS:,} characters and "
            f"{SYNC_CODINGS:,} codings of the chosen coders); else queued for a "
            "worker: the answer is then 202 with the run's status_url to poll "
            "(GET it until status is done, then GET report_url). When no worker "
            "can be reached the run stays queued (202) and is sent again once one "
            "is. Invalid parameters give 400 with a readable detail. A failed run "
            "answers 503."
        ),
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        project = access.project
        selection = agreement_selection_from_params(project, request.query_params)
        run = agreement_request(
            project=project,
            selection=selection,
            actor=request.user,
            compute_now=agreement_is_small(project, selection),
        )
        state = source_state(project.pk)
        if run.status == JobStatus.DONE:
            run = AgreementRun.objects.select_related(
                "project", "codebook_version"
            ).get(pk=run.pk)
            output = agreement_output(run, thresholds=selection.thresholds, state=state)
            return Response(output.to_json())
        code = (
            status.HTTP_503_SERVICE_UNAVAILABLE
            if run.status == JobStatus.FAILED
            else status.HTTP_202_ACCEPTED
        )
        return Response(run_status(request, run, state), status=code)


class AgreementRunListView(APIView):
    @extend_schema(
        responses=AgreementRunSerializer(many=True),
        summary="The project's 50 latest agreement runs (supervisors)",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        state = source_state(access.project.pk)
        runs = runs_with_source().filter(project=access.project)[:50]
        return Response([run_status(request, run, state) for run in runs])


def _run(request: Request, project_id: int, run_id: int):
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    run = (
        AgreementRun.objects.select_related("project", "codebook_version")
        .defer("disagreements")
        .filter(project=access.project, pk=run_id)
        .first()
    )
    if run is None:
        raise Http404
    return access, run


class AgreementRunView(APIView):
    @extend_schema(
        responses=AgreementRunSerializer,
        summary="Where an agreement run stands (poll while queued or running)",
    )
    def get(self, request: Request, project_id: int, run_id: int) -> Response:
        access, run = _run(request, project_id, run_id)
        run = job_refresh(run)  # resends a run whose worker died or no broker took
        return Response(run_status(request, run, source_state(access.project.pk)))


class AgreementRunReportView(APIView):
    @extend_schema(
        responses={200: AgreementReportSerializer, 409: AgreementRunSerializer},
        summary="The report of a finished agreement run",
    )
    def get(self, request: Request, project_id: int, run_id: int) -> Response:
        access, run = _run(request, project_id, run_id)
        state = source_state(access.project.pk)
        if run.status != JobStatus.DONE:
            return Response(
                run_status(request, run, state), status=status.HTTP_409_CONFLICT
            )
        return Response(agreement_output(run, state=state).to_json())
