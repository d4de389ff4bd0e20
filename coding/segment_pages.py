"""One page of coded segments in document order, cheap on large projects.

Lists of segments (the coded segments page, the passages behind an analysis cell)
are ordered by document title, then position. Sorting every matching coding to
show fifty, and cutting text out of the transcript in SQL for each of them, cost
minutes at 200,000 codings: the database computes selected expressions before it
sorts. So a page is found document by document (per-document counts, one index
scan, place it; its rows come from the ``(document, start)`` index of the few
documents it spans), and the page's text and context are sliced in Python from
the few transcripts its rows come from.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet

from coding.models import Coding, Document

ORDER = ("document__title", "document_id", "start", "end", "id")
CONTEXT = 80  # characters of context on each side of a segment


class _Counted:
    """What ``Paginator`` needs of its list when the rows are fetched per page."""

    def __init__(self, count: int) -> None:
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count


def segment_page(
    codings: QuerySet[Coding], number, *, per_page: int, documents: Sequence[int]
) -> Page:
    """Page ``number`` (clamped like ``Paginator.get_page``) of ``codings``, ordered
    by document title and position, each with ``segment_text``, ``before`` and
    ``after`` set. ``documents`` are the ids of the documents the codings belong
    to, in title order (``ProjectAccess.document_ids``)."""
    codings = codings.order_by()
    # One pass counts the codings per document: the total for the paginator and
    # where the page lies. It costs what a plain count does (an index scan).
    counts = dict(
        codings.values_list("document_id").annotate(n=Count("document_id")).order_by()
    )
    total = sum(counts.values())
    paginator = Paginator(_Counted(total), per_page)
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    if not total:
        return Page([], number, paginator)
    rows = _page_rows(codings, documents, counts, (number - 1) * per_page, per_page)
    return Page(with_context(rows), number, paginator)


def _page_rows(
    codings: QuerySet[Coding],
    documents: Sequence[int],
    counts: dict[int, int],
    offset: int,
    limit: int,
) -> list[Coding]:
    """The page's rows, read from the few documents it spans only."""
    window: list[int] = []
    skipped = 0
    covered = 0
    for document_id in documents:
        n = counts.get(document_id, 0)
        if not n:
            continue
        if not window and skipped + n <= offset:
            skipped += n
            continue
        window.append(document_id)
        covered += n
        if skipped + covered >= offset + limit:
            break
    start = offset - skipped
    rows = (
        codings.filter(document_id__in=window)
        .select_related("code", "coder", "document__case")
        .defer("document__text")
        .order_by(*ORDER)
    )
    return list(rows[start : start + limit])


def with_context(rows: list[Coding]) -> list[Coding]:
    """Set ``segment_text``, ``before`` and ``after`` on each coding, reading each
    transcript once."""
    texts = dict(
        Document.objects.filter(pk__in={r.document_id for r in rows}).values_list(
            "pk", "text"
        )
    )
    for row in rows:
        text = texts[row.document_id]
        row.segment_text = text[row.start : row.end]
        row.before = text[max(0, row.start - CONTEXT) : row.start]
        row.after = text[row.end : row.end + CONTEXT]
    return rows
