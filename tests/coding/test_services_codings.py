"""Applying, editing and removing codings through the service layer."""

import pytest
from django.core.exceptions import ValidationError

from coding.models import Coding
from coding.services.codings import (
    CodingConflict,
    CodingSpec,
    coding_create,
    coding_delete,
    coding_restore,
    coding_update,
    codings_create_bulk,
    trim_span,
)
from tests.factories import make_code, make_document, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    project = make_project()
    document = make_document(project=project)
    return project, document, make_code(project=project), make_user()


def test_offsets_count_code_points_with_astral_characters(setup):
    project, _, code, user = setup
    text = "Een 👍 en 𝔘 — geïntegreerd beleid"
    document = make_document(project=project, text=text)
    start = text.index("geïntegreerd")
    coding = coding_create(
        document=document, code=code, coder=user, start=start, end=start + 12
    )
    assert coding.text == "geïntegreerd"
    # 👍 and 𝔘 count one code point each (two UTF-16 units each in a browser)
    assert start == 13
    assert len(text[:start].encode("utf-16-le")) // 2 == 15


def test_readable_errors_for_bad_spans(setup):
    _, document, code, user = setup
    for start, end, field in [
        (-1, 2, "start"),
        (5, 5, "end"),
        (0, 10_000, "end"),
        ("a", 3, "start"),
    ]:
        with pytest.raises(ValidationError) as info:
            coding_create(
                document=document, code=code, coder=user, start=start, end=end
            )
        assert field in info.value.message_dict


def test_duplicate_gives_message_not_integrity_error(setup):
    _, document, code, user = setup
    coding_create(document=document, code=code, coder=user, start=0, end=5)
    with pytest.raises(ValidationError, match="already coded"):
        coding_create(document=document, code=code, coder=user, start=0, end=5)


def test_trim_whitespace_from_browser_selection(setup):
    _, document, code, user = setup
    assert trim_span("  ab \n", 0, 6) == (2, 4)
    coding = coding_create(
        document=document, code=code, coder=user, start=12, end=40, trim_whitespace=True
    )
    assert not coding.text[0].isspace()
    assert not coding.text[-1].isspace()


def test_bulk_is_all_or_nothing(setup):
    _, document, code, user = setup
    specs = [CodingSpec(document, code, 0, 5), CodingSpec(document, code, 3, 100_000)]
    with pytest.raises(ValidationError) as info:
        codings_create_bulk(specs=specs, coder=user)
    assert "items" in info.value.message_dict
    assert Coding.objects.count() == 0
    created = codings_create_bulk(specs=specs[:1], coder=user)
    assert len(created) == 1


def test_memo_conflict_is_detected(setup):
    _, document, code, user = setup
    coding = coding_create(document=document, code=code, coder=user, start=0, end=5)
    first_view = coding.revision
    coding_update(coding=coding, memo="eerste versie", expected_revision=first_view)
    with pytest.raises(CodingConflict) as info:
        coding_update(coding=coding, memo="mijn versie", expected_revision=first_view)
    assert info.value.coding.memo == "eerste versie"
    coding.refresh_from_db()
    assert coding.memo == "eerste versie"


def test_delete_and_restore(setup):
    _, document, code, user = setup
    coding = coding_create(
        document=document, code=code, coder=user, start=2, end=9, memo="m"
    )
    snapshot = coding_delete(coding=coding)
    assert not Coding.objects.exists()
    restored = coding_restore(snapshot=snapshot)
    assert (restored.start, restored.end, restored.memo, restored.coder_id) == (
        2,
        9,
        "m",
        user.pk,
    )
