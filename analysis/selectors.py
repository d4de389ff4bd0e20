"""Read-models behind the analysis pages: rows in, the pure ``analysis.text`` out.

Each ``*_compute`` function reads what a member may see (blind coding through
``ProjectAccess``), hands plain tuples to ``analysis.text`` and returns JSON-ready
data, which ``analysis.services.results`` stores on an ``AnalysisResult``. Results
hold ids, never labels: labels (document titles, code paths, user names) are looked
up when a page or the API shows the result, so a renamed code needs no recomputation.

The cell functions (``cooccurrence_pairs``, ``matrix_cell_codings``) recompute one
cell exactly, from the same filters, for the "segments behind this cell" lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from analysis.forms import (
    AutocodeQuery,
    CooccurrenceQuery,
    MatrixQuery,
    MentionQuery,
    WordQuery,
)
from analysis.results import (
    AutocodePreviewData,
    CooccurrenceData,
    DocumentHits,
    MentionCount,
    MentionsData,
    MentionTotal,
    PreviewMatch,
    WordEntry,
    WordGroupData,
    WordsData,
)
from analysis.text import (
    MatrixResult,
    compile_aliases,
    cooccurrence,
    count_actor_mentions,
    find_matches,
    matrix_counts,
    merge_spans,
    pairs_behind,
    turns_of_speaker,
    word_frequencies_in_spans,
)
from coding.access import ProjectAccess
from coding.codebook_default import demo_codebook_nodes
from coding.models import Case, Code, Coding, Document, SpeakerTurn
from coding.registry import alias_sources
from coding.segments import SegmentFilter, filtered_codings
from coding.selectors import CodeNode, codebook_tree, flatten, label_end

PREVIEW_MATCHES = 20
PREVIEW_CONTEXT = 60
NO_VALUE = ""  # the column of codings whose case lacks the attribute


# --- shared ---------------------------------------------------------------------------


def code_nodes(project_id: int) -> dict[int, CodeNode]:
    """Code id → codebook node (``path``, ``name``, ``color``), in codebook order."""
    return {
        node.id: node
        for node in flatten(codebook_tree(Code.objects.filter(project_id=project_id)))
    }


def document_titles(project_id: int) -> dict[int, str]:
    return dict(
        Document.objects.filter(project_id=project_id).values_list("pk", "title")
    )


def user_names(access: ProjectAccess, ids) -> dict[int, str]:
    """Names of the coders behind ``ids``; the consensus coder is "consensus"."""
    names = dict(
        get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")
    )
    if access.project.consensus_user_id in names:
        names[access.project.consensus_user_id] = _("consensus")
    return names


def filtered_documents(project_id: int, f: SegmentFilter) -> QuerySet[Document]:
    """Documents picked by the filter's document ids and case attributes.

    The attribute test is the one ``coding.segments.filtered_codings`` applies, so a
    word count and the coded segments page agree on which documents are in.
    """
    documents = Document.objects.filter(project_id=project_id)
    if f.documents:
        documents = documents.filter(pk__in=f.documents)
    for name, value in f.attributes:
        documents = documents.filter(**{f"case__attributes__{name}": value})
    return documents


def total_characters(project_id: int, f: SegmentFilter) -> int:
    """How much text a query over these documents reads (decides task or request)."""
    return filtered_documents(project_id, f).aggregate(n=Sum("length"))["n"] or 0


def code_order(project_id: int) -> list[int]:
    """Code ids in codebook (tree) order."""
    return [
        n.id for n in flatten(codebook_tree(Code.objects.filter(project_id=project_id)))
    ]


def _descendants(parent_of: dict[int, int | None]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for code_id in parent_of:
        node: int | None = code_id
        while node is not None:
            found[node].add(code_id)
            node = parent_of.get(node)
    return found


def _code_axis(project_id: int, f: SegmentFilter, present: set[int]) -> list[int]:
    """The codes a matrix shows, in codebook order: the filter's codes (with their
    sub-codes when asked), else every code with at least one coding in ``present``."""
    order = code_order(project_id)
    if not f.codes:
        return [c for c in order if c in present]
    wanted = set(f.codes)
    if f.include_subcodes:
        parent_of = dict(
            Code.objects.filter(project_id=project_id).values_list("id", "parent_id")
        )
        tree = _descendants(parent_of)
        wanted = set().union(*(tree.get(c, {c}) for c in f.codes))
    return [c for c in order if c in wanted]


def _turn_rows(documents: QuerySet[Document]) -> dict[int, list[tuple]]:
    """``(number, speaker, start, end)`` of each document's turns, in order."""
    turns: dict[int, list[tuple]] = defaultdict(list)
    for document_id, number, speaker, start, end in (
        SpeakerTurn.objects.filter(document__in=documents.values("pk"))
        .order_by("document_id", "start")
        .values_list("document_id", "number", "speaker", "start", "end")
    ):
        turns[document_id].append((number, speaker.strip(), start, end))
    return turns


