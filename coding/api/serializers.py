"""API shapes. Input serializers only validate shape; services apply the rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coding.models import (
    Code,
    Coding,
    Document,
    MeasurementLevel,
    Membership,
    Project,
    Role,
    SpeakerTurn,
)
from coding.registry import coding_api_extras


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(
        help_text="The caller's role in the project."
    )

    class Meta:
        model = Project
        fields = ["id", "name", "description", "blind_coding", "created_at", "role"]

    def get_role(self, project: Project) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(project.pk)


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    codebook = serializers.ChoiceField(
        choices=["regie", "empty"],
        default="regie",
        help_text=(
            "Start from the regie codebook (default: its theory codes and an empty "
            "actor branch `Actoren`) or an empty one."
        ),
    )
    blind_coding = serializers.BooleanField(default=True)


class TurnSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpeakerTurn
        fields = ["number", "speaker", "start", "end", "started_at_ms", "ended_at_ms"]


class DocumentSerializer(serializers.ModelSerializer):
    case_label = serializers.CharField(
        source="case.label", default=None, read_only=True
    )
    imported_by = serializers.CharField(
        source="imported_by.username", default=None, read_only=True
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "case",
            "case_label",
            "source_name",
            "source_format",
            "checksum",
            "word_count",
            "length",
            "imported_at",
            "imported_by",
        ]


class DocumentDetailSerializer(DocumentSerializer):
    turns = TurnSerializer(many=True, read_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "turns"]


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "nullable": True,
        "description": "A case id, or a case label (a new label creates the case).",
    }
)
class CaseField(serializers.Field):
    """A case given by id (number) or by label (text; created when new)."""

    default_error_messages = {
        "invalid": _("Give a case id (number) or a case label (text).")
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class DocumentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    file = serializers.FileField(
        required=False, help_text="Multipart upload instead of title and text."
    )
    case = CaseField(required=False, allow_null=True)

    def validate(self, attrs):
        if "file" not in attrs and not attrs.get("text", "").strip():
            raise serializers.ValidationError(
                _("Send JSON with a title and text, or a multipart file.")
            )
        if "file" not in attrs and not attrs.get("title", "").strip():
            raise serializers.ValidationError({"title": _("A document needs a title.")})
        return attrs


class ImportJobSerializer(serializers.Serializer):
    """A large import a worker runs (documents here, projects in ``interop``)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["queued", "running"], help_text="Where the import stands."
    )
    status_url = serializers.URLField(help_text="Ask here until the answer is `201`.")
    waiting_for_worker = serializers.BooleanField(
        help_text="True when no worker has taken the import for a while."
    )


class DocumentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    case = CaseField(required=False, allow_null=True)
    text = serializers.CharField(required=False, trim_whitespace=False)


class CodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Code
        fields = [
            "id",
            "name",
            "parent",
            "description",
            "color",
            "shortcut",
            "sort_order",
            "is_domain",
            "measurement_level",
            "value",
        ]


class CodeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    parent = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    color = serializers.CharField(required=False, max_length=7)
    shortcut = serializers.CharField(
        required=False, allow_blank=True, max_length=1, trim_whitespace=False
    )
    # The column is a PostgreSQL integer: a bigger value is a 400, not a 500.
    sort_order = serializers.IntegerField(
        required=False, min_value=-(2**31), max_value=2**31 - 1
    )
    is_domain = serializers.BooleanField(
        required=False,
        help_text="The code's sub-codes are mutually exclusive values of one "
        "variable (agreement measures read the domain as one variable).",
    )
    measurement_level = serializers.ChoiceField(
        choices=MeasurementLevel.choices,
        required=False,
        help_text="Only on a domain: nominal (default), ordinal, interval or ratio; "
        "picks Krippendorff's α metric.",
    )
    value = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Only on a sub-code of a domain: its number on the domain's "
        "scale; null clears it.",
    )


def _with_extras(
    fields: dict[str, serializers.Field], kind: str, *, before: str = ""
) -> dict[str, serializers.Field]:
    """``fields`` with the registered apps' fields of a coding (``kind`` names the
    ``CodingApiExtra`` attribute), placed before the field ``before`` or last."""
    extra: dict[str, serializers.Field] = {}
    for hook in coding_api_extras:
        extra.update(getattr(hook, kind)())
    names = [name for name in fields if name not in extra]
    at = names.index(before) if before else len(names)
    merged = type(fields)((name, fields[name]) for name in names[:at])
    merged.update(extra)
    merged.update((name, fields[name]) for name in names[at:])
    return merged


class CodingSerializer(serializers.ModelSerializer):
    coder = serializers.CharField(source="coder.username", read_only=True)
    text = serializers.CharField(
        read_only=True, help_text="The coded text, text[start:end]."
    )

    class Meta:
        model = Coding
        fields = [
            "id",
            "document",
            "code",
            "coder",
            "start",
            "end",
            "text",
            "memo",
            "revision",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        return _with_extras(super().get_fields(), "read_fields")


class CodingCreateSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    code = serializers.IntegerField(
        required=False,
        help_text="Required, except for a relation coding: that takes its flow "
        "type's code (a given code must be that one).",
    )
    start = serializers.IntegerField(help_text="Code-point offset, inclusive.")
    end = serializers.IntegerField(help_text="Code-point offset, exclusive.")
    memo = serializers.CharField(required=False, allow_blank=True, default="")

    def get_fields(self):
        return _with_extras(super().get_fields(), "create_fields")

    def validate(self, attrs):
        claimed = any(extra.claims(attrs) for extra in coding_api_extras)
        if attrs.get("code") is None and not claimed:
            raise serializers.ValidationError(
                {"code": serializers.Field.default_error_messages["required"]}
            )
        for extra in coding_api_extras:
            extra.validate(attrs)
        return attrs


class CodingUpdateSerializer(serializers.Serializer):
    memo = serializers.CharField(required=False, allow_blank=True)
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)
    code = serializers.IntegerField(required=False)
    revision = serializers.IntegerField(
        required=False,
        help_text="The revision you read; if the coding changed since, the answer is 409.",
    )

    def get_fields(self):
        return _with_extras(super().get_fields(), "update_fields", before="revision")


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "role"]


class MemberWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
