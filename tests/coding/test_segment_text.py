"""The "coded text contains" filter matches what cutting each passage out would."""

import csv
import io
import random

import pytest
from rest_framework.test import APIClient

from coding.access import access_project
from coding.models import Coding
from coding.segment_text import filter_coded_text, fold, occurrences
from coding.segments import SegmentFilter, filtered_codings
from tests.conftest import client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db

TEXT = (
    "Interviewer: Werkt de STAD mee?\n\n"
    "Respondent: De stad, de Stadsdienst en de stedelijke raad: aaaa. "
    "İstanbul is geen stad 👍 maar de stad Gent wel.\n"
)


def test_occurrences_overlap_and_ignore_case():
    assert occurrences("Aaaa", "aa") == [0, 1, 2]
    assert occurrences("De STAD, de stad", "stad") == [3, 12]
    # "İ" lower-cases to two characters; folding keeps positions in place.
    assert fold("STAD") == "stad"
    assert fold("Xİy") == "xİy"
    assert occurrences("xİstanbul", "stanbul") == [2]
    # The final sigma is lower-cased by context; folding does not look at context.
    assert occurrences("ΟΔΟΣΗ", fold("ΟΔΟΣ")) == [0]
    assert occurrences("de οδος İ", fold("ΟΔΟΣ")) == [3]
    assert occurrences("FIRST", fold("fırst")) == [0]


def test_a_later_coding_is_not_taken_without_its_text_looked_at(
    project, members, coded
):
    """The Python path keeps the ids that match, so a queryset evaluated again
    later (a streamed export's next chunk) does not take in new codings."""
    access = access_project(members["supervisor"], project.pk)
    found = filter_coded_text(
        access.visible_codings(), access.document_ids, "a", max_sql_keys=0
    )
    before = set(found.values_list("pk", flat=True))
    document = coded[0]
    late = Coding.objects.create(
        document=document,
        code=Coding.objects.filter(document=document).first().code,
        coder=members["coder"],
        start=0,
        end=3,  # "Int": no "a"
    )
    after = set(found.values_list("pk", flat=True))
    assert late.pk not in after
    assert after == before


@pytest.fixture
def coded(project, members):
    """Random codings over two transcripts, by two coders."""
    documents = [
        make_document(project=project, text=TEXT, title=title) for title in ("B", "A")
    ]
    code = make_code(project=project)
    rng = random.Random(7)
    rows = []
    for document in documents:
        n = len(document.text)
        for i in range(150):
            start = rng.randrange(0, n - 1)
            end = rng.randint(start + 1, min(n, start + 40))
            coder = members["coder"] if i % 2 else members["coder2"]
            rows.append(
                Coding(document=document, code=code, coder=coder, start=start, end=end)
            )
    Coding.objects.bulk_create(rows, ignore_conflicts=True)
    return documents


def expected(codings, term):
    """The old definition: the passage, cut out, contains the term (any case)."""
    return sorted(
        c.pk
        for c in codings
        if term.lower() in c.document.text[c.start : c.end].lower()
    )


@pytest.mark.parametrize(
    "term", ["stad", "STAD", "de s", "a", "aa", "aaa", "👍 ma", "stanbul", "d:", "xyz"]
)
def test_filter_matches_the_cut_out_passages(project, members, coded, term):
    access = access_project(members["supervisor"], project.pk)
    everything = list(access.visible_codings().select_related("document"))
    want = expected(everything, term)
    found = filtered_codings(access, SegmentFilter(text=term))
    assert sorted(found.values_list("pk", flat=True)) == want
    assert found.count() == len(want)
    # Matching the spans in Python (very frequent terms) gives the same rows.
    in_python = filter_coded_text(
        access.visible_codings(), access.document_ids, term, max_sql_keys=0
    )
    assert sorted(in_python.values_list("pk", flat=True)) == want


def test_filter_combines_with_the_others_and_blind_coding(project, members, coded):
    access = access_project(members["coder"], project.pk)  # blind: own codings
    mine = list(access.visible_codings().select_related("document"))
    assert {c.coder_id for c in mine} == {members["coder"].pk}
    one = coded[0].pk
    found = filtered_codings(access, SegmentFilter(text="stad", documents=(one,)))
    assert sorted(found.values_list("pk", flat=True)) == expected(
        [c for c in mine if c.document_id == one], "stad"
    )


def test_page_api_and_export_agree(project, members, coded):
    supervisor = members["supervisor"]
    access = access_project(supervisor, project.pk)
    everything = list(access.visible_codings().select_related("document"))
    want = expected(everything, "de s")
    page = client_for(supervisor).get(
        f"/p/{project.pk}/segments/", {"text": "De S", "page": "1"}
    )
    assert page.status_code == 200
    assert page.context["page"].paginator.count == len(want)
    api = APIClient()
    api.force_authenticate(supervisor)
    listed = api.get(
        f"/api/v1/projects/{project.pk}/segments/", {"text": "De S", "page_size": 500}
    ).json()
    assert listed["count"] == len(want)
    assert sorted(row["id"] for row in listed["results"]) == want
    assert all("de s" in row["text"].lower() for row in listed["results"])
    export = api.get(
        f"/api/v1/projects/{project.pk}/export/segments.csv", {"text": "De S"}
    )
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(body)))) == len(want)


def test_no_occurrence_and_a_term_longer_than_every_text(project, members):
    document = make_document(project=project, text="kort")
    make_coding(document=document, coder=members["coder"], start=0, end=4)
    access = access_project(members["supervisor"], project.pk)
    assert not filtered_codings(access, SegmentFilter(text="korter dan de tekst"))
    assert filtered_codings(access, SegmentFilter(text="KORT")).count() == 1


@pytest.mark.parametrize(
    "params", [{"memo": "a\x00"}, {"coders": "a\x00"}, {"attribute": "niveau=\x00"}]
)
def test_a_nul_in_any_filter_is_a_clear_400(project, members, coded, params):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(members["supervisor"])
    for url in (
        f"/api/v1/projects/{project.pk}/segments/",
        f"/api/v1/projects/{project.pk}/export/segments.csv",
    ):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert "NUL" in response.content.decode()
