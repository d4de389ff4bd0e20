"""One page of coded segments in document order, cheap on large projects.

Lists of segments (the coded segments page, the passages behind an analysis cell)
are ordered by document title, then position. Sorting every matching coding to
show fifty, and cutting text out of the transcript in SQL for each of them, cost
seconds at 200,000 codings: the database computes selected expressions before it
sorts. So a page is found document by document (the codings of a document come
from the ``(document, start)`` index), only the page's rows are loaded, and their
text and context are sliced in Python from the few transcripts they come from.
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
    codings: QuerySet[Coding], number, *, per_page: int, project_id: int
) -> Page:
    """Page ``number`` (clamped like ``Paginator.get_page``) of ``codings``, ordered
    by document title and position, each with ``segment_text``, ``before`` and
    ``after`` set. ``codings`` must be codings of ``project_id``'s documents."""
    codings = codings.order_by()
    paginator = Paginator(_Counted(codings.count()), per_page)
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    documents = list(
        Document.objects.filter(project_id=project_id)
        .order_by("title", "pk")
        .values_list("pk", flat=True)
    )
    ids = _page_ids(codings, documents, (number - 1) * per_page, per_page)
    rows = list(
        codings.filter(pk__in=ids)
        .select_related("code", "coder", "document__case")
        .defer("document__text")
        .order_by(*ORDER)
    )
    return Page(with_context(rows), number, paginator)


def _page_ids(
    codings: QuerySet[Coding], documents: Sequence[int], offset: int, limit: int
) -> list[int]:
    if offset == 0:
        # The first page: take documents in growing batches until it is full.
        found: list[int] = []
        at, batch = 0, 1
        while len(found) < limit and at < len(documents):
            found += (
                codings.filter(document_id__in=documents[at : at + batch])
                .order_by(*ORDER)
                .values_list("pk", flat=True)[: limit - len(found)]
            )
            at, batch = at + batch, batch * 4
        return found
    counts = dict(codings.values_list("document_id").annotate(n=Count("pk")).order_by())
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
    return list(
        codings.filter(document_id__in=window)
        .order_by(*ORDER)
        .values_list("pk", flat=True)[start : start + limit]
    )


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
