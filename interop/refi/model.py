"""Plain data that Regie exchanges with other QDA tools in REFI-QDA files.

Only dataclasses, the error and the warning type belong here: no XML, no ZIP,
no Django models.  ``read.py`` fills these objects from ``.qdc``/``.qdpx`` files
and ``write.py`` turns them into such files; services translate between these
objects and Regie's models.

Conventions every field follows:

* GUIDs are in canonical form: lower case, ``8-4-4-4-12`` hex digits, no
  braces.  :func:`canonical_guid` produces it from any spelling tools write.
* Text offsets (:attr:`RefiSelection.start`/``end``) count Unicode code points
  of :attr:`RefiTextSource.text`, which is Regie's normalised text (NFC, ``\\n``
  line breaks); ``end`` is exclusive.  The reader converts whatever unit the
  other tool used into this convention.
* Datetimes are timezone-aware.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _

__all__ = [
    "GUID_NAMESPACE",
    "OFFSET_UNIT_LABELS",
    "OffsetUnit",
    "RefiCase",
    "RefiCode",
    "RefiCodebook",
    "RefiCoding",
    "RefiError",
    "RefiNote",
    "RefiProject",
    "RefiSelection",
    "RefiSet",
    "RefiTextSource",
    "RefiUser",
    "RefiVariable",
    "RefiWarning",
    "VariableType",
    "VariableValue",
    "canonical_guid",
    "is_guid",
    "iter_codes",
]

GUID_NAMESPACE = uuid.UUID("0b8a6e52-7d0c-4f53-9a41-2f1d6b2b7c11")
"""Namespace for the deterministic GUIDs Regie derives (uuid5) when it must invent one."""

_GUID_RE = re.compile(
    r"^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12}\}?$"
)


def is_guid(value: str) -> bool:
    """True if ``value`` is a GUID in any spelling tools use (case, braces, hyphens)."""
    return bool(_GUID_RE.match(value.strip()))


def canonical_guid(value: str) -> str:
    """Return the canonical spelling of a GUID: ``"{ABC…}"`` → ``"abc…"``.

    Tools write GUIDs in upper or lower case and sometimes in braces; matching
    references only works on one spelling.  A value that is no GUID at all
    (some generators write ``guid="A"``) is mapped to a stable uuid5 so that
    every reference to it still resolves and re-exports validate.
    """
    text = value.strip()
    if is_guid(text):
        return str(uuid.UUID(text.strip("{}")))
    return str(uuid.uuid5(GUID_NAMESPACE, text))


class VariableType(StrEnum):
    """``typeOfVariable`` of a REFI-QDA variable."""

    TEXT = "Text"
    BOOLEAN = "Boolean"
    INTEGER = "Integer"
    FLOAT = "Float"
    DATE = "Date"
    DATETIME = "DateTime"


VariableValue = str | bool | int | float | date | datetime
"""A case or source variable value; ``datetime`` values are aware."""


class OffsetUnit(StrEnum):
    """How another tool counted ``startPosition``/``endPosition`` in a text source.

    The name says the unit and how a line break counts: ``-lf`` means every
    line break (``\\r\\n`` included) counts as one ``\\n``, ``-crlf`` means every
    line break counts as ``\\r\\n``.  ``CODEPOINTS_NFC`` counts code points of
    Regie's normalised (NFC) text.
    """

    CODEPOINTS = "codepoints-lf"
    CODEPOINTS_NFC = "codepoints-nfc"
    UTF16_CRLF = "utf16-crlf"
    UTF16 = "utf16-lf"
    CODEPOINTS_CRLF = "codepoints-crlf"
    UTF8 = "utf8-lf"
    UTF8_CRLF = "utf8-crlf"


@dataclass
class RefiWarning:
    """Something the reader skipped or guessed; the import still went through.

    ``code`` is stable for programs (``"source_skipped"``, ``"offsets_assumed"``
    …); ``str(warning)`` renders the message in the active language.
    """

    code: str
    message: Any  # a lazily translated string
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class RefiError(ValueError):
    """A REFI-QDA file cannot be read; nothing of it was imported.

    ``code`` is stable for programs (``"not_zip"``, ``"no_qde"``,
    ``"too_many_members"``, ``"too_large"``, ``"xml_syntax"``,
    ``"xml_doctype"``, ``"wrong_root"``, ``"not_codebook"``,
    ``"selection_outside_source"``, ``"bad_selection"``, ``"unknown_code"``,
    and the upload limits of ``coding.importing.safexml``: ``"xml_elements"``,
    ``"xml_depth"``, ``"xml_text"``, ``"member_too_large"``, ``"member_ratio"``);
    ``str(error)`` is a sentence a researcher can act on, rendered in the
    active language when it is shown.
    """

    def __init__(
        self,
        code: str,
        message: Any,
        params: dict[str, object] | None = None,
        **more_params: object,
    ) -> None:
        params = {**(params or {}), **more_params}
        # args hold everything, so that the error survives pickling (Celery).
        super().__init__(code, message, params)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass
class RefiUser:
    """A person who coded; REFI-QDA only knows a GUID and a display name."""

    guid: str
    name: str = ""


@dataclass
class RefiCode:
    """A code (or a non-codable folder of codes) with its children, in order."""

    guid: str
    name: str
    color: str | None = None  # "#rrggbb", lower case
    description: str = ""
    children: list[RefiCode] = field(default_factory=list)
    is_codable: bool = True


def iter_codes(codes: list[RefiCode]) -> list[RefiCode]:
    """All codes of a tree, parents before their children (depth first)."""
    found: list[RefiCode] = []
    stack = list(reversed(codes))
    while stack:
        code = stack.pop()
        found.append(code)
        stack.extend(reversed(code.children))
    return found


@dataclass
class RefiVariable:
    """The definition of a case or source variable."""

    guid: str
    name: str
    type: VariableType = VariableType.TEXT
    description: str = ""


@dataclass
class RefiCase:
    """A case (usually a participant) with variable values keyed by variable name."""

    guid: str
    name: str
    description: str = ""
    variables: dict[str, VariableValue] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)


class RefiCoding(NamedTuple):
    """One code applied to a selection, by one user (``None`` if the file says nobody)."""

    code_guid: str
    user_guid: str | None = None


@dataclass
class RefiSelection:
    """A coded passage: ``text[start:end]`` in code points of the normalised text.

    ``description`` is the passage's memo (REFI ``<Description>``); ``notes``
    lists the GUIDs of :class:`RefiNote` objects attached to it.
    """

    guid: str
    start: int
    end: int
    codings: list[RefiCoding] = field(default_factory=list)
    description: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiTextSource:
    """A plain-text source (an interview transcript) and its coded passages.

    ``path`` records where the reader found the text (``internal://…``); the
    writer always stores the text as ``sources/<guid>.txt``.  ``offset_unit``
    and ``warnings`` are filled by the reader: the unit the other tool counted
    offsets in (already converted) and what could not be taken over as is.
    """

    guid: str
    name: str
    text: str
    path: str = ""
    creating_user: str | None = None
    creation_datetime: datetime | None = None
    selections: list[RefiSelection] = field(default_factory=list)
    description: str = ""
    variables: dict[str, VariableValue] = field(default_factory=dict)
    offset_unit: OffsetUnit = OffsetUnit.CODEPOINTS
    warnings: list[RefiWarning] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.path:
            self.path = f"internal://{self.guid}.txt"


@dataclass
class RefiNote:
    """A memo; ``targets`` are the GUIDs of the codes, sources and selections it is attached to."""

    guid: str
    name: str
    text: str
    targets: list[str] = field(default_factory=list)
    creating_user: str | None = None
    creation_datetime: datetime | None = None


@dataclass
class RefiSet:
    """A named group of codes and/or sources."""

    guid: str
    name: str
    member_code_guids: list[str] = field(default_factory=list)
    member_source_guids: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class RefiCodebook:
    """What a ``.qdc`` file holds: the code tree and code sets."""

    codes: list[RefiCode] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    origin: str = ""
    warnings: list[RefiWarning] = field(default_factory=list)


@dataclass
class RefiProject:
    """What a ``.qdpx`` file holds, as far as Regie exchanges it.

    ``warnings`` lists what the reader skipped for the whole project (picture,
    PDF and media sources, links, graphs …); per-source warnings sit on the
    sources.
    """

    name: str
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiTextSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    origin: str = ""
    description: str = ""
    warnings: list[RefiWarning] = field(default_factory=list)

    def all_warnings(self) -> list[RefiWarning]:
        """Project warnings followed by every source's warnings."""
        found = list(self.warnings)
        for source in self.sources:
            found.extend(source.warnings)
        return found


# How each unit is named to researchers (in warnings and on the import page).
OFFSET_UNIT_LABELS: dict[OffsetUnit, Any] = {
    OffsetUnit.CODEPOINTS: _("characters (Unicode code points), the REFI-QDA standard"),
    OffsetUnit.CODEPOINTS_NFC: _("characters of the normalised text"),
    OffsetUnit.UTF16_CRLF: _(
        "UTF-16 code units with Windows line breaks (NVivo for Windows)"
    ),
    OffsetUnit.UTF16: _("UTF-16 code units"),
    OffsetUnit.CODEPOINTS_CRLF: _("characters with Windows line breaks counted twice"),
    OffsetUnit.UTF8: _("bytes of UTF-8 text"),
    OffsetUnit.UTF8_CRLF: _("bytes of UTF-8 text with Windows line breaks"),
}
