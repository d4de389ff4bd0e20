"""Dutch by default, English on request; the catalogue is complete."""

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_dutch_is_the_default_language(settings, project, members):
    settings.LANGUAGE_CODE = "nl"
    client = client_for(members["coder"])
    body = client.get(
        reverse("coding:project_detail", args=[project.pk])
    ).content.decode()
    assert 'lang="nl"' in body
    assert "Codeboek" in body
    assert "Afmelden" in body


def test_browser_language_and_switch(settings, project, members):
    settings.LANGUAGE_CODE = "nl"
    client = client_for(members["coder"])
    url = reverse("coding:codebook", args=[project.pk])
    assert (
        "Codebook" in client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()
    )
    client.post(reverse("set_language"), {"language": "nl", "next": url})
    assert (
        "Codeboek" in client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()
    )


def test_catalogue_has_no_untranslated_entries():
    from pathlib import Path

    po = (
        Path(__file__).resolve().parents[2] / "locale/nl/LC_MESSAGES/django.po"
    ).read_text()
    # A long string is wrapped as ``msgstr ""`` followed by "…" lines: join those
    # first, so only a really empty translation counts.
    joined = po.replace('""\n"', '"')
    entries = [e for e in joined.split("\n\n")[1:] if not e.startswith("#~")]
    untranslated = [
        e
        for e in entries
        if any(
            line.startswith("msgstr") and line.endswith(' ""')
            for line in e.splitlines()
        )
    ]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated, untranslated[:3]
    assert not fuzzy, fuzzy[:3]
