"""Coded segments: one filter for the retrieval page, the exports and the API.

``SegmentFilter`` is parsed once from query parameters (``SegmentFilterForm``)
and applied on top of the codings a member may see (blind coding), so every surface
that lists segments shows exactly the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import NamedTuple, TypeVar

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import ErrorDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coding.access import ProjectAccess
from coding.models import (
    Code,
    CodebookVersion,
    Coding,
    Document,
    Membership,
    SpeakerTurn,
)
from coding.registry import relation_columns
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


def _ids(raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdecimal()]
    if bad:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": bad[0]})
    return tuple(int(p) for p in parts)


def _nul_key(params: Mapping) -> str | None:
    """The first parameter holding a NUL character (PostgreSQL refuses it in a
    query, so no text here can hold one), or ``None``."""
    getlist = getattr(params, "getlist", None)
    for key in params:
        values = getlist(key) if getlist else params[key]
        for value in values if isinstance(values, list | tuple) else [values]:
            if isinstance(value, str) and "\x00" in value:
                return key
    return None


class _Given(forms.TextInput):
    """One text parameter; ``default`` when it is absent (not when it is empty)."""

    def __init__(self, default: str = "") -> None:
        super().__init__()
        self.default = default

    def value_from_datadict(self, data, files, name):
        value = data.get(name, self.default)
        return self.default if value is None else value


class _Repeated(forms.MultipleHiddenInput):
    """A parameter that may repeat (``attribute=a=1&attribute=b=2``), or a list."""

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        values = getlist(name) if getlist else data.get(name, [])
        return [values] if isinstance(values, str) else list(values or [])


class _IdsField(forms.Field):
    """Comma-separated ids."""

    widget = _Given

    def clean(self, value) -> tuple[int, ...]:
        return _ids(str(value))


class _CodersField(forms.Field):
    """Comma-separated user ids or user names (resolved by the form, per project)."""

    widget = _Given

    def clean(self, value) -> tuple[str, ...]:
        return tuple(p.strip() for p in str(value).split(",") if p.strip())


def known_users(project_id: int) -> QuerySet:
    """The users a project knows: its members, and anyone with codings in it (a
    former member, the consensus layer). User names given in parameters resolve
    among these only, so a name from elsewhere on the server gets the same answer
    as one nobody has (no user listing through the filters)."""
    return User.objects.filter(
        Q(memberships__project_id=project_id)
        | Q(
            pk__in=Coding.objects.filter(document__project_id=project_id).values(
                "coder_id"
            )
        )
    ).distinct()


def project_user_ids(project_id: int | None, names: list[str]) -> dict[str, int]:
    """User name → id for those of ``names`` that ``known_users`` has."""
    if not names or project_id is None:
        return {}
    return dict(
        known_users(project_id).filter(username__in=names).values_list("username", "pk")
    )


def unknown_user_error(name: str) -> ValidationError:
    """The one answer for a user name that is not in the project, whether or not
    the server has such a user."""
    return ValidationError(
        _("There is no user “%(name)s” in this project.") % {"name": name}
    )


class _AttributesField(forms.Field):
    """``name=value`` pairs, all of which must hold."""

    widget = _Repeated

    def clean(self, value) -> tuple[tuple[str, str], ...]:
        pairs = []
        for item in value:
            if not item.strip():
                continue
            name, sep, found = item.partition("=")
            if not sep or not name.strip():
                raise ValidationError(
                    _(
                        "Write an attribute filter as name=value, e.g. niveau=middenveld."
                    )
                )
            pairs.append((name.strip(), found.strip()))
        return tuple(pairs)


class _ChoiceField(forms.Field):
    def __init__(self, *, choices: set[str], default: str, message: str) -> None:
        super().__init__(widget=_Given(default))
        self.choices, self.message = choices, message

    def clean(self, value) -> str:
        if value not in self.choices:
            raise ValidationError(_(self.message))
        return value


class _FlagField(forms.Field):
    """On unless ``0``, ``false`` or ``no``."""

    def __init__(self) -> None:
        super().__init__(widget=_Given("1"))

    def clean(self, value) -> bool:
        return value not in {"0", "false", "no"}


class _TextField(forms.Field):
    widget = _Given

    def clean(self, value) -> str:
        return str(value).strip()


class SegmentFilterForm(forms.Form):
    """The segment filter's query parameters, read once for every entry point (the
    segments page, analysis cells, exports, the API, ``export_segments``).

    Takes a ``QueryDict`` or a plain dict: ``codes, coders, documents, attribute,
    text, memo, match, subcodes``. ``coders`` takes ids or user names;
    ``attribute`` is ``name=value`` and may repeat. Fields are checked in the
    order below, and ``segment_filter()`` reports the first error only (the
    pages and the API have always shown one).
    """

    coders = _CodersField()
    attribute = _AttributesField()
    match = _ChoiceField(
        choices={"any", "all"},
        default="any",
        message=gettext_noop("Use match=any or match=all."),
    )
    codes = _IdsField()
    documents = _IdsField()
    subcodes = _FlagField()
    text = _TextField()
    memo = _TextField()

    def __init__(self, data: Mapping, *, project_id: int | None = None) -> None:
        super().__init__(data)
        self.project_id = project_id

    def clean_coders(self) -> tuple[int, ...]:
        """Ids as given; user names of the project's users as their ids."""
        raw = self.cleaned_data["coders"]
        names = [p for p in raw if not (p.isascii() and p.isdecimal())]
        found = project_user_ids(self.project_id, names)
        missing = [n for n in names if n not in found]
        if missing:
            raise unknown_user_error(missing[0])
        ids = (int(p) for p in raw if p.isascii() and p.isdecimal())
        return (*ids, *(found[n] for n in names))

    def full_clean(self) -> None:
        key = _nul_key(self.data)
        if key is None:
            super().full_clean()
            return
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self._errors[key] = self.error_class(
            [_("A filter cannot contain a NUL character.")]
        )

    def segment_filter(self) -> SegmentFilter:
        """The filter; ``ValidationError`` ``{parameter: message}`` if it is not valid."""
        if not self.is_valid():
            key, messages = next(iter(self.errors.items()))
            raise ValidationError({key: messages[0]})
        data = self.cleaned_data
        return SegmentFilter(
            codes=data["codes"],
            include_subcodes=data["subcodes"],
            match_all=data["match"] == "all",
            coders=data["coders"],
            documents=data["documents"],
            attributes=data["attribute"],
            text=data["text"],
            memo=data["memo"],
        )


