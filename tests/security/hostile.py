"""Hostile uploads, generated in memory (nothing large is committed).

Each builder writes its big member in chunks straight into the ZIP, so building a
file costs little more memory than the (small) file itself. ``bench/hostile_uploads.py``
uses the same builders.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache

MB = 1024 * 1024
_CHUNK = 1 * MB

QDE_OPEN = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<Project xmlns="urn:QDA-XML:project:1.0" name="Vijandig">'
)
QDE_CLOSE = b"</Project>"
QDC_OPEN = b'<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
QDC_CLOSE = b"</Codes></CodeBook>"
W = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_OPEN = b'<?xml version="1.0"?>\n<w:document xmlns:w="' + W + b'"><w:body>'
DOCX_CLOSE = b"</w:body></w:document>"
ODT_OPEN = (
    b'<?xml version="1.0"?>\n<office:document-content '
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    b"<office:body><office:text>"
)
ODT_CLOSE = b"</office:text></office:body></office:document-content>"

CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)


def repeated(unit: bytes, size: int):
    """``unit`` repeated to about ``size`` bytes, in 1 MB chunks."""
    chunk = unit * max(1, _CHUNK // len(unit))
    written = 0
    while written < size:
        yield chunk
        written += len(chunk)


def _zip(members: list[tuple[str, object]]) -> bytes:
    """A ZIP; a member's content is bytes or an iterable of byte chunks."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, content in members:
            if isinstance(content, bytes):
                zf.writestr(name, content)
                continue
            with zf.open(name, "w", force_zip64=True) as member:
                for chunk in content:
                    member.write(chunk)
    return output.getvalue()


def _wrapped(opening: bytes, middle, closing: bytes):
    yield opening
    yield from middle
    yield closing


# -- the XML bodies ---------------------------------------------------------


def deep(levels: int = 100_000) -> list[bytes]:
    return [b"<a>" * levels, b"</a>" * levels]


def billion_laughs(root: bytes, attributes: bytes = b"") -> bytes:
    """Ten levels of ten entity references: 10^10 'lol's if ever expanded."""
    entities = [b'<!ENTITY l0 "lol">']
    for level in range(1, 10):
        refs = f"&l{level - 1};".encode() * 10
        entities.append(f"<!ENTITY l{level} ".encode() + b'"' + refs + b'">')
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE '
        + root
        + b" ["
        + b"".join(entities)
        + b"]>\n<"
        + root
        + attributes
        + b' name="&l9;">&l9;</'
        + root
        + b">"
    )


# -- .qdpx / .qde ----------------------------------------------------------


@cache
def qdpx_elements(size: int = 100 * MB) -> bytes:
    """The issue's file: ~102 KB whose project.qde holds ``size`` bytes of <x/>."""
    return _zip(
        [("project.qde", _wrapped(QDE_OPEN, repeated(b"<x/>", size), QDE_CLOSE))]
    )


@cache
def qdpx_deep(levels: int = 100_000) -> bytes:
    return _zip([("project.qde", QDE_OPEN + b"".join(deep(levels)) + QDE_CLOSE)])


@cache
def qdpx_laughs() -> bytes:
    return _zip([("project.qde", billion_laughs(b"Project"))])


@cache
def qdpx_huge_text(size: int = 20 * MB) -> bytes:
    """A <Description> text node of ``size`` characters."""
    body = _wrapped(
        QDE_OPEN + b"<Description>",
        repeated(b"y", size),
        b"</Description>" + QDE_CLOSE,
    )
    return _zip([("project.qde", body)])


@cache
def qdpx_bomb_source(size: int = 150 * MB) -> bytes:
    """A valid little project whose one text source unpacks to ``size`` bytes."""
    qde = (
        QDE_OPEN + b'<Sources><TextSource guid="a1b2c3d4-0000-4000-8000-000000000001" '
        b'name="bom" plainTextPath="internal://bom.txt"/></Sources>' + QDE_CLOSE
    )
    return _zip([("project.qde", qde), ("sources/bom.txt", repeated(b"a", size))])


# -- .docx / .odt / .zip -----------------------------------------------------


def _docx(document) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/document.xml", document),
        ]
    )


@cache
def docx_paragraphs(size: int = 60 * MB) -> bytes:
    """The issue's file: ~92 KB with ``size`` bytes of empty <w:p/>."""
    return _docx(_wrapped(DOCX_OPEN, repeated(b"<w:p/>", size), DOCX_CLOSE))


@cache
def docx_deep(levels: int = 100_000) -> bytes:
    return _docx(DOCX_OPEN + b"".join(deep(levels)) + DOCX_CLOSE)


@cache
def docx_laughs() -> bytes:
    return _docx(billion_laughs(b"w:document", b' xmlns:w="' + W + b'"'))


@cache
def docx_huge_text(size: int = 20 * MB) -> bytes:
    return _docx(
        _wrapped(
            DOCX_OPEN + b"<w:p><w:r><w:t>",
            repeated(b"y", size),
            b"</w:t></w:r></w:p>" + DOCX_CLOSE,
        )
    )


@cache
def odt_elements(size: int = 60 * MB) -> bytes:
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            (
                "content.xml",
                _wrapped(ODT_OPEN, repeated(b"<text:p/>", size), ODT_CLOSE),
            ),
        ]
    )


@cache
def zip_bomb(size: int = 150 * MB) -> bytes:
    """A .zip of transcripts whose one member unpacks to ``size`` bytes."""
    return _zip([("interview.txt", repeated(b"a", size))])


# -- .qdc --------------------------------------------------------------------


@cache
def qdc_elements(size: int = 1 * MB) -> bytes:
    return b"".join(_wrapped(QDC_OPEN, repeated(b"<x/>", size), QDC_CLOSE))


@cache
def qdc_deep(levels: int = 100_000) -> bytes:
    return QDC_OPEN + b"".join(deep(levels)) + QDC_CLOSE


@cache
def qdc_laughs() -> bytes:
    return billion_laughs(b"CodeBook")


@cache
def qdc_huge_text(size: int = 1 * MB) -> bytes:
    return b"".join(
        _wrapped(
            QDC_OPEN + b'<Code guid="a1b2c3d4-0000-4000-8000-000000000001" name="c">'
            b"<Description>",
            repeated(b"y", size),
            b"</Description></Code>" + QDC_CLOSE,
        )
    )
