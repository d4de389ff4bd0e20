"""Analysis queries: Django forms in, plain normalised parameters out.

Each page and its API endpoint parse the query string with the same form
(``WordQueryForm`` …, or its shortcut ``*_query_from_params``), so both accept exactly the same filters (those of
the coded segments page, ``coding.segments.segment_filter_from_params``, plus the
query's own options) and give the same readable ``ValidationError``s. A query is a
frozen dataclass; ``query_json`` turns it into the JSON stored on an
``AnalysisResult`` (and hashed for its cache key), ``query_from_json`` back.

Normalisation drops what cannot change the answer (the coding filters of a word
count over whole documents, the attribute name when grouping by document), so the
same question asked in different words shares one stored result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from analysis.text.autocode import compile_search
from coding.segments import SegmentFilter, segment_filter_from_params

WORD_GROUPS = ("project", "document", "speaker", "attribute", "code")
STOP_LANGUAGES = ("nl", "en")
COOCCURRENCE_MODES = ("overlap", "turn")
MATRIX_COLUMNS = ("attribute", "document", "coder")
MATRIX_CELLS = ("segments", "cases", "words")
SEARCH_KINDS = ("keyword", "phrase", "regex")
EXPANSIONS = ("", "sentence", "turn")
LEVEL_ATTRIBUTE = "niveau"  # the respondent level in the thesis' case attributes
MAX_TOP = 500
MAX_MIN_LENGTH = 50
MAX_SPEAKERS = 20


@dataclass(frozen=True)
class WordQuery:
    """Top words per project, document, speaker, case attribute value or code."""

    group: str = "project"
    attribute: str = ""
    stop: tuple[str, ...] = STOP_LANGUAGES
    stem: bool = False
    language: str = "nl"
    min_length: int = 3
    top: int = 50
    filter: SegmentFilter = field(default_factory=SegmentFilter)

    @property
    def uses_codings(self) -> bool:
        return self.group == "code"


@dataclass(frozen=True)
class MentionQuery:
    """Mentions of every actor per document, case and respondent level."""

    level_attribute: str = LEVEL_ATTRIBUTE
    filter: SegmentFilter = field(default_factory=SegmentFilter)
    uses_codings = False


@dataclass(frozen=True)
class CooccurrenceQuery:
    mode: str = "overlap"
    filter: SegmentFilter = field(default_factory=SegmentFilter)
    uses_codings = True


@dataclass(frozen=True)
class MatrixQuery:
    columns: str = "attribute"
    attribute: str = LEVEL_ATTRIBUTE
    cell: str = "segments"
    rolled: bool = True
    filter: SegmentFilter = field(default_factory=SegmentFilter)
    uses_codings = True


@dataclass(frozen=True)
class AutocodeQuery:
    """What to search and where; the code to apply is chosen when applying."""

    pattern: str = ""
    kind: str = "keyword"
    whole_word: bool = True
    case_sensitive: bool = False
    expand: str = ""
    speakers: tuple[str, ...] = ()
    filter: SegmentFilter = field(default_factory=SegmentFilter)
    uses_codings = False


QUERY_TYPES = {
    "words": WordQuery,
    "mentions": MentionQuery,
    "cooccurrence": CooccurrenceQuery,
    "matrix": MatrixQuery,
    "autocode_preview": AutocodeQuery,
}


# --- JSON ---------------------------------------------------------------------------


def query_json(query: Any) -> dict[str, Any]:
    """The query as JSON-ready data (tuples become lists)."""
    return _plain(dataclasses.asdict(query))


def query_from_json(kind: str, data: Mapping[str, Any]) -> Any:
    cls = QUERY_TYPES[kind]
    names = {f.name for f in dataclasses.fields(cls)}
    values = {k: v for k, v in data.items() if k in names}
    if "filter" in values:
        values["filter"] = _filter_from_json(values["filter"])
    for name in ("stop", "speakers"):
        if name in values:
            values[name] = tuple(values[name])
    return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _filter_from_json(data: Mapping[str, Any]) -> SegmentFilter:
    return SegmentFilter(
        codes=tuple(data.get("codes", ())),
        include_subcodes=bool(data.get("include_subcodes", True)),
        match_all=bool(data.get("match_all", False)),
        coders=tuple(data.get("coders", ())),
        documents=tuple(data.get("documents", ())),
        attributes=tuple(tuple(pair) for pair in data.get("attributes", ())),
        text=data.get("text", ""),
        memo=data.get("memo", ""),
    )


def _sorted_filter(f: SegmentFilter) -> SegmentFilter:
    """The filter with its lists in a canonical order (the same cache key)."""
    return dataclasses.replace(
        f,
        codes=tuple(sorted(set(f.codes))),
        coders=tuple(sorted(set(f.coders))),
        documents=tuple(sorted(set(f.documents))),
        attributes=tuple(sorted(set(f.attributes))),
    )


def documents_only(f: SegmentFilter) -> SegmentFilter:
    """Keep only the filters that pick documents (for queries over whole texts)."""
    return SegmentFilter(documents=f.documents, attributes=f.attributes)


# --- parsing: one Django form per parameter set ------------------------------------
#
# Pages, the API and scripts hand the query string (a ``QueryDict``) or a plain dict
# to the same form; ``query()`` gives the typed, normalised query or raises a
# ``ValidationError`` naming the first parameter that is wrong, in the words the
# pages and the API have always used.


class Param(forms.Field):
    """A query parameter, kept as sent until the form's ``build`` parses it with
    ``parse`` — in the order the checks have always run, so a request with two
    mistakes is told about the same one as before."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> Any:
        return value

    def parse(self, value: Any) -> Any:
        return value