def _texts(documents: QuerySet[Document]) -> Iterator[tuple[int, int | None, str]]:
    """``(id, case id, text)`` of each document, a few transcripts at a time."""
    yield from (
        documents.order_by("pk")
        .values_list("pk", "case_id", "text")
        .iterator(chunk_size=20)
    )


def _attribute_of_cases(project_id: int, name: str) -> dict[int, str]:
    """Each case's value of attribute ``name`` as text (``""`` when it has none)."""
    return {
        case_id: _value_text((attributes or {}).get(name))
        for case_id, attributes in Case.objects.filter(
            project_id=project_id
        ).values_list("pk", "attributes")
    }


def _value_text(value: object) -> str:
    return NO_VALUE if value is None else str(value).strip()


# --- word frequencies -----------------------------------------------------------------


def words_compute(
    access: ProjectAccess, query: WordQuery, *, stop_words: frozenset[str]
) -> WordsData:
    """Top words per group; each group also gets its total of counted words.

    Groups: ``project`` (one), ``document`` (id), ``speaker`` (name),
    ``attribute`` (value, ``""`` for none) or ``code`` (id: the words inside the
    visible codings of that code, each passage counted once however many coders
    coded it). ``documents`` in a row counts the documents holding the word.
    """
    project_id = access.project.pk
    groups = word_frequencies_in_spans(
        _word_items(access, query),
        stop_words=stop_words,
        stem=query.stem,
        min_length=query.min_length,
        language=query.language,
    )
    result = [
        WordGroupData(
            key=key,
            total=sum(r.count for r in rows),
            distinct=len(rows),
            words=tuple(
                WordEntry(r.word, r.count, r.documents, tuple(r.forms[:5]))
                for r in rows[: query.top]
            ),
        )
        for key, rows in groups.items()
    ]
    if query.group == "code":
        order = {c: i for i, c in enumerate(code_order(project_id))}
        result.sort(key=lambda g: order.get(g.key, len(order)))
    elif query.group in {"speaker", "attribute"}:
        result.sort(key=lambda g: (g.key == NO_VALUE, str(g.key).lower()))
    return WordsData(groups=tuple(result))


@dataclass
class WordRow:
    word: str
    count: int
    percent: float  # of the group's counted words
    documents: int
    forms: list[str]


@dataclass
class WordGroup:
    key: object
    label: str
    total: int
    distinct: int
    rows: list[WordRow] = field(default_factory=list)


def word_groups(
    access: ProjectAccess, query: WordQuery, data: WordsData | None
) -> list[WordGroup]:
    """A stored word count with labels and each word's share of its group."""
    if not data:
        return []
    labels: dict = {}
    if query.group == "document":
        labels = document_titles(access.project.pk)
    elif query.group == "code":
        labels = {k: n.path for k, n in code_nodes(access.project.pk).items()}
    groups = []
    for group in data.groups:
        key, total = group.key, group.total
        if query.group == "project":
            label = _("whole project")
        elif key in (NO_VALUE, None):
            label = _("(no value)")
        else:
            label = labels.get(key, str(key))
        rows = [
            WordRow(
                word=w.word,
                count=w.count,
                percent=round(100 * w.count / total, 2) if total else 0.0,
                documents=w.documents,
                forms=list(w.forms),
            )
            for w in group.words
        ]
        groups.append(WordGroup(key, label, total, group.distinct, rows))
    return groups