def segment_filter_from_params(
    params: Mapping, *, project_id: int | None = None
) -> SegmentFilter:
    """``SegmentFilterForm(params, project_id=...).segment_filter()``, for callers
    that only need the filter. User names resolve among ``project_id``'s users
    only; without it, no name resolves (ids still do)."""
    return SegmentFilterForm(params, project_id=project_id).segment_filter()


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


@dataclass(frozen=True)
class SegmentDocument:
    """What every segment of one document shares (fetched once per document)."""

    id: int
    title: str
    case_label: str
    attributes: dict[str, str]


class SegmentRecord(NamedTuple):
    """One coded segment, as every export and list reads it (``iter_segment_records``).

    A named tuple: made at the speed of a plain tuple (a million per export) and
    read by name. ``document`` is shared by the segments of a document; the
    relation fields (network app) are empty or ``None`` for other codings.
    """

    document: SegmentDocument
    turn_number: int | None
    speaker: str
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
    source_actor: str
    target_actor: str
    flow: str
    mutual: bool | None
    occasional: bool | None


# The fields of a segment record, in order.
SEGMENT_RECORD_FIELDS = SegmentRecord._fields
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
# The five relation cells at the end of a record (``coding.registry.RelationColumns``).
NO_RELATION: tuple[None, ...] = (None,) * 5
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


def _after(base: QuerySet, after: tuple[int, int, int] | None) -> QuerySet:
    """The rows of ``base`` past ``(start, end, id)`` (keyset paging)."""
    if after is None:
        return base
    start, end, pk = after
    return base.filter(start__gte=start).filter(
        Q(start__gt=start)
        | Q(start=start, end__gt=end)
        | Q(start=start, end=end, pk__gt=pk)
    )


def _same(batch: SegmentBatch) -> SegmentBatch:
    return batch


def _relation_lookups(project_id: int) -> tuple[str, ...]:
    """The ORM paths of the relation cells, when a registered app has relations in
    this project (most projects have none: their rows skip four joins)."""
    for columns in relation_columns:
        if columns.present(project_id):
            return columns.lookups
    return ()


