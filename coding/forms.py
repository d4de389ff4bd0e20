"""Forms of the workbench pages (validation of shape; rules live in services), and
the query parameters of the core's pages, API and commands, parsed once.

A parameter form takes a ``QueryDict`` or a plain dict; ``parse_params`` runs it and
raises Django's ``ValidationError`` keyed by parameter, which pages show in their
error box and the API turns into a 400 (``coding.api.errors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coding.models import (
    Adjudication,
    AssignmentStatus,
    AuditEvent,
    Case,
    Code,
    MeasurementLevel,
    Project,
    Role,
)
from coding.selectors import code_paths
from coding.selectors_audit import MAX_ID, AuditFilters, project_users


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    codebook = forms.ChoiceField(
        label=_("Start with"),
        choices=[
            (
                "regie",
                _(
                    "the regie codebook as a template: theory codes (Pröpper's director "
                    "types, regie components, coordination models, policy instruments, "
                    "relation types) and an empty actor branch for your own actors"
                ),
            ),
            ("empty", _("an empty codebook: you build your own")),
        ],
        initial="regie",
        widget=forms.RadioSelect,
    )
    blind_coding = forms.BooleanField(
        label=_("Blind coding: coders see only their own codings"),
        required=False,
        initial=True,
    )


class ProjectSettingsForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description", "blind_coding"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UploadForm(forms.Form):
    case = forms.ModelChoiceField(
        label=_("Case (respondent)"), queryset=Case.objects.none(), required=False
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.filter(project=project)


class DocumentEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    case = forms.ModelChoiceField(
        label=_("Case (respondent)"), queryset=Case.objects.none(), required=False
    )
    new_case = forms.CharField(label=_("or a new case"), max_length=200, required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.filter(project=project)


class CodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Definition"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    color = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#ffd966",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    shortcut = forms.CharField(
        label=_("Shortcut key"), max_length=1, required=False, strip=False
    )
    parent = forms.ModelChoiceField(
        label=_("Parent code"),
        queryset=Code.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    is_domain = forms.BooleanField(
        label=_("Domain: its sub-codes are mutually exclusive values"),
        required=False,
        help_text=_(
            "Agreement measures then compare which sub-code each coder applied, "
            "as one variable."
        ),
    )
    measurement_level = forms.ChoiceField(
        label=_("Level of measurement (domains only)"),
        choices=MeasurementLevel.choices,
        initial=MeasurementLevel.NOMINAL,
        required=False,
    )
    value = forms.FloatField(
        label=_("Value on the domain's scale (sub-codes of a domain only)"),
        required=False,
        localize=True,
    )

    def __init__(
        self, *args, project: Project, exclude: set[int] | None = None, **kwargs
    ):
        """``exclude``: codes that cannot be the parent (the code and its sub-codes)."""
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Code.objects.filter(project=project)
        paths = code_paths(project.pk, exclude=exclude)
        _path_choices(self.fields["parent"], paths, empty=_("(top level)"))

    def clean_measurement_level(self) -> str:
        return self.cleaned_data["measurement_level"] or MeasurementLevel.NOMINAL


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Code.objects.none())

    def __init__(self, *args, project: Project, exclude_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Code.objects.filter(project=project).exclude(
            pk=exclude_id
        )
        paths = code_paths(project.pk, exclude={exclude_id})
        _path_choices(self.fields["target"], paths, empty="---------")


def _path_choices(field: forms.ModelChoiceField, paths, *, empty) -> None:
    """Show codes by their full path in tree order, and let the page filter them as
    one types (``static/js/code-picker.js``; without JS a plain select)."""
    field.widget.choices = [("", empty), *paths]
    field.widget.attrs.update(
        {
            "data-code-picker": "",
            "data-filter-label": gettext("Filter by name"),
            "data-none": gettext("No code matches."),
        }
    )


class AssignmentStatusForm(forms.Form):
    """What a coder may set their own assignment to."""

    status = forms.ChoiceField(
        choices=[
            (AssignmentStatus.DONE, AssignmentStatus.DONE.label),
            (AssignmentStatus.IN_PROGRESS, AssignmentStatus.IN_PROGRESS.label),
        ]
    )


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CODER)


# ---------------------------------------------------------------- query parameters

ParamsForm = TypeVar("ParamsForm", bound=forms.Form)


def whole_number(raw: str) -> int | None:
    """A database id written in ASCII digits, else ``None``."""
    if not raw.isascii() or not raw.isdecimal() or int(raw) > MAX_ID:
        return None
    return int(raw)


class TextParam(forms.Field):
    """An optional text parameter, stripped; ``""`` when absent.

    A NUL character cannot be stored or searched in PostgreSQL text, so it is a
    readable error here rather than a 500 further down.
    """

    def __init__(self, *, allow_nul: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.allow_nul = allow_nul

    def to_python(self, value: Any) -> str:
        return str(value or "").strip()

    def validate(self, value: str) -> None:
        if not self.allow_nul and "\x00" in value:
            raise ValidationError(gettext("This value contains a NUL character."))


class NumberParam(forms.Field):
    """An optional whole number as Python's ``int()`` reads it; ``None`` when absent."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValidationError(
                gettext("“%(value)s” is not a number.") % {"value": value}
            ) from None


