"""Starting out: the codebook a new project starts from, the first-steps checklist,
the Help page with its "?" links, the import page on GET, the favicon."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agreement.models import AgreementRun
from coding.access import access_project
from coding.first_steps import project_checklist
from coding.models import Code, Project, Role
from coding.services.team import adjudicate, assignment_create
from coding.userguide import (
    GUIDE_FILES,
    PAGE_CHAPTERS,
    english_anchors,
    guide_render,
    heading_levels,
)
from interop.models import ExportJob
from tests.conftest import api_client_for, client_for
from tests.factories import (
    make_code,
    make_coding,
    make_document,
    make_membership,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db


# --- the codebook a new project starts from -------------------------------------


@pytest.mark.parametrize(
    ("choice", "codes", "actors"), [("regie", True, False), ("empty", False, False)]
)
def test_new_project_form_offers_the_regie_template_or_an_empty_codebook(
    choice, codes, actors
):
    """Neither choice brings the thesis' Mechelen actors; the network page of the new
    project lists none."""
    user = make_user()
    client = client_for(user)
    form = client.get(reverse("coding:project_create_view")).content.decode()
    assert 'value="regie"' in form
    assert 'value="empty"' in form
    assert "empty actor branch" in form
    response = client.post(
        reverse("coding:project_create_view"),
        {"name": f"Nieuw {choice}", "codebook": choice, "blind_coding": "on"},
    )
    assert response.status_code == 302
    project = Project.objects.get(name=f"Nieuw {choice}")
    assert Code.objects.filter(project=project).exists() is codes
    if codes:
        branch = Code.objects.get(project=project, name="Actoren", parent=None)
        assert not branch.children.exists()
    network = client.get(reverse("network:network", args=[project.pk]))
    assert network.status_code == 200
    assert ("Stad Mechelen" in network.content.decode()) is actors
    assert "Unia" not in network.content.decode()


def test_api_keeps_its_codebook_parameter_and_default():
    user = make_user()
    api = api_client_for(user)
    default = api.post("/api/v1/projects/", {"name": "API standaard"}, format="json")
    empty = api.post(
        "/api/v1/projects/", {"name": "API leeg", "codebook": "empty"}, format="json"
    )
    assert default.status_code == empty.status_code == 201
    codes = Code.objects.filter(project_id=default.json()["id"])
    assert codes.filter(name="Visionaire regisseur").exists()
    assert codes.filter(name="Actoren", children__isnull=True).exists()
    assert not codes.filter(name="Stad Mechelen").exists()
    assert not Code.objects.filter(project_id=empty.json()["id"]).exists()
    wrong = api.post(
        "/api/v1/projects/", {"name": "x", "codebook": "mechelen"}, format="json"
    )
    assert wrong.status_code == 400


# --- the first-steps checklist ----------------------------------------------------


def _steps(user, project):
    checklist = project_checklist(access_project(user, project.pk))
    return {step.key: step.done for step in checklist.steps}


def test_checklist_ticks_itself_and_shows_each_role_its_steps():
    owner = make_user()
    project = make_project(owner=owner)
    coder = make_user()
    assert _steps(owner, project) == dict.fromkeys(
        [
            "import",
            "codebook",
            "invite",
            "assign",
            "code",
            "compare",
            "agreement",
            "export",
        ],
        False,
    )
    document = make_document(project=project)
    code = make_code(project=project)
    make_membership(project=project, user=coder, role=Role.CODER)
    assignment_create(document=document, coder=coder, actor=owner)
    other = make_user()
    make_membership(project=project, user=other, role=Role.CODER)
    make_coding(document=document, code=code, coder=other, start=0, end=12)
    # Blind coding: the coder's "code" step is their own codings, not other's.
    assert _steps(coder, project) == {"code": False, "export": False}
    make_coding(document=document, code=code, coder=coder, start=0, end=20)
    adjudicate(
        document=document,
        code=code,
        coder_a=coder,
        coder_b=other,
        unit_start=0,
        unit_end=20,
        decision="a",
        actor=owner,
    )
    AgreementRun.objects.create(project=project, selection={}, selection_hash="x")
    ExportJob.objects.create(project=project, requested_by=coder, kind="segments_csv")
    assert _steps(coder, project) == {"code": True, "export": True}
    steps = _steps(owner, project)
    assert steps.pop("export") is False  # the coder's export, not the owner's
    assert all(steps.values())


def test_project_page_shows_the_checklist_with_links_until_hidden():
    owner = make_user()
    project = make_project(owner=owner)
    client = client_for(owner)
    url = reverse("coding:project_detail", args=[project.pk])
    html = client.get(url).content.decode()
    assert '<details class="card first-steps" id="first-steps" open>' in html
    assert f'href="/p/{project.pk}/documents/import/">Import transcripts' in html
    assert "0 of 8 done" in html
    viewer = make_user()
    make_membership(project=project, user=viewer, role=Role.VIEWER)
    viewer_html = client_for(viewer).get(url).content.decode()
    assert 'id="step-export"' in viewer_html
    assert 'id="step-import"' not in viewer_html
    hide = reverse("coding:project_detail_hide_checklist", args=[project.pk])
    assert client.post(hide).status_code == 302
    assert "first-steps" not in client.get(url).content.decode()


# --- Help ------------------------------------------------------------------------


def _ids(html: str) -> set[str]:
    return set(re.findall(r' id="([^"]+)"', html))


def test_both_guides_have_the_same_chapters_and_every_mapped_anchor_exists():
    assert GUIDE_FILES["nl"].exists()
    assert heading_levels("nl") == heading_levels("en")
    anchors = set(english_anchors())
    for language in ("en", "nl"):
        ids = _ids(guide_render(language).html)
        assert anchors <= ids
        assert set(PAGE_CHAPTERS.values()) <= ids, language


def test_help_page_renders_the_guide_in_the_request_language_without_raw_html():
    client = client_for(make_user())
    english = client.get(reverse("coding:help_page"), headers={"accept-language": "en"})
    dutch = client.get(reverse("coding:help_page"), headers={"accept-language": "nl"})
    assert english.status_code == dutch.status_code == 200
    assert '<h2 id="4-the-document-page">4. The document page</h2>' in (
        english.content.decode()
    )
    assert 'id="4-the-document-page">4. De documentpagina</h2>' in (
        dutch.content.decode()
    )
    assert 'href="api.md' not in english.content.decode()  # repository links unlinked
    assert "<script>" not in guide_render("en").html
    assert Client().get(reverse("coding:help_page")).status_code == 200  # public


def test_every_page_with_a_chapter_links_to_it():
    """The "?" beside the title of a page points at its chapter (a sample of pages
    from the core and the satellites; the mapping's anchors are checked above)."""
    owner = make_user()
    project = make_project(owner=owner)
    document = make_document(project=project)
    client = client_for(owner)
    pages = {
        "coding:project_detail": [project.pk],
        "coding:workbench": [project.pk, document.pk],
        "coding:codebook": [project.pk],
        "coding:documents_import": [project.pk],
        "coding:audit": [project.pk],
        "network:network": [project.pk],
        "interop:export": [project.pk],
        "coding:analysis_codes": [project.pk],
        "privacy:privacy": [project.pk],
        "privacy:review": [project.pk, document.pk],
        "privacy:key": [project.pk],
        "privacy:privacy_summary": [project.pk],
    }
    for name, args in pages.items():
        html = client.get(reverse(name, args=args)).content.decode()
        assert f'class="help-link" href="/help/#{PAGE_CHAPTERS[name]}"' in html, name
    login = client_for(make_user()).get(reverse("login")).content.decode()
    assert 'href="/help/#1-logging-in"' in login
    assert 'href="/help/">Help</a>' in html  # the Help entry of the header


# --- loose ends -----------------------------------------------------------------


def test_import_page_on_get_and_after_a_failed_import():
    """GET shows the form; a failed import comes back to it with its reasons once
    (POST/redirect/GET), so reloading shows the form, not a 400."""
    owner = make_user()
    project = make_project(owner=owner)
    client = client_for(owner)
    url = reverse("coding:documents_import", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'type="file" name="files"' in page.content.decode()
    response = client.post(
        url, {"files": [SimpleUploadedFile("kapot.docx", b"not a zip")]}, follow=True
    )
    assert response.redirect_chain == [(url, 302)]
    assert "kapot.docx" in response.content.decode()
    assert "kapot.docx" not in client.get(url).content.decode()
    coder = make_user()
    make_membership(project=project, user=coder, role=Role.CODER)
    assert client_for(coder).get(url).status_code == 403


def test_favicon_is_linked_and_served():
    assert finders.find("img/favicon.svg")
    response = client_for(make_user()).get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/favicon.svg")
    page = client_for(make_user()).get(reverse("coding:project_list"))
    assert 'rel="icon" href="/static/img/favicon.svg"' in page.content.decode()
