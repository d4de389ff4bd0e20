"""Actor mentions per actor, document and respondent level; where aliases come from."""

import pytest

from tests.analysis.helpers import api, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- actor mentions -------------------------------------------------------------------


def test_mentions_per_actor_document_and_level(project, data, actors):
    """ "de stad" twice in d1 and once in d2; "AgII" and the agency's full name
    once each (the longer alias wins over "agentschap"); "sportclubs" twice."""
    response = api(data["viewer"]).get(f"/api/v1/projects/{project.pk}/mentions/")
    assert response.status_code == 200
    body = response.json()["results"]
    totals = {a["name"]: (a["total"], a["documents"]) for a in body["actors"]}
    assert totals == {
        "Stad Mechelen": (3, 2),
        "Agentschap Integratie en Inburgering": (2, 1),
        "Sportverenigingen": (2, 1),
    }
    level = {(m["key"], m["actor"]): m["count"] for m in body["by_level"]}
    assert level[("beleid", actors["stad"].pk)] == 2
    assert level[("middenveld", actors["stad"].pk)] == 1
    assert level[("middenveld", actors["clubs"].pk)] == 2
    per_document = {(m["label"], m["actor"]): m["count"] for m in body["by_document"]}
    assert per_document[("Interview 1", actors["agii"].pk)] == 2
    page = client_for(data["viewer"]).get(url("mentions", project))
    html = page.content.decode()
    assert "Agentschap Integratie en Inburgering" in html
    assert 'id="mentions-by-level"' in html


def test_mentions_use_the_network_actors_aliases_when_there_are_any(
    project, data, actors
):
    Actor = pytest.importorskip("network.models").Actor
    Actor.objects.create(project=project, code=actors["stad"], aliases=["betaalt"])
    body = api(data["viewer"]).get(f"/api/v1/projects/{project.pk}/mentions/").json()
    totals = {a["name"]: a["total"] for a in body["results"]["actors"]}
    # Only actors with a network row count now, under their name and aliases.
    assert totals == {"Stad Mechelen": 1}


def test_mentions_page_without_actor_codes(project, data):
    body = client_for(data["viewer"]).get(url("mentions", project)).content.decode()
    assert "no actor codes with aliases" in body