def parse_params(form: ParamsForm) -> ParamsForm:
    """Validate a parameter form; raise ``ValidationError`` keyed by parameter."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form


class AuditFilterForm(forms.Form):
    """The audit trail's filters; empty means "any". Bad values are named one by one."""

    document = TextParam()
    coder = TextParam()
    actor = TextParam()
    entity = TextParam()
    action = TextParam()
    since = TextParam()
    until = TextParam()

    def __init__(self, data: Mapping[str, Any], *, project_id: int) -> None:
        super().__init__(data)
        self.project_id = project_id

    def clean_document(self) -> int | None:
        raw = self.cleaned_data["document"]
        if not raw:
            return None
        number = whole_number(raw)
        if number is None:
            raise ValidationError(
                gettext("“%(value)s” is not a document id (a whole number).")
                % {"value": raw}
            )
        return number

    def clean_coder(self) -> frozenset[int] | None:
        return self._user_ids(self.cleaned_data["coder"])

    def clean_actor(self) -> frozenset[int] | None:
        return self._user_ids(self.cleaned_data["actor"])

    def clean_entity(self) -> str | None:
        return _one_of(self.cleaned_data["entity"], AuditEvent.Entity)

    def clean_action(self) -> str | None:
        return _one_of(self.cleaned_data["action"], AuditEvent.Action)

    def clean_since(self) -> dt.date | None:
        return _iso_date(self.cleaned_data["since"])

    def clean_until(self) -> dt.date | None:
        return _iso_date(self.cleaned_data["until"])

    def clean(self) -> dict[str, Any]:
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The end date lies before the start date."))
        return self.cleaned_data

    def _user_ids(self, raw: str) -> frozenset[int] | None:
        """Ids matching an id or a user name; an error when nobody matches."""
        if not raw:
            return None
        number = whole_number(raw)
        ids = set(
            project_users(self.project_id)
            .filter(username=raw)
            .values_list("pk", flat=True)
        )
        if number is not None:
            ids.add(number)  # also an account deleted since: its id stays in the trail
        if not ids:
            raise ValidationError(
                gettext(
                    "There is no user “%(value)s” in this project; give a user id "
                    "or user name."
                )
                % {"value": raw}
            )
        return frozenset(ids)

    @property
    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            document_id=data["document"],
            coder_ids=data["coder"],
            actor_ids=data["actor"],
            entity=data["entity"],
            action=data["action"],
            since=data["since"],
            until=data["until"],
        )


def _one_of(
    raw: str, choices: type[AuditEvent.Entity | AuditEvent.Action]
) -> str | None:
    if not raw:
        return None
    if raw not in choices.values:
        raise ValidationError(
            gettext("“%(value)s” is not one of: %(choices)s.")
            % {"value": raw, "choices": ", ".join(choices.values)}
        )
    return raw


def _iso_date(raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            gettext("“%(value)s” is not a date; write it as YYYY-MM-DD.")
            % {"value": raw}
        ) from None