class ChoiceParam(Param):
    """One of ``choices``; empty means ``default``."""

    def __init__(self, choices: tuple[str, ...], default: str) -> None:
        super().__init__()
        self.choices, self.default = choices, default

    def parse(self, value: Any) -> str:
        value = self.default if value in (None, "") else str(value).strip()
        if value not in self.choices:
            raise ValidationError(
                _("Choose %(name)s from %(choices)s.")
                % {
                    "name": self.param,
                    "choices": ", ".join(c or "none" for c in self.choices),
                }
            )
        return value


class BoolParam(Param):
    """``1/true/yes/on`` or ``0/false/no/off``; empty means ``default``."""

    def __init__(self, default: bool) -> None:
        super().__init__()
        self.default = default

    def parse(self, value: Any) -> bool:
        text = str("" if value is None else value).strip().lower()
        if text == "":
            return self.default
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ValidationError(_("Use %(name)s=1 or %(name)s=0.") % {"name": self.param})


class IntParam(Param):
    """A whole number from ``low`` to ``high``; empty means ``default``."""

    def __init__(self, default: int, low: int, high: int) -> None:
        super().__init__()
        self.default, self.low, self.high = default, low, high

    def parse(self, value: Any) -> int:
        raw = str("" if value is None else value).strip()
        if raw == "":
            return self.default
        if not raw.isdecimal() or not self.low <= int(raw) <= self.high:
            raise ValidationError(
                _("%(name)s must be a whole number from %(low)d to %(high)d.")
                % {"name": self.param, "low": self.low, "high": self.high}
            )
        return int(raw)


