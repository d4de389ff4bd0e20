"""Helpers of the agreement page and API tests (the hand-made project is in
``tests/agreement/conftest.py``)."""

from __future__ import annotations

from django.urls import reverse

from agreement.forms import agreement_selection_from_params
from agreement.services import (
    agreement_request,
)

TEXT = "aaaaaaaaaa\n\nbbbbbbbbbb\n\ncccccccccc\n\ndddddddddd"
PARAGRAPHS = [(0, 10), (12, 22), (24, 34), (36, 46)]


def api_url(project, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("api-agreement", args=[project.pk]) + (f"?{query}" if query else "")


def row(report, variable, group=None, document=None):
    group = group or next(g["key"] for g in report["groups"] if g["key"] != "all")
    return next(
        r["measures"]
        for r in [*report["rows"], *report["document_rows"]]
        if r["variable"] == variable
        and r["group"] == group
        and r["document"] == document
    )


def pair_key(setup) -> str:
    a, b = sorted([setup["a"].pk, setup["b"].pk])
    return f"{a}-{b}"


def done_run(setup, **params):
    project = setup["project"]
    return agreement_request(
        project=project,
        selection=agreement_selection_from_params(
            project, {"n_resamples": "0", **params}
        ),
        compute_now=True,
    )
