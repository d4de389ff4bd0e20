"""Coded segments: one filter for the retrieval page, the exports and the API.

``SegmentFilter`` is parsed once from query parameters (``segment_filter_from_params``)
and applied on top of the codings a member may see (blind coding), so every surface
that lists segments shows exactly the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from coding.access import ProjectAccess
from coding.models import (
    Code,
    CodebookVersion,
    Coding,
    Document,
    Membership,
    SpeakerTurn,
)
from coding.segment_text import filter_coded_text
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


def _refuse_nul(params: Mapping) -> None:
    """A NUL character cannot be part of any text here (PostgreSQL refuses it in a
    query): say so instead of failing."""
    getlist = getattr(params, "getlist", None)
    for key in params:
        values = getlist(key) if getlist else params[key]
        for value in values if isinstance(values, list | tuple) else [values]:
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(
                    {key: _("A filter cannot contain a NUL character.")}
                )


def segment_filter_from_params(params: Mapping) -> SegmentFilter:
    """Read ``codes, coders, documents, attribute, text, memo, match, subcodes``.

    ``coders`` takes ids or usernames; ``attribute`` is ``name=value`` and may repeat.
    """
    _refuse_nul(params)
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
        # Matched per transcript in Python, not by cutting every passage out in
        # SQL: see coding.segment_text.
        documents = access.document_ids
        if f.documents:
            wanted = set(f.documents)
            documents = [d for d in documents if d in wanted]
        codings = filter_coded_text(codings, documents, f.text)
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
# A raw row of a ``SegmentBatch``, as the database sends it: ids rather than names,
# time stamps as microseconds since ``TIME_ORIGIN`` (PostgreSQL's own form).
RAW_FIELDS = (
    "start",
    "end",
    "code_id",
    "coder_id",
    "memo",
    "codebook_version_id",
    "created_at",
    "updated_at",
    "pk",
)
_RELATION_VALUES = (
    "relation__source_actor__name",
    "relation__target_actor__name",
    "relation__flow__key",
    "relation__mutual",
    "relation__occasional",
)
NO_RELATION: tuple[None, ...] = (None,) * len(_RELATION_VALUES)
TIME_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_NEVER = 1 << 62  # past the end of any text
T = TypeVar("T")


def moment(microseconds: int) -> datetime:
    """A raw time stamp (``RAW_FIELDS``) as an aware date-time in UTC."""
    return TIME_ORIGIN + timedelta(microseconds=microseconds)


@dataclass(frozen=True)
class SegmentBatch:
    """Up to ``chunk_size`` codings of one document, in (start, end, id) order.

    ``rows`` hold ``RAW_FIELDS``; ``relations`` maps a coding id to its relation
    values (source, target, flow, mutual, occasional), ``None`` when the project
    has no relation codings; ``turns`` are the document's speaker turns as
    (start, end, number, speaker) by start.
    """

    document: SegmentDocument
    text: str
    turns: list[tuple[int, int, int, str]]
    rows: list[tuple]
    relations: dict[int, tuple] | None


@contextmanager
def _reading(queryset: QuerySet) -> Iterator[Callable[[], list[tuple]]]:
    """Send the query of a ``values_list`` query set; the function given back
    waits for its rows, date-times as raw time stamps (``RAW_FIELDS``).

    The query runs (pipeline mode) while the caller does other work in the
    ``with`` block, and the rows come in binary with a time stamp as the integer
    it is stored as: Django's time-zone-aware loader costs more than all the rest
    of a row.
    """
    connection = connections[queryset.db]
    from psycopg import Cursor, Pipeline
    from psycopg.types.numeric import Int8BinaryLoader

    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        yield list
        return
    connection.ensure_connection()
    raw = connection.connection
    side_by_side = raw.pipeline() if Pipeline.is_supported() else nullcontext()
    with connection.wrap_database_errors, side_by_side, Cursor(raw) as cursor:
        cursor.adapters.register_loader("timestamptz", Int8BinaryLoader)
        cursor.execute(sql, params, binary=True, prepare=False)
        yield cursor.fetchall


def _same(batch: SegmentBatch) -> SegmentBatch:
    return batch


def _has_relations(project_id: int) -> bool:
    """Does the project have relation codings (network app)? Asked via the actors:
    starting from the codings, PostgreSQL may scan every coding to find none."""
    try:
        relation = apps.get_model("network", "Relation")
    except LookupError:
        return False
    return relation.objects.filter(source_actor__project_id=project_id).exists()


class SegmentRecords:
    """The segments of ``codings`` in document order (start, end, id), streamed.

    An iterator of plain tuples, one per segment, holding ``SEGMENT_RECORD_FIELDS``
    (``document`` is a ``SegmentDocument`` shared by the segments of a document).
    ``batches()`` gives the same segments as the database sends them, and
    ``map_batches(render)`` renders each batch while the database already reads
    the next: the CSV export makes its text straight from ids and offsets, with
    no tuple per segment at all. ``paths``, ``versions`` and ``coder_name`` name
    the ids.

    Documents are read one at a time, their text once: passages are sliced in
    Python (slicing in SQL unpacks the whole transcript again for every row).
    Codings come in keyset chunks of ``chunk_size``: memory stays flat, the first
    rows go out at once, and between chunks the connection is free for other
    queries (a job's progress).
    """

    def __init__(
        self, access: ProjectAccess, codings: QuerySet[Coding], chunk_size: int
    ) -> None:
        self.access = access
        self.codings = codings
        self.chunk_size = chunk_size
        self._names: dict[int, str] | None = None
        self._records: Iterator[tuple] | None = None

    @cached_property
    def paths(self) -> dict[int, tuple[str, str]]:
        """Code id → (path, name)."""
        codes = Code.objects.filter(project=self.access.project)
        return {
            node.id: (node.path.replace(" > ", PATH_SEPARATOR), node.name)
            for node in flatten(codebook_tree(codes))
        }

    @cached_property
    def versions(self) -> dict[int, int]:
        """Codebook version id → its number."""
        return dict(
            CodebookVersion.objects.filter(project=self.access.project).values_list(
                "pk", "number"
            )
        )

    def coder_name(self, coder_id: int) -> str:
        """A coder's user name (members read at once, anyone else when met)."""
        if self._names is None:
            self._names = dict(
                Membership.objects.filter(project=self.access.project).values_list(
                    "user_id", "user__username"
                )
            )
        name = self._names.get(coder_id)
        if name is None:
            name = self._names[coder_id] = (
                User.objects.filter(pk=coder_id)
                .values_list("username", flat=True)
                .first()
                or ""
            )
        return name

    def batches(self) -> Iterator[SegmentBatch]:
        """The segments as the database sends them, a batch at a time."""
        return self.map_batches(_same)

    def map_batches(self, render: Callable[[SegmentBatch], T]) -> Iterator[T]:
        """``render(batch)`` for every batch, in order.

        On PostgreSQL ``render`` runs while the database already reads and sorts
        the next batch (pipeline mode): the two work side by side, on two cores.
        So ``render`` must not query the database; the batch's coders are named
        before (``coder_name`` answers from memory), ``paths`` and ``versions``
        are read. Nothing is left running when a result is yielded.
        """
        chunk_size = self.chunk_size
        self.paths, self.versions  # noqa: B018 (read now, outside any pipeline)
        # Relation columns cost four joins a row; most projects have no relations.
        relations = _has_relations(self.access.project.pk)
        values = (*RAW_FIELDS, *_RELATION_VALUES) if relations else RAW_FIELDS
        width = len(RAW_FIELDS)
        documents = list(
            Document.objects.filter(
                Exists(self.codings.filter(document_id=OuterRef("pk")))
            )
            .order_by("pk")
            .values_list("pk", "title", "case__label", "case__attributes")
        )
        waiting: SegmentBatch | None = None  # read, not yet rendered
        for document_id, title, case_label, attributes in documents:
            text = (
                Document.objects.filter(pk=document_id)
                .values_list("text", flat=True)
                .first()
            )
            if text is None:  # deleted while we were exporting
                continue
            document = SegmentDocument(
                id=document_id,
                title=title,
                case_label=case_label or "",
                attributes={k: str(v) for k, v in (attributes or {}).items()},
            )
            turns = list(
                SpeakerTurn.objects.filter(document_id=document_id)
                .order_by("start")
                .values_list("start", "end", "number", "speaker")
            )
            base = (
                self.codings.filter(document_id=document_id)
                .order_by("start", "end", "pk")
                .values_list(*values)
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
                # One row more than a chunk tells whether another chunk follows.
                with _reading(chunk[: chunk_size + 1]) as rows_read:
                    rendered = None if waiting is None else (render(waiting),)
                    rows = rows_read()
                if rendered is not None:
                    yield rendered[0]
                    waiting = None
                more = len(rows) > chunk_size
                if more:
                    rows.pop()
                found = None
                if relations:
                    found = {
                        row[width - 1]: row[width:]
                        for row in rows
                        if row[width:] != NO_RELATION
                    }
                    rows = [row[:width] for row in rows]
                if rows:
                    for coder_id in {row[3] for row in rows}:
                        self.coder_name(coder_id)
                    waiting = SegmentBatch(document, text, turns, rows, found)
                if not more:
                    break
                last = rows[-1]
                after = (last[0], last[1], last[-1])
        if waiting is not None:
            yield render(waiting)

    def __iter__(self) -> Iterator[tuple]:
        # The generator itself: a loop over it does not go through ``__next__``.
        if self._records is None:
            self._records = self._iter_records()
        return self._records

    def __next__(self) -> tuple:
        return next(iter(self))

    def _iter_records(self) -> Iterator[tuple]:
        paths, versions, coder_name = self.paths, self.versions, self.coder_name
        names: dict[int, str] = {}
        no_code = ("", "")
        created = updated = None
        created_at = updated_at = TIME_ORIGIN
        for batch in self.batches():
            document, text, turns, relations = (
                batch.document,
                batch.text,
                batch.turns,
                batch.relations,
            )
            # Turns by start; codings come by start too, so one pointer walks along.
            n_turns = len(turns)
            after = 0  # turns starting at or before the current coding
            next_start = turns[0][0] if turns else _NEVER
            turn_end, number, speaker = -1, None, ""
            relation = NO_RELATION
            for (
                start,
                end,
                code_id,
                coder_id,
                memo,
                version_id,
                row_created,
                row_updated,
                pk,
            ) in batch.rows:
                if row_created != created:
                    created, created_at = row_created, moment(row_created)
                if row_updated != updated:
                    updated = row_updated
                    updated_at = (
                        created_at
                        if row_updated == row_created
                        else moment(row_updated)
                    )
                if start >= next_start:
                    while after < n_turns and turns[after][0] <= start:
                        after += 1
                    _start, turn_end, number, speaker = turns[after - 1]
                    next_start = turns[after][0] if after < n_turns else _NEVER
                coder = names.get(coder_id)
                if coder is None:
                    coder = names[coder_id] = coder_name(coder_id)
                path, name = paths.get(code_id, no_code)
                if relations is not None:
                    relation = relations.get(pk, NO_RELATION)
                in_turn = start < turn_end
                yield (
                    document,
                    number if in_turn else None,
                    speaker if in_turn else "",
                    coder,
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
                    relation[0] or "",
                    relation[1] or "",
                    relation[2] or "",
                    relation[3],
                    relation[4],
                )


def iter_segment_records(
    access: ProjectAccess, codings: QuerySet[Coding], *, chunk_size: int = 10_000
) -> SegmentRecords:
    """Segments in document order (start, end, id) as plain tuples, streamed.

    See ``SegmentRecords``; the CSV export reads its ``batches()`` instead.
    """
    return SegmentRecords(access, codings, chunk_size)


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
