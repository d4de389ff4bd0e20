"""Pages of coded segments found document by document match one ordered query."""

import pytest

from coding.access import access_project
from coding.models import Coding, Document
from coding.segment_pages import ORDER, segment_page
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db

TEXT = "alfa beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n"


@pytest.fixture
def codings(project, members):
    """Three documents whose title order differs from their id order, coded
    unevenly (7, 0 and 4 codings), by two coders."""
    documents = [
        make_document(project=project, text=TEXT, title=title)
        for title in ("Charlie", "Alpha", "Bravo")
    ]
    code = make_code(project=project)
    counts = {documents[0]: 4, documents[1]: 7, documents[2]: 0}
    for document, n in counts.items():
        for i in range(n):
            coder = members["coder"] if i % 2 else members["coder2"]
            make_coding(document=document, code=code, coder=coder, start=i, end=i + 4)
    return documents


@pytest.mark.parametrize("per_page", [1, 2, 3, 5, 11, 50])
def test_pages_concatenate_to_the_ordered_list(project, members, codings, per_page):
    access = access_project(members["supervisor"], project.pk)
    expected = list(
        Coding.objects.filter(document__project=project)
        .order_by(*ORDER)
        .values_list("pk", flat=True)
    )
    first = segment_page(
        access.visible_codings(), 1, per_page=per_page, documents=access.document_ids
    )
    seen = []
    for number in first.paginator.page_range:
        page = segment_page(
            access.visible_codings(),
            number,
            per_page=per_page,
            documents=access.document_ids,
        )
        seen += [c.pk for c in page]
    assert seen == expected
    assert first.paginator.count == 11


def test_rows_carry_text_and_context(project, members, codings):
    access = access_project(members["coder"], project.pk)
    page = segment_page(
        access.visible_codings(), 1, per_page=50, documents=access.document_ids
    )
    assert page.paginator.count == 5  # blind coding: the coder's own codings
    row = page[0]
    text = Document.objects.get(pk=row.document_id).text
    assert row.segment_text == text[row.start : row.end]
    assert row.before == text[: row.start]
    assert row.after == text[row.end : row.end + 80]


def test_out_of_range_and_bad_page_numbers_are_clamped(project, members, codings):
    access = access_project(members["supervisor"], project.pk)
    last = segment_page(
        access.visible_codings(), 99, per_page=5, documents=access.document_ids
    )
    assert last.number == 3
    assert len(last) == 1
    assert (
        segment_page(
            access.visible_codings(), "x", per_page=5, documents=access.document_ids
        ).number
        == 1
    )
    empty = segment_page(
        access.visible_codings().none(), 1, per_page=5, documents=access.document_ids
    )
    assert list(empty) == []
