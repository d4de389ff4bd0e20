"""A ``next`` taken from a form never sends the browser to another site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analysis.models import AnalysisResult
from network.models import NetworkSnapshot
from tests.conftest import client_for

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "http://evil.example/p/1/",
    "javascript:alert(1)",
    "https:/\\evil.example/",
]


def _network_snapshot(project, client, capture):
    with capture(execute=False):
        client.get(reverse("network:network", args=[project.pk]))
    return NetworkSnapshot.objects.get(project=project, scope="all")


@pytest.mark.parametrize("target", EVIL)
def test_network_rebuild_stays_on_our_host(
    project, members, target, django_capture_on_commit_callbacks
):
    client = client_for(members["supervisor"])
    snapshot = _network_snapshot(project, client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("network:network_rebuild", args=[project.pk, snapshot.pk]),
            {"next": target},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("network:network", args=[project.pk])


def test_network_rebuild_keeps_a_next_of_our_own(
    project, members, django_capture_on_commit_callbacks
):
    client = client_for(members["supervisor"])
    snapshot = _network_snapshot(project, client, django_capture_on_commit_callbacks)
    own = reverse("network:network", args=[project.pk]) + "?flows=material"
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("network:network_rebuild", args=[project.pk, snapshot.pk]),
            {"next": own},
        )
    assert response["Location"] == own


@pytest.mark.parametrize("target", EVIL)
def test_analysis_recompute_stays_on_our_host(
    project, members, target, django_capture_on_commit_callbacks
):
    client = client_for(members["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("analysis:matrix", args=[project.pk]))
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk]),
            {"next": target},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("analysis:matrix", args=[project.pk])


@pytest.mark.parametrize("target", EVIL)
def test_consensus_publish_stays_on_our_host(project, members, target):
    response = client_for(members["supervisor"]).post(
        reverse("coding:adjudication_publish", args=[project.pk]),
        {"published": "1", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()


@pytest.mark.parametrize("target", EVIL)
def test_login_and_language_switch_stay_on_our_host(client, members, target):
    """Django's own views (login, set_language) check ``next`` themselves."""
    from tests.factories import make_user

    make_user(username="redirected", password="geheim-wachtwoord-9")
    login = client.post(
        reverse("login"),
        {"username": "redirected", "password": "geheim-wachtwoord-9", "next": target},
    )
    assert login.status_code == 302
    assert "evil.example" not in login["Location"]
    assert not login["Location"].startswith("javascript:")
    language = client.post(reverse("set_language"), {"language": "nl", "next": target})
    assert "evil.example" not in language.get("Location", "")
