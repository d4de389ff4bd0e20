"""API for codebook versions: list, freeze, and the differences between two.

The shapes live here (not in ``serializers.py``) because only these views use them.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.access import Cap, access_project
from coding.codebook_diff import CodebookDiff
from coding.forms import VersionDiffForm, parse_params
from coding.models import CodebookVersion
from coding.services.versions import (
    VersionComparison,
    codebook_compare,
    codebook_freeze,
    codebook_version_list,
)


class SnapshotCodeSerializer(serializers.Serializer):
    """One code as a version froze it."""

    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    path = serializers.CharField(help_text="Names from the root, joined by “ > ”.")
    description = serializers.CharField(allow_blank=True)
    color = serializers.CharField()
    shortcut = serializers.CharField(allow_blank=True)


class CodebookVersionSerializer(serializers.ModelSerializer):
    frozen_by = serializers.CharField(
        source="frozen_by.username", default=None, read_only=True
    )
    code_count = serializers.IntegerField(read_only=True)
    coding_count = serializers.IntegerField(
        read_only=True,
        help_text="Codings made under this version that the caller may see.",
    )

    class Meta:
        model = CodebookVersion
        fields = [
            "id",
            "number",
            "name",
            "frozen_at",
            "frozen_by",
            "code_count",
            "coding_count",
        ]


class CodebookVersionDetailSerializer(serializers.ModelSerializer):
    frozen_by = serializers.CharField(
        source="frozen_by.username", default=None, read_only=True
    )
    codes = SnapshotCodeSerializer(many=True, read_only=True)

    class Meta:
        model = CodebookVersion
        fields = ["id", "number", "name", "frozen_at", "frozen_by", "codes"]


class CodebookVersionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200, help_text="A label for the round, such as “Round 2”."
    )


class CodeChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The code's name in the newer codebook.")
    path = serializers.CharField(help_text="The code's path in the newer codebook.")
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class VersionRefSerializer(serializers.Serializer):
    number = serializers.IntegerField(
        allow_null=True, help_text="Null for the current (live) codebook."
    )
    name = serializers.CharField(allow_blank=True)


class CodebookDiffSerializer(serializers.Serializer):
    from_version = VersionRefSerializer()
    to_version = VersionRefSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())
    added = SnapshotCodeSerializer(many=True)
    removed = SnapshotCodeSerializer(many=True)
    renamed = CodeChangeSerializer(many=True, help_text="old and new name")
    redefined = CodeChangeSerializer(many=True, help_text="old and new definition")
    recoloured = CodeChangeSerializer(many=True, help_text="old and new colour")
    moved = CodeChangeSerializer(many=True, help_text="old and new path")


def _ref(version: CodebookVersion | None) -> dict:
    if version is None:
        return {"number": None, "name": ""}
    return {"number": version.number, "name": version.name}


def _diff_data(comparison: VersionComparison) -> dict:
    diff: CodebookDiff = comparison.diff
    data = {name: getattr(diff, name) for name in diff.SECTIONS}
    return {
        "from_version": _ref(comparison.old),
        "to_version": _ref(comparison.new),
        "counts": diff.counts,
        **data,
    }


class CodebookVersionListView(APIView):
    @extend_schema(
        responses=CodebookVersionSerializer(many=True),
        summary="Frozen versions of the codebook, newest first",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        versions = codebook_version_list(
            project=access.project, visible_codings=access.coding_filter("codings__")
        )
        return Response(CodebookVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=CodebookVersionCreateSerializer,
        responses={201: CodebookVersionDetailSerializer},
        summary="Freeze the codebook as the next version (owners and supervisors)",
        description=(
            "Stores every code's name, path, definition, colour and shortcut. "
            "Codings created afterwards refer to this version."
        ),
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.SUPERVISE)
        data = CodebookVersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = codebook_freeze(
            project=access.project, actor=request.user, **data.validated_data
        )
        return Response(
            CodebookVersionDetailSerializer(version).data,
            status=status.HTTP_201_CREATED,
        )


class CodebookVersionDiffView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.INT,
                description=(
                    "Version number to compare from. Default: the version before `to`."
                ),
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.STR,
                description=(
                    "Version number, or `current` for the live codebook. Default: "
                    "the latest version, or `current` when there is one version or "
                    "`from` is given."
                ),
            ),
        ],
        responses=CodebookDiffSerializer,
        summary="Differences between two codebook versions",
        description=(
            "Codes are matched by id: a code deleted and made again under the same "
            "name is removed and added. Moved means another parent code."
        ),
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        from_ref, to_ref = parse_params(VersionDiffForm(request.query_params)).refs
        comparison = codebook_compare(
            project=access.project, from_ref=from_ref, to_ref=to_ref
        )
        return Response(CodebookDiffSerializer(_diff_data(comparison)).data)
