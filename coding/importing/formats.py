"""Parsers for single transcript files, dispatched by file extension.

Each supported format is turned into normalised text plus speaker turns here
(:func:`parse_file`).  Everything that concerns *one* file belongs in this
module; unpacking archives and handling a whole upload lives in ``archive.py``.
"""

from __future__ import annotations

import hashlib
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import webvtt
from django.utils.translation import gettext_lazy as _
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import DependencyError
from striprtf.striprtf import rtf_to_text

from .normalise import ImportFileError, decode_text, normalise_text
from .safexml import (
    ZIP_ERRORS,
    BoundedMember,
    UploadLimits,
    UploadRefused,
    parse_xml,
    read_member,
    scan_xml,
)
from .turns import ParsedTurn, detect_turns, split_speaker_prefix

__all__ = [
    "ARCHIVE_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "UPLOAD_EXTENSIONS",
    "ParsedDocument",
    "extension_of",
    "format_size",
    "parse_file",
    "title_from_filename",
]

SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    ".txt",
    ".md",
    ".docx",
    ".odt",
    ".pdf",
    ".rtf",
    ".vtt",
    ".srt",
)
"""Extensions :func:`parse_file` turns into a document (lower case, with dot)."""

ARCHIVE_EXTENSIONS: tuple[str, ...] = (".zip",)
"""Extensions that ``archive.expand_upload`` unpacks into their member files."""

UPLOAD_EXTENSIONS: tuple[str, ...] = SUPPORTED_EXTENSIONS + ARCHIVE_EXTENSIONS
"""Everything an upload form may accept."""

# docx and odt are ZIP containers; refuse ones that unpack to absurd sizes.
MAX_CONTAINER_UNPACKED_BYTES = 256 * 1024 * 1024

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ParsedDocument:
    """The result of parsing one file: normalised text and its speaker turns.

    ``checksum`` is the SHA-256 of the original bytes, so re-uploads of the
    same file can be recognised; ``word_count`` counts ``\\w+`` tokens.
    """

    title: str
    text: str
    turns: list[ParsedTurn]
    format: str
    source_name: str
    checksum: str
    word_count: int


# --------------------------------------------------------------------------
# File names, sizes and shared errors
# --------------------------------------------------------------------------


