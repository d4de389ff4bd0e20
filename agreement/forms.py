"""Parameters of the agreement pages, API and command, parsed once.

``AgreementSelectionForm`` reads what to compare (``documents``, ``coders``,
``codes``, ``unit``, ``measure``, ``n_resamples``, ``seed`` and the four
thresholds) from a ``QueryDict`` (a page's POST, the API's query string) or a plain
dict (the ``agreement`` command, tests). Lists may be comma-separated, repeated
(``?codes=1,2&codes=3``) or Python lists. Every parameter gets one readable
message; the three entry points call ``agreement_selection_from_params``, which
raises them as one ``ValidationError`` (a 400 in the API, a list on the page, a
``CommandError`` in the command). ``ThresholdsForm`` re-colours a stored run;
``RunViewForm``, ``CsvFormatForm`` and ``DisagreementsForm`` read the run pages'
query parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreement.report import DEFAULT_MEASURES, MEASURES, MEASURES_BY_UNIT, TURN, UNITS
from agreement.results import Group, Report, Variable
from agreement.services import (
    MAX_RESAMPLES,
    THRESHOLD_KEYS,
    AgreementSelection,
    agreement_settings,
    clean_thresholds,
    ordered_codes,
    project_coders,
)
from coding.models import Document, Membership, Project

User = get_user_model()
MAX_SEED = 2**31 - 1


def tokens(params: Mapping, name: str) -> list[str]:
    """Comma-separated values, given once or repeated (``?codes=1,2&codes=3``)."""
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        value = params.get(name)
        raw = (
            []
            if value in (None, "")
            else list(value)
            if isinstance(value, list | tuple)
            else [value]
        )
    return [
        part.strip() for item in raw for part in str(item).split(",") if part.strip()
    ]


class TokensInput(forms.Widget):
    """Reads a list parameter as its tokens, under one or more names."""

    def __init__(self, *, names: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.names = names

    def value_from_datadict(self, data, files, name: str) -> list[str]:
        return [token for key in self.names or (name,) for token in tokens(data, key)]


class FirstValueInput(forms.Widget):
    """Reads one raw value (the first of a list)."""

    def value_from_datadict(self, data, files, name: str) -> Any:
        raw = data.get(name)
        if isinstance(raw, list | tuple):
            raw = raw[0] if raw else None
        return raw


def _raw_field(widget: forms.Widget) -> forms.Field:
    """A field that hands the raw value to ``clean()``, where the rules live."""
    return forms.Field(required=False, widget=widget)


class AgreementSelectionForm(forms.Form):
    """What to compare, checked against the project; ``selection`` once valid."""

    unit = _raw_field(TokensInput())
    measure = _raw_field(TokensInput(names=("measure", "measures")))
    documents = _raw_field(TokensInput())
    coders = _raw_field(TokensInput())
    codes = _raw_field(TokensInput())
    n_resamples = _raw_field(TokensInput())
    seed = _raw_field(TokensInput())
    good = _raw_field(FirstValueInput())
    tentative = _raw_field(FirstValueInput())
    percent_good = _raw_field(FirstValueInput())
    percent_tentative = _raw_field(FirstValueInput())

    def __init__(self, data: Mapping, *, project: Project) -> None:
        super().__init__(data)
        self.project = project
        self.selection: AgreementSelection | None = None

    def clean(self) -> dict:
        raw = dict(self.cleaned_data)
        defaults = agreement_settings(self.project)
        unit = self._clean_unit(raw["unit"])
        measures = self._clean_measures(raw["measure"], unit)
        documents = self._clean_documents(raw["documents"])
        coders = self._clean_coders(raw["coders"], documents)
        codes = self._clean_codes(raw["codes"])
        n_resamples = self._clean_int(
            "n_resamples", raw["n_resamples"], defaults.n_resamples, MAX_RESAMPLES
        )
        seed = self._clean_int("seed", raw["seed"], defaults.seed, MAX_SEED)
        thresholds = self._clean_thresholds(raw, defaults)
        if not self.errors:
            self.selection = AgreementSelection(
                documents=tuple(documents),
                coders=tuple(coders),
                codes=tuple(codes),
                unit=unit,
                measures=tuple(measures),
                n_resamples=n_resamples,
                seed=seed,
                thresholds=thresholds,
            )
        return raw

    def validation_error(self) -> ValidationError:
        """The form's errors as the one ``ValidationError`` services raise."""
        return ValidationError(
            {name: errors.as_data() for name, errors in self.errors.items()}
        )

    # The steps of ``clean``: each adds its message and returns a usable value.

    def _clean_unit(self, given: list[str]) -> str:
        unit = (given or [TURN])[0]
        if unit in UNITS:
            return unit
        self.add_error(
            "unit",
            _("Unknown unit “%(unit)s”; use one of: %(units)s.")
            % {"unit": unit, "units": ", ".join(UNITS)},
        )
        return TURN

    def _clean_measures(self, given: list[str], unit: str) -> list[str]:
        for measure in given:
            if measure not in MEASURES:
                self.add_error(
                    "measure",
                    _("Unknown measure “%(measure)s”; use one of: %(measures)s.")
                    % {"measure": measure, "measures": ", ".join(MEASURES)},
                )
                break
            if measure not in MEASURES_BY_UNIT[unit]:
                self.add_error(
                    "measure",
                    _(
                        "“%(measure)s” is not available for the unit “%(unit)s”; for "
                        "this unit use: %(measures)s."
                    )
                    % {
                        "measure": measure,
                        "unit": unit,
                        "measures": ", ".join(MEASURES_BY_UNIT[unit]),
                    },
                )
                break
        return list(dict.fromkeys(given)) or list(DEFAULT_MEASURES[unit])

    def _id_list(self, name: str, given: list[str]) -> list[int] | None:
        """Whole numbers, duplicates dropped; ``None`` when absent or invalid."""
        if not given:
            return None
        for token in given:
            if not token.isdecimal():
                self.add_error(
                    name,
                    _("“%(value)s” is not an id (a whole number).") % {"value": token},
                )
                return None
        return list(dict.fromkeys(int(token) for token in given))

    def _known_in_order(
        self, name: str, chosen: list[int], known: list[int], message: str
    ) -> list[int]:
        """The chosen ids the project knows, in the project's order."""
        unknown = [i for i in chosen if i not in set(known)]
        if unknown:
            self.add_error(name, message % {"id": unknown[0]})
        order = {item: index for index, item in enumerate(known)}
        return sorted((i for i in chosen if i in order), key=order.get)

    def _clean_documents(self, given: list[str]) -> list[int]:
        every = list(
            Document.objects.filter(project=self.project)
            .order_by("title", "id")
            .values_list("pk", flat=True)
        )
        chosen = self._id_list("documents", given)
        documents = (
            every
            if chosen is None
            else self._known_in_order(
                "documents",
                chosen,
                every,
                _("Document %(id)s is not in this project."),
            )
        )
        if not documents and not self.has_error("documents"):
            self.add_error(
                "documents", _("This project has no documents to compare yet.")
            )
        return documents

    def _members(self) -> dict[str, int]:
        """User name → id of the members, and of the consensus layer."""
        project = self.project
        members = dict(
            Membership.objects.filter(project=project).values_list(
                "user__username", "user_id"
            )
        )
        if project.consensus_user_id:
            consensus = User.objects.filter(pk=project.consensus_user_id).first()
            if consensus is not None:
                members[consensus.username] = consensus.pk
        return members

    def _chosen_coders(self, given: list[str]) -> list[int]:
        members = self._members()
        by_id = set(members.values())
        coders = []
        for token in given:
            if token.isdecimal() and int(token) in by_id:
                coders.append(int(token))
            elif token in members:
                coders.append(members[token])
            else:
                self.add_error(
                    "coders",
                    _(
                        "“%(value)s” is not a member of this project (give user ids "
                        "or user names)."
                    )
                    % {"value": token},
                )
                break
        return list(dict.fromkeys(coders))

    def _clean_coders(self, given: list[str], documents: list[int]) -> list[int]:
        if given:
            coders = self._chosen_coders(given)
        else:
            coders = [uid for uid, _name in project_coders(self.project, documents)]
        if not self.has_error("coders") and len(coders) < 2:
            self.add_error(
                "coders",
                _("Agreement needs at least two coders; choose another one.")
                if given
                else _(
                    "Agreement needs at least two coders; these documents have %(n)d."
                )
                % {"n": len(coders)},
            )
        return sorted(coders)

    def _clean_codes(self, given: list[str]) -> list[int]:
        every = [code.pk for code, _path in ordered_codes(self.project)]
        chosen = self._id_list("codes", given)
        codes = (
            every
            if chosen is None
            else self._known_in_order(
                "codes", chosen, every, _("Code %(id)s is not in this project.")
            )
        )
        if not codes and not self.has_error("codes"):
            self.add_error(
                "codes", _("The codebook is empty: there is nothing to compare.")
            )
        return codes

    def _clean_int(self, name: str, given: list[str], default: int, high: int) -> int:
        if not given:
            return default
        try:
            value = int(given[0])
        except ValueError:
            self.add_error(
                name, _("“%(value)s” is not a whole number.") % {"value": given[0]}
            )
            return default
        if not 0 <= value <= high:
            self.add_error(
                name,
                _("%(name)s must lie between %(low)d and %(high)d.")
                % {"name": name, "low": 0, "high": high},
            )
        return value

    def _clean_float(self, name: str, raw: Any, default: float) -> float:
        """A decimal number; a decimal comma (0,8) is fine too."""
        if raw in (None, ""):
            return default
        try:
            return float(str(raw).strip().replace(",", "."))
        except ValueError:
            self.add_error(name, _("“%(value)s” is not a number.") % {"value": raw})
            return default

    def _clean_thresholds(self, raw: dict, defaults) -> dict[str, float]:
        thresholds = {
            key: self._clean_float(key, raw[key], getattr(defaults, key))
            for key in THRESHOLD_KEYS
        }
        if any(self.has_error(key) for key in THRESHOLD_KEYS):
            return thresholds
        try:
            return clean_thresholds(thresholds)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                self.add_error(key, messages[0])
            return thresholds


