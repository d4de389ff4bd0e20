"""Bounded reading of uploaded archives and XML: nothing an upload holds may cost
more memory or time than the limits below allow.

Every XML document Regie reads from an upload (a REFI-QDA ``.qde`` or ``.qdc``, the
body of a ``.docx`` or ``.odt``) is first *scanned* with ``lxml.etree.iterparse``,
elements cleared as soon as they end, so the scan holds one element at a time
whatever the file's size. The scan refuses a document with more elements, deeper
nesting or longer text than :class:`UploadLimits` allows, and any document that
declares XML entities (billion laughs); the parser never expands entities, reads
a DTD or the network, and keeps libxml2's own limits (``huge_tree`` off). Only a
document that passed the scan is parsed into a tree, so the tree too is bounded
(by the element limit).

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


class _Scan:
    """Counts while iterparse runs; raises at the first limit crossed."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.elements = 0
        self.depth = 0

    def start(self, element: etree._Element) -> None:
        self.elements += 1
        self.depth += 1
        if self.elements == 1:
            dtd = element.getroottree().docinfo.internalDTD
            if dtd is not None and any(True for _entity in dtd.iterentities()):
                raise _entities()
        if self.elements > self.limits.max_elements:
            raise _too_many(self.limits)
        if self.depth > self.limits.max_depth:
            raise _too_deep(self.limits)
        if sum(map(len, element.attrib.values())) > self.limits.max_text_chars:
            raise _too_long(self.limits)

    def end(self, element: etree._Element) -> None:
        self.depth -= 1
        cap = self.limits.max_text_chars
        if len(element.text or "") > cap:
            raise _too_long(self.limits)
        # Finished siblings go; their tails are complete by now.
        for child in element:
            if len(child.tail or "") > cap:
                raise _too_long(self.limits)
        element.clear(keep_tail=True)
        previous = element.getprevious()
        while previous is not None:
            if len(previous.tail or "") > cap:
                raise _too_long(self.limits)
            parent = previous.getparent()
            parent.remove(previous)
            previous = element.getprevious()


def scan_xml(source: bytes | IO[bytes], limits: UploadLimits) -> None:
    """Refuse (``UploadRefused``) XML beyond ``limits``, holding one element at a time.

    A document that is merely malformed passes: the caller's own parse reports it
    with its own message (everything before the error was within the limits).
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    scan = _Scan(limits)
    try:
        for event, element in etree.iterparse(
            stream, events=("start", "end"), **_PARSER_OPTIONS
        ):
            if event == "start":
                scan.start(element)
            else:
                scan.end(element)
    except etree.XMLSyntaxError as error:
        refusal = _libxml_limit(error, limits)
        if refusal is not None:
            raise refusal from error


def parse_xml(data: bytes, limits: UploadLimits, **options: bool) -> etree._Element:
    """Scan ``data`` (see :func:`scan_xml`), then parse it safely into a tree.

    ``options`` are extra ``XMLParser`` flags (``remove_blank_text``); the safety
    flags cannot be overridden. Malformed XML raises ``etree.XMLSyntaxError``.
    """
    scan_xml(data, limits)
    parser = etree.XMLParser(**{**options, **_PARSER_OPTIONS})
    return etree.fromstring(data, parser=parser)
