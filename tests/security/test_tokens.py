"""API tokens expire and can be revoked; the token answer keeps its shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import make_user

PASSWORD = "geheim-wachtwoord-8"


@pytest.fixture
def user(db):
    return make_user(username="script", password=PASSWORD)


def _token(**extra) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "script", "password": PASSWORD},
        format="json",
        **extra,
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    return response.json()["token"]


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_form_post_works_too(user):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "script", "password": PASSWORD}
    )
    assert set(response.json()) == {"token"}


def test_tokens_expire(user, settings):
    token = _token()
    row = AuthToken.objects.get(user=user)
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert row.expiry - timezone.now() <= ttl
    assert row.expiry - timezone.now() > ttl - dt.timedelta(minutes=1)
    assert _client(token).get("/api/v1/projects/").status_code == 200
    AuthToken.objects.filter(pk=row.pk).update(
        expiry=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = _client(token).get("/api/v1/projects/")
    assert expired.status_code == 401


def test_the_token_is_stored_as_a_digest(user):
    token = _token()
    assert not AuthToken.objects.filter(digest=token).exists()
    assert token not in json.dumps(list(AuthToken.objects.values()), default=str)


def test_revoke_the_token_in_use(user):
    token, other = _token(), _token()
    assert token != other
    response = _client(token).post("/api/v1/auth/token/revoke/")
    assert response.status_code == 204
    assert _client(token).get("/api/v1/projects/").status_code == 401
    assert _client(other).get("/api/v1/projects/").status_code == 200


def test_revoke_all_tokens(user):
    token, other = _token(), _token()
    assert _client(token).post("/api/v1/auth/token/revoke-all/").status_code == 204
    assert _client(token).get("/api/v1/projects/").status_code == 401
    assert _client(other).get("/api/v1/projects/").status_code == 401


def test_revoke_needs_a_token(user):
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401


def test_an_old_drf_token_is_refused(user):
    """Tokens from before (40 hex characters, rest_framework.authtoken) no longer
    sign in: scripts ask for a new one (docs/api.md)."""
    old = _client("10071e4e53a28e1adf1c3e357ffda940e713026a").get("/api/v1/projects/")
    assert old.status_code == 401


def test_the_schema_documents_token_endpoints(client):
    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/json").content
    )
    paths = schema["paths"]
    assert "post" in paths["/api/v1/auth/token/"]
    assert "post" in paths["/api/v1/auth/token/revoke/"]
    assert "post" in paths["/api/v1/auth/token/revoke-all/"]
    answer = paths["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "429"} <= set(answer)