def _base_name(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def extension_of(filename: str) -> str:
    """Lower-case extension with its dot (``"interview.DOCX"`` → ``".docx"``)."""
    base = _base_name(filename)
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def title_from_filename(filename: str) -> str:
    """The file name without its extension; directories in the name are kept."""
    extension = extension_of(filename)
    title = filename[: -len(extension)] if extension else filename
    return title.strip() or filename


def format_size(size: int) -> str:
    """Human-readable size for messages: ``"20 MB"``, ``"512 KB"``, ``"10 bytes"``."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{size} bytes"


def _supported_list() -> str:
    return ", ".join(UPLOAD_EXTENSIONS)


def _unsupported(filename: str) -> ImportFileError:
    extension = extension_of(filename)
    supported = _supported_list()
    if extension == ".doc":
        reason = _(
            "old Word .doc files cannot be imported; save the file as .docx and "
            "upload that (supported types: %(supported)s)."
        ) % {"supported": supported}
    elif extension:
        reason = _(
            "files of type %(extension)s cannot be imported; supported types are "
            "%(supported)s."
        ) % {"extension": extension, "supported": supported}
    else:
        reason = _(
            "the file name has no extension, so its type is unknown; supported "
            "types are %(supported)s."
        ) % {"supported": supported}
    return ImportFileError(filename, reason)


def _no_text(filename: str) -> ImportFileError:
    return ImportFileError(filename, _("the file contains no text."))


def _open_container(
    filename: str, data: bytes, invalid: ImportFileError
) -> zipfile.ZipFile:
    """Open a docx/odt as a ZIP, refusing old .doc files and zip bombs first."""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            filename,
            _(
                "this is an old-style (.doc) or password-protected document; open "
                "it in your word processor, remove any password and save it as "
                ".docx or .odt."
            ),
        )
    try:
        container = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in container.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise invalid from exc
    if unpacked > MAX_CONTAINER_UNPACKED_BYTES:
        container.close()
        raise ImportFileError(
            filename,
            _("the document is too large when unpacked (more than %(limit)s).")
            % {"limit": format_size(MAX_CONTAINER_UNPACKED_BYTES)},
        )
    return container


def _container_xml(
    filename: str,
    container: zipfile.ZipFile,
    member: str,
    invalid: ImportFileError,
    **options: bool,
) -> etree._Element:
    """One XML part of a docx/odt, unpacked and parsed within the upload limits."""
    limits = UploadLimits.from_settings()
    try:
        # Scanned while it is unpacked (never held whole), then read and parsed.
        with BoundedMember(container, container.getinfo(member), limits) as stream:
            scan_xml(stream, limits)
        data = read_member(container, member, limits)
        return parse_xml(data, limits, scanned=True, **options)
    except UploadRefused as refused:
        raise ImportFileError(filename, refused.reason) from refused
    except (*ZIP_ERRORS, ValueError, etree.XMLSyntaxError) as exc:
        raise invalid from exc


# --------------------------------------------------------------------------
# Plain text and Markdown
# --------------------------------------------------------------------------


def _extract_plain(filename: str, data: bytes) -> str:
    """Decode text as written; Markdown is not rendered (bold labels still count)."""
    return decode_text(data, filename)


# --------------------------------------------------------------------------
# Word (.docx)
# --------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DOCX_BLOCK_CONTAINERS = frozenset(
    _W + tag
    for tag in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "ins", "moveTo")
)
# Inline subtrees that are not visible text: deleted/moved-away revisions, field
# codes, properties, text boxes (anchored elsewhere) and the duplicate
# "fallback" rendering of drawing objects.
_DOCX_INLINE_SKIP = frozenset(
    {
        _W + "del",
        _W + "moveFrom",
        _W + "instrText",
        _W + "delText",
        _W + "delInstrText",
        _W + "pPr",
        _W + "rPr",
        _W + "txbxContent",
        _W + "commentReference",
        _W + "footnoteReference",
        _W + "endnoteReference",
        _W + "sym",
        _W + "sdtPr",
        _W + "sdtEndPr",
        _MC_FALLBACK,
    }
)


def _docx_inline(element: etree._Element, parts: list[str]) -> None:
    """Collect the visible text of a paragraph, in document order."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _DOCX_INLINE_SKIP:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif tag == _W + "softHyphen":
            continue
        else:
            _docx_inline(child, parts)


def _docx_blocks(element: etree._Element, lines: list[str]) -> None:
    """Paragraphs in body order; tables row by row, cell by cell, nested too."""
    for child in element:
        tag = child.tag
        if tag == _W + "p":
            parts: list[str] = []
            _docx_inline(child, parts)
            lines.append("".join(parts))
        elif tag in _DOCX_BLOCK_CONTAINERS:
            _docx_blocks(child, lines)


_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"


def _docx_main_part(
    filename: str, container: zipfile.ZipFile, invalid: ImportFileError
) -> str:
    """The member holding the document body, as ``_rels/.rels`` names it."""
    if "_rels/.rels" not in container.namelist():
        raise invalid
    relationships = _container_xml(filename, container, "_rels/.rels", invalid)
    for relationship in relationships.iter(_RELATIONSHIPS + "Relationship"):
        if (relationship.get("Type") or "").endswith(_OFFICE_DOCUMENT):
            target = (relationship.get("Target") or "").replace("\\", "/")
            return posixpath.normpath(target.lstrip("/"))
    raise invalid


def _extract_docx(filename: str, data: bytes) -> str:
    """Body paragraphs and table cells joined with ``\\n``; empty ones kept.

    The document part is read with lxml within the upload limits (``safexml``),
    not by python-docx, which would build every part of the package in memory.
    """
    invalid = ImportFileError(filename, _("the file is not a valid Word document."))
    with _open_container(filename, data, invalid) as container:
        main = _docx_main_part(filename, container, invalid)
        if main not in container.namelist():
            raise invalid
        root = _container_xml(
            filename, container, main, invalid, remove_blank_text=True
        )
    body = root.find(_W + "body")
    if root.tag != _W + "document" or body is None:
        raise invalid
    lines: list[str] = []
    _docx_blocks(body, lines)
    return "\n".join(lines)


# --------------------------------------------------------------------------
# OpenDocument text (.odt)
# --------------------------------------------------------------------------

_TEXTNS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICENS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DRAWNS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_ODT_PARAGRAPHS = frozenset({(_TEXTNS, "p"), (_TEXTNS, "h")})
# Not part of the running text: tracked deletions, footnotes, comments,
# frames (images, text boxes), bookmarks and declarations.
_ODT_SKIP = frozenset(
    {
        (_TEXTNS, "tracked-changes"),
        (_TEXTNS, "note"),
        (_TEXTNS, "sequence-decls"),
        (_TEXTNS, "variable-decls"),
        (_TEXTNS, "user-field-decls"),
        (_TEXTNS, "soft-page-break"),
        (_TEXTNS, "bookmark"),
        (_TEXTNS, "bookmark-start"),
        (_TEXTNS, "bookmark-end"),
        (_TEXTNS, "change"),
        (_TEXTNS, "change-start"),
        (_TEXTNS, "change-end"),
        (_OFFICENS, "annotation"),
        (_OFFICENS, "annotation-end"),
        (_OFFICENS, "forms"),
        (_DRAWNS, "frame"),
        (_DRAWNS, "a"),
    }
)
_ODF_WHITESPACE = re.compile(r"[ \t\r\n]+")


class _OdtParagraph:
    """Collects one paragraph's text with ODF white-space rules.

    In ODF, runs of white space in the XML collapse to one space and leading
    white space is dropped; real extra spaces are written as ``text:s``.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.after_space = True  # at paragraph start, leading spaces are dropped

    def add_xml_text(self, value: str) -> None:
        value = _ODF_WHITESPACE.sub(" ", value)
        if self.after_space:
            value = value.lstrip(" ")
        if value:
            self.parts.append(value)
            self.after_space = value.endswith(" ")

    def add_literal(self, value: str) -> None:
        self.parts.append(value)
        self.after_space = False

    def walk(self, element: etree._Element) -> None:
        if element.text:
            self.add_xml_text(element.text)
        for child in element:
            self.child(child)
            if child.tail:
                self.add_xml_text(child.tail)

    def child(self, child: etree._Element) -> None:
        qname = _odf_qname(child)
        if qname is None or qname in _ODT_SKIP:
            return
        if qname == (_TEXTNS, "s"):
            count = child.get(f"{{{_TEXTNS}}}c")
            self.add_literal(" " * (int(count) if count else 1))
        elif qname == (_TEXTNS, "tab"):
            self.add_literal("\t")
        elif qname == (_TEXTNS, "line-break"):
            self.add_literal("\n")
            self.after_space = True
        else:
            self.walk(child)


def _odf_qname(element: etree._Element) -> tuple[str, str] | None:
    """``(namespace, local name)`` of an element; None for comments and the like."""
    if not isinstance(element.tag, str):
        return None
    name = etree.QName(element)
    return (name.namespace or "", name.localname)


def _odt_blocks(element: etree._Element, lines: list[str]) -> None:
    """Paragraphs and headings in order, descending into lists, tables, sections."""
    for child in element:
        qname = _odf_qname(child)
        if qname is None or qname in _ODT_SKIP:
            continue
        if qname in _ODT_PARAGRAPHS:
            paragraph = _OdtParagraph()
            paragraph.walk(child)
            lines.append("".join(paragraph.parts))
        else:
            _odt_blocks(child, lines)


def _extract_odt(filename: str, data: bytes) -> str:
    """Text of ``text:p``/``text:h`` elements joined with ``\\n``.

    ``content.xml`` is read with lxml within the upload limits (``safexml``).
    """
    invalid = ImportFileError(
        filename, _("the file is not a valid OpenDocument text document.")
    )
    with _open_container(filename, data, invalid) as container:
        if "content.xml" not in container.namelist():
            raise invalid
        root = _container_xml(filename, container, "content.xml", invalid)
    text = root.find(f"{{{_OFFICENS}}}body/{{{_OFFICENS}}}text")
    if _odf_qname(root) != (_OFFICENS, "document-content") or text is None:
        raise invalid
    lines: list[str] = []
    try:
        _odt_blocks(text, lines)
    except ValueError as exc:  # text:s with a count that is no number
        raise invalid from exc
    return "\n".join(lines)


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def _extract_pdf(filename: str, data: bytes) -> str:
    """The text layer of every page; pages are separated by a blank line."""
    invalid = ImportFileError(filename, _("the file is not a valid PDF document."))
    encrypted = ImportFileError(
        filename,
        _(
            "this PDF is protected with a password; save an unprotected copy and "
            "import that."
        ),
    )
    if b"%PDF-" not in data[:1024]:
        raise invalid
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                # AES needs the optional 'cryptography' package, even when the
                # PDF only restricts copying and opens without a password.
                raise ImportFileError(
                    filename,
                    _(
                        "this PDF is encrypted in a way that cannot be read here; "
                        "save an unprotected copy (for example with 'print to "
                        "PDF') and import that."
                    ),
                ) from exc
            except Exception as exc:
                raise encrypted from exc
            if not opened:
                raise encrypted
        pages = [(page.extract_text() or "").strip("\n") for page in reader.pages]
    except ImportFileError:
        raise
    except Exception as exc:
        raise invalid from exc
    text = "\n\n".join(page for page in pages if page.strip())
    if not normalise_text(text):
        raise ImportFileError(
            filename,
            _(
                "this PDF has no text layer (a scan?) — run OCR first or import a "
                "text version."
            ),
        )
    return text


# --------------------------------------------------------------------------
# RTF
# --------------------------------------------------------------------------

_ANSICPG = re.compile(rb"\\ansicpg(\d+)")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(text: str) -> str:
    """Turn ``\\uN`` surrogate pairs (astral characters such as 👍) into one char."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _extract_rtf(filename: str, data: bytes) -> str:
    """Plain text via striprtf, honouring ``\\'xx`` code-page and ``\\uN`` escapes."""
    invalid = ImportFileError(filename, _("the file is not a valid RTF document."))
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body.startswith(b"{\\rtf"):
        raise invalid
    codepage = _ANSICPG.search(body[:4096])
    encoding = f"cp{int(codepage.group(1))}" if codepage else "cp1252"
    try:
        source = body.decode(encoding, errors="replace")
    except LookupError:
        encoding = "cp1252"
        source = body.decode(encoding, errors="replace")
    try:
        text = rtf_to_text(source, encoding=encoding, errors="replace")
    except Exception as exc:
        raise invalid from exc
    # Optional hyphens (\-) are invisible; keep everything else as striprtf
    # renders it (\~ is a no-break space, \_ a no-break hyphen).
    return _join_surrogates(text).replace("\xad", "")


# --------------------------------------------------------------------------
# Subtitles (.vtt, .srt)
# --------------------------------------------------------------------------


@dataclass
class _Cue:
    """Text of (part of) one subtitle cue with its speaker and times."""

    speaker: str
    text: str
    start_ms: int
    end_ms: int


_VOICE = re.compile(r"<v(?:\.[^\s>]+)*[ \t]+([^>]*)>")
_CUE_TAG = re.compile(r"<[^>]*>")
_SRT_TAG = re.compile(r"</?[A-Za-z][^>]*>|\{\\[^}]*\}")
_SRT_TIME = r"\d{1,3}:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?"
_SRT_TIMING = re.compile(rf"[ \t]*({_SRT_TIME})[ \t]*-->[ \t]*({_SRT_TIME})")


def _one_paragraph(value: str) -> str:
    """Subtitle line wraps are layout only: collapse all white space."""
    return " ".join(normalise_text(value).split())


def _with_speaker(speaker: str, text: str, start_ms: int, end_ms: int) -> _Cue:
    """Take the speaker from a leading ``Naam:`` when no voice tag gave one."""
    if not speaker:
        prefix = split_speaker_prefix(text)
        if prefix is not None:
            speaker, text = prefix
    return _Cue(_one_paragraph(speaker), _one_paragraph(text), start_ms, end_ms)


def _layout_cues(cues: Iterable[_Cue]) -> tuple[str, list[ParsedTurn]]:
    """Merge consecutive cues of one speaker and lay them out as paragraphs.

    Each turn becomes ``Speaker: text`` (or just ``text`` without speaker),
    turns are separated by a blank line, and the text has no timestamps.
    Cues without a speaker are never merged: each keeps its own times.
    """
    merged: list[_Cue] = []
    for cue in cues:
        if not cue.text:
            continue
        previous = merged[-1] if merged else None
        if previous is not None and cue.speaker and cue.speaker == previous.speaker:
            previous.text = f"{previous.text} {cue.text}"
            previous.end_ms = max(previous.end_ms, cue.end_ms)
        else:
            merged.append(_Cue(cue.speaker, cue.text, cue.start_ms, cue.end_ms))
    paragraphs: list[str] = []
    turns: list[ParsedTurn] = []
    offset = 0
    for cue in merged:
        paragraph = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
        turns.append(
            ParsedTurn(
                speaker=cue.speaker,
                start=offset,
                end=offset + len(paragraph),
                started_at_ms=cue.start_ms,
                ended_at_ms=cue.end_ms,
            )
        )
        paragraphs.append(paragraph)
        offset += len(paragraph) + 2
    return "\n\n".join(paragraphs), turns


def _vtt_cues(raw_text: str, start_ms: int, end_ms: int) -> list[_Cue]:
    """Split one WebVTT cue on ``<v Speaker>`` tags and strip the other tags."""
    cues: list[_Cue] = []
    speaker = ""
    lines: list[str] = []

    def flush() -> None:
        text = html.unescape(_CUE_TAG.sub("", " ".join(lines)))
        cues.append(_with_speaker(speaker, text, start_ms, end_ms))
        lines.clear()

    for line in raw_text.split("\n"):
        position = 0
        for voice in _VOICE.finditer(line):
            before = line[position : voice.start()]
            if before.strip():
                lines.append(before)
            if lines:
                flush()
            speaker = html.unescape(voice.group(1)).strip()
            position = voice.end()
        lines.append(line[position:])
    flush()
    return cues


def _parse_vtt(filename: str, data: bytes) -> tuple[str, list[ParsedTurn]]:
    """WebVTT via webvtt-py; ``<v Speaker>`` or ``Speaker:`` names the speaker."""
    source = normalise_text(decode_text(data, filename))
    try:
        captions = webvtt.from_string(source).captions
    except Exception as exc:
        raise ImportFileError(
            filename, _("the file is not a valid WebVTT subtitle file.")
        ) from exc
    cues: list[_Cue] = []
    for caption in captions:
        cues.extend(
            _vtt_cues(
                caption.raw_text,
                caption.start_time.in_milliseconds(),
                caption.end_time.in_milliseconds(),
            )
        )
    return _layout_cues(cues)


def _srt_ms(value: str) -> int:
    hours, minutes, rest = re.split(r":", value, maxsplit=2)
    seconds, _sep, fraction = rest.replace(",", ".").partition(".")
    millis = int(fraction.ljust(3, "0")[:3]) if fraction else 0
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def _parse_srt(filename: str, data: bytes) -> tuple[str, list[ParsedTurn]]:
    """SubRip, parsed with a small regex: index line, timing line, text lines.

    A block without a timing line continues the previous cue (some files have
    blank lines inside a cue); ``<i>``/``<font>`` and ``{\\an8}`` tags are
    removed and a leading ``Naam:`` names the speaker.
    """
    source = normalise_text(decode_text(data, filename))
    cues: list[tuple[int, int, list[str]]] = []
    for block in re.split(r"\n[ \t]*\n", source):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        # The timing line is the first line, or the second after an index.
        found = [
            (index, timing)
            for index, line in enumerate(lines[:2])
            if (timing := _SRT_TIMING.match(line)) is not None
        ]
        if not found:
            if cues:
                cues[-1][2].extend(lines)
            continue
        index, timing = found[0]
        start, end = _srt_ms(timing.group(1)), _srt_ms(timing.group(2))
        cues.append((start, end, lines[index + 1 :]))
    if not cues:
        raise ImportFileError(filename, _("the file is not a valid SRT subtitle file."))
    return _layout_cues(
        _with_speaker("", _SRT_TAG.sub("", " ".join(lines)), start, end)
        for start, end, lines in cues
    )


# --------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------

_TEXT_EXTRACTORS: dict[str, Callable[[str, bytes], str]] = {
    ".txt": _extract_plain,
    ".md": _extract_plain,
    ".docx": _extract_docx,
    ".odt": _extract_odt,
    ".pdf": _extract_pdf,
    ".rtf": _extract_rtf,
}
_SUBTITLE_PARSERS: dict[str, Callable[[str, bytes], tuple[str, list[ParsedTurn]]]] = {
    ".vtt": _parse_vtt,
    ".srt": _parse_srt,
}


def parse_file(
    filename: str, data: bytes, *, max_bytes: int | None = None
) -> ParsedDocument:
    """Parse one uploaded file into a :class:`ParsedDocument`.

    The format is chosen by the (case-insensitive) extension.  Raises
    :class:`ImportFileError` with a researcher-readable reason for unsupported
    types, empty or oversized files (``max_bytes``), damaged files, PDFs
    without a text layer and files that contain no text.
    """
    extension = extension_of(filename)
    if extension in ARCHIVE_EXTENSIONS:
        raise ImportFileError(
            filename,
            _(
                "a ZIP archive is unpacked when it is uploaded; it cannot be read "
                "as one document."
            ),
        )
    if extension not in SUPPORTED_EXTENSIONS:
        raise _unsupported(filename)
    if max_bytes is not None and len(data) > max_bytes:
        raise ImportFileError(
            filename,
            _("the file is larger than the maximum of %(limit)s.")
            % {"limit": format_size(max_bytes)},
        )
    if not data:
        raise ImportFileError(filename, _("the file is empty."))

    if extension in _SUBTITLE_PARSERS:
        text, turns = _SUBTITLE_PARSERS[extension](filename, data)
    else:
        text = normalise_text(_TEXT_EXTRACTORS[extension](filename, data))
        turns = detect_turns(text)
    if not text:
        raise _no_text(filename)
    return ParsedDocument(
        title=title_from_filename(filename),
        text=text,
        turns=turns,
        format=extension.lstrip("."),
        source_name=filename,
        checksum=hashlib.sha256(data).hexdigest(),
        word_count=len(_WORD.findall(text)),
    )