def _word_items(access: ProjectAccess, query: WordQuery) -> Iterator[tuple]:
    """``(text, [(group key, spans), ...])`` per document: what each group counts."""
    project_id = access.project.pk
    documents = filtered_documents(project_id, query.filter)
    if query.group in {"project", "document", "attribute"}:
        value_of = (
            _attribute_of_cases(project_id, query.attribute)
            if query.group == "attribute"
            else {}
        )
        for pk, case_id, text in _texts(documents):
            key = {
                "project": None,
                "document": pk,
                "attribute": value_of.get(case_id, NO_VALUE),
            }[query.group]
            yield text, [(key, [(0, len(text))])]
    elif query.group == "speaker":
        turns = _turn_rows(documents)
        for pk, _case, text in _texts(documents):
            by_speaker: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for _number, speaker, start, end in turns.get(pk, ()):
                # Leave out the "Speaker:" label, as the workbench does when it
                # codes a whole turn.
                body = label_end(text, start, end, speaker)
                by_speaker[speaker or NO_VALUE].append((body, end))
            yield text, list(by_speaker.items())
    else:  # code
        spans: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for code_id, document_id, start, end in (
            filtered_codings(access, query.filter)
            .order_by()
            .values_list("code_id", "document_id", "start", "end")
        ):
            spans[document_id][code_id].append((start, end))
        for pk, _case, text in _texts(documents.filter(pk__in=list(spans))):
            # The transcript is tokenised once for all its codes (see
            # analysis.text.words.word_frequencies_in_spans).
            yield (
                text,
                [
                    (code_id, merge_spans(code_spans))
                    for code_id, code_spans in spans[pk].items()
                ],
            )


# --- actor mentions -------------------------------------------------------------------


