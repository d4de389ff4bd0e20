"""Pages and their htmx endpoints, through the test client (full and htmx)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code, Coding, Document, Membership, Role
from tests.conftest import added_codings, client_for, page_coding_ids
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_login_required(client, project):
    response = client.get(reverse("coding:project_detail", args=[project.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 200),
        ("viewer", 200),
        ("outsider", 404),
    ],
)
def test_pages_per_role(project, members, role, status):
    document = make_document(project=project)
    client = client_for(members[role])
    for name, args in [
        ("coding:project_detail", [project.pk]),
        ("coding:workbench", [project.pk, document.pk]),
        ("coding:codebook", [project.pk]),
        ("coding:members", [project.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == status, name


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_settings_page_per_role(project, members, role, status):
    response = client_for(members[role]).get(
        reverse("coding:project_settings", args=[project.pk])
    )
    assert response.status_code == status


def test_create_project_from_page(client, members):
    client = client_for(members["coder"])
    response = client.post(
        reverse("coding:project_create_view"),
        {
            "name": "Mijn studie",
            "description": "",
            "codebook": "regie",
            "blind_coding": "on",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(
        user=members["coder"], project__name="Mijn studie"
    )
    assert membership.role == Role.OWNER
    assert Code.objects.filter(project=membership.project).count() > 40
    empty = client.post(
        reverse("coding:project_create_view"), {"name": "", "codebook": "regie"}
    )
    assert empty.status_code == 400


def test_transcript_text_is_escaped(project, members):
    document = make_document(
        project=project, text="I: <script>alert('x')</script> & meer\n"
    )
    response = client_for(members["coder"]).get(
        reverse("coding:workbench", args=[project.pk, document.pk])
    )
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; meer" in body


def test_apply_code_answers_with_status_and_codings(project, members):
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    start = document.text.index("subsidies")
    response = client_for(members["coder"]).post(
        reverse("coding:workbench_apply_code", args=[project.pk, document.pk]),
        {"code": code.pk, "start": start, "end": start + len("subsidies")},
        headers=HTMX,
    )
    assert response.status_code == 200
    coding = Coding.objects.get()
    assert (coding.start, coding.end, coding.coder_id) == (
        start,
        start + 9,
        members["coder"].pk,
    )
    body = response.content.decode()
    assert response["X-Regie-Changed-Spans"] == f"{start}-{start + 9}"
    assert 'id="block-' not in body  # the page paints; the text never travels again
    assert 'hx-swap-oob="true"' in body
    # The coder's own layer: the new coding alone, the page has the others.
    assert 'id="codings-data"' not in body
    assert added_codings(body) == [
        [coding.pk, start, start + 9, code.pk, members["coder"].pk, ""]
    ]
    assert "Coded with “Subsidies”." in body


def test_apply_code_trims_and_rejects_bad_input(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    client = client_for(members["coder"])
    url = reverse("coding:workbench_apply_code", args=[project.pk, document.pk])
    response = client.post(
        url, {"code": code.pk, "start": 0, "end": 99999}, headers=HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#status"
    assert "beyond the end" in response.content.decode()
    assert (
        client.post(
            url, {"code": "nope", "start": 0, "end": 3}, headers=HTMX
        ).status_code
        == 400
    )
    assert (
        client.post(
            url, {"code": code.pk, "start": "a", "end": 3}, headers=HTMX
        ).status_code
        == 400
    )
    assert Coding.objects.count() == 0
    response = client_for(members["viewer"]).post(
        url, {"code": code.pk, "start": 0, "end": 3}, headers=HTMX
    )
    assert response.status_code == 403


def test_undo_reverses_apply_then_remove(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    client = client_for(members["coder"])
    apply_url = reverse("coding:workbench_apply_code", args=[project.pk, document.pk])
    undo_url = reverse("coding:workbench_undo", args=[project.pk, document.pk])
    client.post(apply_url, {"code": code.pk, "start": 0, "end": 11}, headers=HTMX)
    assert Coding.objects.count() == 1
    client.post(undo_url, headers=HTMX)
    assert Coding.objects.count() == 0
    client.post(apply_url, {"code": code.pk, "start": 0, "end": 11}, headers=HTMX)
    coding = Coding.objects.get()
    client.post(
        reverse(
            "coding:workbench_remove_coding", args=[project.pk, document.pk, coding.pk]
        ),
        headers=HTMX,
    )
    assert Coding.objects.count() == 0
    client.post(undo_url, headers=HTMX)
    assert Coding.objects.get().start == 0
    response = client.post(undo_url, headers=HTMX)
    response = client.post(undo_url, headers=HTMX)
    assert response.status_code == 400
    assert "Nothing to undo" in response.content.decode()


def test_memo_edit_conflict_message(project, members):
    document = make_document(project=project)
    coding = make_coding(
        document=document, code=make_code(project=project), coder=members["coder"]
    )
    url = reverse(
        "coding:workbench_save_memo", args=[project.pk, document.pk, coding.pk]
    )
    coder = client_for(members["coder"])
    supervisor = client_for(members["supervisor"])
    assert (
        supervisor.post(
            url, {"memo": "van de supervisor", "revision": 1}, headers=HTMX
        ).status_code
        == 200
    )
    response = coder.post(url, {"memo": "van de codeur", "revision": 1}, headers=HTMX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this coding" in body
    assert "van de supervisor" in body
    assert "van de codeur" in body
    coding.refresh_from_db()
    assert coding.memo == "van de supervisor"


def test_blind_coder_sees_only_own_highlights_and_panel(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    theirs = make_coding(
        document=document, code=code, coder=members["coder2"], start=0, end=11
    )
    mine = make_coding(
        document=document, code=code, coder=members["coder"], start=13, end=20
    )
    page = client_for(members["coder"]).get(
        reverse("coding:workbench", args=[project.pk, document.pk])
    )
    assert page_coding_ids(page.content.decode()) == {mine.pk}
    panel_url = reverse("coding:workbench_panel", args=[project.pk, document.pk])
    panel = client_for(members["coder"]).get(
        panel_url, {"ids": f"{theirs.pk},{mine.pk}"}, headers=HTMX
    )
    assert members["coder2"].username not in panel.content.decode()
    remove = reverse(
        "coding:workbench_remove_coding", args=[project.pk, document.pk, theirs.pk]
    )
    assert client_for(members["coder"]).post(remove, headers=HTMX).status_code == 404


def test_workbench_query_count_is_flat(project, members, django_assert_max_num_queries):
    document = make_document(project=project)
    codes = [make_code(project=project) for _ in range(5)]
    for i, code in enumerate(codes * 4):
        make_coding(
            document=document, code=code, coder=members["coder"], start=i, end=i + 10
        )
    client = client_for(members["coder"])
    with django_assert_max_num_queries(12):
        assert (
            client.get(
                reverse("coding:workbench", args=[project.pk, document.pk])
            ).status_code
            == 200
        )


def test_project_page_counts_respect_blind_mode(
    project, members, django_assert_max_num_queries
):
    document = make_document(project=project)
    code = make_code(project=project)
    make_coding(document=document, code=code, coder=members["coder2"], start=0, end=5)
    make_coding(document=document, code=code, coder=members["coder"], start=0, end=5)
    for _ in range(3):
        make_document(project=project)
    coder = client_for(members["coder"])
    with django_assert_max_num_queries(6):
        coder_page = coder.get(reverse("coding:project_detail", args=[project.pk]))
    supervisor_page = client_for(members["supervisor"]).get(
        reverse("coding:project_detail", args=[project.pk])
    )

    def counts(response):
        return [
            d.visible_codings
            for d in response.context["documents"]
            if d.pk == document.pk
        ]

    assert counts(coder_page) == [1]
    assert counts(supervisor_page) == [2]


def test_import_page_accepts_batch_and_rejects_bad_batch_whole(
    project, members, settings
):
    url = reverse("coding:documents_import", args=[project.pk])
    owner = client_for(members["owner"])
    good = SimpleUploadedFile(
        "a.txt", "Interviewer: Dag\n\nSchepen: Goeiedag, één vraag\n".encode("utf-16")
    )
    md = SimpleUploadedFile("b.md", b"**Interviewer:** Hallo\n\n**R:** Dag\n")
    assert owner.post(url, {"files": [good, md]}).status_code == 302
    assert Document.objects.filter(project=project).count() == 2
    again = SimpleUploadedFile("c.txt", b"I: ok\n")
    broken = SimpleUploadedFile("kapot.docx", b"not a zip at all")
    response = owner.post(url, {"files": [again, broken]}, follow=True)
    assert response.redirect_chain == [(url, 302)]  # back to the import page
    assert "kapot.docx" in response.content.decode()
    assert Document.objects.filter(project=project).count() == 2
    settings.REGIE_MAX_UPLOAD_REQUEST_BYTES = 10
    response = owner.post(
        url,
        {"files": [SimpleUploadedFile("d.txt", b"I: een langere tekst\n")]},
        follow=True,
    )
    assert response.redirect_chain == [(url, 302)]
    assert "smaller batches" in response.content.decode()
    assert client_for(members["coder"]).post(url, {"files": [again]}).status_code == 403


def test_codebook_page_actions(project, members):
    supervisor = client_for(members["supervisor"])
    create = reverse("coding:codebook_create_code", args=[project.pk])
    assert (
        supervisor.post(
            create, {"name": "Overleg", "color": "#aabbcc", "description": "d"}
        ).status_code
        == 302
    )
    assert (
        supervisor.post(create, {"name": "Overleg", "color": "#aabbcc"}).status_code
        == 400
    )
    source = Code.objects.get(name="Overleg")
    target = make_code(project=project, name="Netwerk")
    document = make_document(project=project)
    make_coding(document=document, code=source, coder=members["coder"], start=0, end=4)
    delete_url = reverse("coding:codebook_delete_code", args=[project.pk, source.pk])
    confirm = supervisor.get(delete_url)
    assert "1 coding uses this code or its sub-codes" in confirm.content.decode()
    merge = reverse("coding:codebook_merge_code", args=[project.pk, source.pk])
    asked = supervisor.post(merge, {"target": target.pk})  # asks first, real counts
    assert asked.status_code == 200
    assert "1 coding with this code itself" in asked.content.decode()
    assert Coding.objects.get().code_id == source.pk
    confirmed = {"target": target.pk, "confirm": "yes"}
    assert supervisor.post(merge, confirmed).status_code == 302
    assert Coding.objects.get().code_id == target.pk
    export = supervisor.get(reverse("coding:codebook_export_csv", args=[project.pk]))
    assert export["Content-Type"].startswith("text/csv")
    assert "Netwerk" in export.content.decode("utf-8-sig")
    upload = SimpleUploadedFile(
        "cb.csv",
        "path;name;description;color\nInstrumenten > Subsidies;Subsidies;Geld;#FFCC00\n".encode(
            "cp1252"
        ),
    )
    response = supervisor.post(
        reverse("coding:codebook_import_csv", args=[project.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert (
        Code.objects.get(project=project, name="Subsidies").parent.name
        == "Instrumenten"
    )
    bad = SimpleUploadedFile("cb.csv", b"path,name,description,color\nA,A,,paars\n")
    assert (
        supervisor.post(
            reverse("coding:codebook_import_csv", args=[project.pk]), {"file": bad}
        ).status_code
        == 400
    )
    assert (
        client_for(members["coder"])
        .post(create, {"name": "X", "color": "#aabbcc"})
        .status_code
        == 403
    )


def test_members_page_owner_manages(project, members):
    url = reverse("coding:members", args=[project.pk])
    owner = client_for(members["owner"])
    assert (
        owner.post(
            url, {"username": members["viewer"].username, "role": "coder"}
        ).status_code
        == 302
    )
    assert (
        Membership.objects.get(user=members["viewer"], project=project).role == "coder"
    )
    assert owner.post(url, {"username": "niemand", "role": "coder"}).status_code == 400
    assert (
        client_for(members["supervisor"])
        .post(url, {"username": "x", "role": "coder"})
        .status_code
        == 403
    )
    own = Membership.objects.get(user=members["owner"], project=project)
    owner.post(reverse("coding:members_remove", args=[project.pk, own.pk]))
    assert Membership.objects.filter(pk=own.pk).exists()  # the last owner stays


def test_undo_of_a_memo_never_overwrites_a_later_edit(project, members):
    document = make_document(project=project)
    coding = make_coding(
        document=document, code=make_code(project=project), coder=members["coder"]
    )
    coder = client_for(members["coder"])
    memo_url = reverse(
        "coding:workbench_save_memo", args=[project.pk, document.pk, coding.pk]
    )
    coder.post(memo_url, {"memo": "mijn memo", "revision": 1}, headers=HTMX)
    from coding.services.codings import coding_update

    coding_update(
        coding=coding, memo="later van de supervisor", actor=members["supervisor"]
    )
    response = coder.post(
        reverse("coding:workbench_undo", args=[project.pk, document.pk]), headers=HTMX
    )
    assert response.status_code == 409
    coding.refresh_from_db()
    assert coding.memo == "later van de supervisor"


def test_error_pages_are_the_sites_own_and_say_why(project, members):
    """403 and 404 use the site's pages (translated, with the reason), not
    Django's bare ones."""
    coder = client_for(members["coder"])
    denied = coder.get(reverse("coding:project_settings", args=[project.pk]))
    assert denied.status_code == 403
    body = denied.content.decode()
    assert "Not allowed" in body
    assert 'class="topbar"' in body
    missing = coder.get(reverse("coding:workbench", args=[project.pk, 999_999]))
    assert missing.status_code == 404
    assert "not visible to you" in missing.content.decode()
