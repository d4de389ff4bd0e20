"""Writers for REFI-QDA files: ``.qdc`` codebooks and ``.qdpx`` projects.

Pure functions from :mod:`interop.refi.model` objects to bytes.  What belongs
here is everything about producing files other tools accept: element order as
the XSDs require, GUID spelling, ``xsd:decimal``/``xsd:dateTime`` lexical forms,
the ZIP layout (``project.qde`` + ``sources/<guid>.txt``).  Output is
deterministic (fixed ZIP timestamps, derived coding GUIDs), so the same project
always gives the same bytes.

Invalid input (a coding of an unknown code, a selection outside its text, a
naive datetime) is a programming error in the caller and raises ``ValueError``.
"""

from __future__ import annotations

import io
import math
import re
import uuid
import zipfile
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from .model import (
    GUID_NAMESPACE,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    VariableValue,
    canonical_guid,
    iter_codes,
)

__all__ = [
    "CODEBOOK_NAMESPACE",
    "PROJECT_NAMESPACE",
    "write_qdc",
    "write_qde",
    "write_qdpx",
]

CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"

# Fixed member timestamp: identical projects give identical archives.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Other tools show the selection's ``name``; long passages are cut like ATLAS.ti does.
_QUOTE_NAME_LENGTH = 200
# Characters XML 1.0 cannot carry at all (C0 controls other than TAB/LF/CR,
# lone surrogates, U+FFFE/U+FFFF).
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_COLOR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def _clean(text: str) -> str:
    """Drop characters XML cannot represent (lxml would refuse the string)."""
    return _XML_ILLEGAL.sub("", text)


def _color(value: str) -> str:
    """``"#ABC"``/``"aabbcc"`` → ``"#aabbcc"``; anything else is a caller error."""
    match = _COLOR.match(value.strip())
    if not match:
        raise ValueError(f"not an RGB colour: {value!r}")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _datetime(value: datetime) -> str:
    """An aware datetime as ``xsd:dateTime`` in UTC (``…Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value!r}: REFI-QDA export needs aware datetimes"
        )
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return f"{text}Z"


def _decimal(value: float) -> str:
    """A float as ``xsd:decimal``, which has no exponent, NaN or infinity."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} cannot be written as xsd:decimal")
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _value_element(value: VariableValue) -> tuple[str, str]:
    """The REFI value element name and its lexical form, chosen by Python type."""
    # Order matters: bool is an int, datetime is a date.
    if isinstance(value, bool):
        return "BooleanValue", "true" if value else "false"
    if isinstance(value, int):
        return "IntegerValue", str(value)
    if isinstance(value, float):
        return "FloatValue", _decimal(value)
    if isinstance(value, datetime):
        return "DateTimeValue", _datetime(value)
    if isinstance(value, date):
        return "DateValue", value.isoformat()
    if isinstance(value, str):
        return "TextValue", _clean(value)
    raise ValueError(f"unsupported variable value {value!r}")


def _quote_name(text: str) -> str:
    """The selected text as a selection name, cut at a readable length."""
    if len(text) <= _QUOTE_NAME_LENGTH:
        return text
    return text[:_QUOTE_NAME_LENGTH].rstrip() + "…"


