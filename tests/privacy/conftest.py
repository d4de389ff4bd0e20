"""A Dutch fixture: two interviews naming persons, streets, phone numbers and
e-mail addresses beside the thesis' actors (which must be left alone)."""

from __future__ import annotations

import pytest

from privacy.detect.dutch import warm_up

ACTORS = ["Stad Mechelen", "het Agentschap", "Agentschap Integratie en Inburgering"]

INTERVIEW_1 = (
    "Interviewer: Hoe verliep de samenwerking met Stad Mechelen?\n"
    "Respondent: Ik werkte toen samen met Jan Janssens en met mevrouw De Smet van "
    "het Agentschap. Jan Janssens belde me elke week op 0475 12 34 56.\n"
    "Interviewer: En daarna?\n"
    "Respondent: Mail gerust naar jan.janssens@example.be, hij woont in de "
    "Kerkstraat 12, 2800 Mechelen. Geboren op 12-03-1971.\n"
)
INTERVIEW_2 = (
    "Interviewer: Kent u Jan Janssens?\n"
    "Respondent: Ja, Janssens' aanpak werkte goed voor Stad Mechelen. "
    "Pieter Peeters van de Kerkstraat 12 belde ook, op 015 20 30 40.\n"
)
ORIGINALS = [
    "Jan Janssens",
    "De Smet",
    "0475 12 34 56",
    "jan.janssens@example.be",
    "Kerkstraat 12",
    "12-03-1971",
    "Pieter Peeters",
    "015 20 30 40",
]


@pytest.fixture(scope="session")
def deduce_ready() -> None:
    """deduce's lookup structures, loaded once per test session (built only when
    its cache is missing: at install, ``bootstrap.py`` builds it)."""
    warm_up()
