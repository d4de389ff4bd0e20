"""Production settings from the environment: ``check --deploy`` clean, HTTPS,
cookies, HSTS and a Content-Security-Policy without inline script."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "regie.example.org",
    "REGIE_HTTPS": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def _settings_env(extra: dict[str, str]) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is the test suite's own (tests/conftest.py).
    names = {
        *PRODUCTION,
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    base = {k: v for k, v in os.environ.items() if k not in names}
    return {**base, **extra}


def _run(args: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_settings_env(extra),
        timeout=120,
    )


def test_check_deploy_is_clean_with_https_settings():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_without_them():
    """The same command without the HTTPS settings names what is missing."""
    bare = {"DEBUG": "0", "SECRET_KEY": PRODUCTION["SECRET_KEY"]}
    result = _run(["check", "--deploy"], bare)
    for warning in ("W004", "W008", "W012", "W016"):
        assert warning in result.stdout + result.stderr


def test_settings_follow_the_environment():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        "'regie_site.settings'); django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.SECURE_PROXY_SSL_HEADER[0], s.AXES_FAILURE_LIMIT,"
        " int(s.AXES_COOLOFF_TIME.total_seconds()), s.REST_KNOX['TOKEN_TTL'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_settings_env(
            {
                **PRODUCTION,
                "REGIE_LOGIN_FAILURE_LIMIT": "5",
                "REGIE_LOGIN_COOLOFF_MINUTES": "30",
                "REGIE_API_TOKEN_TTL_HOURS": "0",
            }
        ),
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "True",
        "HTTP_X_FORWARDED_PROTO",
        "5",
        "1800",
        "None",
    ], result.stderr


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_script(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = {
        part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
    }
    assert directives["default-src"] == ["'self'"]
    script = directives["script-src"]
    assert "'self'" in script
    assert "'unsafe-inline'" not in script
    assert "'unsafe-eval'" not in script
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_api_docs_load_their_script_from_a_file(client, django_user_model):
    """Swagger UI without an inline <script> (drf-spectacular's split view)."""
    page = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", page)


def test_templates_have_no_inline_script_or_handlers():
    """Inline code would be refused by the policy: behaviour lives in static/js/
    (``data-autosubmit``, ``data-confirm``, ``data-disable`` in forms.js)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", text):
            attributes = match.group(1)
            if "src=" not in attributes and "application/json" not in attributes:
                offenders.append(f"{path}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path}: {match.group(0)}")
        if "javascript:" in text:
            offenders.append(f"{path}: javascript: URL")
    assert offenders == []
