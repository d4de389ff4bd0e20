"""Database-level rules hold even when code bypasses the services."""

import pytest
from django.db import IntegrityError, transaction

from coding.models import Code, Coding, Document, SpeakerTurn
from tests.factories import make_code, make_document, make_project, make_user

pytestmark = pytest.mark.django_db


def _raw_coding(document, code, coder, start, end):
    with transaction.atomic():
        Coding.objects.create(
            document=document, code=code, coder=coder, start=start, end=end
        )


def test_coding_end_cannot_pass_the_text():
    project = make_project()
    document = make_document(project=project, text="kort")
    code = make_code(project=project)
    user = make_user()
    _raw_coding(document, code, user, 0, 4)
    with pytest.raises(IntegrityError):
        _raw_coding(document, code, user, 0, 5)


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (3, 2)])
def test_coding_span_must_be_ordered_and_non_negative(start, end):
    project = make_project()
    document = make_document(project=project, text="een tekst")
    with pytest.raises((IntegrityError, ValueError)):
        _raw_coding(document, make_code(project=project), make_user(), start, end)


def test_code_and_document_must_share_a_project():
    document = make_document(project=make_project())
    foreign_code = make_code(project=make_project())
    with pytest.raises(IntegrityError):
        _raw_coding(document, foreign_code, make_user(), 0, 3)


def test_duplicate_coding_of_one_coder_is_refused():
    project = make_project()
    document = make_document(project=project)
    code = make_code(project=project)
    user = make_user()
    _raw_coding(document, code, user, 0, 3)
    with pytest.raises(IntegrityError):
        _raw_coding(document, code, user, 0, 3)
    _raw_coding(document, code, make_user(), 0, 3)  # another coder may


def test_parent_code_must_be_in_the_same_project():
    parent = make_code(project=make_project())
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(project=make_project(), parent=parent, name="Kind")


def test_document_length_must_match_its_text():
    project = make_project()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(project=project, title="x", text="abc", length=4)


def test_text_cannot_shrink_under_codings():
    project = make_project()
    document = make_document(project=project, text="een lange tekst")
    _raw_coding(document, make_code(project=project), make_user(), 4, 9)
    document.text, document.length = "een", 3
    with pytest.raises(IntegrityError), transaction.atomic():
        document.save()


def test_turn_end_within_text():
    project = make_project()
    document = make_document(project=project, text="I: vraag")
    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerTurn.objects.create(document=document, number=99, start=0, end=50)


def test_code_colour_must_be_hex():
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(project=make_project(), name="x", color="red")


def test_sibling_names_unique_but_reusable_elsewhere():
    project = make_project()
    a = make_code(project=project, name="Overleg")
    make_code(project=project, name="Overleg", parent=a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(project=project, name="Overleg")