def agreement_selection_from_params(
    project: Project, params: Mapping
) -> AgreementSelection:
    """The selection the parameters ask for; a ``ValidationError`` (one message per
    parameter) when they do not make one."""
    form = AgreementSelectionForm(params, project=project)
    if not form.is_valid():
        raise form.validation_error()
    assert form.selection is not None
    return form.selection


class ThresholdsForm(forms.Form):
    """New thresholds for a stored run (and, on request, for the project)."""

    good = forms.FloatField(
        label=gettext_lazy("Good from"), min_value=-1, max_value=1, localize=True
    )
    tentative = forms.FloatField(
        label=gettext_lazy("Tentative from"), min_value=-1, max_value=1, localize=True
    )
    percent_good = forms.FloatField(
        label=gettext_lazy("Percentage agreement good from"),
        min_value=0,
        max_value=100,
        localize=True,
    )
    percent_tentative = forms.FloatField(
        label=gettext_lazy("Percentage agreement tentative from"),
        min_value=0,
        max_value=100,
        localize=True,
    )
    remember = forms.BooleanField(
        label=gettext_lazy("Use these thresholds for new runs of this project"),
        required=False,
    )


class RunViewForm(forms.Form):
    """What the run page shows: one coder group (or all) and one document (or the
    figures pooled over the documents). Unknown values fall back to all."""

    group = forms.CharField(required=False, strip=False)
    document = forms.CharField(required=False, strip=False)

    def __init__(self, data: Mapping, *, report: Report) -> None:
        super().__init__(data)
        self.report = report

    def clean_group(self) -> str:
        group = self.cleaned_data["group"]
        return group if group and self.report.group(group) is not None else ""

    def clean_document(self) -> int | None:
        raw = self.cleaned_data["document"]
        document = int(raw) if raw.isdecimal() else None
        known = {d.id for d in self.report.documents}
        return document if document in known else None


