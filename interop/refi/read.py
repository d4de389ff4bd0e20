"""Readers for REFI-QDA files written by real tools: ``.qdc`` and ``.qdpx``.

Pure functions from bytes to :mod:`interop.refi.model` objects.  What belongs
here is everything needed to take over what NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette (and Regie) actually write, which is looser than the XSDs:

* the ``.qde`` may have any name and sit in a folder; ``Sources/`` or
  ``sources/``, paths with ``internal://``, ``relative://``, backslashes and
  any letter case are looked up leniently;
* elements are matched by local name, so a missing namespace, a prefix, the
  codebook namespace inside a project or old namespaces (``…:project:0:10``,
  ``…:codebook:1:0``) all read the same;
* GUIDs in any case, with or without braces, are put in canonical form;
* code hierarchies come as nested ``<Code>`` elements or as flat
  ``Parent::Child`` names (ATLAS.ti);
* text files may start with a BOM, use CRLF, or be inline ``<PlainTextContent>``;
* picture, PDF, audio and video sources are skipped with a warning;
* selection positions are counted in different units by different tools; see
  :func:`_decide_unit` for how the unit is detected per source.

Errors that make a file unusable raise :class:`~interop.refi.model.RefiError`
and nothing is returned; everything else is a
:class:`~interop.refi.model.RefiWarning` on the result.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from urllib.parse import unquote

import numpy as np
from django.utils.translation import gettext_lazy as _
from lxml import etree

from coding.importing.formats import format_size
from coding.importing.normalise import ImportFileError, decode_text, normalise_text
from coding.importing.safexml import (
    ZIP_ERRORS,
    BoundedMember,
    UploadLimits,
    UploadRefused,
    read_member,
    scan_xml,
)

from .model import (
    OFFSET_UNIT_LABELS,
    OffsetUnit,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    RefiWarning,
    VariableType,
    VariableValue,
    canonical_guid,
    is_guid,
    iter_codes,
)

__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "read_qdc",
    "read_qde",
    "read_qdpx",
]

DEFAULT_MAX_MEMBERS = 10_000
"""A ``.qdpx`` with more members than this is refused (zip-bomb guard)."""
DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024**3
"""A ``.qdpx`` that unpacks to more than this (1 GB) is refused (zip-bomb guard)."""

_NAMESPACE_RE = re.compile(r"^urn:qda-xml:(project|codebook):[0-9.:]+$", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^(internal|relative|absolute|file):/*", re.IGNORECASE)
_COLOR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_DATE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
_WHITESPACE_RE = re.compile(r"\s+")
_SKIPPED_SOURCES = {
    "PDFSource": _("PDF"),
    "PictureSource": _("picture"),
    "AudioSource": _("audio"),
    "VideoSource": _("video"),
}


# --------------------------------------------------------------------------
# XML helpers
# --------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _elements(
    parent: etree._Element, name: str | None = None
) -> Iterator[etree._Element]:
    """Child elements (no comments, PIs or entity nodes), optionally by local name."""
    for child in parent:
        if isinstance(child.tag, str) and (name is None or _local(child) == name):
            yield child


def _first(parent: etree._Element, name: str) -> etree._Element | None:
    return next(_elements(parent, name), None)


def _text_of(element: etree._Element | None) -> str:
    """Text content of a leaf element; whitespace-only content counts as empty."""
    if element is None:
        return ""
    text = "".join(element.itertext())
    return text if text.strip() else ""


def _description(parent: etree._Element) -> str:
    return _text_of(_first(parent, "Description"))


_LXML_POSITION = re.compile(r",\s*line \d+, column \d+\s*$")


def _refused(refused: UploadRefused, filename: str | None = None) -> RefiError:
    """An upload limit crossed, as the reader's error (entities keep their own)."""
    if filename is None or refused.kind.startswith("member_"):
        return RefiError(
            refused.kind,
            _("The project file cannot be imported: %(reason)s"),
            reason=refused.reason,
        )
    if refused.kind == "xml_entities":
        return _entities(filename)
    return RefiError(
        refused.kind,
        _("The file %(file)s cannot be imported: %(reason)s"),
        file=filename,
        reason=refused.reason,
    )


def _entities(filename: str) -> RefiError:
    # REFI-QDA files have no DTD; entity declarations only serve tricks
    # (libxml2 expands internal entities in attribute values).
    return RefiError(
        "xml_doctype",
        _(
            "The file %(file)s declares XML entities in a document type "
            "declaration, which REFI-QDA files never do; it was refused for safety."
        ),
        file=filename,
    )


def _parse_xml(
    data: bytes,
    filename: str,
    limits: UploadLimits | None = None,
    *,
    scanned: bool = False,
) -> etree._Element:
    """Parse without DTDs, entity expansion or network access (untrusted uploads).

    The document is scanned first (``coding.importing.safexml``): more elements,
    deeper nesting or longer text than ``limits`` allow is refused before any
    tree is built.
    """
    if not scanned:
        try:
            scan_xml(data, limits or UploadLimits.from_settings())
        except UploadRefused as refused:
            raise _refused(refused, filename) from refused
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    stripped = data.lstrip(b" \t\r\n")
    if stripped is not data and stripped.startswith(b"<?xml"):
        data = stripped  # blank lines before the declaration would be fatal
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 0, 0)
        raise RefiError(
            "xml_syntax",
            _(
                "The file %(file)s is damaged: it is not well-formed XML "
                "(line %(line)s, column %(column)s: %(detail)s)."
            ),
            file=filename,
            line=line,
            column=column,
            # lxml appends ", line L, column C", which the message already says.
            detail=_LXML_POSITION.sub("", exc.msg or ""),
        ) from exc
    if root is None:  # pragma: no cover - lxml raises for empty input
        raise RefiError("xml_syntax", _("The file %(file)s is empty."), file=filename)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _entity in dtd.iterentities()):
        raise _entities(filename)
    return root


def _check_namespace(root: etree._Element, warnings: list[RefiWarning]) -> None:
    namespace = etree.QName(root).namespace
    if namespace is not None and not _NAMESPACE_RE.match(namespace):
        warnings.append(
            RefiWarning(
                "unexpected_namespace",
                _(
                    "The file uses the XML namespace “%(namespace)s”, which is not a "
                    "REFI-QDA namespace; it was read anyway."
                ),
                {"namespace": namespace},
            )
        )


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