@cache
def _codebook_aliases() -> dict[str, tuple[str, ...]]:
    """``code path -> aliases`` of the demo's actor codes in the regie codebook."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(nodes: list[dict], prefix: str) -> None:
        for node in nodes:
            path = f"{prefix} > {node['name']}" if prefix else node["name"]
            if node.get("aliases"):
                found[path] = tuple(node["aliases"])
            walk(node.get("children", []), path)

    walk(demo_codebook_nodes(), "")
    return found


def actor_aliases(project_id: int) -> dict[int, list[str]]:
    """The names of each actor code, its own name first: ``{code_id: [name, ...]}``.

    The one place that knows where aliases come from: the registered alias sources
    (``coding.registry.alias_sources``; the network app's actors) once one knows
    any for the project, else the aliases the demo's actors
    (``coding/demo/data/actors.json``) give their codes, matched on the
    code's path ("Actoren > Groep INTRO"). As in the network page, a name claimed by
    two actors goes to the first in codebook order, so the counts of both pages
    agree.
    """
    nodes = flatten(codebook_tree(Code.objects.filter(project_id=project_id)))
    source = _registered_aliases(project_id)
    if not source:
        known = _codebook_aliases()
        source = {n.id: list(known[n.path]) for n in nodes if n.path in known}
    return _first_claim_wins(nodes, source)


def _registered_aliases(project_id: int) -> dict[int, list[str]]:
    """The first registered source that knows aliases for the project."""
    for alias_source in alias_sources:
        found = alias_source.aliases(project_id)
        if found:
            return {code_id: list(names or []) for code_id, names in found.items()}
    return {}


def _first_claim_wins(
    nodes: list[CodeNode], source: dict[int, list[str]]
) -> dict[int, list[str]]:
    """Each code's own name, then its aliases; a name already taken is dropped."""
    result: dict[int, list[str]] = {}
    taken: set[str] = set()
    for node in nodes:
        if node.id not in source:
            continue
        names = []
        for name in [node.name, *source[node.id]]:
            key = " ".join(name.split()).casefold()
            if key and key not in taken:
                taken.add(key)
                names.append(name)
        result[node.id] = names
    return result


def mentions_compute(access: ProjectAccess, query: MentionQuery) -> MentionsData:
    """Mentions per actor code, per document, per case and per respondent level.

    Counts text, not codings, so blind coding does not change them.
    """
    project_id = access.project.pk
    aliases = actor_aliases(project_id)
    actors = [c for c in code_order(project_id) if c in aliases]
    if not actors:
        return MentionsData(actors=(), by_document=(), by_level=(), totals=())
    matcher = compile_aliases({c: aliases[c] for c in actors})
    documents = filtered_documents(project_id, query.filter)
    level_of = _attribute_of_cases(project_id, query.level_attribute)
    case_of: dict[int, int | None] = {}

    def texts() -> Iterator[tuple[int, str]]:
        for pk, case_id, text in _texts(documents):
            case_of[pk] = case_id
            yield pk, text

    per_document = count_actor_mentions(texts(), matcher)
    by_level: dict[tuple[str, int], int] = defaultdict(int)
    totals: dict[int, list[int]] = {a: [0, 0] for a in actors}
    for (document_id, actor), n in per_document.items():
        by_level[level_of.get(case_of[document_id], NO_VALUE), actor] += n
        totals[actor][0] += n
        totals[actor][1] += 1
    return MentionsData(
        actors=tuple(actors),
        by_document=tuple(
            MentionCount(*row)
            for row in sorted((d, a, n) for (d, a), n in per_document.items())
        ),
        by_level=tuple(
            MentionCount(*row)
            for row in sorted((level, a, n) for (level, a), n in by_level.items())
        ),
        totals=tuple(MentionTotal(a, n, docs) for a, (n, docs) in totals.items()),
    )


# --- co-occurrence --------------------------------------------------------------------


def _cooccurrence_matrix(
    access: ProjectAccess, query: CooccurrenceQuery, *, only: list[int] | None = None
):
    codings = filtered_codings(access, query.filter).order_by()
    if only is not None:
        codings = codings.filter(code_id__in=only)
    rows = list(codings.values_list("id", "document_id", "code_id", "start", "end"))
    codes = only or _code_axis(access.project.pk, query.filter, {r[2] for r in rows})
    turns = None
    if query.mode == "turn":
        turns = list(
            SpeakerTurn.objects.filter(
                document_id__in={r[1] for r in rows}
            ).values_list("document_id", "number", "start", "end")
        )
    return cooccurrence(rows, mode=query.mode, turns=turns, codes=codes)


def cooccurrence_compute(
    access: ProjectAccess, query: CooccurrenceQuery
) -> CooccurrenceData:
    """Counts, coding-pair counts and Jaccard indices over the visible codings."""
    return CooccurrenceData.from_json(_cooccurrence_matrix(access, query).as_lists())


def cooccurrence_pairs(
    access: ProjectAccess, query: CooccurrenceQuery, row: int, column: int
) -> list[tuple[int, int]]:
    """The ``(row coding, column coding)`` id pairs behind one cell.

    Recomputed from the codings of the two codes only, which gives the same pairs
    as the whole matrix (a pair depends on its two codings and the turns).
    """
    codes = [row] if row == column else [row, column]
    return pairs_behind(_cooccurrence_matrix(access, query, only=codes), row, column)


# --- matrix coding query --------------------------------------------------------------


def _matrix_column_of(
    access: ProjectAccess, query: MatrixQuery
) -> tuple[str, dict[int, str]]:
    """The ``values_list`` field that picks a coding's column, and for attribute
    columns the value of each case."""
    if query.columns == "document":
        return "document_id", {}
    if query.columns == "coder":
        return "coder_id", {}
    return "document__case_id", _attribute_of_cases(access.project.pk, query.attribute)


def matrix_compute(access: ProjectAccess, query: MatrixQuery) -> MatrixResult:
    """Codes down, attribute values / documents / coders across (see
    ``analysis.text.matrix``). Documents are ordered by title, coders by name."""
    project_id = access.project.pk
    field, value_of = _matrix_column_of(access, query)
    rows = list(
        filtered_codings(access, query.filter)
        .order_by()
        .values_list("id", "code_id", field, "document__case_id", "word_count")
    )
    if query.columns == "attribute":
        items = [
            (pk, code, value_of.get(column, NO_VALUE), case, words)
            for pk, code, column, case, words in rows
        ]
    else:
        items = rows
    parent_of = dict(
        Code.objects.filter(project_id=project_id).values_list("id", "parent_id")
    )
    present = {code for _pk, code, *_rest in rows}
    if query.rolled:
        present = {a for c in present for a in _ancestors(parent_of, c)}
    codes = _code_axis(project_id, query.filter, present)
    result = matrix_counts(
        items,
        cell=query.cell,
        parents=parent_of if query.rolled else None,
        rows=codes,
        columns=_matrix_columns(access, query, {item[2] for item in items}),
    )
    return result


def _ancestors(parent_of: dict[int, int | None], code_id: int) -> list[int]:
    chain = []
    node: int | None = code_id
    while node is not None:
        chain.append(node)
        node = parent_of.get(node)
    return chain


def matrix_column_labels(
    access: ProjectAccess, query: MatrixQuery, columns: list
) -> dict[object, str]:
    """Column key → label: document title, coder name or attribute value."""
    if query.columns == "document":
        titles = document_titles(access.project.pk)
        return {c: titles.get(c, str(c)) for c in columns}
    if query.columns == "coder":
        names = user_names(access, columns)
        return {c: names.get(c, str(c)) for c in columns}
    return {c: _("(no value)") if c == NO_VALUE else str(c) for c in columns}


def _matrix_columns(access: ProjectAccess, query: MatrixQuery, seen: set) -> list:
    if query.columns == "document":
        return list(
            Document.objects.filter(pk__in=seen)
            .order_by("title", "pk")
            .values_list("pk", flat=True)
        )
    if query.columns == "coder":
        return list(
            get_user_model()
            .objects.filter(pk__in=seen)
            .order_by("username")
            .values_list("pk", flat=True)
        )
    return sorted(seen, key=lambda v: (v == NO_VALUE, v.lower()))


def matrix_cell_codings(
    access: ProjectAccess, query: MatrixQuery, row: int, column: str
) -> QuerySet[Coding]:
    """The visible codings counted in one cell (row code, column key as text)."""
    codings = filtered_codings(access, query.filter)
    if query.rolled:
        parent_of = dict(
            Code.objects.filter(project_id=access.project.pk).values_list(
                "id", "parent_id"
            )
        )
        codings = codings.filter(code_id__in=_descendants(parent_of).get(row, {row}))
    else:
        codings = codings.filter(code_id=row)
    if query.columns in {"document", "coder"}:
        if not column.isdecimal():
            return codings.none()
        field = "document_id" if query.columns == "document" else "coder_id"
        return codings.filter(**{field: int(column)})
    value_of = _attribute_of_cases(access.project.pk, query.attribute)
    cases = [case for case, value in value_of.items() if value == column]
    if column == NO_VALUE:
        return codings.filter(
            Q(document__case__isnull=True) | Q(document__case_id__in=cases)
        )
    return codings.filter(document__case_id__in=cases)


# --- auto-coding ----------------------------------------------------------------------


def autocode_spans(
    project_id: int, query: AutocodeQuery
) -> Iterator[tuple[int, str, list[tuple[int, int]]]]:
    """``(document id, text, spans to code)`` per document picked by the query.

    Hits of the pattern (expanded to the sentence or turn when asked), only inside
    the chosen speakers' turns when speakers are given; without a pattern, every
    turn of those speakers (without the "Speaker:" label).
    """
    documents = filtered_documents(project_id, query.filter)
    need_turns = query.expand == "turn" or bool(query.speakers)
    turns = _turn_rows(documents) if need_turns else {}
    wanted = {s.casefold() for s in query.speakers}
    for pk, _case, text in _texts(documents):
        doc_turns = turns.get(pk, [])
        within = None
        if query.speakers:
            within = turns_of_speaker(doc_turns, query.speakers)
        if query.pattern:
            spans = find_matches(
                text,
                pattern=query.pattern,
                kind=query.kind,
                whole_word=query.whole_word,
                case_sensitive=query.case_sensitive,
                expand=query.expand or None,
                turns=[(start, end) for _n, _s, start, end in doc_turns],
                within=within,
            )
        else:
            spans = merge_spans(
                (label_end(text, start, end, speaker), end)
                for _n, speaker, start, end in doc_turns
                if speaker.casefold() in wanted
            )
            spans = [(s, e) for s, e in spans if e > s]
        yield pk, text, spans


def autocode_preview_compute(
    access: ProjectAccess, query: AutocodeQuery
) -> AutocodePreviewData:
    """How many passages auto-coding would code, where, and the first few in context."""
    total = 0
    per_document = []
    first = []
    for pk, text, spans in autocode_spans(access.project.pk, query):
        if not spans:
            continue
        total += len(spans)
        per_document.append(DocumentHits(pk, len(spans)))
        for start, end in spans[: PREVIEW_MATCHES - len(first)]:
            first.append(
                PreviewMatch(
                    document=pk,
                    start=start,
                    end=end,
                    before=text[max(0, start - PREVIEW_CONTEXT) : start],
                    text=text[start:end],
                    after=text[end : end + PREVIEW_CONTEXT],
                )
            )
    return AutocodePreviewData(
        total=total, per_document=tuple(per_document), matches=tuple(first)
    )
