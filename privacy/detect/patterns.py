"""Patterns for personal data in any language: e-mail, phone, postcode, birth date.

Bounded: every pattern is linear (no nested repetition), so a long transcript
cannot make them backtrack.
"""

from __future__ import annotations

import re

from privacy.detect.categories import Category

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}(?!\w)")
# Belgian and Dutch numbers, national or international: 0475 12 34 56,
# +32 15 12 34 56, 06-12345678, 015/12.34.56, (010) 123 4567.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?(?:\d[ ./-]?|\(\d{1,4}\)[ ]?){8,13}\d(?![\w])")
# Dutch postcode (1234 AB); a Belgian one only before a capitalised place name.
POSTCODE_NL = re.compile(r"(?<!\w)[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}(?!\w)")
POSTCODE_BE = re.compile(r"(?<![\w.,])[1-9]\d{3}(?= [A-Z][a-zà-ÿ]{2,})")
_DATE = (
    r"(?:\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)?\d{2}"
    r"|\d{1,2} (?:januari|februari|maart|april|mei|juni|juli|augustus|september"
    r"|oktober|november|december|january|february|march|may|june|july|august"
    r"|october) (?:19|20)\d{2})"
)
BIRTHDATE = re.compile(
    r"(?i:geboren op|geboren|geb\.|geboortedatum:?|born on|born|date of birth:?"
    r"|né le|née le|geboren am) ?(" + _DATE + r")"
)


def pattern_spans(text: str) -> list[tuple[int, int, Category]]:
    """``(start, end, category)`` of every pattern match, possibly overlapping."""
    spans = [(m.start(), m.end(), Category.EMAIL) for m in EMAIL.finditer(text)]
    spans += [
        (m.start(), m.end(), Category.PHONE)
        for m in PHONE.finditer(text)
        if _digits(m.group()) >= 9
    ]
    spans += [
        (m.start(), m.end(), Category.POSTCODE) for m in POSTCODE_NL.finditer(text)
    ]
    spans += [
        (m.start(), m.end(), Category.POSTCODE) for m in POSTCODE_BE.finditer(text)
    ]
    spans += [
        (m.start(1), m.end(1), Category.BIRTHDATE) for m in BIRTHDATE.finditer(text)
    ]
    return spans


def _digits(found: str) -> int:
    return sum(char.isdigit() for char in found)
