"""Time the document page and weigh its HTML at two sizes (issue 13's targets).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python bench/document_page.py

For 8,000 words + 300 codings and 20,000 words + 1,000 codings, creates a throw-away
project (removed at the end), then prints the page's server time (Django test client,
in-process, no network: median and worst of several runs), its HTML size against the
text's size, and its SQL statement count. Targets: ≤ 30 ms / ≤ 80 ms, HTML ≤ 2.5×.
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
from coding.models import Code  # noqa: E402
from coding.services.codings import CodingSpec, codings_create_bulk  # noqa: E402
from coding.services.documents import document_create_from_text  # noqa: E402
from coding.services.projects import project_create  # noqa: E402

SIZES = [(8_000, 300), (20_000, 1_000)]
RUNS = 9


def transcript(target_words: int) -> str:
    """The demo interviews, repeated and cut at ``target_words`` words."""
    words: list[str] = []
    sources = sorted(DATA_DIR.glob("*.txt"))
    parts: list[str] = []
    count = 0
    while count < target_words:
        for path in sources:
            for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
                words = paragraph.split()
                if count + len(words) > target_words:
                    words = words[: target_words - count]
                    paragraph = " ".join(words)
                parts.append(paragraph)
                count += len(words)
                if count >= target_words:
                    return "\n\n".join(parts)
    return "\n\n".join(parts)


def timed(function, runs: int = RUNS) -> tuple[float, float, float]:
    """Median and worst wall time, and median CPU time of this process (the
    Python side: on a busy machine wall time mostly measures the queue)."""
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(samples), max(samples), statistics.median(cpu)


def measure(user, words: int, codings: int) -> None:
    project = project_create(
        name=f"bench: document page {words}", owner=user, codebook="regie"
    )
    try:
        text = transcript(words)
        document = document_create_from_text(
            project=project, title="Transcript", text=text, user=user
        )
        codes = list(Code.objects.filter(project=project))
        step = max(document.length // codings, 1)
        specs = [
            CodingSpec(
                document,
                codes[i % len(codes)],
                i * step,
                min(i * step + 40 + (i * 37) % 400, document.length),
            )
            for i in range(codings)
        ]
        codings_create_bulk(specs=specs, coder=user)
        client = Client()
        client.force_login(user)
        url = document.get_absolute_url()
        client.get(url)  # warm caches (templates, translations)
        queries: list[str] = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200
        html = len(response.content)
        text_bytes = len(document.text.encode("utf-8"))
        median, worst, cpu = timed(lambda: client.get(url))
        print(
            f"{document.word_count:>6} words, {codings:>5} codings: "
            f"median {median:.1f} ms (Python CPU {cpu:.1f} ms), max {worst:.1f} ms, "
            f"HTML {html / 1024:.0f} KiB = {html / text_bytes:.2f}× the text "
            f"({text_bytes / 1024:.0f} KiB), {len(queries)} SQL statements"
        )
    finally:
        project.delete()


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    user, _ = get_user_model().objects.get_or_create(username="bench-document-page")
    print(f"database: {connection.vendor}, load average {os.getloadavg()[0]:.1f}")
    for words, codings in SIZES:
        measure(user, words, codings)


if __name__ == "__main__":
    main()
