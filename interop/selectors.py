"""Read-models for the exports: tables as a header and rows of plain cells.

Each function takes what the member may see (``ProjectAccess`` and, where coded
segments count, a ``QuerySet`` of codings already filtered with
``coding.segments.filtered_codings``), so every format (CSV, Excel, the API, a
worker's job) shows the same figures and blind coding holds everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Sum

from coding.access import ProjectAccess
from coding.models import Case, Code, Coding, Document
from coding.selectors import codebook_tree, flatten


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list[object]] | list[list[object]]


CODEBOOK_HEADER = ["code_id", "path", "name", "description", "color", "shortcut"]


def codebook_table(access: ProjectAccess) -> Table:
    """One row per code in tree order (the codebook is visible to every member)."""
    nodes = flatten(codebook_tree(Code.objects.filter(project=access.project)))
    return Table(
        CODEBOOK_HEADER,
        [[n.id, n.path, n.name, n.description, n.color, n.shortcut] for n in nodes],
    )


def cases_table(access: ProjectAccess) -> Table:
    """One row per case: its label, every attribute (one column each), its documents."""
    cases = list(Case.objects.filter(project=access.project).order_by("label", "pk"))
    names = sorted({name for case in cases for name in (case.attributes or {})})
    titles: dict[int, list[str]] = defaultdict(list)
    for case_id, title in (
        Document.objects.filter(project=access.project, case__isnull=False)
        .order_by("title", "pk")
        .values_list("case_id", "title")
    ):
        titles[case_id].append(title)
    rows = [
        [
            case.label,
            *(_text((case.attributes or {}).get(name)) for name in names),
            len(titles.get(case.pk, [])),
            "; ".join(titles.get(case.pk, [])),
        ]
        for case in cases
    ]
    return Table(["case", *names, "documents", "document_titles"], rows)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def code_document_table(access: ProjectAccess, codings: QuerySet[Coding]) -> Table:
    """Codings per code (rows, tree order) and document (columns), plus totals.

    Counts are of the codings given (the member's visible, filtered codings); a
    code counts its own codings only (sub-codes have rows of their own).
    """
    documents = list(
        Document.objects.filter(project=access.project)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    counts: dict[tuple[int, int], int] = {
        (row["code_id"], row["document_id"]): row["n"]
        for row in codings.order_by()
        .values("code_id", "document_id")
        .annotate(n=Count("pk"))
    }
    nodes = flatten(codebook_tree(Code.objects.filter(project=access.project)))
    rows = []
    for node in nodes:
        cells = [counts.get((node.id, pk), 0) for pk, _title in documents]
        rows.append([node.id, node.path, *cells, sum(cells)])
    totals = [
        sum(counts.get((node.id, pk), 0) for node in nodes) for pk, _title in documents
    ]
    rows.append(["", "total", *totals, sum(totals)])
    return Table(["code_id", "code_path", *(t for _pk, t in documents), "total"], rows)


FREQUENCY_HEADER = [
    "code_id",
    "code_path",
    "codings",
    "documents",
    "cases",
    "coders",
    "characters",
    "words",
]


def frequency_table(access: ProjectAccess, codings: QuerySet[Coding]) -> Table:
    """Per code (tree order): codings, documents, cases, coders, characters, words.

    Computed from the codings given (always current, unlike the stored tables of
    the frequencies page); a code counts its own codings, not its sub-codes'.
    """
    figures = {
        row["code_id"]: row
        for row in codings.order_by()
        .values("code_id")
        .annotate(
            n=Count("pk"),
            documents=Count("document_id", distinct=True),
            cases=Count("document__case_id", distinct=True),
            coders=Count("coder_id", distinct=True),
            characters=Sum(F("end") - F("start")),
            words=Sum("word_count"),
        )
    }
    rows = []
    for node in flatten(codebook_tree(Code.objects.filter(project=access.project))):
        row = figures.get(node.id, {})
        rows.append(
            [
                node.id,
                node.path,
                row.get("n", 0),
                row.get("documents", 0),
                row.get("cases", 0),
                row.get("coders", 0),
                row.get("characters") or 0,
                row.get("words") or 0,
            ]
        )
    return Table(FREQUENCY_HEADER, rows)
