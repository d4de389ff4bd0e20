"""Bounded reading of uploaded archives and XML: nothing an upload holds may cost
more memory or time than the limits below allow.

Every XML document Regie reads from an upload (a REFI-QDA ``.qde`` or ``.qdc``, the
body of a ``.docx`` or ``.odt``) is first *scanned* by libxml2 with a parser target
(SAX-style: start tag, end tag, text; no tree is built), so the scan holds one
start tag or one text run at a time whatever the file's size, and stops reading
at the first limit crossed. It refuses a document with more elements, deeper
nesting or longer text than :class:`UploadLimits` allows, and any document that
declares XML entities (billion laughs); the parser never expands entities, reads
a DTD or the network, and keeps libxml2's own limits (``huge_tree`` off). Only a
document that passed the scan is parsed into a tree, so the tree too is bounded
by the element limit (about 400 MB for a million elements with an attribute each;
lower ``REGIE_UPLOAD_MAX_XML_ELEMENTS`` on small workers).

Members of an archive (``.qdpx``, ``.docx``, ``.odt``, ``.zip``) are decompressed
through :class:`BoundedMember`, which refuses a member that unpacks to more than an
absolute limit or to more than ``max_member_ratio`` times its packed size (a zip
bomb), judged on the sizes the archive declares *and* on what really comes out.

A refusal is an :class:`UploadRefused` whose ``reason`` is a sentence a researcher
can read (lower case, ending with a full stop); callers wrap it in their own error
(``ImportFileError``, ``RefiError``), so the upload answers 4xx and writes nothing.

The limits come from settings (``REGIE_UPLOAD_*``, read from the environment; see
the README's configuration table) through :meth:`UploadLimits.from_settings`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from lxml import etree

__all__ = [
    "RATIO_FLOOR_BYTES",
    "BoundedMember",
    "UploadLimits",
    "UploadRefused",
    "ZIP_ERRORS",
    "parse_xml",
    "read_member",
    "scan_xml",
]

MB = 1024 * 1024
RATIO_FLOOR_BYTES = MB
"""A member that unpacks to at most this is never refused for its ratio."""
_CHUNK = 64 * 1024


def _size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", MB), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """What one uploaded XML document or archive member may hold."""

    max_elements: int = 1_000_000
    max_depth: int = 100
    max_text_chars: int = 5 * MB
    max_member_bytes: int = 100 * MB
    max_member_ratio: int = 100

    @classmethod
    def from_settings(cls) -> UploadLimits:
        """The limits configured in settings (defaults above when not set)."""
        from django.conf import settings

        default = cls()
        return cls(
            max_elements=getattr(
                settings, "REGIE_UPLOAD_MAX_XML_ELEMENTS", default.max_elements
            ),
            max_depth=getattr(
                settings, "REGIE_UPLOAD_MAX_XML_DEPTH", default.max_depth
            ),
            max_text_chars=getattr(
                settings, "REGIE_UPLOAD_MAX_XML_TEXT", default.max_text_chars
            ),
            max_member_bytes=getattr(
                settings, "REGIE_UPLOAD_MAX_MEMBER_BYTES", default.max_member_bytes
            ),
            max_member_ratio=getattr(
                settings, "REGIE_UPLOAD_MAX_MEMBER_RATIO", default.max_member_ratio
            ),
        )

    def member_allowance(self, packed: int) -> int:
        """How many bytes a member packed into ``packed`` bytes may unpack to."""
        by_ratio = max(self.max_member_ratio * packed, RATIO_FLOOR_BYTES)
        return min(self.max_member_bytes, by_ratio)


class UploadRefused(ValueError):
    """An upload exceeds a limit; ``reason`` says which, for the researcher."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(kind, reason)
        self.kind = kind
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)


# --------------------------------------------------------------------------
# Archive members
# --------------------------------------------------------------------------


def _member_refusal(info: zipfile.ZipInfo, limits: UploadLimits) -> UploadRefused:
    allowance = limits.member_allowance(info.compress_size)
    if allowance >= limits.max_member_bytes:
        return UploadRefused(
            "member_too_large",
            _(
                "“%(member)s” inside the file unpacks to more than %(limit)s; it was "
                "refused to protect the server."
            )
            % {"member": info.filename, "limit": _size(limits.max_member_bytes)},
        )
    return UploadRefused(
        "member_ratio",
        _(
            "“%(member)s” inside the file unpacks to more than %(ratio)s times its "
            "packed size, as only a zip bomb does; it was refused to protect the "
            "server."
        )
        % {"member": info.filename, "ratio": limits.max_member_ratio},
    )


class BoundedMember(io.RawIOBase):
    """A readable archive member that refuses to unpack beyond its allowance.

    The declared size is checked on opening, the bytes really unpacked while
    reading; either one over the allowance raises :class:`UploadRefused`.
    """

    def __init__(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: UploadLimits
    ) -> None:
        super().__init__()
        self.info = info
        self.limits = limits
        self.allowance = limits.member_allowance(info.compress_size)
        if info.file_size > self.allowance:
            raise _member_refusal(info, limits)
        self.raw = archive.open(info)
        self.unpacked = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.allowance + 1 - self.unpacked
        chunk = self.raw.read(min(size, self.allowance + 1 - self.unpacked))
        self.unpacked += len(chunk)
        if self.unpacked > self.allowance:
            raise _member_refusal(self.info, self.limits)
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if hasattr(self, "raw"):
            self.raw.close()
        super().close()


ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    KeyError,
)
"""What a damaged archive raises while a member is opened or read."""


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo | str, limits: UploadLimits
) -> bytes:
    """The bytes of one member, within its allowance (``UploadRefused`` if not).

    A damaged archive raises one of :data:`ZIP_ERRORS` as ``zipfile`` does.
    """
    if isinstance(info, str):
        info = archive.getinfo(info)
    buffer = bytearray()
    with BoundedMember(archive, info, limits) as member:
        while chunk := member.read(_CHUNK):
            buffer += chunk
    return bytes(buffer)


