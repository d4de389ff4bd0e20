"""The words of a pseudonym label, in the project's transcript language.

Labels are written into the transcripts, so they follow the language of the text,
not of whoever happens to read the page: ``[Persoon 3]`` in a Dutch project.
"""

from __future__ import annotations

from privacy.detect import Category

WORDS = {
    "nl": {
        Category.PERSON: "Persoon",
        Category.ADDRESS: "Adres",
        Category.PLACE: "Plaats",
        Category.ORGANISATION: "Organisatie",
        Category.PHONE: "Telefoonnummer",
        Category.EMAIL: "E-mailadres",
        Category.POSTCODE: "Postcode",
        Category.BIRTHDATE: "Geboortedatum",
        Category.IDENTIFIER: "Nummer",
    },
    "en": {
        Category.PERSON: "Person",
        Category.ADDRESS: "Address",
        Category.PLACE: "Place",
        Category.ORGANISATION: "Organisation",
        Category.PHONE: "Phone number",
        Category.EMAIL: "E-mail address",
        Category.POSTCODE: "Postcode",
        Category.BIRTHDATE: "Date of birth",
        Category.IDENTIFIER: "Number",
    },
}


def default_label(category: str, number: int, language: str) -> str:
    words = WORDS.get(language[:2].lower(), WORDS["en"])
    return f"[{words[Category(category)]} {number}]"
