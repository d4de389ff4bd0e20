"""Coded segments: one filter for the retrieval page, the exports and the API.

``SegmentFilter`` is parsed once from query parameters (``segment_filter_from_params``)
and applied on top of the codings a member may see (blind coding), so every surface
that lists segments shows exactly the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from coding.access import ProjectAccess
from coding.models import Code, CodebookVersion, Coding, Document, SpeakerTurn
from coding.selectors import codebook_tree, flatten

User = get_user_model()
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class SegmentFilter:
    codes: tuple[int, ...] = ()
    include_subcodes: bool = True
    match_all: bool = False  # every listed code must be applied to the same span
    coders: tuple[int, ...] = ()
    documents: tuple[int, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # (name, value) pairs, all must hold
    text: str = ""
    memo: str = ""


def _ids(raw: str, name: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise ValidationError(
            {name: _("“%(value)s” is not a number.") % {"value": bad[0]}}
        )
    return tuple(int(p) for p in parts)


def segment_filter_from_params(params: Mapping) -> SegmentFilter:
    """Read ``codes, coders, documents, attribute, text, memo, match, subcodes``.

    ``coders`` takes ids or usernames; ``attribute`` is ``name=value`` and may repeat.
    """
    coder_ids: list[int] = []
    raw_coders = [p.strip() for p in params.get("coders", "").split(",") if p.strip()]
    if raw_coders:
        names = [p for p in raw_coders if not p.isdigit()]
        coder_ids = [int(p) for p in raw_coders if p.isdigit()]
        found = dict(
            User.objects.filter(username__in=names).values_list("username", "pk")
        )
        missing = [n for n in names if n not in found]
        if missing:
            raise ValidationError(
                {"coders": _("There is no user “%(name)s”.") % {"name": missing[0]}}
            )
        coder_ids += list(found.values())
    attributes = []
    getlist = getattr(params, "getlist", None)
    raw_attributes = getlist("attribute") if getlist else params.get("attribute", [])
    if isinstance(raw_attributes, str):
        raw_attributes = [raw_attributes]
    for item in raw_attributes:
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError(
                {
                    "attribute": _(
                        "Write an attribute filter as name=value, e.g. niveau=middenveld."
                    )
                }
            )
        attributes.append((name.strip(), value.strip()))
    match = params.get("match", "any")
    if match not in {"any", "all"}:
        raise ValidationError({"match": _("Use match=any or match=all.")})
    return SegmentFilter(
        codes=_ids(params.get("codes", ""), "codes"),
        include_subcodes=params.get("subcodes", "1") not in {"0", "false", "no"},
        match_all=match == "all",
        coders=tuple(coder_ids),
        documents=_ids(params.get("documents", ""), "documents"),
        attributes=tuple(attributes),
        text=params.get("text", "").strip(),
        memo=params.get("memo", "").strip(),
    )


def _code_ids_with_subcodes(
    project_id: int, code_ids: tuple[int, ...]
) -> dict[int, set[int]]:
    children: dict[int | None, list[int]] = {}
    for code_id, parent_id in Code.objects.filter(project_id=project_id).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(code_id)
    expanded = {}
    for code_id in code_ids:
        found, stack = {code_id}, [code_id]
        while stack:
            for child in children.get(stack.pop(), []):
                found.add(child)
                stack.append(child)
        expanded[code_id] = found
    return expanded


def filtered_codings(
    access: ProjectAccess, segment_filter: SegmentFilter
) -> QuerySet[Coding]:
    """The codings a member may see that pass the filter (not yet ordered)."""
    f = segment_filter
    codings = access.visible_codings()
    if f.codes:
        if f.include_subcodes:
            groups = _code_ids_with_subcodes(access.project.pk, f.codes)
        else:
            groups = {c: {c} for c in f.codes}
        codings = codings.filter(code_id__in=set().union(*groups.values()))
        if f.match_all:
            # The same coder applied every listed code (or a sub-code) to the same span.
            for ids in groups.values():
                codings = codings.filter(
                    Exists(
                        Coding.objects.filter(
                            document_id=OuterRef("document_id"),
                            coder_id=OuterRef("coder_id"),
                            start=OuterRef("start"),
                            end=OuterRef("end"),
                            code_id__in=ids,
                        )
                    )
                )
    if f.coders:
        codings = codings.filter(coder_id__in=f.coders)
    if f.documents:
        codings = codings.filter(document_id__in=f.documents)
    known = set(attribute_names(access)) if f.attributes else set()
    for name, value in f.attributes:
        if name not in known or "__" in name:
            raise ValidationError(
                {
                    "attribute": _("No case has an attribute “%(name)s”.")
                    % {"name": name}
                }
            )
        codings = codings.filter(**{f"document__case__attributes__{name}": value})
    if f.memo:
        codings = codings.filter(memo__icontains=f.memo)
    if f.text:
        codings = codings.annotate(
            _segment_text=Substr(
                "document__text", F("start") + 1, F("end") - F("start")
            )
        ).filter(_segment_text__icontains=f.text)
    return codings


@dataclass
class SegmentRow:
    project: str
    document_id: int
    document_title: str
    case_label: str
    attributes: dict[str, str]
    speaker: str
    turn_number: int | None
    coder: str
    code_id: int
    code_path: str
    code_name: str
    start: int
    end: int
    text: str
    memo: str
    codebook_version: int | None
    created_at: datetime
    updated_at: datetime
    extra: dict[str, object] = field(default_factory=dict)
    # relation fields (network app); empty/None for codings without a relation
    source_actor: str = ""
    target_actor: str = ""
    flow: str = ""
    mutual: bool | None = None
    occasional: bool | None = None


@dataclass(frozen=True)
class SegmentDocument:
    """What every segment of one document shares (fetched once per document)."""

    id: int
    title: str
    case_label: str
    attributes: dict[str, str]


# The fields of a segment record, in order (see ``iter_segment_records``).
SEGMENT_RECORD_FIELDS = (
    "document",
    "turn_number",
    "speaker",
    "coder",
    "code_id",
    "code_path",
    "code_name",
    "start",
    "end",
    "text",
    "memo",
    "codebook_version",
    "created_at",
    "updated_at",
    "source_actor",
    "target_actor",
    "flow",
    "mutual",
    "occasional",
)
_ROW_VALUES = (
    "pk",
    "start",
    "end",
    "coder_id",
    "code_id",
    "memo",
    "codebook_version_id",
    "created_text",
    "updated_text",
)
_RELATION_VALUES = (
    "relation__source_actor__name",
    "relation__target_actor__name",
    "relation__flow__key",
    "relation__mutual",
    "relation__occasional",
)
_ROW_VALUES = (*_ROW_VALUES, *_RELATION_VALUES)


class _UtcText(Func):
    """A date-time as ISO 8601 text in UTC, whatever the server's date style.

    ``datetime.fromisoformat`` reads it many times faster than the driver's
    time-zone-aware loader, and equal values need no parsing at all.
    """

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores SQLite date-times as ISO text in UTC already.
        return self.as_sql(
            compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra
        )


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _has_relations(project_id: int) -> bool:
    """Does the project have relation codings (network app)? Asked via the actors:
    starting from the codings, PostgreSQL may scan every coding to find none."""
    try:
        relation = apps.get_model("network", "Relation")
    except LookupError:
        return False
    return relation.objects.filter(source_actor__project_id=project_id).exists()


def iter_segment_records(
    access: ProjectAccess, codings: QuerySet[Coding], *, chunk_size: int = 10_000
) -> Iterator[tuple]:
    """Segments in document order (start, end, id) as plain tuples, streamed.

    Each tuple holds ``SEGMENT_RECORD_FIELDS``; ``document`` is a
    ``SegmentDocument`` shared by the segments of one document. This is the fast
    path under every export: documents are read one at a time (their text once,
    the coded passages sliced from it in Python — slicing in SQL would unpack the
    whole transcript again for every row), and codings in chunks of
    ``chunk_size`` by keyset, so memory stays flat and the first rows go out at
    once (no server-side cursor that PostgreSQL would first fill completely).
    """
    paths = {
        node.id: (node.path.replace(" > ", PATH_SEPARATOR), node.name)
        for node in flatten(codebook_tree(Code.objects.filter(project=access.project)))
    }
    # One pass over the codings finds the documents and the coders.
    pairs = set(codings.order_by().values_list("document_id", "coder_id").distinct())
    document_ids = sorted({document_id for document_id, _coder in pairs})
    names = dict(
        User.objects.filter(pk__in={coder for _document, coder in pairs}).values_list(
            "pk", "username"
        )
    )
    versions = dict(
        CodebookVersion.objects.filter(project=access.project).values_list(
            "pk", "number"
        )
    )
    # Relation columns cost four joins a row; most projects have no relations.
    values = _ROW_VALUES
    if not _has_relations(access.project.pk):
        values = _ROW_VALUES[: -len(_RELATION_VALUES)]
    no_relation = (None,) * len(_RELATION_VALUES)
    no_code = ("", "")
    created_text = updated_text = ""
    created_at = updated_at = None
    for document_id in document_ids:
        info = (
            Document.objects.filter(pk=document_id)
            .values_list("title", "text", "case__label", "case__attributes")
            .first()
        )
        if info is None:  # deleted while we were exporting
            continue
        title, text, case_label, attributes = info
        document = SegmentDocument(
            id=document_id,
            title=title,
            case_label=case_label or "",
            attributes={k: str(v) for k, v in (attributes or {}).items()},
        )
        # Turns by start; codings come by start too, so one pointer walks along.
        turns = list(
            SpeakerTurn.objects.filter(document_id=document_id)
            .order_by("start")
            .values_list("start", "end", "number", "speaker")
        )
        turn_index = -1
        n_turns = len(turns)
        base = (
            codings.filter(document_id=document_id)
            .annotate(
                created_text=_UtcText("created_at"), updated_text=_UtcText("updated_at")
            )
            .order_by("start", "end", "pk")
        )
        after: tuple[int, int, int] | None = None
        while True:
            chunk = base
            if after is not None:
                start, end, pk = after
                chunk = base.filter(start__gte=start).filter(
                    Q(start__gt=start)
                    | Q(start=start, end__gt=end)
                    | Q(start=start, end=end, pk__gt=pk)
                )
            rows = list(chunk.values_list(*values)[:chunk_size])
            if values is not _ROW_VALUES:
                rows = [row + no_relation for row in rows]
            for (
                _pk,
                start,
                end,
                coder_id,
                code_id,
                memo,
                version_id,
                row_created,
                row_updated,
                source_actor,
                target_actor,
                flow,
                mutual,
                occasional,
            ) in rows:
                if row_created != created_text:
                    created_text, created_at = row_created, _moment(row_created)
                if row_updated != updated_text:
                    updated_text = row_updated
                    updated_at = (
                        created_at
                        if row_updated == row_created
                        else _moment(row_updated)
                    )
                while turn_index + 1 < n_turns and turns[turn_index + 1][0] <= start:
                    turn_index += 1
                if turn_index >= 0 and start < turns[turn_index][1]:
                    turn = turns[turn_index]
                    number, speaker = turn[2], turn[3]
                else:
                    number, speaker = None, ""
                path, name = paths.get(code_id, no_code)
                yield (
                    document,
                    number,
                    speaker,
                    names.get(coder_id, ""),
                    code_id,
                    path,
                    name,
                    start,
                    end,
                    text[start:end],
                    memo,
                    versions.get(version_id),
                    created_at,
                    updated_at,
                    source_actor or "",
                    target_actor or "",
                    flow or "",
                    mutual,
                    occasional,
                )
            if len(rows) < chunk_size:
                break
            last = rows[-1]
            after = (last[1], last[2], last[0])


def iter_segment_rows(
    access: ProjectAccess, codings: QuerySet[Coding], *, chunk_size: int = 5000
) -> Iterator[SegmentRow]:
    """Rows in document order, streamed from the database in chunks."""
    project = access.project.name
    for (
        document,
        number,
        speaker,
        coder,
        code_id,
        path,
        name,
        start,
        end,
        text,
        memo,
        version,
        created_at,
        updated_at,
        source_actor,
        target_actor,
        flow,
        mutual,
        occasional,
    ) in iter_segment_records(access, codings, chunk_size=chunk_size):
        yield SegmentRow(
            project=project,
            document_id=document.id,
            document_title=document.title,
            case_label=document.case_label,
            attributes=document.attributes,
            speaker=speaker,
            turn_number=number,
            coder=coder,
            code_id=code_id,
            code_path=path,
            code_name=name,
            start=start,
            end=end,
            text=text,
            memo=memo,
            codebook_version=version,
            created_at=created_at,
            updated_at=updated_at,
            source_actor=source_actor,
            target_actor=target_actor,
            flow=flow,
            mutual=mutual,
            occasional=occasional,
        )


def attribute_names(access: ProjectAccess) -> list[str]:
    """Every case attribute name used in the project, sorted (one column each)."""
    names: set[str] = set()
    for attributes in access.project.cases.values_list("attributes", flat=True):
        names.update((attributes or {}).keys())
    return sorted(names)
