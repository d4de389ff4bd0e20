"""Time pseudonymisation suggestions: 20 Dutch transcripts × 8,000 words.

    .venv/bin/python bench/pseudonymise.py           # 20 transcripts
    .venv/bin/python bench/pseudonymise.py 5         # another number

What a suggestion worker does per transcript, without the database: deduce
(names, streets, places, organisations) and the patterns (e-mail, phone,
postcode, date of birth), with the project's protected actors. Prints the time to
load deduce's lookup structures (from its cache; built first when missing) and
the time for all transcripts once they are loaded (median of 3 runs).
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


def main(count: int = 20) -> None:
    rng = random.Random(0)
    texts = [transcript(rng) for _ in range(count)]
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
