"""Codebook edits: create, move, merge, delete, CSV round trip, default codebook."""

import io
import json

import pytest
from django.core.exceptions import ValidationError

from coding.codebook_csv import CodebookCSVError, read_codebook_csv, write_codebook_csv
from coding.codebook_default import DEFAULT_CODEBOOK_FILE
from coding.models import Code, Coding
from coding.services.codebook import (
    code_create,
    code_update,
    code_usage,
    codebook_import_rows,
    codebook_load_default,
    codebook_rows,
)
from coding.services.codebook_merge import code_merge
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_move_refuses_cycles():
    project = make_project()
    parent = make_code(project=project, name="Instrumenten")
    child = make_code(project=project, name="Subsidies", parent=parent)
    with pytest.raises(ValidationError, match="under itself"):
        code_update(code=parent, parent=child)
    code_update(code=child, parent=None)
    assert Code.objects.get(pk=child.pk).parent is None


def test_shortcut_unique_with_message():
    project = make_project()
    make_code(project=project, name="A", shortcut="1")
    with pytest.raises(ValidationError, match="already the shortcut"):
        code_create(project=project, name="B", shortcut="1")


def test_merge_moves_codings_and_children_and_keeps_memos():
    project = make_project()
    document = make_document(project=project)
    source = make_code(project=project, name="Overleg")
    target = make_code(project=project, name="Overlegstructuren")
    make_code(project=project, name="Maandelijks", parent=source)
    coder = make_user()
    make_coding(
        document=document, code=source, coder=coder, start=0, end=10, memo="uit bron"
    )
    make_coding(
        document=document, code=target, coder=coder, start=0, end=10, memo="doel"
    )
    make_coding(document=document, code=source, coder=coder, start=20, end=30)
    code_merge(source=source, target=target)
    assert not Code.objects.filter(pk=source.pk).exists()
    codings = Coding.objects.filter(code=target).order_by("start")
    assert [(c.start, c.end) for c in codings] == [(0, 10), (20, 30)]
    assert "uit bron" in codings[0].memo
    assert "doel" in codings[0].memo
    assert Code.objects.get(name="Maandelijks").parent_id == target.pk


def test_merge_into_own_child_is_refused():
    project = make_project()
    parent = make_code(project=project)
    child = make_code(project=project, parent=parent)
    with pytest.raises(ValidationError):
        code_merge(source=parent, target=child)


def test_usage_counts_subcodes():
    project = make_project()
    document = make_document(project=project)
    parent = make_code(project=project)
    child = make_code(project=project, parent=parent)
    make_coding(document=document, code=child, start=0, end=4)
    assert code_usage(parent) == 1


def test_codebook_csv_round_trip():
    project = make_project()
    parent = make_code(project=project, name="Beleidsinstrumenten", color="#aabbcc")
    make_code(
        project=project,
        name="Subsidies",
        parent=parent,
        description="Geld; ook “cofinanciering”",
    )
    buffer = io.StringIO()
    write_codebook_csv(codebook_rows(project), buffer)
    rows = read_codebook_csv(buffer.getvalue())
    other = make_project()
    result = codebook_import_rows(project=other, rows=rows)
    assert result == {"created": 2, "updated": 0}
    imported = Code.objects.get(project=other, name="Subsidies")
    assert imported.parent.name == "Beleidsinstrumenten"
    assert imported.description == "Geld; ook “cofinanciering”"


def test_codebook_csv_semicolons_and_errors():
    rows = read_codebook_csv("path;name;description;color\nA > B;B;def;#FFCC00\n")
    assert rows[0].path == ("A", "B")
    assert rows[0].color == "#ffcc00"
    with pytest.raises(CodebookCSVError, match="colour"):
        read_codebook_csv("path,name,description,color\nA,A,,rood\n")
    with pytest.raises(CodebookCSVError, match="first line"):
        read_codebook_csv("foo,bar\n1,2\n")


def test_default_regie_codebook_is_complete_and_dutch():
    project = make_project(codebook="regie")
    names = set(Code.objects.filter(project=project).values_list("name", flat=True))
    for expected in [
        "Beheersgerichte regisseur",
        "Uitvoeringsgerichte regisseur",
        "Visionaire regisseur",
        "Faciliterende regisseur",
        "Eigen script of beleidskader",
        "Doorzettingsmacht",
        "Overzicht over de situatie",
        "Samenwerking organiseren",
        "Interne regie",
        "Externe regie",
        "Draagvlak",
        "Hiërarchisch model",
        "Marktmodel",
        "Netwerkmodel",
        "Samenwerkingsovereenkomst",
        "Subsidies",
        "Diversiteitsclausule",
        "Cofinanciering",
        "Detachering",
        "Overleg",
        "Geen instrumenten",
    ]:
        assert expected in names
    assert all(
        Code.objects.filter(project=project)
        .exclude(description="")
        .values_list("id", flat=True)
    )
    assert not Code.objects.filter(project=project, description="").exists()
    data = json.loads(DEFAULT_CODEBOOK_FILE.read_text(encoding="utf-8"))
    assert len(data) >= 7
    actors = Code.objects.get(project=project, name="Actoren", parent=None)
    assert not actors.children.exists()  # a template: the project names its actors


def test_the_demo_actors_are_the_demo_projects_only():
    """The Mechelen actors come with ``demo_actors`` (the demo loader), not with the
    regie codebook a new project starts from."""
    plain = make_project(codebook="regie")
    demo = make_project()
    codebook_load_default(project=demo, demo_actors=True)
    assert not Code.objects.filter(project=plain, name="Stad Mechelen").exists()
    actors = Code.objects.get(project=demo, name="Actoren", parent=None)
    names = set(actors.children.values_list("name", flat=True))
    assert {"Stad Mechelen", "Unia", "Jeugdbewegingen"} <= names