class SegmentRecords:
    """The segments of ``codings`` in document order (start, end, id), streamed.

    An iterator of ``SegmentRecord``s, one per segment.
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
        self._records: Iterator[SegmentRecord] | None = None

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
        self.paths, self.versions  # noqa: B018 (read now, outside any pipeline)
        # Relation columns cost four joins a row; most projects have no relations.
        lookups = _relation_lookups(self.access.project.pk)
        relations = bool(lookups)
        values = (*RAW_FIELDS, *lookups)
        waiting: SegmentBatch | None = None  # read, not yet rendered
        for document, text, turns in self._documents():
            base = (
                self.codings.filter(document_id=document.id)
                .order_by("start", "end", "pk")
                .values_list(*values)
            )
            after: tuple[int, int, int] | None = None
            more = True
            while more:
                # One row more than a chunk tells whether another chunk follows.
                with _reading(_after(base, after)[: self.chunk_size + 1]) as read:
                    rendered = None if waiting is None else (render(waiting),)
                    rows = read()
                if rendered is not None:
                    yield rendered[0]
                    waiting = None
                more = len(rows) > self.chunk_size
                rows, found = self._split(rows[: self.chunk_size], relations)
                if rows:
                    waiting = SegmentBatch(document, text, turns, rows, found)
                    last = rows[-1]
                    after = (last[0], last[1], last[-1])
        if waiting is not None:
            yield render(waiting)

    def _documents(self) -> Iterator[tuple[SegmentDocument, str, list[tuple]]]:
        """Each document with codings, its text and speaker turns, by id."""
        documents = list(
            Document.objects.filter(
                Exists(self.codings.filter(document_id=OuterRef("pk")))
            )
            .order_by("pk")
            .values_list("pk", "title", "case__label", "case__attributes")
        )
        for document_id, title, case_label, attributes in documents:
            text = (
                Document.objects.filter(pk=document_id)
                .values_list("text", flat=True)
                .first()
            )
            if text is None:  # deleted while we were exporting
                continue
            turns = list(
                SpeakerTurn.objects.filter(document_id=document_id)
                .order_by("start")
                .values_list("start", "end", "number", "speaker")
            )
            document = SegmentDocument(
                id=document_id,
                title=title,
                case_label=case_label or "",
                attributes={k: str(v) for k, v in (attributes or {}).items()},
            )
            yield document, text, turns

    def _split(
        self, rows: list[tuple], relations: bool
    ) -> tuple[list[tuple], dict[int, tuple] | None]:
        """Raw rows without their relation columns, and the relations by coding
        id; the coders named (so ``render`` never queries)."""
        found = None
        if relations:
            width = len(RAW_FIELDS)
            found = {
                row[width - 1]: row[width:]
                for row in rows
                if row[width:] != NO_RELATION
            }
            rows = [row[:width] for row in rows]
        for coder_id in {row[3] for row in rows}:
            self.coder_name(coder_id)
        return rows, found

    def __iter__(self) -> Iterator[SegmentRecord]:
        # The generator itself: a loop over it does not go through ``__next__``.
        if self._records is None:
            self._records = self._iter_records()
        return self._records

    def __next__(self) -> SegmentRecord:
        return next(iter(self))

    def _iter_records(self) -> Iterator[SegmentRecord]:
        names: dict[int, str] = {}
        for batch in self.batches():
            yield from self._batch_records(batch, names)

    def _batch_records(
        self, batch: SegmentBatch, names: dict[int, str]
    ) -> Iterator[SegmentRecord]:
        """The records of one batch; ``names`` caches coder names across batches.

        One loop, no call per segment: it runs a million times in an export."""
        # tuple.__new__ makes a named tuple as fast as a plain one (no Python
        # __new__ call per segment).
        new, record = tuple.__new__, SegmentRecord
        paths, versions, coder_name = self.paths, self.versions, self.coder_name
        document, text, turns, relations = (
            batch.document,
            batch.text,
            batch.turns,
            batch.relations,
        )
        no_code = ("", "")
        created = updated = None
        created_at = updated_at = TIME_ORIGIN
        # Turns by start; codings come by start too, so one pointer walks along.
        n_turns = len(turns)
        after = 0  # turns starting at or before the current coding
        next_start = turns[0][0] if turns else _NEVER
        turn_end, number, speaker = -1, None, ""
        relation = NO_RELATION
        for start, end, code_id, coder_id, memo, version_id, c, u, pk in batch.rows:
            if c != created:
                created, created_at = c, moment(c)
            if u != updated:
                updated, updated_at = u, created_at if u == c else moment(u)
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
            yield new(
                record,
                (
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
                ),
            )


def iter_segment_records(
    access: ProjectAccess, codings: QuerySet[Coding], *, chunk_size: int = 10_000
) -> SegmentRecords:
    """Segments in document order (start, end, id) as ``SegmentRecord``s, streamed.

    See ``SegmentRecords``; the CSV export reads its ``batches()`` instead.
    """
    return SegmentRecords(access, codings, chunk_size)


def attribute_names(access: ProjectAccess) -> list[str]:
    """Every case attribute name used in the project, sorted (one column each)."""
    names: set[str] = set()
    for attributes in access.project.cases.values_list("attributes", flat=True):
        names.update((attributes or {}).keys())
    return sorted(names)
