"""Forms of the workbench pages (validation of shape; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coding.models import Case, Code, MeasurementLevel, Project, Role


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    codebook = forms.ChoiceField(
        label=_("Start with"),
        choices=[
            ("regie", _("the regie codebook (Pröpper, instruments, actors)")),
            ("empty", _("an empty codebook")),
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

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Code.objects.filter(project=project)

    def clean_measurement_level(self) -> str:
        return self.cleaned_data["measurement_level"] or MeasurementLevel.NOMINAL


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Code.objects.none())

    def __init__(self, *args, project: Project, exclude_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Code.objects.filter(project=project).exclude(
            pk=exclude_id
        )


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CODER)
