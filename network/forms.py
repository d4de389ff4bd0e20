"""The network's parameters, parsed once for the page, the API and ``manage.py
network``: each passes what it got (a ``QueryDict`` or the command's options as a
dict) to ``NetworkFiltersForm`` and asks it for ``filters()``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coding.models import Project
from coding.segments import SegmentFilter, segment_filter_from_params
from network.filters import CONSENSUS, NetworkFilters

FALSE_WORDS = {"", "0", "false", "no", "off"}


def _as_list(value: Any) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class ListParam(forms.Field):
    """A parameter given comma-separated, repeated (``flows=a&flows=b``) or as a
    list; cleaned to one comma-separated string."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> str:
        return ",".join(str(v) for v in _as_list(value) if v not in (None, ""))


class RepeatedParam(forms.Field):
    """A parameter that may repeat (``attribute=a=b&attribute=c=d``); cleaned to
    the list of its non-empty values."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [v for v in _as_list(value) if v]


class FlagParam(forms.Field):
    """On unless absent or one of ``0, false, no, off`` (a command's ``True`` too)."""

    def to_python(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        return str(value or "").strip().lower() not in FALSE_WORDS


class NetworkFiltersForm(forms.Form):
    """``flows, coders, documents, attribute, co_mentions`` of a network.

    ``flows`` are comma-separated flow-type keys of the project (unknown keys are an
    error); ``coders`` takes user ids or usernames, or ``consensus`` for the
    consensus layer only; ``documents`` ids; ``attribute`` is ``name=value`` and may
    repeat (``niveau=middenveld``). Without ``flows``, ``default_flows`` apply.
    The first wrong parameter is the form's one error, under its name.
    """

    flows = ListParam(required=False)
    coders = ListParam(required=False)
    documents = ListParam(required=False)
    attribute = RepeatedParam(required=False)
    co_mentions = FlagParam(required=False)

    def __init__(
        self,
        data: Mapping,
        *,
        project: Project,
        default_flows: tuple[str, ...] = (),
    ) -> None:
        super().__init__(data)
        self.project = project
        self.default_flows = default_flows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["filters"] = self._filters(data)
        except ValidationError as error:
            self.add_error(None, error)
        return data

    def filters(self) -> NetworkFilters:
        """The parsed filters, or ``ValidationError`` naming the wrong parameter."""
        if not self.is_valid():
            raise ValidationError(self.errors.as_data())
        return self.cleaned_data["filters"]

    def _filters(self, data: dict[str, Any]) -> NetworkFilters:
        coders = [p.strip() for p in data["coders"].split(",")]
        parsed = self._segment_filter(coders, data)
        self._check_attributes(parsed)
        return NetworkFilters(
            flows=self._flows(data["flows"]),
            coders=tuple(sorted(set(parsed.coders))),
            consensus=CONSENSUS in {p.lower() for p in coders},
            documents=tuple(sorted(set(parsed.documents))),
            attributes=tuple(sorted(set(parsed.attributes))),
            co_mentions=data["co_mentions"],
        )

    def _segment_filter(self, coders: list[str], data: dict[str, Any]) -> SegmentFilter:
        """Coders, documents and attributes read as the coded-segment filter does."""
        return segment_filter_from_params(
            project_id=self.project.pk,
            params={
                "coders": ",".join(p for p in coders if p and p.lower() != CONSENSUS),
                "documents": data["documents"],
                "attribute": data["attribute"],
            },
        )

    def _check_attributes(self, parsed: SegmentFilter) -> None:
        """Every filtered attribute must be one some case of the project has."""
        if not parsed.attributes:
            return
        known: set[str] = set()
        for values in self.project.cases.values_list("attributes", flat=True):
            known.update(values or {})
        unknown = sorted(
            {n for n, _v in parsed.attributes if n not in known or "__" in n}
        )
        if unknown:
            raise ValidationError(
                {
                    "attribute": _("No case has an attribute “%(name)s”.")
                    % {"name": unknown[0]}
                }
            )

    def _flows(self, raw: str) -> tuple[str, ...]:
        """The project's flow-type keys asked for, else the defaults."""
        flows = tuple(sorted({p.strip() for p in raw.split(",") if p.strip()}))
        if not flows:
            return tuple(sorted(self.default_flows))
        known = set(self.project.flow_types.values_list("key", flat=True))
        unknown = sorted(set(flows) - known)
        if unknown:
            raise ValidationError(
                {
                    "flows": _("“%(key)s” is not a flow type of this project.")
                    % {"key": unknown[0]}
                }
            )
        return flows
