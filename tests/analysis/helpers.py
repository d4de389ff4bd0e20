"""Shared data of the analysis page tests: two interviews, two codes, six codings."""

from types import SimpleNamespace
from urllib.parse import urlencode

from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import make_coding

T1 = (
    "Interviewer: Hoe werkt de stad samen met AgII?\n"
    "Respondent: De stad betaalt subsidies. Het Agentschap Integratie en "
    "Inburgering helpt ook.\n"
)
T2 = (
    "Interviewer: En de sportclubs?\n"
    "Respondent: Sportclubs krijgen een subsidie van de stad.\n"
)


def capture_sends(monkeypatch, *, broker_down: bool = False) -> list[dict]:
    """The messages the job machinery sends, as ``{"kwargs": ...}`` (what
    ``apply_async`` was given); with ``broker_down`` every send fails instead."""
    sent: list[dict] = []

    def send_task(name, kwargs=None, **options):
        if broker_down:
            raise OSError("connection refused")
        sent.append({"kwargs": kwargs})

    monkeypatch.setattr(
        "coding.jobs.services.current_app", SimpleNamespace(send_task=send_task)
    )
    return sent


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def code(document, code, coder, quote):
    start, end = span(document.text, quote)
    return make_coding(document=document, code=code, coder=coder, start=start, end=end)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name, project, **query):
    base = reverse(f"analysis:{name}", args=[project.pk])
    return f"{base}?{urlencode(query, doseq=True)}" if query else base


def matrix_api(user, project, **query):
    response = api(user).get(f"/api/v1/projects/{project.pk}/matrix/", query)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    columns = [c["label"] for c in results["columns"]]
    return {
        row["path"]: dict(zip(columns, values, strict=True))
        for row, values in zip(results["rows"], results["values"], strict=True)
    }, results