class _Builder:
    """Creates elements in one namespace with attributes in schema order."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def root(self, tag: str, attributes: dict[str, str | None]) -> etree._Element:
        element = etree.Element(
            f"{{{self.namespace}}}{tag}", nsmap={None: self.namespace}
        )
        self._set(element, attributes)
        return element

    def sub(
        self,
        parent: etree._Element,
        tag: str,
        attributes: dict[str, str | None] | None = None,
        text: str | None = None,
    ) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self.namespace}}}{tag}")
        self._set(element, attributes or {})
        if text is not None:
            element.text = _clean(text)
        return element

    @staticmethod
    def _set(element: etree._Element, attributes: dict[str, str | None]) -> None:
        for name, value in attributes.items():
            if value is not None:
                element.set(name, _clean(value))


def _serialise(root: etree._Element) -> bytes:
    # The declaration is written by hand: lxml's uses single quotes, which some
    # tools' file sniffers do not expect.
    body = etree.tostring(
        root, encoding="UTF-8", xml_declaration=False, pretty_print=True
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --------------------------------------------------------------------------
# Codebook (.qdc)
# --------------------------------------------------------------------------


def _codebook_code(builder: _Builder, parent: etree._Element, code: RefiCode) -> None:
    element = builder.sub(
        parent,
        "Code",
        {
            "guid": canonical_guid(code.guid),
            "name": code.name,
            "isCodable": "true" if code.is_codable else "false",
            "color": _color(code.color) if code.color else None,
        },
    )
    if code.description:
        builder.sub(element, "Description", text=code.description)
    for child in code.children:
        _codebook_code(builder, element, child)


def write_qdc(codebook: RefiCodebook) -> bytes:
    """Return a ``.qdc`` file (``urn:QDA-XML:codebook:1.0``) for ``codebook``.

    The schema needs at least one code, so an empty codebook is refused.  Sets
    keep only their codes: a codebook cannot name sources.  Empty ``<Sets/>``
    is never written (Taguette's files fail validation because of it).
    """
    if not codebook.codes:
        raise ValueError("a REFI-QDA codebook needs at least one code")
    builder = _Builder(CODEBOOK_NAMESPACE)
    root = builder.root("CodeBook", {"origin": codebook.origin or None})
    codes = builder.sub(root, "Codes")
    for code in codebook.codes:
        _codebook_code(builder, codes, code)
    if codebook.sets:
        sets = builder.sub(root, "Sets")
        for code_set in codebook.sets:
            element = builder.sub(
                sets,
                "Set",
                {"guid": canonical_guid(code_set.guid), "name": code_set.name},
            )
            if code_set.description:
                builder.sub(element, "Description", text=code_set.description)
            for guid in code_set.member_code_guids:
                builder.sub(element, "MemberCode", {"guid": canonical_guid(guid)})
    return _serialise(root)


# --------------------------------------------------------------------------
# Project (.qde inside .qdpx)
# --------------------------------------------------------------------------


class _ProjectWriter:
    """Builds the ``.qde`` document of one project; checks references on the way."""

    def __init__(self, project: RefiProject) -> None:
        self.project = project
        self.b = _Builder(PROJECT_NAMESPACE)
        self.code_guids = {
            canonical_guid(code.guid) for code in iter_codes(project.codes)
        }
        self.variables = {variable.name: variable for variable in project.variables}
        # NoteRefs per target: from each note's targets and each selection's notes.
        self.note_refs: dict[str, list[str]] = {}
        for note in project.notes:
            for target in note.targets:
                self._add_note_ref(target, note.guid)
        for source in project.sources:
            for selection in source.selections:
                for note_guid in selection.notes:
                    self._add_note_ref(selection.guid, note_guid)

    def _add_note_ref(self, target: str, note: str) -> None:
        refs = self.note_refs.setdefault(canonical_guid(target), [])
        note = canonical_guid(note)
        if note not in refs:
            refs.append(note)

    def _note_refs(self, parent: etree._Element, guid: str) -> None:
        for note in self.note_refs.get(canonical_guid(guid), []):
            self.b.sub(parent, "NoteRef", {"targetGUID": note})

    def _variable_values(
        self, parent: etree._Element, values: dict[str, VariableValue], owner: str
    ) -> None:
        for name, value in values.items():
            variable = self.variables.get(name)
            if variable is None:
                raise ValueError(
                    f"{owner} uses variable {name!r}, which the project does not define"
                )
            element = self.b.sub(parent, "VariableValue")
            self.b.sub(
                element, "VariableRef", {"targetGUID": canonical_guid(variable.guid)}
            )
            tag, text = _value_element(value)
            self.b.sub(element, tag, text=text)

    def build(self) -> etree._Element:
        project = self.project
        root = self.b.root(
            "Project", {"name": project.name, "origin": project.origin or None}
        )
        if project.users:
            users = self.b.sub(root, "Users")
            for user in project.users:
                self.b.sub(
                    users,
                    "User",
                    {"guid": canonical_guid(user.guid), "name": user.name},
                )
        if project.codes:
            codes = self.b.sub(self.b.sub(root, "CodeBook"), "Codes")
            for code in project.codes:
                self._code(codes, code)
        if project.variables:
            variables = self.b.sub(root, "Variables")
            for variable in project.variables:
                element = self.b.sub(
                    variables,
                    "Variable",
                    {
                        "guid": canonical_guid(variable.guid),
                        "name": variable.name,
                        "typeOfVariable": str(variable.type),
                    },
                )
                if variable.description:
                    self.b.sub(element, "Description", text=variable.description)
        if project.cases:
            cases = self.b.sub(root, "Cases")
            for case in project.cases:
                self._case(cases, case)
        if project.sources:
            sources = self.b.sub(root, "Sources")
            for source in project.sources:
                self._source(sources, source)
        if project.notes:
            notes = self.b.sub(root, "Notes")
            for note in project.notes:
                self._note(notes, note)
        if project.sets:
            sets = self.b.sub(root, "Sets")
            for project_set in project.sets:
                self._set(sets, project_set)
        if project.description:
            self.b.sub(root, "Description", text=project.description)
        return root

    def _code(self, parent: etree._Element, code: RefiCode) -> None:
        element = self.b.sub(
            parent,
            "Code",
            {
                "guid": canonical_guid(code.guid),
                "name": code.name,
                "isCodable": "true" if code.is_codable else "false",
                "color": _color(code.color) if code.color else None,
            },
        )
        if code.description:
            self.b.sub(element, "Description", text=code.description)
        self._note_refs(element, code.guid)
        for child in code.children:
            self._code(element, child)

    def _case(self, parent: etree._Element, case: RefiCase) -> None:
        element = self.b.sub(
            parent, "Case", {"guid": canonical_guid(case.guid), "name": case.name}
        )
        if case.description:
            self.b.sub(element, "Description", text=case.description)
        self._variable_values(element, case.variables, f"case {case.name!r}")
        for guid in case.source_guids:
            self.b.sub(element, "SourceRef", {"targetGUID": canonical_guid(guid)})

    def _source(self, parent: etree._Element, source: RefiTextSource) -> None:
        guid = canonical_guid(source.guid)
        element = self.b.sub(
            parent,
            "TextSource",
            {
                "guid": guid,
                "name": source.name,
                "plainTextPath": f"internal://{guid}.txt",
                "creatingUser": canonical_guid(source.creating_user)
                if source.creating_user
                else None,
                "creationDateTime": _datetime(source.creation_datetime)
                if source.creation_datetime
                else None,
            },
        )
        if source.description:
            self.b.sub(element, "Description", text=source.description)
        for selection in source.selections:
            self._selection(element, source, selection)
        self._note_refs(element, source.guid)
        self._variable_values(element, source.variables, f"source {source.name!r}")

    def _selection(
        self, parent: etree._Element, source: RefiTextSource, selection: RefiSelection
    ) -> None:
        if not 0 <= selection.start < selection.end <= len(source.text):
            raise ValueError(
                f"selection {selection.guid} ({selection.start}-{selection.end}) lies "
                f"outside source {source.name!r} of {len(source.text)} characters"
            )
        guid = canonical_guid(selection.guid)
        element = self.b.sub(
            parent,
            "PlainTextSelection",
            {
                "guid": guid,
                "name": _quote_name(source.text[selection.start : selection.end]),
                "startPosition": str(selection.start),
                "endPosition": str(selection.end),
            },
        )
        if selection.description:
            self.b.sub(element, "Description", text=selection.description)
        for coding in selection.codings:
            code = canonical_guid(coding.code_guid)
            if code not in self.code_guids:
                raise ValueError(f"selection {guid} is coded with unknown code {code}")
            user = canonical_guid(coding.user_guid) if coding.user_guid else None
            # Derived, so that writing the same project twice gives the same file.
            coding_guid = uuid.uuid5(
                GUID_NAMESPACE, f"coding:{guid}:{code}:{user or ''}"
            )
            element_coding = self.b.sub(
                element, "Coding", {"guid": str(coding_guid), "creatingUser": user}
            )
            self.b.sub(element_coding, "CodeRef", {"targetGUID": code})
        self._note_refs(element, selection.guid)

    def _note(self, parent: etree._Element, note: RefiNote) -> None:
        element = self.b.sub(
            parent,
            "Note",
            {
                "guid": canonical_guid(note.guid),
                "name": note.name,
                "creatingUser": canonical_guid(note.creating_user)
                if note.creating_user
                else None,
                "creationDateTime": _datetime(note.creation_datetime)
                if note.creation_datetime
                else None,
            },
        )
        self.b.sub(element, "PlainTextContent", text=note.text)

    def _set(self, parent: etree._Element, project_set: RefiSet) -> None:
        element = self.b.sub(
            parent,
            "Set",
            {"guid": canonical_guid(project_set.guid), "name": project_set.name},
        )
        if project_set.description:
            self.b.sub(element, "Description", text=project_set.description)
        for guid in project_set.member_code_guids:
            self.b.sub(element, "MemberCode", {"targetGUID": canonical_guid(guid)})
        for guid in project_set.member_source_guids:
            self.b.sub(element, "MemberSource", {"targetGUID": canonical_guid(guid)})


def write_qde(project: RefiProject) -> bytes:
    """Return the ``project.qde`` XML (``urn:QDA-XML:project:1.0``) of ``project``.

    Text sources point at ``internal://<guid>.txt``; :func:`write_qdpx` puts
    those files next to it.  Empty lists are left out, as the schema wants.
    """
    return _serialise(_ProjectWriter(project).build())


def _zip_members(members: Iterable[tuple[str, bytes]]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return output.getvalue()


def write_qdpx(project: RefiProject) -> bytes:
    """Return a ``.qdpx`` archive: ``project.qde`` plus ``sources/<guid>.txt``.

    Every text source is stored as UTF-8 without BOM; selection positions are
    code points of exactly that text, as the standard says.
    """
    members = [("project.qde", write_qde(project))]
    for source in project.sources:
        guid = canonical_guid(source.guid)
        members.append((f"sources/{guid}.txt", source.text.encode("utf-8")))
    return _zip_members(members)