# --------------------------------------------------------------------------
# XML
# --------------------------------------------------------------------------

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def _too_many(limits: UploadLimits) -> UploadRefused:
    return UploadRefused(
        "xml_elements",
        _(
            "the file contains more than %(limit)s XML elements; it was refused to "
            "protect the server."
        )
        % {"limit": number_format(limits.max_elements, force_grouping=True)},
    )


def _too_deep(limits: UploadLimits) -> UploadRefused:
    return UploadRefused(
        "xml_depth",
        _(
            "the file's XML is nested more than %(limit)s levels deep; it was "
            "refused to protect the server."
        )
        % {"limit": limits.max_depth},
    )


def _too_long(limits: UploadLimits) -> UploadRefused:
    return UploadRefused(
        "xml_text",
        _(
            "the file contains a text or attribute longer than %(limit)s characters; "
            "it was refused to protect the server."
        )
        % {"limit": number_format(limits.max_text_chars, force_grouping=True)},
    )


def _entities() -> UploadRefused:
    return UploadRefused(
        "xml_entities",
        _(
            "the file declares XML entities, which documents of this kind never do; "
            "it was refused for safety."
        ),
    )


def _libxml_limit(error: etree.XMLSyntaxError, limits: UploadLimits):
    """libxml2's own limit errors, as the refusal they amount to (else None)."""
    message = (error.msg or "").lower()
    if "entity" in message and ("amplification" in message or "loop" in message):
        return _entities()
    if "depth" in message:
        return _too_deep(limits)
    if "resource limit" in message or "huge" in message or "too long" in message:
        return _too_long(limits)
    return None


_ENTITY_DECLARATIONS = tuple(
    "<!ENTITY".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


class _Scan:
    """A parser target that counts and stops at the first limit crossed.

    lxml calls it for every start tag, end tag and piece of text; no tree is
    built. An exception raised here would only surface once libxml2 had read
    the whole input, so the first refusal is kept and the input is cut off
    instead (:meth:`read` answers end-of-file), then raised.
    """

    def __init__(self, stream: IO[bytes], limits: UploadLimits) -> None:
        self.stream = stream
        self.limits = limits
        self.elements = 0
        self.depth = 0
        self.text = 0
        self.prolog = bytearray()
        self.refusal: UploadRefused | None = None

    # -- the input ---------------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        if self.refusal is not None:
            return b""
        chunk = self.stream.read(size)
        if not self.elements:
            self.prolog += chunk
            # Comments and a DTD before the root: never more than a text may be.
            if len(self.prolog) > max(self.limits.max_text_chars, MB):
                self.refusal = _too_long(self.limits)
                return b""
        return chunk

    # -- the parser target --------------------------------------------------

    def refuse(self, refusal: UploadRefused) -> None:
        if self.refusal is None:
            self.refusal = refusal

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.refusal is not None:
            return
        if not self.elements:
            # Everything before the root element has been read by now.
            if any(mark in self.prolog for mark in _ENTITY_DECLARATIONS):
                self.refuse(_entities())
            self.prolog = bytearray()
        self.elements += 1
        self.depth += 1
        self.text = 0
        if self.elements > self.limits.max_elements:
            self.refuse(_too_many(self.limits))
        elif self.depth > self.limits.max_depth:
            self.refuse(_too_deep(self.limits))
        elif sum(map(len, attrib.values())) > self.limits.max_text_chars:
            self.refuse(_too_long(self.limits))

    def end(self, tag: str) -> None:
        self.depth -= 1
        self.text = 0

    def data(self, text: str) -> None:
        self.text += len(text)
        if self.text > self.limits.max_text_chars:
            self.refuse(_too_long(self.limits))

    def close(self) -> None:
        return None


class _Reader(io.RawIOBase):
    """The scan's input as a file for lxml (which reads through it)."""

    def __init__(self, scan: _Scan) -> None:
        super().__init__()
        self.scan = scan

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.scan.read(size)


def scan_xml(source: bytes | IO[bytes], limits: UploadLimits) -> None:
    """Refuse (``UploadRefused``) XML beyond ``limits``, building no tree.

    Counts elements, nesting and the length of every text run and of every
    element's attributes while libxml2 reads the input; refuses any document
    that declares entities. A document that is merely malformed passes: the
    caller's own parse reports it with its own message (everything before the
    error was within the limits).
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    scan = _Scan(stream, limits)
    parser = etree.XMLParser(target=scan, **_PARSER_OPTIONS)
    try:
        etree.parse(_Reader(scan), parser)
    except etree.XMLSyntaxError as error:
        if scan.refusal is None:
            scan.refusal = _libxml_limit(error, limits)
    if scan.refusal is not None:
        raise scan.refusal


def parse_xml(
    data: bytes, limits: UploadLimits, *, scanned: bool = False, **options: bool
) -> etree._Element:
    """Scan ``data`` (see :func:`scan_xml`; not again when ``scanned``), then
    parse it safely into a tree.

    ``options`` are extra ``XMLParser`` flags (``remove_blank_text``); the safety
    flags cannot be overridden. Malformed XML raises ``etree.XMLSyntaxError``.
    """
    if not scanned:
        scan_xml(data, limits)
    parser = etree.XMLParser(**{**options, **_PARSER_OPTIONS})
    return etree.fromstring(data, parser=parser)