class CsvFormatForm(forms.Form):
    """The CSV dialect: ``delimiter`` (``;`` or ``tab``, else a comma) and
    ``decimal=comma`` for Dutch spreadsheets."""

    delimiter = forms.CharField(required=False, strip=False)
    decimal = forms.CharField(required=False, strip=False)

    def clean_delimiter(self) -> str:
        return {";": ";", "tab": "\t"}.get(self.cleaned_data["delimiter"], ",")

    def clean_decimal(self) -> bool:
        return self.cleaned_data["decimal"] == "comma"


class DisagreementsForm(forms.Form):
    """Which variable (a code or domain) and coder pair the disagreement list
    shows; the pair defaults to the first. Invalid when either is unknown."""

    variable = forms.CharField(required=False, strip=False)
    pair = forms.CharField(required=False, strip=False)

    def __init__(self, data: Mapping, *, report: Report) -> None:
        super().__init__(data)
        self.report = report

    def clean_variable(self) -> Variable:
        variable = self.report.variable(self.cleaned_data["variable"])
        if variable is None or not variable.explorable:
            raise ValidationError("unknown variable", code="unknown")
        return variable

    def clean_pair(self) -> Group:
        pairs = self.report.pairs
        key = self.cleaned_data["pair"] or (pairs[0].key if pairs else "")
        pair = next((g for g in pairs if g.key == key), None)
        if pair is None:
            raise ValidationError("unknown coder pair", code="unknown")
        return pair
