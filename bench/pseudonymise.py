"""Time pseudonymisation suggestions: 20 Dutch transcripts × 8,000 words.

    .venv/bin/python bench/pseudonymise.py           # 20 transcripts
    .venv/bin/python bench/pseudonymise.py 5         # another number
    DATABASE_URL=... .venv/bin/python bench/pseudonymise.py --db   # the worker's job too

What a suggestion worker does per transcript, without the database: deduce
(names, streets, places, organisations) and the patterns (e-mail, phone,
postcode, date of birth), with the project's protected actors. Prints the time to
load deduce's lookup structures (from its cache; built first when missing) and
the time for all transcripts once they are loaded (median of 3 runs). With
``--db`` it then also runs the worker's job itself (``suggestion_job_work``: the
detector, the encrypted key table, the suggestion rows) on a throw-away project in
the configured database, which it deletes afterwards.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privacy.detect import detect
from privacy.detect.dutch import cache_ready, warm_up

WORDS = 8_000
ACTORS = ["Stad Mechelen", "het Agentschap", "Agentschap Integratie en Inburgering"]
SENTENCES = [
    "Interviewer: Hoe verliep de samenwerking met {actor}?",
    "Respondent: Ik werkte toen samen met {name} en met mevrouw {surname} van het Agentschap.",
    "{name} belde me elke week op 04{d2} {d2} {d2} {d2}.",
    "Mail gerust naar {mail}@example.be, hij woont in de {street} {n}, 2800 Mechelen.",
    "We hebben dat toen met de stafmedewerker en de schepen besproken in het overleg.",
    "De werking van de vzw draait vooral op vrijwilligers en een kleine subsidie.",
    "Respondent: Eigenlijk is dat beleid pas later echt op gang gekomen, denk ik.",
    "Interviewer: En hoe zag u de rol van {actor} daarin?",
]
FIRST = [
    "Jan",
    "Pieter",
    "An",
    "Sofie",
    "Mohamed",
    "Fatima",
    "Koen",
    "Els",
    "Tom",
    "Lien",
]
LAST = [
    "Janssens",
    "Peeters",
    "Maes",
    "Jacobs",
    "Willems",
    "De Smet",
    "Claes",
    "Goossens",
]
STREETS = ["Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Nieuwstraat"]


def transcript(rng: random.Random) -> str:
    parts: list[str] = []
    words = 0
    while words < WORDS:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sentence = rng.choice(SENTENCES).format(
            actor=rng.choice(ACTORS),
            name=f"{first} {last}",
            surname=last,
            d2=f"{rng.randrange(100):02d}",
            mail=f"{first}.{last}".lower().replace(" ", ""),
            street=rng.choice(STREETS),
            n=rng.randrange(1, 200),
        )
        parts.append(sentence)
        words += len(sentence.split())
    return "\n".join(parts)


def detector_timings(texts: list[str]) -> None:
    count = len(texts)
    print(f"{count} transcripts, {sum(len(t.split()) for t in texts):,} words")
    built = not cache_ready()
    start = time.perf_counter()
    warm_up()
    what = "built and cached" if built else "loaded from cache"
    print(f"lookup structures {what}: {time.perf_counter() - start:.1f} s")
    runs = []
    found = 0
    for _ in range(3):
        start = time.perf_counter()
        found = sum(len(detect(t, language="nl", protected=ACTORS)) for t in texts)
        runs.append(time.perf_counter() - start)
    print(
        f"suggestions for all transcripts: {statistics.median(runs):.2f} s "
        f"(median of 3; {found:,} suggestions)"
    )


def job_in_database(texts: list[str]) -> None:
    """The suggestion job on a project of these transcripts, timed, then removed."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from coding.jobs.services import job_run_here
    from coding.services.projects import project_create
    from privacy.models import SuggestionJob, WordKind, WordListEntry
    from privacy.services.keytable import privacy_settings
    from privacy.services.retention import project_erase
    from privacy.services.suggestions import suggestion_job_work

    owner, _ = get_user_model().objects.get_or_create(username="bench-pseudonymise")
    project = project_create(name="bench pseudonymise", owner=owner, codebook="empty")
    settings = privacy_settings(project)
    settings.review_on_import = True
    settings.save()
    WordListEntry.objects.bulk_create(
        WordListEntry(project=project, kind=WordKind.PROTECT, word=a) for a in ACTORS
    )
    from coding.services.documents import document_create_from_text

    for number, text in enumerate(texts, start=1):
        document_create_from_text(
            project=project, title=f"Interview {number}", text=text, user=owner
        )
    job = SuggestionJob.objects.create(project=project)
    start = time.perf_counter()
    job = job_run_here(SuggestionJob, job.pk, suggestion_job_work)
    print(
        f"the worker's job in the database: {time.perf_counter() - start:.2f} s "
        f"({job.found:,} suggestions stored)"
    )
    project_erase(project=project, actor=owner, confirm_name=project.name)


def main(count: int = 20, db: bool = False) -> None:
    rng = random.Random(0)
    texts = [transcript(rng) for _ in range(count)]
    detector_timings(texts)
    if db:
        job_in_database(texts)


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(numbers[0] if numbers else 20, db="--db" in sys.argv)
