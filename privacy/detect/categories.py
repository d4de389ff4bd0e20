"""The kinds of personal data a suggestion can be."""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    PERSON = "person"
    ADDRESS = "address"
    PLACE = "place"
    ORGANISATION = "organisation"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE = "postcode"
    BIRTHDATE = "birthdate"
    IDENTIFIER = "identifier"