def audit_filters(*, project_id: int, params: Mapping[str, Any]) -> AuditFilters:
    """The audit filters in ``params``; ``ValidationError`` names every bad value."""
    return parse_params(AuditFilterForm(params, project_id=project_id)).filters


class DocumentParamForm(forms.Form):
    """``?document=<id>``: only this document (API lists)."""

    document = NumberParam()


class AssignmentParamForm(DocumentParamForm):
    """``?document=<id>&coder=<id or user name>``: the assignments API's filters."""

    coder = TextParam()


class VersionDiffForm(forms.Form):
    """``?from=<number>&to=<number or current>``; both optional.

    Only their shape is read here: which versions exist is the service's
    (``codebook_compare``) to say, with its own messages keyed ``from``/``to``.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        # ``from`` is a Python keyword, so the fields are added by name.
        self.fields["from"] = TextParam(allow_nul=True)
        self.fields["to"] = TextParam(allow_nul=True)

    @property
    def refs(self) -> tuple[str, str]:
        return self.cleaned_data["from"], self.cleaned_data["to"]


@dataclass(frozen=True, slots=True)
class CoderPair:
    """Coders A and B (ids) chosen for a two-coder page, and why not, if not."""

    coder_a: int | None
    coder_b: int | None
    errors: list[str]


def coder_pair(params: Mapping[str, Any], coders: list[tuple[int, str]]) -> CoderPair:
    """Coders A and B from ``?a=&b=`` (ids), defaulting to the two busiest.

    ``coders`` are the document's coders, busiest first; an id outside them and
    the same coder twice are errors, each told once.
    """
    known = {uid for uid, _name in coders}
    errors: list[str] = []
    picked: list[int | None] = []
    for key, fallback in (("a", 0), ("b", 1)):
        raw = params.get(key) or ""
        if raw:
            value = int(raw) if raw.isdecimal() else None
            if value not in known:
                errors.append(
                    gettext("Coder “%(value)s” did not code this document.")
                    % {"value": raw}
                )
                value = None
        else:
            value = coders[fallback][0] if len(coders) > fallback else None
        picked.append(value)
    if picked[0] is not None and picked[0] == picked[1]:
        errors.append(gettext("Choose two different coders."))
    return CoderPair(coder_a=picked[0], coder_b=picked[1], errors=errors)


def posted_coder_ids(
    params: Mapping[str, Any], coders: list[tuple[int, str]]
) -> tuple[int, int] | None:
    """Coders A and B named in a POST; ``None`` unless both coded here and differ."""
    known = dict(coders)
    ids = [
        int(raw) if raw.isdecimal() else None
        for raw in (params.get("a") or "", params.get("b") or "")
    ]
    if ids[0] not in known or ids[1] not in known or ids[0] == ids[1]:
        return None
    return ids[0], ids[1]


def optional_int(value: Any) -> int | None:
    """A posted number, or ``None`` when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class PostedDecision:
    """An adjudication decision as posted; ``None`` where a number is missing or bad."""

    code_id: int | None
    unit_start: int | None
    unit_end: int | None
    index: int
    decision: str
    edited_span: tuple[int, int] | None

    @property
    def names_a_unit(self) -> bool:
        return None not in (self.code_id, self.unit_start, self.unit_end)


def posted_decision(params: Mapping[str, Any]) -> PostedDecision:
    """The adjudication form's fields; the edited span only for an "edited" decision."""
    decision = params.get("decision") or ""
    edited = None
    if decision == Adjudication.Decision.EDITED:
        start, end = optional_int(params.get("start")), optional_int(params.get("end"))
        edited = (start, end) if start is not None and end is not None else None
    return PostedDecision(
        code_id=optional_int(params.get("code")),
        unit_start=optional_int(params.get("unit_start")),
        unit_end=optional_int(params.get("unit_end")),
        index=optional_int(params.get("i")) or 0,
        decision=decision,
        edited_span=edited,
    )


def digit_ids(values: list[str]) -> list[int]:
    """The ids in a posted multi-select, ignoring anything that is not digits."""
    return [int(v) for v in values if v.isdecimal()]
