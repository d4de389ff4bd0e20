"""REST API of pseudonymisation: a transcript's suggestions and decisions, and
decisions posted in bulk. Owners and supervisors only (like the review page)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.access import Cap, access_document
from privacy.forms import LARGEST
from privacy.models import CategoryChoice, Decision, DocumentReview, ReviewStatus
from privacy.selectors import document_suggestions
from privacy.services.apply import document_pseudonymise
from privacy.services.decisions import DecisionInput, decisions_apply_bulk


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.IntegerField(help_text="Code points into the stored text.")
    end = serializers.IntegerField(help_text="Exclusive.")
    text = serializers.CharField(help_text="The words the suggestion covers.")
    category = serializers.ChoiceField(choices=CategoryChoice.choices)
    source = serializers.CharField(help_text="deduce, pattern, list or hand.")
    pseudonym = serializers.CharField(help_text="The proposed (or chosen) label.")
    decision = serializers.ChoiceField(choices=Decision.choices)


class PseudonymsSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text="awaiting, confirmed, or empty when the transcript was never reviewed."
    )
    suggestions = SuggestionSerializer(many=True)


class DecisionSerializer(serializers.Serializer):
    suggestion = serializers.IntegerField(min_value=1, max_value=LARGEST)
    decision = serializers.ChoiceField(choices=Decision.choices)
    label = serializers.CharField(
        required=False, allow_blank=True, max_length=120, default=""
    )
    everywhere = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Apply to every occurrence in the project's transcripts awaiting review.",
    )


class DecisionsSerializer(serializers.Serializer):
    decisions = DecisionSerializer(many=True, max_length=5000)
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Then replace the accepted originals for good (no pending may remain).",
    )


def _payload(document) -> dict:
    review = DocumentReview.objects.filter(document=document).first()
    return {
        "status": review.status if review else "",
        "suggestions": [
            {
                "id": s.pk,
                "start": s.start,
                "end": s.end,
                "text": document.text[s.start : s.end],
                "category": s.category,
                "source": s.source,
                "pseudonym": s.pseudonym.label if s.pseudonym else "",
                "decision": s.decision,
            }
            for s in document_suggestions(document)
        ],
    }


class PseudonymsView(APIView):
    @extend_schema(
        responses=PseudonymsSerializer,
        summary="Pseudonymisation suggestions and decisions of a transcript",
    )
    def get(self, request: Request, project_id: int, document_id: int) -> Response:
        _access, document = access_document(
            request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
        )
        return Response(PseudonymsSerializer(_payload(document)).data)

    @extend_schema(
        request=DecisionsSerializer,
        responses=PseudonymsSerializer,
        summary="Decide on many suggestions at once (all or none), and confirm",
        description=(
            "`decision` is `accepted` (replace), `rejected` (keep) or `pending`; "
            "`label` renames the pseudonym (or joins another one with that label). "
            "With `confirm` the accepted originals are replaced in the stored text, "
            "speaker names, memos and audit trail, and codings are remapped."
        ),
    )
    def post(self, request: Request, project_id: int, document_id: int) -> Response:
        _access, document = access_document(
            request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
        )
        data = DecisionsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decisions = [
            DecisionInput(d["suggestion"], d["decision"], d["label"], d["everywhere"])
            for d in data.validated_data["decisions"]
        ]
        decisions_apply_bulk(document=document, decisions=decisions, actor=request.user)
        review = DocumentReview.objects.filter(document=document).first()
        confirmed = review is not None and review.status == ReviewStatus.CONFIRMED
        if data.validated_data["confirm"] and not confirmed:
            document_pseudonymise(document=document, actor=request.user)
        document.refresh_from_db()
        return Response(PseudonymsSerializer(_payload(document)).data)
