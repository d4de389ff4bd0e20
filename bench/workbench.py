"""Time the document page on a 20,000-word transcript: first load and one coding.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python bench/workbench.py

Creates a throw-away project (removed at the end) with one long transcript built from
the demo interviews and 400 codings, then prints server-side timings (Django test
client, no network): median and worst of several runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from coding.demo.loader import DATA_DIR  # noqa: E402
from coding.models import Code, Coding  # noqa: E402
from coding.services.codebook import code_create  # noqa: E402
from coding.services.codings import CodingSpec, codings_create_bulk  # noqa: E402
from coding.services.documents import document_create_from_text  # noqa: E402
from coding.services.projects import project_create  # noqa: E402

TARGET_WORDS = 20_000
CODINGS = 400
RUNS = 7


def long_transcript() -> str:
    parts: list[str] = []
    words = 0
    sources = sorted(DATA_DIR.glob("*.txt"))
    while words < TARGET_WORDS:
        for path in sources:
            text = path.read_text(encoding="utf-8")
            parts.append(text)
            words += len(text.split())
            if words >= TARGET_WORDS:
                break
    return "\n\n".join(parts)


def timed(function, runs: int = RUNS) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-workbench")
    project = project_create(name="bench: workbench", owner=user, codebook="regie")
    try:
        document = document_create_from_text(
            project=project, title="Long transcript", text=long_transcript(), user=user
        )
        codes = list(Code.objects.filter(project=project))
        step = document.length // CODINGS
        specs = [
            CodingSpec(
                document, codes[i % len(codes)], i * step, i * step + min(step, 300)
            )
            for i in range(CODINGS)
        ]
        codings_create_bulk(specs=specs, coder=user)
        client = Client()
        client.force_login(user)
        url = document.get_absolute_url()
        queries: list[str] = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        page_bytes = len(response.content)
        load_median, load_max = timed(lambda: client.get(url))
        extra = code_create(project=project, name="bench extra")
        apply_url = f"/p/{project.pk}/d/{document.pk}/apply/"
        position = iter(range(5, document.length - 50, 997))

        def apply_once():
            start = next(position)
            response = client.post(
                apply_url,
                {"code": extra.pk, "start": start, "end": start + 40},
                HTTP_HX_REQUEST="true",
            )
            assert response.status_code == 200, response.content[:300]

        apply_median, apply_max = timed(apply_once)
        print(f"database: {connection.vendor}")
        print(
            f"transcript: {document.word_count} words, {document.length} characters, "
            f"{document.turns.count()} turns, {Coding.objects.filter(document=document).count()} codings"
        )
        print(
            f"document page: median {load_median:.0f} ms, max {load_max:.0f} ms, "
            f"{page_bytes / 1024:.0f} KiB HTML, {len(queries)} queries"
        )
        print(
            f"apply a code (htmx): median {apply_median:.0f} ms, max {apply_max:.0f} ms"
        )
    finally:
        project.delete()


if __name__ == "__main__":
    main()
