"""Password reset by e-mail, with Django's own views and our templates."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import make_user


@pytest.fixture
def user(db):
    user = make_user(username="vergeetachtig", password="oud-wachtwoord-1")
    user.email = "vergeetachtig@example.org"
    user.save(update_fields=["email"])
    return user


def test_the_login_page_links_to_the_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in page
    assert "Forgot your password?" in page


def test_reset_by_e_mail(client, user):
    sent = client.post(reverse("password_reset"), {"email": user.email})
    assert sent.status_code == 302
    assert sent["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Reset your Regie password" in message.subject
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "nieuw-Wachtwoord-42",
            "new_password2": "nieuw-Wachtwoord-42",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nieuw-Wachtwoord-42")
    used = client.get(link, follow=True)
    assert "This link is not valid" in used.content.decode()


def test_unknown_address_gets_the_same_answer(client, user):
    known = client.post(reverse("password_reset"), {"email": user.email})
    unknown = client.post(reverse("password_reset"), {"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


def test_the_pages_are_in_dutch(client, user):
    client.cookies["django_language"] = "nl"
    page = client.get(reverse("password_reset"), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Wachtwoord opnieuw instellen" in page.content.decode()
    client.post(reverse("password_reset"), {"email": user.email})
    assert "Uw Regie-wachtwoord opnieuw instellen" in mail.outbox[0].subject


def test_console_backend_by_default_smtp_from_the_environment():
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        "'regie_site.settings'); django.setup(); from django.conf import settings;"
        "print(settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT,"
        " settings.EMAIL_USE_TLS)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    plain = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )
    assert plain.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    smtp = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            **env,
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "1",
        },
    )
    assert smtp.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
    ]
