"""Login throttling (django-axes) on the login page and the token endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import make_user

PASSWORD = "geheim-wachtwoord-7"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def user(db):
    return make_user(username="onderzoeker", password=PASSWORD)


def _page_login(client, password: str):
    return client.post(
        reverse("login"), {"username": "onderzoeker", "password": password}
    )


def _token(client, password: str):
    return client.post(
        TOKEN_URL, {"username": "onderzoeker", "password": password}, format="json"
    )


def _end_cool_off() -> None:
    """Move the failures back past the cool-off, as if that time had passed."""
    past = settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= past
        attempt.save(update_fields=["attempt_time"])


def test_forty_wrong_passwords_lock_the_login_page(client, user):
    for _ in range(40):
        response = _page_login(client, "wrong")
        assert response.status_code in {200, 429}
    locked = _page_login(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    _end_cool_off()
    after = _page_login(client, PASSWORD)
    assert after.status_code == 302
    assert "_auth_user_id" in client.session


def test_forty_wrong_passwords_lock_the_token_endpoint(user):
    client = APIClient()
    statuses = {_token(client, "wrong").status_code for _ in range(40)}
    assert statuses <= {400, 429}
    assert 429 in statuses
    locked = _token(client, PASSWORD)
    assert locked.status_code == 429
    assert "token" not in locked.json()
    assert "Too many failed sign-in attempts" in locked.json()["detail"]
    _end_cool_off()
    after = _token(client, PASSWORD)
    assert after.status_code == 200
    assert set(after.json()) == {"token"}


def test_the_limit_is_the_configured_one(user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    assert [_token(client, "wrong").status_code for _ in range(3)] == [400, 400, 429]


def test_failures_on_the_page_count_for_the_api_too(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _page_login(client, "wrong")
    assert _token(APIClient(), PASSWORD).status_code == 429


def test_a_success_resets_the_count(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _page_login(client, "wrong")
    assert _page_login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _page_login(client, "wrong")
    assert _page_login(client, PASSWORD).status_code == 302


def test_another_user_is_not_locked(client, user):
    make_user(username="collega", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _page_login(client, "wrong")
    other = client.post(reverse("login"), {"username": "collega", "password": PASSWORD})
    assert other.status_code == 302


def test_the_lockout_message_is_translated(user):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(client, "wrong")
    with translation.override("nl"):
        locked = client.post(
            TOKEN_URL,
            {"username": "onderzoeker", "password": PASSWORD},
            format="json",
            HTTP_ACCEPT_LANGUAGE="nl",
        )
    assert locked.status_code == 429
    assert "Te veel mislukte aanmeldpogingen" in locked.json()["detail"]


def test_client_ip_behind_a_proxy(rf, settings):
    from regie_site.auth import client_ip

    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8"
    )
    settings.REGIE_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.REGIE_PROXY_COUNT = 1
    assert client_ip(request) == "5.6.7.8"
    settings.REGIE_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"
