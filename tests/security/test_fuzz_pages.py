"""Page fuzz: every page route of the resolver, every query parameter it reads, set
to missing, empty, NUL, huge (100 KB) and wrong-typed values: never a 5xx (issue 12).

The parameters of a route are the keys its view reads from ``request.GET`` (its
forms included), recorded while the route answers a bare GET and a GET carrying
every form field name of the apps; then all of them carry each bad value at once (one request per value,
to keep the run short: a 400 on one parameter can hide another's 500).
"""

from __future__ import annotations

import importlib
import re
import time
from contextlib import contextmanager

import pytest
from django import forms
from django.http import QueryDict
from django.test import Client
from django.urls import URLResolver, get_resolver

from coding.demo.loader import demo_load

pytestmark = pytest.mark.django_db

BAD_VALUES = {
    "empty": "",
    "nul": "\x00",
    "huge": "x" * 100_000,
    "word": "abc",
    "negative": "-1",
    "too-big": "9" * 30,
    "superscript-digit": "²",
}
FORM_MODULES = ["coding.forms", "analysis.forms", "agreement.forms", "network.forms"]
SKIPPED_PREFIXES = ("api/", "admin/", "static/", "media/", "accounts/logout")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _form_field_names() -> set[str]:
    names: set[str] = {"page", "q", "next", "row", "column", "sort", "order"}
    for module_name in FORM_MODULES:
        for value in vars(importlib.import_module(module_name)).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                names |= set(getattr(value, "base_fields", {}))
    return names


@contextmanager
def _keys_read():
    """The ``QueryDict`` keys read inside the block."""
    read: set[str] = set()
    originals = {
        name: getattr(QueryDict, name)
        for name in ("__getitem__", "get", "getlist", "__contains__")
    }

    def recording(original):
        def method(self, key, *args, **kwargs):
            read.add(key)
            return original(self, key, *args, **kwargs)

        return method

    for name, original in originals.items():
        setattr(QueryDict, name, recording(original))
    try:
        yield read
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


def _path_ids(project) -> dict[str, str]:
    from coding.models import Assignment, AuditEvent, Coding

    def first(queryset) -> str:
        obj = queryset.first()
        return str(obj.pk) if obj else "1"

    return {
        "project_id": str(project.pk),
        "document_id": first(project.documents.all()),
        "code_id": first(project.codes.all()),
        "coding_id": first(Coding.objects.filter(document__project=project)),
        "assignment_id": first(Assignment.objects.filter(project=project)),
        "event_id": first(AuditEvent.objects.filter(project=project)),
        "membership_id": first(project.memberships.all()),
    }


def _url(route: str, ids: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids.get(m.group(1), "1"), route)


def test_no_server_error_on_any_page_parameter():
    project = demo_load().project
    client = Client(raise_request_exception=False)
    client.force_login(project.memberships.get(role="owner").user)
    ids = _path_ids(project)
    routes = [
        r
        for r in _routes(get_resolver().url_patterns)
        if not r.startswith(SKIPPED_PREFIXES)
    ]
    every_name = _form_field_names()
    errors: list[str] = []
    requests = 0
    started = time.monotonic()

    def get(url: str, params: dict[str, str]) -> None:
        nonlocal requests
        requests += 1
        response = client.get(url, params)
        if response.status_code >= 500:
            shown = {
                k: (v if len(v) < 20 else f"{v[:5]}…({len(v)})")
                for k, v in params.items()
            }
            errors.append(f"{response.status_code} GET {url} {shown!r}")

    for route in routes:
        url = _url(route, ids)
        with _keys_read() as read:
            get(url, {})  # every parameter missing
            get(url, dict.fromkeys(every_name, "abc"))
        for value in BAD_VALUES.values():  # every parameter the route read at once
            get(url, dict.fromkeys(read, value))

    elapsed = time.monotonic() - started
    print(f"page fuzz: {len(routes)} routes, {requests} requests, {elapsed:.0f} s")
    assert not errors, "\n".join(errors)