class AttributeParam(Param):
    """A case attribute's name (spaces collapsed); empty means ``default``."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def parse(self, value: Any) -> str:
        value = " ".join(str(value or self.default).split())
        if not value:
            raise ValidationError(_("Name the case attribute, e.g. niveau."))
        if len(value) > 100:
            raise ValidationError(_("That attribute name is too long."))
        return value


class ListParam(Param):
    """Every value of a repeated parameter (a ``QueryDict``), or the one value a
    plain dict holds (a string, or a list)."""

    class Widget(forms.Widget):
        def value_from_datadict(self, data, files, name):
            getlist = getattr(data, "getlist", None)
            if getlist is not None:
                return getlist(name)
            value = data.get(name)
            if value in (None, ""):
                return []
            return [value] if isinstance(value, str) else list(value)

    widget = Widget

    def parse(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]


def segment_params(params: Mapping) -> Mapping:
    """``params`` with repeated ``codes``, ``coders`` and ``documents`` (a form's
    multiple select) joined into the comma-separated lists the filter reads."""
    getlist = getattr(params, "getlist", None)
    if getlist is None:
        return params
    joined = params.copy()
    for name in ("codes", "coders", "documents"):
        values = [v.strip() for v in getlist(name) if v.strip()]
        if len(values) > 1:
            joined[name] = ",".join(values)
    return joined


class QueryForm(forms.Form):
    """The parameters of one analysis query plus the coded segments page's filters
    (``coding.segments.segment_filter_from_params``, whose parameters are listed
    here so that their errors belong to them), read from ``params``."""

    codes = Param()
    subcodes = Param()
    match = Param()
    coders = Param()
    documents = Param()
    attribute = Param()
    text = Param()
    memo = Param()

    def __init__(self, params: Mapping, *, project_id: int | None = None) -> None:
        super().__init__(data=params)
        self.project_id = project_id  # user names in ``coders`` are its users'
        for name, form_field in self.fields.items():
            form_field.param = name  # named in the error messages

    def query(self) -> Any:
        """The typed query, or the first parameter's error as a ``ValidationError``."""
        if not self.is_valid():
            name, errors = next(iter(self.errors.as_data().items()))
            raise ValidationError({name: errors[0].messages})
        return self.cleaned_data["query"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["query"] = self.build()
        except ValidationError as error:
            name, messages = next(iter(error.message_dict.items()))
            if name not in self.fields:  # a filter parameter the core added
                self.fields[name] = Param()
            self.add_error(name, messages)
        return data

    def param(self, name: str) -> Any:
        """The parsed value of one parameter (its error names it)."""
        try:
            return self.fields[name].parse(self.cleaned_data.get(name))
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None

    def segment_filter(self) -> SegmentFilter:
        return _sorted_filter(
            segment_filter_from_params(
                segment_params(self.data), project_id=self.project_id
            )
        )

    def build(self) -> Any:
        """The typed query of this form's kind; each query form defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define build()")


class WordQueryForm(QueryForm):
    """``group, attribute_name, stop, stem, language, min_length, top`` + filters.

    ``stop`` lists the stop lists to apply (``nl,en`` by default, ``none`` for
    none). The coding filters (codes, coders, text, memo, match) only apply when
    grouping by code; documents and case attributes always pick the texts.
    """

    group = ChoiceParam(WORD_GROUPS, "project")
    stop = ListParam()
    attribute_name = AttributeParam(LEVEL_ATTRIBUTE)
    stem = BoolParam(False)
    language = ChoiceParam(STOP_LANGUAGES, "nl")
    min_length = IntParam(3, 1, MAX_MIN_LENGTH)
    top = IntParam(50, 1, MAX_TOP)

    def build(self) -> WordQuery:
        group = self.param("group")
        stop = self._stop()
        segment_filter = self.segment_filter()
        return WordQuery(
            group=group,
            attribute=self.param("attribute_name") if group == "attribute" else "",
            stop=stop,
            stem=self.param("stem"),
            language=self.param("language"),
            min_length=self.param("min_length"),
            top=self.param("top"),
            filter=segment_filter
            if group == "code"
            else documents_only(segment_filter),
        )

    def _stop(self) -> tuple[str, ...]:
        values = self.param("stop")
        if not any(v.strip() for v in values):
            values = list(STOP_LANGUAGES)
        # Several values (a form's checkboxes) or one comma-separated list; "none"
        # stands for no list (a form sends it as a hidden field beside the boxes).
        stop = tuple(
            part.strip()
            for value in values
            for part in value.lower().split(",")
            if part.strip() and part.strip() != "none"
        )
        bad = [s for s in stop if s not in STOP_LANGUAGES]
        if bad:
            raise ValidationError(
                {
                    "stop": _("Stop lists are nl and en (or none), not “%(v)s”.")
                    % {"v": bad[0]}
                }
            )
        return tuple(sorted(set(stop)))


class MentionQueryForm(QueryForm):
    """``level`` (the respondent-level attribute, default niveau) + document filters."""

    level = AttributeParam(LEVEL_ATTRIBUTE)

    def build(self) -> MentionQuery:
        return MentionQuery(
            level_attribute=self.param("level"),
            filter=documents_only(self.segment_filter()),
        )


class CooccurrenceQueryForm(QueryForm):
    """``mode`` (overlap or turn) + segment filters."""

    mode = ChoiceParam(COOCCURRENCE_MODES, "overlap")

    def build(self) -> CooccurrenceQuery:
        return CooccurrenceQuery(mode=self.param("mode"), filter=self.segment_filter())


class MatrixQueryForm(QueryForm):
    """``columns, attribute_name, cell, rolled`` + segment filters.

    ``attribute`` stays the segment filter (``name=value``); ``attribute_name``
    names the attribute whose values are the columns.
    """

    columns = ChoiceParam(MATRIX_COLUMNS, "attribute")
    attribute_name = AttributeParam(LEVEL_ATTRIBUTE)
    cell = ChoiceParam(MATRIX_CELLS, "segments")
    rolled = BoolParam(True)

    def build(self) -> MatrixQuery:
        columns = self.param("columns")
        return MatrixQuery(
            columns=columns,
            attribute=self.param("attribute_name") if columns == "attribute" else "",
            cell=self.param("cell"),
            rolled=self.param("rolled"),
            filter=self.segment_filter(),
        )


class AutocodeQueryForm(QueryForm):
    """``pattern, kind, whole_word, case_sensitive, expand, speaker`` + documents.

    Without a pattern, ``speaker`` (repeatable) codes every turn of those speakers;
    with both, only hits inside their turns. A bad or runaway regular expression is
    a ``ValidationError`` naming the problem.
    """

    pattern = Param()
    speaker = ListParam()
    kind = ChoiceParam(SEARCH_KINDS, "keyword")
    whole_word = BoolParam(True)
    case_sensitive = BoolParam(False)
    expand = ChoiceParam(EXPANSIONS, "")

    def build(self) -> AutocodeQuery:
        pattern = str(self.cleaned_data.get("pattern") or "").strip()
        speakers = self._speakers()
        query = AutocodeQuery(
            pattern=pattern,
            kind=self.param("kind"),
            whole_word=self.param("whole_word"),
            case_sensitive=self.param("case_sensitive"),
            expand=self.param("expand"),
            speakers=speakers,
            filter=documents_only(self.segment_filter()),
        )
        _check_search(query)
        return query

    def _speakers(self) -> tuple[str, ...]:
        raw = self.param("speaker")
        speakers = tuple(sorted({" ".join(s.split()) for s in raw if s and s.strip()}))
        if len(speakers) > MAX_SPEAKERS:
            raise ValidationError(
                {"speaker": _("Choose at most %(n)d speakers.") % {"n": MAX_SPEAKERS}}
            )
        return speakers


def _check_search(query: AutocodeQuery) -> None:
    if not query.pattern and not query.speakers:
        raise ValidationError(
            {
                "pattern": _(
                    "Enter a word, phrase or pattern to search for, or choose a "
                    "speaker whose turns to code."
                )
            }
        )
    if query.pattern:
        try:
            compile_search(
                query.pattern,
                kind=query.kind,
                whole_word=query.whole_word,
                case_sensitive=query.case_sensitive,
            )
        except ValueError as error:
            raise ValidationError({"pattern": str(error)}) from None


def word_query_from_params(
    params: Mapping, *, project_id: int | None = None
) -> WordQuery:
    return WordQueryForm(params, project_id=project_id).query()


def mention_query_from_params(
    params: Mapping, *, project_id: int | None = None
) -> MentionQuery:
    return MentionQueryForm(params, project_id=project_id).query()


def cooccurrence_query_from_params(
    params: Mapping, *, project_id: int | None = None
) -> CooccurrenceQuery:
    return CooccurrenceQueryForm(params, project_id=project_id).query()


def matrix_query_from_params(
    params: Mapping, *, project_id: int | None = None
) -> MatrixQuery:
    return MatrixQueryForm(params, project_id=project_id).query()


def autocode_query_from_params(
    params: Mapping, *, project_id: int | None = None
) -> AutocodeQuery:
    return AutocodeQueryForm(params, project_id=project_id).query()
