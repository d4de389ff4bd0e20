"""Team coding's consensus layer: compare, adjudicate, publish; the consensus API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Adjudication, AuditEvent, Coding
from coding.services.team import adjudicate, consensus_user_for
from tests.conftest import api_client_for, client_for
from tests.factories import make_code, make_coding, make_document

pytestmark = pytest.mark.django_db


# --------------------------------------------------------- consensus layer


def _two_coders(project, members):
    document = make_document(project=project)
    code = make_code(project=project, name="Subsidies")
    a = [
        make_coding(
            document=document, code=code, coder=members["coder"], start=0, end=11
        )
    ]
    a.append(
        make_coding(
            document=document, code=code, coder=members["coder"], start=60, end=80
        )
    )
    b = [
        make_coding(
            document=document, code=code, coder=members["coder2"], start=0, end=11
        )
    ]
    b.append(
        make_coding(
            document=document, code=code, coder=members["coder2"], start=65, end=90
        )
    )
    b.append(
        make_coding(
            document=document, code=code, coder=members["coder2"], start=120, end=130
        )
    )
    return document, code


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        ("a", [(60, 80)]),
        ("b", [(65, 90)]),
        ("both", [(60, 80), (65, 90)]),
        ("neither", []),
        ("edited", [(62, 85)]),
    ],
)
def test_adjudication_decisions_fill_consensus_and_keep_originals(
    project, members, decision, expected
):
    document, code = _two_coders(project, members)
    before = sorted(Coding.objects.values_list("coder_id", "start", "end"))
    adjudicate(
        document=document,
        code=code,
        coder_a=members["coder"],
        coder_b=members["coder2"],
        unit_start=60,
        unit_end=90,
        decision=decision,
        actor=members["supervisor"],
        edited_span=(62, 85) if decision == "edited" else None,
    )
    consensus = consensus_user_for(project)
    spans = sorted(Coding.objects.filter(coder=consensus).values_list("start", "end"))
    assert spans == expected
    others = sorted(
        Coding.objects.exclude(coder=consensus).values_list("coder_id", "start", "end")
    )
    assert others == before


def test_deciding_again_replaces_the_consensus(project, members):
    document, code = _two_coders(project, members)
    args = {
        "document": document,
        "code": code,
        "coder_a": members["coder"],
        "coder_b": members["coder2"],
        "unit_start": 60,
        "unit_end": 90,
        "actor": members["supervisor"],
    }
    adjudicate(decision="a", **args)
    adjudicate(decision="b", **args)
    consensus = consensus_user_for(project)
    assert list(Coding.objects.filter(coder=consensus).values_list("start", "end")) == [
        (65, 90)
    ]
    assert Adjudication.objects.get().decision == "b"


def test_consensus_visibility_follows_publication(project, members):
    document, code = _two_coders(project, members)
    adjudicate(
        document=document,
        code=code,
        coder_a=members["coder"],
        coder_b=members["coder2"],
        unit_start=0,
        unit_end=11,
        decision="both",
        actor=members["supervisor"],
    )
    url = f"/api/v1/projects/{project.pk}/consensus/"
    assert api_client_for(members["supervisor"]).get(url).json()["count"] == 1
    assert api_client_for(members["coder"]).get(url).status_code == 403

    def ids(user):
        return {
            r["coder"]
            for r in api_client_for(user)
            .get(f"/api/v1/projects/{project.pk}/codings/")
            .json()["results"]
        }

    consensus_name = consensus_user_for(project).username
    assert consensus_name not in ids(members["coder"])
    client_for(members["supervisor"]).post(
        reverse("coding:adjudication_publish", args=[project.pk]), {"published": "1"}
    )
    assert api_client_for(members["coder"]).get(url).json()["count"] == 1
    assert consensus_name in ids(members["coder"])
    assert consensus_name in ids(members["viewer"])
    assert members["coder2"].username not in ids(
        members["coder"]
    )  # still blind for the others


def test_compare_and_adjudication_pages(project, members):
    document, code = _two_coders(project, members)
    supervisor = client_for(members["supervisor"])
    query = f"?a={members['coder'].pk}&b={members['coder2'].pk}"
    page = supervisor.get(
        reverse("coding:compare", args=[project.pk, document.pk]) + query
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "k-match" in body
    assert "k-partial" in body
    assert "k-only_b" in body
    assert page.context["summary"] == {
        "match": 1,
        "partial": 1,
        "only_a": 0,
        "only_b": 1,
    }
    assert (
        client_for(members["coder"])
        .get(reverse("coding:compare", args=[project.pk, document.pk]))
        .status_code
        == 403
    )
    bad = supervisor.get(
        reverse("coding:compare", args=[project.pk, document.pk]) + "?a=999&b=x"
    )
    assert bad.status_code == 400
    adj_url = reverse("coding:adjudication", args=[project.pk, document.pk]) + query
    adj = supervisor.get(adj_url)
    assert adj.status_code == 200
    assert len(adj.context["rows"]) == 2
    decide = reverse("coding:adjudication_decide", args=[project.pk, document.pk])
    unit = adj.context["current"]["unit"]
    response = supervisor.post(
        decide,
        {
            "a": members["coder"].pk,
            "b": members["coder2"].pk,
            "code": code.pk,
            "unit_start": unit.start,
            "unit_end": unit.end,
            "decision": "a",
            "i": 0,
        },
    )
    assert response.status_code == 302
    assert "i=1" in response["Location"]
    response = supervisor.post(
        decide,
        {
            "a": members["coder"].pk,
            "b": members["coder2"].pk,
            "code": code.pk,
            "unit_start": unit.start,
            "unit_end": unit.end,
            "decision": "edited",
            "start": "5",
            "end": "999999",
            "i": 0,
        },
    )
    assert response.status_code == 302  # readable message, nothing changed
    assert Adjudication.objects.get().decision == "a"
    agreements = reverse(
        "coding:adjudication_accept_agreements", args=[project.pk, document.pk]
    )
    supervisor.post(agreements, {"a": members["coder"].pk, "b": members["coder2"].pk})
    consensus = consensus_user_for(project)
    assert sorted(
        Coding.objects.filter(coder=consensus).values_list("start", "end")
    ) == [(0, 11), (60, 80)]
    assert (
        AuditEvent.objects.filter(coder_id=consensus.pk, action="create").count() == 2
    )


def test_consensus_api_post(project, members):
    document = make_document(project=project)
    code = make_code(project=project)
    url = f"/api/v1/projects/{project.pk}/consensus/"
    response = api_client_for(members["supervisor"]).post(
        url,
        {"document": document.pk, "code": code.pk, "start": 0, "end": 11},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["coder"] == f"consensus-{project.pk}"
    assert (
        api_client_for(members["coder"])
        .post(
            url,
            {"document": document.pk, "code": code.pk, "start": 0, "end": 5},
            format="json",
        )
        .status_code
        == 403
    )


def test_unpublished_consensus_stays_hidden_under_shared_coding(project, members):
    project.blind_coding = False
    project.save()
    document = make_document(project=project)
    code = make_code(project=project)
    consensus = consensus_user_for(project)
    make_coding(document=document, code=code, coder=consensus, start=0, end=5)
    make_coding(document=document, code=code, coder=members["coder2"], start=6, end=9)
    coders = {
        r["coder"]
        for r in api_client_for(members["coder"])
        .get(f"/api/v1/projects/{project.pk}/codings/")
        .json()["results"]
    }
    assert coders == {members["coder2"].username}
    supervisor = {
        r["coder"]
        for r in api_client_for(members["supervisor"])
        .get(f"/api/v1/projects/{project.pk}/codings/")
        .json()["results"]
    }
    assert consensus.username in supervisor


def test_adjudication_decides_in_place_over_htmx(project, members):
    """htmx gets the panel of the next difference (with the decision's outcome and
    the new address), not a redirect; a refused span comes back as a 400 panel."""
    document, code = _two_coders(project, members)
    supervisor = client_for(members["supervisor"])
    pair = {"a": members["coder"].pk, "b": members["coder2"].pk}
    adj_url = reverse("coding:adjudication", args=[project.pk, document.pk])
    unit = supervisor.get(adj_url, pair).context["current"]["unit"]
    decide = reverse("coding:adjudication_decide", args=[project.pk, document.pk])
    posted = {**pair, "code": code.pk, "unit_start": unit.start, "i": 0}
    posted["unit_end"] = unit.end
    htmx = {"HTTP_HX_REQUEST": "true"}

    response = supervisor.post(decide, {**posted, "decision": "a"}, **htmx)
    assert response.status_code == 200
    assert response.templates[0].name == "coding/partials/adjudication_panel.html"
    assert response["HX-Push-Url"].endswith("&i=1")
    assert response.context["index"] == 1
    assert "Decision saved in the consensus layer." in response.content.decode()

    back = supervisor.get(adj_url, {**pair, "i": 0}, **htmx)
    assert back.context["current"]["consensus"] is not None  # the outcome is shown
    assert 'id="context-consensus"' in back.content.decode()

    refused = {**posted, "decision": "edited", "start": "5", "end": "999999"}
    response = supervisor.post(decide, refused, **htmx)
    assert response.status_code == 400
    assert response.context["index"] == 0
    assert Adjudication.objects.get().decision == "a"
