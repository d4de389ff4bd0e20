"""Time the analysis figures on a project of 200 transcripts × 8,000 words.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python bench/analysis.py
    ... bench/analysis.py --keep     # leave the project for the next run (reused)

Builds a throw-away project (the regie codebook, 200 cases over three levels, 200
transcripts of 8,000 words in ~100 speaker turns each, 5 coders, 200,000 codings;
removed at the end unless ``--keep``) and prints server-side timings, median and
worst of several runs:

* code frequencies: full recomputation (``frequencies_recompute``, target ≤ 3 s) and
  one incremental update (change one coding, recompute: the partial path, ≤ 200 ms);
* the coded segments page's first page, without and with filters, a later page and
  the "coded text contains" filter, on the page and in the API (Django test client,
  server time, target ≤ 150 ms; ≤ 300 ms with the text filter);
* word frequencies, actor mentions, co-occurrence and a matrix query, computed as the
  worker computes them (``analysis_compute`` via ``analysis_request``).

The generated codings are inserted in bulk, bypassing the services (no audit trail),
because only the reads are timed. Nothing is sent to the broker: the services'
scheduling is switched off here, so a running worker never sees the bench.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from analysis.forms import (  # noqa: E402
    CooccurrenceQuery,
    MatrixQuery,
    MentionQuery,
    WordQuery,
)
from analysis.models import AnalysisKind  # noqa: E402
from analysis.services.frequencies import frequencies_recompute  # noqa: E402
from analysis.services.results import analysis_request  # noqa: E402
from analysis.tasks import recompute_code_frequencies  # noqa: E402
from coding.access import access_project  # noqa: E402
from coding.demo.loader import DATA_DIR  # noqa: E402
from coding.models import (  # noqa: E402
    Case,
    Code,
    Coding,
    Document,
    Membership,
    Project,
    Role,
)
from coding.services.changes import codings_changed  # noqa: E402
from coding.services.codings import coding_update, count_words  # noqa: E402
from coding.services.documents import document_create_from_text  # noqa: E402
from coding.services.projects import project_create  # noqa: E402

NAME = "bench: analysis"
DOCUMENTS = 200
WORDS = 8_000
CODERS = 5
CODINGS = 200_000
LEVELS = ("beleid", "middenveld", "uitvoering")
TURN_WORDS = 80
SEED = 20260101


def timed(function: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in sorted(DATA_DIR.glob("*.txt")):
        words += re.findall(r"\w+", path.read_text(encoding="utf-8"))
    return words


def transcript(rng: random.Random, words: list[str]) -> str:
    lines = []
    written = 0
    speakers = ("Interviewer", "Respondent")
    turn = 0
    while written < WORDS:
        n = min(rng.randint(TURN_WORDS // 2, TURN_WORDS * 3 // 2), WORDS - written)
        body = []
        for i in range(n):
            word = rng.choice(words)
            body.append(word + ("." if i % 14 == 13 else ""))
        lines.append(f"{speakers[turn % 2]}: {' '.join(body)}")
        written += n
        turn += 1
    return "\n\n".join(lines) + "\n"


def build(project: Project, owner) -> None:
    rng = random.Random(SEED)
    words = vocabulary()
    User = get_user_model()
    coders = []
    for i in range(CODERS):
        coder, _ = User.objects.get_or_create(username=f"bench-coder-{i}")
        Membership.objects.get_or_create(
            project=project, user=coder, defaults={"role": Role.CODER}
        )
        coders.append(coder)
    codes = list(Code.objects.filter(project=project, children__isnull=True))
    started = time.perf_counter()
    for d in range(DOCUMENTS):
        case = Case.objects.create(
            project=project,
            label=f"R{d:03d}",
            attributes={"niveau": LEVELS[d % len(LEVELS)], "regio": f"regio {d % 7}"},
        )
        document_create_from_text(
            project=project,
            title=f"Interview {d:03d}",
            text=transcript(rng, words),
            user=owner,
            case=case,
        )
    print(f"  documents: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    per_document = CODINGS // DOCUMENTS
    rows = []
    for document in Document.objects.filter(project=project).order_by("pk"):
        text = document.text
        seen = set()
        while len(seen) < per_document:
            start = rng.randrange(0, document.length - 700)
            end = start + rng.randint(60, 600)
            coder = coders[len(seen) % CODERS]
            code = rng.choice(codes)
            key = (code.pk, coder.pk, start, end)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                Coding(
                    document=document,
                    code=code,
                    coder=coder,
                    start=start,
                    end=end,
                    word_count=count_words(text[start:end]),
                )
            )
        if len(rows) >= 20_000:
            Coding.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Coding.objects.bulk_create(rows, batch_size=5000)
    with transaction.atomic():
        codings_changed(project_id=project.pk)
    print(f"  codings: {time.perf_counter() - started:.0f} s", flush=True)


def project_for_bench(keep: bool):
    User = get_user_model()
    owner, _ = User.objects.get_or_create(username="bench-analysis")
    project = Project.objects.filter(name=NAME).first()
    if project is not None and keep:
        count = Coding.objects.filter(document__project=project).count()
        if count == CODINGS:
            print("reusing the generated project", flush=True)
            return project, owner
    if project is not None:
        project.delete()
    print("generating the project …", flush=True)
    project = project_create(name=NAME, owner=owner, codebook="regie")
    build(project, owner)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return project, owner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the project")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    # Compute every analysis in the call, as the worker does, whatever its size.
    settings.REGIE_ANALYSIS_INLINE_CHARACTERS = 10**12
    settings.REGIE_ANALYSIS_INLINE_CODINGS = 10**12
    # The services schedule a frequency recomputation after every change; the
    # bench calls the computations itself.
    recompute_code_frequencies.apply_async = lambda *args, **kwargs: None
    project, owner = project_for_bench(args.keep)
    try:
        run(project, owner)
    finally:
        if not args.keep:
            project.delete()


def run(project: Project, owner) -> None:
    n_codings = Coding.objects.filter(document__project=project).count()
    n_words = sum(
        Document.objects.filter(project=project).values_list("word_count", flat=True)
    )
    print(f"database: {connection.vendor}")
    print(
        f"project: {Document.objects.filter(project=project).count()} transcripts, "
        f"{n_words} words, {n_codings} codings, "
        f"{Code.objects.filter(project=project).count()} codes, {CODERS} coders"
    )
    results: list[tuple[str, float, float, str]] = []

    samples = []
    for _ in range(3):
        with transaction.atomic():
            codings_changed(project_id=project.pk)  # everything dirty: a full run
        started = time.perf_counter()
        outcome = frequencies_recompute(project_id=project.pk)
        samples.append((time.perf_counter() - started) * 1000)
        assert outcome["partial"] == 0, outcome
    results.append(
        (
            "code frequencies, full recomputation",
            statistics.median(samples),
            max(samples),
            "≤ 3000",
        )
    )

    coding = Coding.objects.filter(document__project=project).order_by("pk").first()
    samples = []
    for step in range(1, 8):
        coding = coding_update(coding=coding, end=coding.end + step)
        started = time.perf_counter()
        outcome = frequencies_recompute(project_id=project.pk)
        samples.append((time.perf_counter() - started) * 1000)
        assert outcome["partial"] == 1, outcome
    results.append(
        (
            "code frequencies, one coding changed",
            statistics.median(samples),
            max(samples),
            "≤ 200",
        )
    )

    client = Client()
    client.force_login(owner)
    segments = f"/p/{project.pk}/segments/"
    some_code = Code.objects.filter(project=project, name="Overleg").first()
    coder = Membership.objects.filter(project=project, role=Role.CODER).first()
    filtered = (
        f"{segments}?codes={some_code.parent_id}&coders={coder.user_id}"
        "&attribute=niveau%3Dmiddenveld"
    )
    api = f"/api/v1/projects/{project.pk}/segments/"
    for label, address, runs, target in [
        ("coded segments, first page", segments, 7, "≤ 150"),
        ("coded segments, first page, filtered", filtered, 7, "≤ 150"),
        ("coded segments, page 40", f"{segments}?page=40", 7, "≤ 150"),
        # "stad" is in half of the codings; "e" in all (matched in Python).
        ("coded segments, coded text contains", f"{segments}?text=stad", 7, "≤ 300"),
        (
            "coded segments, coded text contains, page 40",
            f"{segments}?text=stad&page=40",
            7,
            "≤ 300",
        ),
        ("coded segments, coded text contains e", f"{segments}?text=e", 3, "≤ 1000"),
        ("API segments, page 40", f"{api}?page=40", 7, "≤ 150"),
        ("API segments, coded text contains", f"{api}?text=stad", 7, "≤ 300"),
    ]:
        # Warm up (templates, caches) before timing.
        assert client.get(address).status_code == 200
        median, worst = timed(lambda a=address: client.get(a), runs)
        results.append((label, median, worst, target))

    access = access_project(owner, project.pk)
    for label, kind, query, runs in [
        ("word frequencies, whole project", AnalysisKind.WORDS, WordQuery(), 3),
        (
            "word frequencies per document, stemmed",
            AnalysisKind.WORDS,
            WordQuery(group="document", stem=True),
            1,
        ),
        ("word frequencies per code", AnalysisKind.WORDS, WordQuery(group="code"), 3),
        ("actor mentions", AnalysisKind.MENTIONS, MentionQuery(), 3),
        ("co-occurrence, overlap", AnalysisKind.COOCCURRENCE, CooccurrenceQuery(), 3),
        (
            "co-occurrence, speaker turn",
            AnalysisKind.COOCCURRENCE,
            CooccurrenceQuery(mode="turn"),
            3,
        ),
        ("matrix codes × niveau", AnalysisKind.MATRIX, MatrixQuery(), 3),
    ]:
        median, worst = timed(
            lambda k=kind, q=query: analysis_request(
                access=access, kind=k, query=q, user=owner, force=True
            ),
            runs,
        )
        results.append((label + " (worker)", median, worst, ""))

    width = max(len(r[0]) for r in results)
    print(f"{'':{width}}  {'median':>9}  {'worst':>9}  target (ms)")
    for label, median, worst, target in results:
        print(f"{label:{width}}  {median:7.0f} ms  {worst:7.0f} ms  {target}")


if __name__ == "__main__":
    main()
