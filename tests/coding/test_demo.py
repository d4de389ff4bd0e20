"""The demo project: complete, realistic, idempotent."""

import pytest
from django.core.management import call_command

from coding.demo.loader import DEMO_PASSWORD, PROJECT_NAME, demo_load
from coding.models import Coding, Document, Membership, Project

pytestmark = pytest.mark.django_db


def test_load_demo_twice_changes_nothing(capsys):
    call_command("load_demo")
    first = (Project.objects.count(), Document.objects.count(), Coding.objects.count())
    call_command("load_demo")
    assert (
        Project.objects.count(),
        Document.objects.count(),
        Coding.objects.count(),
    ) == first
    output = capsys.readouterr().out
    assert "already present" in output
    assert DEMO_PASSWORD in output
    assert "coder1" in output
    assert "supervisor" in output


def test_demo_content_models_the_thesis():
    result = demo_load()
    project = result.project
    assert project.name == PROJECT_NAME
    documents = list(Document.objects.filter(project=project).select_related("case"))
    assert len(documents) >= 6
    assert all(d.word_count >= 2000 for d in documents)
    assert all(d.turns.count() >= 20 for d in documents)
    levels = {d.case.attributes["niveau"] for d in documents}
    assert {"politiek", "ambtelijk", "middenveld"} <= levels
    roles = dict(
        Membership.objects.filter(project=project).values_list("user__username", "role")
    )
    assert roles == {"supervisor": "owner", "coder1": "coder", "coder2": "coder"}
    spans = {
        coder: set(
            Coding.objects.filter(
                document__project=project, coder__username=coder
            ).values_list("document_id", "code_id", "start", "end")
        )
        for coder in ("coder1", "coder2")
    }
    assert len(spans["coder1"]) >= 150
    assert len(spans["coder2"]) >= 150
    shared = spans["coder1"] & spans["coder2"]
    assert 0.3 < len(shared) / len(spans["coder1"]) < 0.9  # partly different
    assert (
        Coding.objects.filter(document__project=project).exclude(memo="").count() >= 30
    )
    for coding in Coding.objects.filter(document__project=project).with_text()[:50]:
        assert coding.text.strip() == coding.text
