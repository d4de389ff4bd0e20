"""Analysis queries as plain, normalised parameters.

Each page and its API endpoint parse the query string with the same
``*_query_from_params`` function, so both accept exactly the same filters (those of
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


# --- parsing ------------------------------------------------------------------------


def _choice(params: Mapping, name: str, choices: tuple[str, ...], default: str) -> str:
    value = params.get(name, default)
    value = default if value in (None, "") else str(value).strip()
    if value not in choices:
        raise ValidationError(
            {
                name: _("Choose %(name)s from %(choices)s.")
                % {"name": name, "choices": ", ".join(c or "none" for c in choices)}
            }
        )
    return value


def _bool(params: Mapping, name: str, default: bool) -> bool:
    value = str(params.get(name, "")).strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValidationError({name: _("Use %(name)s=1 or %(name)s=0.") % {"name": name}})


def _int(params: Mapping, name: str, default: int, low: int, high: int) -> int:
    raw = str(params.get(name, "")).strip()
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationError(
            {
                name: _("%(name)s must be a whole number from %(low)d to %(high)d.")
                % {"name": name, "low": low, "high": high}
            }
        )
    return int(raw)


def _attribute_name(params: Mapping, name: str, default: str) -> str:
    value = " ".join(str(params.get(name, "") or default).split())
    if not value:
        raise ValidationError({name: _("Name the case attribute, e.g. niveau.")})
    if len(value) > 100:
        raise ValidationError({name: _("That attribute name is too long.")})
    return value


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


def _filter(params: Mapping) -> SegmentFilter:
    return _sorted_filter(segment_filter_from_params(segment_params(params)))


def word_query_from_params(params: Mapping) -> WordQuery:
    """``group, attribute_name, stop, stem, language, min_length, top`` + filters.

    ``stop`` lists the stop lists to apply (``nl,en`` by default, ``none`` for
    none). The coding filters (codes, coders, text, memo, match) only apply when
    grouping by code; documents and case attributes always pick the texts.
    """
    group = _choice(params, "group", WORD_GROUPS, "project")
    getlist = getattr(params, "getlist", None)
    values = getlist("stop") if getlist else [params.get("stop", "")]
    if not any(str(v).strip() for v in values):
        values = list(STOP_LANGUAGES)
    # Several values (a form's checkboxes) or one comma-separated list; "none"
    # stands for no list (a form sends it as a hidden field beside the boxes).
    stop = tuple(
        part.strip()
        for value in values
        for part in str(value).lower().split(",")
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
    segment_filter = _filter(params)
    return WordQuery(
        group=group,
        attribute=_attribute_name(params, "attribute_name", LEVEL_ATTRIBUTE)
        if group == "attribute"
        else "",
        stop=tuple(sorted(set(stop))),
        stem=_bool(params, "stem", False),
        language=_choice(params, "language", STOP_LANGUAGES, "nl"),
        min_length=_int(params, "min_length", 3, 1, MAX_MIN_LENGTH),
        top=_int(params, "top", 50, 1, MAX_TOP),
        filter=segment_filter if group == "code" else documents_only(segment_filter),
    )


def mention_query_from_params(params: Mapping) -> MentionQuery:
    """``level`` (the respondent-level attribute, default niveau) + document filters."""
    return MentionQuery(
        level_attribute=_attribute_name(params, "level", LEVEL_ATTRIBUTE),
        filter=documents_only(_filter(params)),
    )


def cooccurrence_query_from_params(params: Mapping) -> CooccurrenceQuery:
    """``mode`` (overlap or turn) + segment filters."""
    return CooccurrenceQuery(
        mode=_choice(params, "mode", COOCCURRENCE_MODES, "overlap"),
        filter=_filter(params),
    )


def matrix_query_from_params(params: Mapping) -> MatrixQuery:
    """``columns, attribute_name, cell, rolled`` + segment filters.

    ``attribute`` stays the segment filter (``name=value``); ``attribute_name``
    names the attribute whose values are the columns.
    """
    columns = _choice(params, "columns", MATRIX_COLUMNS, "attribute")
    return MatrixQuery(
        columns=columns,
        attribute=_attribute_name(params, "attribute_name", LEVEL_ATTRIBUTE)
        if columns == "attribute"
        else "",
        cell=_choice(params, "cell", MATRIX_CELLS, "segments"),
        rolled=_bool(params, "rolled", True),
        filter=_filter(params),
    )


def autocode_query_from_params(params: Mapping) -> AutocodeQuery:
    """``pattern, kind, whole_word, case_sensitive, expand, speaker`` + documents.

    Without a pattern, ``speaker`` (repeatable) codes every turn of those speakers;
    with both, only hits inside their turns. A bad or runaway regular expression is
    a ``ValidationError`` naming the problem.
    """
    pattern = str(params.get("pattern", "")).strip()
    getlist = getattr(params, "getlist", None)
    raw = getlist("speaker") if getlist else params.get("speaker", [])
    if isinstance(raw, str):
        raw = [raw]
    speakers = tuple(sorted({" ".join(s.split()) for s in raw if s and s.strip()}))
    if len(speakers) > MAX_SPEAKERS:
        raise ValidationError(
            {"speaker": _("Choose at most %(n)d speakers.") % {"n": MAX_SPEAKERS}}
        )
    query = AutocodeQuery(
        pattern=pattern,
        kind=_choice(params, "kind", SEARCH_KINDS, "keyword"),
        whole_word=_bool(params, "whole_word", True),
        case_sensitive=_bool(params, "case_sensitive", False),
        expand=_choice(params, "expand", EXPANSIONS, ""),
        speakers=speakers,
        filter=documents_only(_filter(params)),
    )
    if not pattern and not speakers:
        raise ValidationError(
            {
                "pattern": _(
                    "Enter a word, phrase or pattern to search for, or choose a "
                    "speaker whose turns to code."
                )
            }
        )
    if pattern:
        try:
            compile_search(
                pattern,
                kind=query.kind,
                whole_word=query.whole_word,
                case_sensitive=query.case_sensitive,
            )
        except ValueError as error:
            raise ValidationError({"pattern": str(error)}) from None
    return query