class _Guids:
    """Canonical GUIDs; remembers how many values were not GUIDs at all."""

    def __init__(self) -> None:
        self.invalid: set[str] = set()

    def __call__(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not is_guid(value):
            self.invalid.add(value)
        return canonical_guid(value)

    def warning(self) -> RefiWarning | None:
        if not self.invalid:
            return None
        return RefiWarning(
            "invalid_guids",
            _(
                "Some identifiers in the file are not valid GUIDs (%(count)s); "
                "Regie replaced them with GUIDs of its own."
            ),
            {"count": len(self.invalid)},
        )


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    value = value.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return default


def _color(value: str | None) -> str | None:
    if not value:
        return None
    match = _COLOR_RE.match(value.strip())
    if not match:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _datetime(value: str | None) -> datetime | None:
    """``xsd:dateTime`` → aware datetime; a missing zone is read as UTC."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _variable_value(tag: str, text: str) -> VariableValue:
    """Convert a REFI value element; raises ValueError if the text does not fit."""
    stripped = text.strip()
    if tag == "TextValue":
        return text
    if tag == "BooleanValue":
        lowered = stripped.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError(text)
    if tag == "IntegerValue":
        return int(stripped)
    if tag == "FloatValue":
        return float(stripped)
    if tag == "DateValue":
        match = _DATE_RE.match(stripped)
        if not match:
            raise ValueError(text)
        return date.fromisoformat(match.group(1))
    if tag == "DateTimeValue":
        parsed = _datetime(stripped)
        if parsed is None:
            raise ValueError(text)
        return parsed
    raise ValueError(tag)


# --------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------


def _parse_code(
    element: etree._Element,
    guids: _Guids,
    note_refs: list[tuple[str, str]],
) -> RefiCode:
    guid = guids(element.get("guid")) or guids(element.get("name") or "code")
    assert guid is not None
    code = RefiCode(
        guid=guid,
        name=element.get("name") or "",
        color=_color(element.get("color")),
        description=_description(element),
        is_codable=_bool(element.get("isCodable"), True),
    )
    for ref in _elements(element, "NoteRef"):
        note = guids(ref.get("targetGUID"))
        if note:
            note_refs.append((note, guid))
    code.children = [
        _parse_code(child, guids, note_refs) for child in _elements(element, "Code")
    ]
    return code


def _unflatten(codes: list[RefiCode], warnings: list[RefiWarning]) -> list[RefiCode]:
    """Turn top-level ``Parent::Child`` names (ATLAS.ti) into a hierarchy.

    ``A::B`` becomes child ``B`` of the top-level code named ``A``; when no such
    code exists a non-codable folder code ``A`` is added (with a stable GUID).
    Nested codes are left alone: only names at the top level are split.
    """
    if not any("::" in code.name for code in codes):
        return codes
    by_name: dict[str, RefiCode] = {}
    for code in codes:
        by_name.setdefault(code.name.strip(), code)
    added: list[str] = []
    result: list[RefiCode] = []

    def parent_for(path: list[str]) -> RefiCode:
        key = "::".join(path)
        existing = by_name.get(key)
        if existing is not None:
            return existing
        folder = RefiCode(
            guid=canonical_guid(f"regie-code-folder:{key}"),
            name=path[-1],
            is_codable=False,
        )
        by_name[key] = folder
        added.append(key)
        if len(path) > 1:
            parent_for(path[:-1]).children.append(folder)
        else:
            result.append(folder)
        return folder

    for code in codes:
        parts = [part.strip() for part in code.name.split("::")]
        if len(parts) < 2 or not all(parts):
            result.append(code)
            continue
        parent = parent_for(parts[:-1])
        code.name = parts[-1]
        parent.children.append(code)
    if added:
        warnings.append(
            RefiWarning(
                "code_folders_added",
                _(
                    "Code names of the form “Parent::Child” were read as a hierarchy; "
                    "folder codes were added for parents without a code of their own "
                    "(%(count)s)."
                ),
                {"count": len(added)},
            )
        )
    return result


def _parse_codes(
    codes_element: etree._Element | None,
    guids: _Guids,
    note_refs: list[tuple[str, str]],
    warnings: list[RefiWarning],
) -> list[RefiCode]:
    if codes_element is None:
        return []
    codes = [
        _parse_code(code, guids, note_refs) for code in _elements(codes_element, "Code")
    ]
    return _unflatten(codes, warnings)


def _parse_set(element: etree._Element, guids: _Guids) -> RefiSet:
    guid = guids(element.get("guid")) or guids(element.get("name") or "set")
    assert guid is not None
    codes: list[str] = []
    for member in _elements(element, "MemberCode"):
        # Codebook.xsd says guid="…", Project.xsd says targetGUID="…".
        ref = guids(member.get("targetGUID") or member.get("guid"))
        if ref:
            codes.append(ref)
    sources: list[str] = []
    for member in _elements(element, "MemberSource"):
        ref = guids(member.get("targetGUID") or member.get("guid"))
        if ref:
            sources.append(ref)
    return RefiSet(
        guid=guid,
        name=element.get("name") or "",
        member_code_guids=codes,
        member_source_guids=sources,
        description=_description(element),
    )


# --------------------------------------------------------------------------
# Codebook (.qdc)
# --------------------------------------------------------------------------


def read_qdc(data: bytes, *, filename: str = "codebook.qdc") -> RefiCodebook:
    """Read a ``.qdc`` codebook (any namespace spelling, empty ``<Sets/>`` allowed).

    ``filename`` only labels error messages.
    """
    if data.startswith(b"PK\x03\x04"):
        raise RefiError(
            "not_codebook",
            _(
                "This file is a ZIP archive, probably a REFI-QDA project (.qdpx), "
                "not a codebook (.qdc). Import it as a project."
            ),
        )
    root = _parse_xml(data, filename)
    if _local(root) != "CodeBook":
        if _local(root) == "Project":
            raise RefiError(
                "not_codebook",
                _(
                    "This file is a REFI-QDA project, not a codebook: its root element "
                    "is <Project>. Import it as a project (.qdpx)."
                ),
            )
        raise RefiError(
            "wrong_root",
            _(
                "The file %(file)s is not a REFI-QDA codebook: its root element is "
                "<%(found)s>, expected <CodeBook>."
            ),
            file=filename,
            found=_local(root),
        )
    warnings: list[RefiWarning] = []
    _check_namespace(root, warnings)
    guids = _Guids()
    codes = _parse_codes(_first(root, "Codes"), guids, [], warnings)
    sets_element = _first(root, "Sets")
    sets = (
        [_parse_set(element, guids) for element in _elements(sets_element, "Set")]
        if sets_element is not None
        else []
    )
    invalid = guids.warning()
    if invalid:
        warnings.append(invalid)
    return RefiCodebook(
        codes=codes, sets=sets, origin=root.get("origin") or "", warnings=warnings
    )


# --------------------------------------------------------------------------
# Text and offsets
# --------------------------------------------------------------------------

_LINE_BREAKS_RE = re.compile("\r\n|[\r\x85\u2028\u2029]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BREAK_CODES = (0x0A, 0x0D, 0x85, 0x2028, 0x2029)

# Hangul vowel and trailing jamo compose with the preceding syllable although
# they are starters; composition seconds with combining class 0 do the same.
_HANGUL_SECONDS = frozenset(
    [chr(c) for c in range(0x1161, 0x1176)] + [chr(c) for c in range(0x11A8, 0x11C3)]
)


@cache
def _backward_composers() -> frozenset[str]:
    """Starters that NFC may merge into the character before them."""
    found: set[str] = set(_HANGUL_SECONDS)
    for code_point in range(0x110000):
        decomposition = unicodedata.decomposition(chr(code_point))
        if not decomposition or decomposition.startswith("<"):
            continue
        parts = decomposition.split()
        if len(parts) == 2:
            second = chr(int(parts[1], 16))
            if unicodedata.combining(second) == 0:
                found.add(second)
    return frozenset(found)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


class _TextMap:
    """Regie's normalised text of a raw text, with the position of every raw boundary.

    ``norm`` equals ``normalise_text(raw)``.  For each boundary ``i`` of ``raw``
    (``0 … len(raw)``), ``floor[i]``/``ceil[i]`` give the boundary in ``norm``
    where it lands when it starts/ends a passage, and ``clean[i]`` is False if it
    falls inside something that is one character in ``norm`` (inside ``\\r\\n``
    or inside a sequence that NFC composes).  The mapping mirrors
    :func:`normalise_text` step by step (line breaks, control characters,
    leading BOMs, NFC, trailing whitespace) with numpy, so that book-length
    transcripts map in milliseconds.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        cps = _code_points(raw)
        n = len(cps)
        self.code_points = cps
        # Steps 1-2: every line break becomes one \n (the \r of \r\n is
        # dropped, its \n kept), control characters go.
        crlf = np.zeros(n, dtype=bool)
        if n > 1:
            crlf[:-1] = (cps[:-1] == 0x0D) & (cps[1:] == 0x0A)
        self.crlf_cr = crlf
        control = ((cps < 0x20) & ~np.isin(cps, (0x09, 0x0A, 0x0D))) | (cps == 0x7F)
        kept = ~(control | crlf)
        pos1 = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(kept, out=pos1[1:])
        inside1 = np.zeros(n + 1, dtype=bool)
        inside1[1:] = crlf  # the boundary between \r and \n
        ceil1 = pos1 + inside1  # ... ends after the \n
        step1 = _CONTROL_RE.sub("", _LINE_BREAKS_RE.sub("\n", raw))
        assert len(step1) == pos1[-1]
        # Step 3: leading byte-order marks.
        bom = len(step1) - len(step1.lstrip("\ufeff"))
        step2 = step1[bom:]
        # Step 4: NFC, chunk by chunk so that positions can be followed.
        pos3, ceil3, clean3, step3 = self._nfc(step2)
        # Step 5: trailing whitespace.
        self.norm = step3.rstrip()
        length = len(self.norm)
        p2 = np.maximum(pos1 - bom, 0)
        self.floor = np.minimum(pos3[p2], length)
        self.ceil = np.minimum(ceil3[np.maximum(ceil1 - bom, 0)], length)
        self.clean = ~inside1 & clean3[p2]

    @staticmethod
    def _nfc(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
        n = len(text)
        if unicodedata.is_normalized("NFC", text):
            identity = np.arange(n + 1, dtype=np.int64)
            return identity, identity, np.ones(n + 1, dtype=bool), text
        seconds = _backward_composers()
        starts = [
            j
            for j, char in enumerate(text)
            if j == 0 or (unicodedata.combining(char) == 0 and char not in seconds)
        ]
        starts.append(n)
        pos = np.zeros(n + 1, dtype=np.int64)
        ceil = np.zeros(n + 1, dtype=np.int64)
        clean = np.ones(n + 1, dtype=bool)
        pieces: list[str] = []
        length = 0
        for a, b in zip(starts, starts[1:], strict=False):
            chunk = text[a:b]
            composed = unicodedata.normalize("NFC", chunk)
            if composed == chunk:
                pos[a:b] = ceil[a:b] = np.arange(length, length + (b - a))
            else:
                pos[a:b] = length
                ceil[a] = length
                ceil[a + 1 : b] = length + len(composed)
                clean[a + 1 : b] = False
            pieces.append(composed)
            length += len(composed)
        pos[n] = ceil[n] = length
        return pos, ceil, clean, "".join(pieces)


# Preference when interpretations score the same: the standard first.
_PREFERENCE: tuple[OffsetUnit, ...] = (
    OffsetUnit.CODEPOINTS,
    OffsetUnit.CODEPOINTS_NFC,
    OffsetUnit.UTF16_CRLF,
    OffsetUnit.UTF16,
    OffsetUnit.CODEPOINTS_CRLF,
    OffsetUnit.UTF8,
    OffsetUnit.UTF8_CRLF,
)
# Per unit: how characters are counted and how many units a line break takes.
_UNIT_COUNTING: dict[OffsetUnit, tuple[str, int]] = {
    OffsetUnit.CODEPOINTS: ("codepoints", 1),
    OffsetUnit.CODEPOINTS_CRLF: ("codepoints", 2),
    OffsetUnit.UTF16: ("utf16", 1),
    OffsetUnit.UTF16_CRLF: ("utf16", 2),
    OffsetUnit.UTF8: ("utf8", 1),
    OffsetUnit.UTF8_CRLF: ("utf8", 2),
}

# Scores of one interpretation (see _decide_unit).
_HINT_EXACT = 20
_HINT_PREFIX = 10
_INSIDE_CHARACTER = -8
_EMPTY_PASSAGE = -4
_GOOD_BOUNDARY = 1
_BAD_BOUNDARY = -1
_DECISIVE_MARGIN = 3
_MIN_HINT = 4
_MIN_QUOTE_ELSEWHERE = 8


class _Units:
    """Converts positions in each candidate unit of one raw text to ``norm`` positions.

    A line break (``\\r\\n``, ``\\n``, ``\\r``, U+0085, U+2028, U+2029) counts as
    one ``\\n`` or as ``\\r\\n`` depending on the unit, whatever the file holds.
    """

    def __init__(self, text_map: _TextMap) -> None:
        self.map = text_map
        cps = text_map.code_points
        self.breaks = np.isin(cps, _BREAK_CODES)
        self.crlf_cr = text_map.crlf_cr
        self.crlf_lf = np.zeros(len(cps), dtype=bool)
        self.crlf_lf[1:] = self.crlf_cr[:-1]
        self.widths = {
            "codepoints": np.ones(len(cps), dtype=np.int64),
            "utf16": 1 + (cps > 0xFFFF).astype(np.int64),
            "utf8": 1
            + (cps > 0x7F).astype(np.int64)
            + (cps > 0x7FF).astype(np.int64)
            + (cps > 0xFFFF).astype(np.int64),
        }
        self._bounds: dict[OffsetUnit, np.ndarray] = {}

    def bounds(self, unit: OffsetUnit) -> np.ndarray:
        """Position in ``unit`` of every raw boundary (``\\r`` of ``\\r\\n`` counts 0)."""
        if unit not in self._bounds:
            counting, line_break = _UNIT_COUNTING[unit]
            widths = np.where(self.breaks, line_break, self.widths[counting])
            widths[self.crlf_cr] = 0
            bounds = np.zeros(len(widths) + 1, dtype=np.int64)
            np.cumsum(widths, out=bounds[1:])
            self._bounds[unit] = bounds
        return self._bounds[unit]

    def convert(
        self, unit: OffsetUnit, spans: list[tuple[int, int]]
    ) -> list[tuple[int, int, int]] | None:
        """Each ``(start, end)`` as ``(norm_start, norm_end, boundaries_inside)``.

        None if any span lies outside the text in this unit (or is reversed).
        """
        if any(start < 0 or end < start for start, end in spans):
            return None
        if unit is OffsetUnit.CODEPOINTS_NFC:
            length = len(self.map.norm)
            if any(end > length for _start, end in spans):
                return None
            return [(start, end, 0) for start, end in spans]
        bounds = self.bounds(unit)
        if any(end > bounds[-1] for _start, end in spans):
            return None
        text_map = self.map
        starts = np.searchsorted(bounds, [start for start, _end in spans], side="left")
        ends = np.searchsorted(bounds, [end for _start, end in spans], side="left")
        result = []
        for (start, end), k_start, k_end in zip(spans, starts, ends, strict=True):
            inside = 0
            raw_start, raw_end = int(k_start), int(k_end)
            if bounds[raw_start] != start:  # inside a character: take all of it
                raw_start -= 1
                if self.crlf_lf[raw_start]:
                    raw_start -= 1
                inside += 1
            if bounds[raw_end] != end:
                inside += 1
            inside += int(not text_map.clean[raw_start]) + int(
                not text_map.clean[raw_end]
            )
            norm_start = int(text_map.floor[raw_start])
            norm_end = max(norm_start, int(text_map.ceil[raw_end]))
            result.append((norm_start, norm_end, inside))
        return result


def _squash(text: str) -> str:
    return _WHITESPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _hint_score(hint: str, passage: str) -> int:
    """How well a quotation another tool stored matches ``passage`` (0 = not)."""
    hint = _squash(hint)
    if len(hint) < _MIN_HINT:
        return 0
    passage = _squash(passage)
    if hint == passage:
        return _HINT_EXACT
    if hint.endswith(("…", "...")):
        prefix = hint.rstrip(".…").rstrip()
        if len(prefix) >= _MIN_HINT and passage.startswith(prefix):
            return _HINT_PREFIX
    return 0


def _quoted_elsewhere(hint: str, squashed_text: str) -> bool:
    """True if a stored quotation occurs in the text (so it is one, just elsewhere).

    Names like "Quotation 6:1" or memos are no quotations and never match.
    """
    quote = _squash(hint)
    if quote.endswith(("…", "...")):
        quote = quote.rstrip(".…").rstrip()
    return len(quote) >= _MIN_QUOTE_ELSEWHERE and quote in squashed_text


@dataclass
class _RawSelection:
    """A ``<PlainTextSelection>`` before its positions are converted."""

    guid: str
    start: int
    end: int
    codings: list[RefiCoding]
    description: str
    hints: list[str]  # quotations the tool stored: name and Description


@dataclass
class _Reading:
    """One interpretation of a source's positions: converted spans and their score."""

    units: list[OffsetUnit]
    spans: tuple[tuple[int, int], ...]
    score: int


@dataclass
class _SourceAnalysis:
    """Everything known about one text source while its unit is being decided."""

    source: RefiTextSource
    text_map: _TextMap
    selections: list[_RawSelection]
    readings: list[_Reading]
    chosen: _Reading | None = None
    # The unit reported; one of ``chosen.units`` (several may give the same spans).
    unit: OffsetUnit | None = None
    decisive: bool = True
    whole_source_codings: list[RefiCoding] = field(default_factory=list)
    whole_source_guid: str | None = None


def _boundary_score(norm: str, start: int, end: int) -> int:
    """+1 per end of the passage that sits where a person would put it, -1 otherwise.

    A start is bad if it splits a word or the passage starts with whitespace;
    an end is bad if it splits a word or the passage ends with whitespace.
    Shifted readings land on such places far more often than real codings.
    """
    length = len(norm)
    score = 0
    if start < length and (
        norm[start].isspace()
        or (start > 0 and norm[start - 1].isalnum() and norm[start].isalnum())
    ):
        score += _BAD_BOUNDARY
    else:
        score += _GOOD_BOUNDARY
    if end > 0 and (
        norm[end - 1].isspace()
        or (end < length and norm[end - 1].isalnum() and norm[end].isalnum())
    ):
        score += _BAD_BOUNDARY
    else:
        score += _GOOD_BOUNDARY
    return score


def _score(
    norm: str, selections: list[_RawSelection], spans: list[tuple[int, int, int]]
) -> int:
    """The score of one reading (see :func:`_decide_unit`)."""
    score = 0
    for selection, (start, end, inside) in zip(selections, spans, strict=True):
        score += inside * _INSIDE_CHARACTER
        if start == end:
            if selection.start != selection.end:
                score += _EMPTY_PASSAGE
            continue
        score += _boundary_score(norm, start, end)
        passage = norm[start:end]
        score += max(
            (_hint_score(hint, passage) for hint in selection.hints), default=0
        )
    return score


def _readings(text_map: _TextMap, selections: list[_RawSelection]) -> list[_Reading]:
    """Every valid interpretation, identical results merged, best unit first in each."""
    units = _Units(text_map)
    raw_spans = [(selection.start, selection.end) for selection in selections]
    by_spans: dict[tuple[tuple[int, int], ...], _Reading] = {}
    for unit in _PREFERENCE:
        converted = units.convert(unit, raw_spans)
        if converted is not None:
            spans = tuple((start, end) for start, end, _inside in converted)
            score = _score(text_map.norm, selections, converted)
            existing = by_spans.get(spans)
            if existing is None:
                by_spans[spans] = _Reading([unit], spans, score)
            else:
                existing.units.append(unit)
                # Same spans: keep the score of the cleanest way to get there.
                existing.score = max(existing.score, score)
    return list(by_spans.values())


def _reading_for(readings: list[_Reading], unit: OffsetUnit) -> _Reading | None:
    return next((reading for reading in readings if unit in reading.units), None)


def _decide_unit(analysis: _SourceAnalysis, prior: OffsetUnit, trusted: bool) -> None:
    """Choose how one source's positions are counted.

    The heuristic, per source (the unit can differ per file even within one
    project, e.g. after a text was edited on another platform):

    1. Each candidate unit converts every selection to Regie's text: code
       points with every line break counted as one ``\\n`` (the standard),
       code points of the NFC text, UTF-16 code units with ``\\r\\n`` counted
       as two (NVivo for Windows) or as one, code points with ``\\r\\n`` as two,
       and UTF-8 bytes either way (the mistake Taguette once made with its own
       offsets).  Units that give
       identical results form one reading; a unit that puts any selection
       outside the text is out.
    2. Each reading is scored on the coded text: +20 for every selection whose
       stored quotation (its ``name`` — ATLAS.ti and QualCoder store the quoted
       text there — or its ``<Description>``) equals the passage, +10 if a
       quotation cut with "…" is the passage's beginning; -8 for every boundary
       inside a ``\\r\\n``, a surrogate pair, a UTF-8 sequence or a character
       NFC composes; -4 for a passage that became empty; and per boundary +1
       if it sits at a word edge, -1 if it splits a word or the passage starts
       or ends with whitespace (see :func:`_boundary_score`).
    3. The ``prior`` reading — the standard, or UTF-16 with CRLF when the
       file's ``origin`` says NVivo for Windows — is kept unless another beats
       it by at least 3 points.  The choice is *decisive* if it beats every
       other reading by 3 points.  Undecided sources follow the unit most
       decisive sources of the project use (:func:`_settle_undecided`); when the
       chosen reading is not strictly the best, the source gets an
       ``offsets_assumed`` warning.  Files Regie wrote itself (``trusted``) are
       read in the standard unit whenever that fits.
    """
    readings = analysis.readings
    baseline = _reading_for(readings, prior) or _reading_for(
        readings, OffsetUnit.CODEPOINTS
    )
    if len(readings) == 1 or (trusted and baseline is not None):
        analysis.chosen = baseline or readings[0]
        analysis.decisive = True
    else:
        ranked = sorted(
            readings,
            key=lambda reading: (-reading.score, _PREFERENCE.index(reading.units[0])),
        )
        best = ranked[0]
        if baseline is None or (
            best is not baseline and best.score - baseline.score >= _DECISIVE_MARGIN
        ):
            analysis.chosen = best
        else:
            analysis.chosen = baseline
        analysis.decisive = (
            analysis.chosen.score - _best_other(analysis) >= _DECISIVE_MARGIN
        )
    # Units that give the same spans are indistinguishable here; name the expected one.
    units = analysis.chosen.units
    analysis.unit = prior if prior in units else units[0]


def _best_other(analysis: _SourceAnalysis) -> int:
    """The best score of a reading other than the chosen one."""
    return max(
        reading.score for reading in analysis.readings if reading is not analysis.chosen
    )


def _settle_undecided(analyses: list[_SourceAnalysis]) -> None:
    """Undecided sources follow the unit most decisive sources of the project use.

    One tool wrote all files of a project, so a clear verdict on some sources
    is the best evidence for the ones whose codings do not tell.
    """
    votes = Counter(
        analysis.unit
        for analysis in analyses
        if analysis.chosen is not None
        and analysis.decisive
        and len(analysis.readings) > 1
    )
    if not votes:
        return
    unit = votes.most_common(1)[0][0]
    for analysis in analyses:
        if analysis.chosen is None:
            continue
        if not analysis.decisive:
            reading = _reading_for(analysis.readings, unit)
            if (
                reading is not None
                and reading.score >= analysis.chosen.score - _DECISIVE_MARGIN
            ):
                analysis.chosen = reading
        if unit in analysis.chosen.units:
            analysis.unit = unit


def _prior_unit(origin: str) -> tuple[OffsetUnit, bool]:
    """The unit a tool is known to write, by its ``origin``, and whether it is Regie."""
    lowered = origin.strip().lower()
    if lowered.startswith("regie"):
        return OffsetUnit.CODEPOINTS, True
    if "nvivo" in lowered and "mac" not in lowered:
        return OffsetUnit.UTF16_CRLF, False
    return OffsetUnit.CODEPOINTS, False


# --------------------------------------------------------------------------
# Files inside the archive
# --------------------------------------------------------------------------


def _path_key(path: str) -> str:
    """Compare archive paths without case, slash style, ``./`` or NFD differences."""
    parts = unicodedata.normalize("NFC", path.replace("\\", "/")).split("/")
    return "/".join(part for part in parts if part not in ("", ".")).casefold()


class _Files:
    """Lenient lookup of the files a ``.qde`` refers to."""

    def __init__(self, files: Mapping[str, bytes], base: str) -> None:
        self.files = files
        self.base = _path_key(base)
        self.by_key: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        for name in files:
            key = _path_key(name)
            self.by_key.setdefault(key, name)
            self.by_name.setdefault(posixpath.basename(key), []).append(name)

    def find(self, reference: str) -> bytes | None:
        """The bytes behind ``internal://x.txt``, ``relative:///Sources\\x.TXT`` …"""
        reference = reference.strip()
        path = _SCHEME_RE.sub("", reference.replace("\\", "/"))
        for variant in dict.fromkeys((path, unquote(path))):
            key = _path_key(variant)
            if not key:
                continue
            tries = [key, f"sources/{key}"]
            if self.base:
                tries = [f"{self.base}/{t}" for t in tries] + tries
            for attempt in tries:
                if attempt in self.by_key:
                    return self.files[self.by_key[attempt]]
            matches = self.by_name.get(posixpath.basename(key), [])
            if len(matches) == 1:
                return self.files[matches[0]]
        return None


class _ZipFiles(Mapping[str, bytes]):
    """Archive members, decompressed only when a source asks for them."""

    def __init__(
        self, archive: zipfile.ZipFile, names: list[str], limits: UploadLimits
    ) -> None:
        self.archive = archive
        self.names = names
        self.limits = limits

    def __getitem__(self, name: str) -> bytes:
        return _read_member(self.archive, name, self.limits)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _damaged() -> RefiError:
    return RefiError(
        "not_zip",
        _(
            "The file is not a valid REFI-QDA project: it should be a ZIP archive "
            "(.qdpx), but it could not be opened as one. Export the project again."
        ),
    )


def _read_member(archive: zipfile.ZipFile, name: str, limits: UploadLimits) -> bytes:
    """One member's bytes within the upload limits (absolute and ratio)."""
    try:
        return read_member(archive, name, limits)
    except UploadRefused as refused:
        raise _refused(refused) from refused
    except KeyError:
        raise
    except ZIP_ERRORS as exc:
        raise _damaged() from exc


def _scan_member(archive: zipfile.ZipFile, name: str, limits: UploadLimits) -> None:
    """Scan an XML member while it is unpacked, never holding it whole."""
    try:
        with BoundedMember(archive, archive.getinfo(name), limits) as member:
            scan_xml(member, limits)
    except UploadRefused as refused:
        raise _refused(
            refused, posixpath.basename(name.replace("\\", "/"))
        ) from refused
    except ZIP_ERRORS as exc:
        raise _damaged() from exc


# --------------------------------------------------------------------------
# Project (.qde / .qdpx)
# --------------------------------------------------------------------------


def _decode_source(data: bytes, name: str, warnings: list[RefiWarning]) -> str | None:
    """UTF-8 (BOM or not) as the standard says; other encodings with a warning."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = decode_text(data, name)
    except ImportFileError:
        return None
    warnings.append(
        RefiWarning(
            "text_not_utf8",
            _(
                "The text of “%(source)s” was not stored as UTF-8; Regie guessed its encoding."
            ),
            {"source": name},
        )
    )
    return text


class _ProjectReader:
    """Reads one ``<Project>`` element into a :class:`RefiProject`."""

    def __init__(self, root: etree._Element, files: _Files, filename: str) -> None:
        self.root = root
        self.files = files
        self.filename = filename
        self.guids = _Guids()
        self.warnings: list[RefiWarning] = []
        self.note_refs: list[tuple[str, str]] = []  # (note guid, target guid)
        self.origin = root.get("origin") or ""

    def read(self) -> RefiProject:
        root = self.root
        _check_namespace(root, self.warnings)
        users = self._users()
        codebook = _first(root, "CodeBook")
        codes = _parse_codes(
            _first(codebook, "Codes") if codebook is not None else None,
            self.guids,
            self.note_refs,
            self.warnings,
        )
        self.code_guids = {code.guid for code in iter_codes(codes)}
        variables = self._variables()
        self.variables_by_guid = {variable.guid: variable for variable in variables}
        cases, source_variables = self._cases()
        self.case_guids = {case.guid: case for case in cases}
        notes = self._notes()
        sources = self._sources()
        source_guids = {source.guid for source in sources}
        for source in sources:
            source.variables.update(source_variables.get(source.guid, {}))
        for case in cases:
            case.source_guids = [
                guid
                for guid in dict.fromkeys(case.source_guids)
                if guid in source_guids
            ]
        sets = self._sets(source_guids)
        self._attach_notes(notes, sources)
        for name in ("Links", "Graphs"):
            if _first(root, name) is not None:
                self.warnings.append(
                    RefiWarning(
                        "not_imported",
                        _(
                            "The project's %(what)s were not imported: Regie has no place for them."
                        ),
                        {"what": name.lower()},
                    )
                )
        invalid = self.guids.warning()
        if invalid:
            self.warnings.append(invalid)
        return RefiProject(
            name=root.get("name") or "",
            users=users,
            codes=codes,
            variables=variables,
            cases=cases,
            sources=sources,
            notes=notes,
            sets=sets,
            origin=self.origin,
            description=_description(root),
            warnings=self.warnings,
        )

    # -- users, variables, cases ---------------------------------------------

    def _users(self) -> list[RefiUser]:
        users = []
        element = _first(self.root, "Users")
        for user in _elements(element, "User") if element is not None else []:
            guid = self.guids(user.get("guid"))
            if guid:
                users.append(
                    RefiUser(guid=guid, name=user.get("name") or user.get("id") or "")
                )
        return users

    def _variables(self) -> list[RefiVariable]:
        variables = []
        element = _first(self.root, "Variables")
        for variable in _elements(element, "Variable") if element is not None else []:
            guid = self.guids(variable.get("guid"))
            if not guid:
                continue
            type_name = (variable.get("typeOfVariable") or "Text").strip()
            types = {member.value.lower(): member for member in VariableType}
            variables.append(
                RefiVariable(
                    guid=guid,
                    name=variable.get("name") or "",
                    type=types.get(type_name.lower(), VariableType.TEXT),
                    description=_description(variable),
                )
            )
        return variables

    def _values(self, parent: etree._Element, owner: str) -> dict[str, VariableValue]:
        values: dict[str, VariableValue] = {}
        for element in _elements(parent, "VariableValue"):
            ref = _first(element, "VariableRef")
            ref_guid = self.guids(ref.get("targetGUID")) if ref is not None else None
            variable = self.variables_by_guid.get(ref_guid or "")
            value_element = next(
                (
                    child
                    for child in _elements(element)
                    if _local(child) != "VariableRef"
                ),
                None,
            )
            if variable is None or value_element is None:
                continue
            text = "".join(value_element.itertext())
            if not text.strip() and _local(value_element) != "TextValue":
                continue
            try:
                values[variable.name] = _variable_value(_local(value_element), text)
            except ValueError:
                values[variable.name] = text
                self.warnings.append(
                    RefiWarning(
                        "variable_value_as_text",
                        _(
                            "The value “%(value)s” of variable “%(variable)s” for "
                            "“%(owner)s” does not fit its type and was kept as text."
                        ),
                        {"value": text, "variable": variable.name, "owner": owner},
                    )
                )
        return values

    def _cases(self) -> tuple[list[RefiCase], dict[str, dict[str, VariableValue]]]:
        """Cases; nameless cases with one source are that source's variables (MAXQDA)."""
        cases: list[RefiCase] = []
        source_variables: dict[str, dict[str, VariableValue]] = {}
        element = _first(self.root, "Cases")
        for number, case in enumerate(
            _elements(element, "Case") if element is not None else [], start=1
        ):
            guid = self.guids(case.get("guid")) or canonical_guid(
                f"regie-case:{number}"
            )
            refs = [
                ref_guid
                for ref in _elements(case, "SourceRef")
                if (ref_guid := self.guids(ref.get("targetGUID")))
            ]
            name = (case.get("name") or "").strip()
            if not name and len(refs) == 1 and not _description(case):
                source_variables.setdefault(refs[0], {}).update(
                    self._values(case, refs[0])
                )
                continue
            if not name:
                name = str(_("Unnamed case %(number)s") % {"number": number})
            cases.append(
                RefiCase(
                    guid=guid,
                    name=name,
                    description=_description(case),
                    variables=self._values(case, name),
                    source_guids=refs,
                )
            )
        return cases, source_variables

    # -- notes and sets --------------------------------------------------------

    def _notes(self) -> list[RefiNote]:
        notes: list[RefiNote] = []
        element = _first(self.root, "Notes")
        positioned = False
        for note in _elements(element, "Note") if element is not None else []:
            guid = self.guids(note.get("guid"))
            if not guid:
                continue
            content = _first(note, "PlainTextContent")
            text = ""
            if content is not None:
                text = "".join(content.itertext())
            elif note.get("plainTextPath"):
                data = self.files.find(note.get("plainTextPath") or "")
                decoded = (
                    _decode_source(data, note.get("name") or guid, self.warnings)
                    if data
                    else None
                )
                text = decoded or ""
            if _first(note, "PlainTextSelection") is not None:
                positioned = True
            notes.append(
                RefiNote(
                    guid=guid,
                    name=note.get("name") or "",
                    text=normalise_text(text),
                    creating_user=self.guids(note.get("creatingUser")),
                    creation_datetime=_datetime(note.get("creationDateTime")),
                )
            )
        if positioned:
            self.warnings.append(
                RefiWarning(
                    "note_positions",
                    _(
                        "Some notes mark a passage of their own; they were imported as "
                        "notes without that passage."
                    ),
                )
            )
        return notes

    def _attach_notes(
        self, notes: list[RefiNote], sources: list[RefiTextSource]
    ) -> None:
        by_guid = {note.guid: note for note in notes}
        selections = {
            selection.guid: selection
            for source in sources
            for selection in source.selections
        }
        targets = (
            self.code_guids | {source.guid for source in sources} | set(selections)
        )
        for note_guid, target in self.note_refs:
            note = by_guid.get(note_guid)
            if note is None or target not in targets:
                continue
            if target not in note.targets:
                note.targets.append(target)
            selection = selections.get(target)
            if selection is not None and note_guid not in selection.notes:
                selection.notes.append(note_guid)

    def _sets(self, source_guids: set[str]) -> list[RefiSet]:
        element = _first(self.root, "Sets")
        sets = (
            [_parse_set(child, self.guids) for child in _elements(element, "Set")]
            if element is not None
            else []
        )
        for found in sets:
            found.member_code_guids = [
                g for g in found.member_code_guids if g in self.code_guids
            ]
            found.member_source_guids = [
                g for g in found.member_source_guids if g in source_guids
            ]
        return sets

    # -- sources --------------------------------------------------------------

    def _sources(self) -> list[RefiTextSource]:
        element = _first(self.root, "Sources")
        analyses: list[_SourceAnalysis] = []
        for child in _elements(element) if element is not None else []:
            kind = _local(child)
            if kind == "TextSource":
                analysis = self._text_source(child)
                if analysis is not None:
                    analyses.append(analysis)
            else:
                self.warnings.append(
                    RefiWarning(
                        "source_skipped",
                        _(
                            "The %(kind)s source “%(source)s” was not imported: Regie "
                            "only imports text sources."
                        ),
                        {
                            "kind": _SKIPPED_SOURCES.get(kind, kind),
                            "source": child.get("name") or child.get("guid") or "",
                        },
                    )
                )
        prior, trusted = _prior_unit(self.origin)
        for analysis in analyses:
            _decide_unit(analysis, prior, trusted)
        _settle_undecided(analyses)
        return [self._finish(analysis) for analysis in analyses]

    def _source_text(self, element: etree._Element, name: str) -> str | None:
        content = _first(element, "PlainTextContent")
        if content is not None:
            return "".join(content.itertext())
        path = element.get("plainTextPath")
        if not path:
            self.warnings.append(
                RefiWarning(
                    "source_without_text",
                    _(
                        "The source “%(source)s” has no plain text (only a formatted "
                        "version) and was not imported."
                    ),
                    {"source": name},
                )
            )
            return None
        data = self.files.find(path)
        if data is None:
            self.warnings.append(
                RefiWarning(
                    "source_file_missing",
                    _(
                        "The text of the source “%(source)s” (%(path)s) is not in the "
                        "project file; the source was not imported."
                    ),
                    {"source": name, "path": path},
                )
            )
            return None
        text = _decode_source(data, name, self.warnings)
        if text is None:
            self.warnings.append(
                RefiWarning(
                    "source_not_text",
                    _(
                        "The text file of the source “%(source)s” is not plain text; it was not imported."
                    ),
                    {"source": name},
                )
            )
        return text

    def _codings(
        self,
        parent: etree._Element,
        target: str,
        default_user: str | None,
        source_name: str,
    ) -> tuple[list[RefiCoding], set[str]]:
        """Codings of one element, and the cases it assigns text to (NVivo).

        Notes attached to a coding are attached to ``target`` (its selection
        or source): Regie keeps notes on passages, not on single codings.
        """
        codings: list[RefiCoding] = []
        cases: set[str] = set()
        for coding in _elements(parent, "Coding"):
            user = self.guids(coding.get("creatingUser")) or default_user
            for ref in _elements(coding, "CodeRef"):
                target = self.guids(ref.get("targetGUID"))
                if target is None:
                    continue
                if target in self.code_guids:
                    entry = RefiCoding(target, user)
                    if entry not in codings:
                        codings.append(entry)
                elif target in self.case_guids:
                    cases.add(target)
                else:
                    raise RefiError(
                        "unknown_code",
                        _(
                            "The source “%(source)s” has a coding with a code that is not "
                            "in the project's codebook (%(guid)s). The file is incomplete; "
                            "export the project again."
                        ),
                        source=source_name,
                        guid=target,
                    )
            self._note_refs(coding, target)
        return codings, cases

    def _note_refs(self, element: etree._Element, target: str) -> None:
        for ref in _elements(element, "NoteRef"):
            note = self.guids(ref.get("targetGUID"))
            if note:
                self.note_refs.append((note, target))

    def _text_source(self, element: etree._Element) -> _SourceAnalysis | None:
        guid = self.guids(element.get("guid")) or canonical_guid(
            f"regie-source:{element.get('name') or element.get('plainTextPath') or ''}"
        )
        path = (element.get("plainTextPath") or "").replace("\\", "/")
        name = element.get("name") or posixpath.basename(path) or guid
        raw = self._source_text(element, name)
        if raw is None:
            return None
        source_user = self.guids(element.get("creatingUser"))
        selections: list[_RawSelection] = []
        case_refs: set[str] = set()
        for selection in _elements(element, "PlainTextSelection"):
            raw_selection, cases = self._selection(selection, guid, name, selections)
            selections.append(raw_selection)
            case_refs |= cases
        whole, cases = self._codings(element, guid, source_user, name)
        case_refs |= cases
        self._note_refs(element, guid)
        warnings = self._case_codings(case_refs, guid, name)
        source = RefiTextSource(
            guid=guid,
            name=name,
            text="",
            path=element.get("plainTextPath") or "",
            creating_user=source_user,
            creation_datetime=_datetime(element.get("creationDateTime")),
            description=_description(element),
            variables=self._values(element, name),
            warnings=warnings,
        )
        text_map = _TextMap(raw)
        source.text = text_map.norm
        analysis = _SourceAnalysis(
            source=source,
            text_map=text_map,
            selections=selections,
            readings=_readings(text_map, selections),
            whole_source_codings=whole,
            whole_source_guid=next(
                (
                    self.guids(coding.get("guid"))
                    for coding in _elements(element, "Coding")
                    if coding.get("guid")
                ),
                None,
            ),
        )
        if not analysis.readings:
            self._outside(name, text_map, selections)
        return analysis

    def _selection(
        self,
        selection: etree._Element,
        source_guid: str,
        name: str,
        before: list[_RawSelection],
    ) -> tuple[_RawSelection, set[str]]:
        """One coded passage of a source, and the cases it is coded with."""
        sel_guid = self.guids(selection.get("guid")) or canonical_guid(
            f"regie-selection:{source_guid}:{len(before)}"
        )
        try:
            start = int((selection.get("startPosition") or "").strip())
            end = int((selection.get("endPosition") or "").strip())
        except ValueError:
            raise RefiError(
                "bad_selection",
                _(
                    "The source “%(source)s” has a coded passage without valid "
                    "start and end positions. The file is damaged; export the "
                    "project again."
                ),
                source=name,
            ) from None
        user = self.guids(selection.get("creatingUser")) or self.guids(
            selection.get("modifyingUser")
        )
        codings, cases = self._codings(selection, sel_guid, user, name)
        self._note_refs(selection, sel_guid)
        description = _description(selection)
        hints = [hint for hint in (selection.get("name") or "", description) if hint]
        return _RawSelection(sel_guid, start, end, codings, description, hints), cases

    def _case_codings(
        self, case_refs: set[str], guid: str, name: str
    ) -> list[RefiWarning]:
        """A source coded with cases belongs to those cases, as a whole."""
        if not case_refs:
            return []
        for case_guid in case_refs:
            self.case_guids[case_guid].source_guids.append(guid)
        return [
            RefiWarning(
                "case_codings",
                _(
                    "In “%(source)s”, passages coded with a case were imported as "
                    "the whole source belonging to that case."
                ),
                {"source": name},
            )
        ]

    def _outside(
        self, name: str, text_map: _TextMap, selections: list[_RawSelection]
    ) -> None:
        units = _Units(text_map)
        length = len(text_map.norm)
        for selection in selections:
            span = (selection.start, selection.end)
            if units.convert(OffsetUnit.CODEPOINTS, [span]) is None:
                break
        else:  # pragma: no cover - every unit failed, so the standard one did too
            selection = selections[0]
        raise RefiError(
            "selection_outside_source",
            _(
                "The source “%(source)s” has a coded passage at positions "
                "%(start)s–%(end)s, outside its text of %(length)s characters. The "
                "file is damaged or its text does not belong to it; export the "
                "project again."
            ),
            source=name,
            start=selection.start,
            end=selection.end,
            length=length,
        )

    def _finish(self, analysis: _SourceAnalysis) -> RefiTextSource:
        source = analysis.source
        chosen = analysis.chosen
        assert chosen is not None
        source.offset_unit = analysis.unit or chosen.units[0]
        if not analysis.decisive and chosen.score <= _best_other(analysis):
            source.warnings.append(self._offsets_assumed(source))
        empty, mismatched = self._place_selections(analysis, chosen)
        if mismatched:
            source.warnings.append(self._passages_differ(source, mismatched))
        if empty:
            source.warnings.append(
                RefiWarning(
                    "empty_passages",
                    _(
                        "In “%(source)s”, empty coded passages were left out "
                        "(%(count)s)."
                    ),
                    {"source": source.name, "count": empty},
                )
            )
        if analysis.whole_source_codings and source.text:
            _add_whole_source(analysis)
        return source

    def _offsets_assumed(self, source: RefiTextSource) -> RefiWarning:
        return RefiWarning(
            "offsets_assumed",
            _(
                "The positions of the coded passages in “%(source)s” could be "
                "read in more than one way; Regie assumed %(unit)s. Check a few "
                "passages against %(origin)s."
            ),
            {
                "source": source.name,
                "unit": OFFSET_UNIT_LABELS[source.offset_unit],
                "origin": self.origin or _("the other program"),
            },
        )

    def _passages_differ(self, source: RefiTextSource, count: int) -> RefiWarning:
        return RefiWarning(
            "passages_differ",
            _(
                "In “%(source)s”, some coded passages (%(count)s) do not show "
                "the quotation %(origin)s stored with them; check them."
            ),
            {
                "source": source.name,
                "count": count,
                "origin": self.origin or _("the other program"),
            },
        )

    @staticmethod
    def _place_selections(analysis: _SourceAnalysis, chosen) -> tuple[int, int]:
        """Add the selections at the chosen spans; (empty ones left out, ones
        whose stored quotation is found elsewhere in the text)."""
        source = analysis.source
        norm = source.text
        empty = 0
        mismatched = 0
        squashed = _squash(norm) if any(s.hints for s in analysis.selections) else ""
        for selection, (start, end) in zip(
            analysis.selections, chosen.spans, strict=True
        ):
            if start == end:
                empty += 1
                continue
            passage = norm[start:end]
            if not any(_hint_score(h, passage) for h in selection.hints) and any(
                _quoted_elsewhere(h, squashed) for h in selection.hints
            ):
                mismatched += 1
            source.selections.append(
                RefiSelection(
                    guid=selection.guid,
                    start=start,
                    end=end,
                    codings=selection.codings,
                    description=selection.description,
                    notes=[],  # filled from the NoteRefs by _attach_notes
                )
            )
        return empty, mismatched


def _add_whole_source(analysis: _SourceAnalysis) -> None:
    """Codings of the source as a whole become one passage over all its text."""
    source = analysis.source
    source.selections.append(
        RefiSelection(
            guid=analysis.whole_source_guid
            or canonical_guid(f"regie-whole-source:{source.guid}"),
            start=0,
            end=len(source.text),
            codings=analysis.whole_source_codings,
        )
    )
    source.warnings.append(
        RefiWarning(
            "whole_source_coding",
            _(
                "“%(source)s” was coded as a whole; that coding was imported as "
                "one passage covering the whole text."
            ),
            {"source": source.name},
        )
    )


def _check_root(root: etree._Element, filename: str) -> None:
    if _local(root) != "Project":
        raise RefiError(
            "wrong_root",
            _(
                "The file %(file)s is not a REFI-QDA project: its root element is "
                "<%(found)s>, expected <Project>."
            ),
            file=filename,
            found=_local(root),
        )


def read_qde(
    xml: bytes,
    files: Mapping[str, bytes] | None = None,
    *,
    filename: str = "project.qde",
    base: str = "",
    limits: UploadLimits | None = None,
) -> RefiProject:
    """Read a ``.qde`` project document; ``files`` maps archive paths to bytes.

    ``base`` is the folder of the ``.qde`` inside the archive (paths are tried
    relative to it first).  Text that is inline (``<PlainTextContent>``) needs
    no files.  ``limits`` bound the XML (default: from settings).
    """
    root = _parse_xml(xml, filename, limits)
    _check_root(root, filename)
    return _ProjectReader(root, _Files(files or {}, base), filename).read()


def _qde_member(infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    candidates = [
        info
        for info in infos
        if not info.is_dir()
        and info.filename.lower().endswith(".qde")
        and "__macosx/" not in info.filename.lower()
        and not posixpath.basename(info.filename).startswith("._")
    ]
    if not candidates:
        raise RefiError(
            "no_qde",
            _(
                "The ZIP archive contains no project document (.qde), so it is not a "
                "REFI-QDA project. Export the project from your QDA program as "
                "“REFI-QDA project (.qdpx)”."
            ),
        )

    def rank(info: zipfile.ZipInfo) -> tuple[int, int, str]:
        name = info.filename.replace("\\", "/")
        return (
            posixpath.basename(name).lower() != "project.qde",
            name.count("/"),
            name,
        )

    return min(candidates, key=rank)


def read_qdpx(
    data: bytes,
    *,
    max_members: int = DEFAULT_MAX_MEMBERS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    limits: UploadLimits | None = None,
) -> RefiProject:
    """Read a ``.qdpx`` project archive (any single ``.qde`` inside).

    Refuses archives with more than ``max_members`` members or that would
    unpack to more than ``max_uncompressed_bytes`` (sizes as declared in the
    archive, which ``zipfile`` enforces while reading).  Only the ``.qde`` and
    the text files it refers to are decompressed, each within ``limits``
    (default: from settings): the ``.qde`` is scanned while it is unpacked and
    refused before a tree is built when it holds too much.
    """
    limits = limits or UploadLimits.from_settings()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _damaged() from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise RefiError(
                "too_many_members",
                _(
                    "The project file contains %(count)s files, more than the %(limit)s "
                    "Regie accepts. Export the project without media files, or split it."
                ),
                count=len(infos),
                limit=max_members,
            )
        total = sum(info.file_size for info in infos)
        if total > max_uncompressed_bytes:
            raise RefiError(
                "too_large",
                _(
                    "The project file would unpack to %(size)s, more than the %(limit)s "
                    "Regie accepts. Export the project without media files."
                ),
                size=format_size(total),
                limit=format_size(max_uncompressed_bytes),
            )
        qde = _qde_member(infos)
        path = qde.filename.replace("\\", "/")
        _scan_member(archive, qde.filename, limits)
        xml = _read_member(archive, qde.filename, limits)
        names = [info.filename for info in infos if not info.is_dir()]
        filename = posixpath.basename(path)
        root = _parse_xml(xml, filename, limits, scanned=True)
        del xml
        _check_root(root, filename)
        files = _Files(_ZipFiles(archive, names, limits), posixpath.dirname(path))
        return _ProjectReader(root, files, filename).read()
