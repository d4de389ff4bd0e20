"""Text normalisation, byte decoding and the per-file import error.

Everything that turns raw bytes or extracted text into the one canonical text
that Regie stores belongs here.  Coding offsets are Python code-point offsets
into the output of :func:`normalise_text`, so that function must stay
deterministic and idempotent: changing it changes the meaning of stored offsets.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes
from django.utils.translation import gettext_lazy as _

__all__ = ["ImportFileError", "decode_text", "normalise_text"]


class ImportFileError(ValueError):
    """One uploaded file could not be imported, with a reason a researcher can act on.

    ``reason`` is a (lazily) translatable sentence starting in lower case and
    ending with a full stop, so ``str(error)`` reads
    ``"interview3.docx: the file is not a valid Word document."``.
    """

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(filename, reason)
        self.filename = filename
        self.reason = reason

    def __str__(self) -> str:
        if not self.filename:
            return str(self.reason)
        return f"{self.filename}: {self.reason}"


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------

# C0 controls except TAB (\x09) and LF (\x0a), plus DEL.  CR is handled first.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# CRLF, lone CR, NEL and the Unicode line/paragraph separators all become LF.
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
_BOM = "\ufeff"


def normalise_text(text: str) -> str:
    """Return the canonical form of ``text`` that offsets are counted in.

    Steps, in this order (the order matters for idempotence):

    1. ``\\r\\n``, lone ``\\r``, U+0085, U+2028 and U+2029 become ``\\n``;
    2. C0 control characters other than ``\\t`` and ``\\n`` (and DEL) are removed;
    3. leading byte-order marks (U+FEFF) are removed;
    4. the text is put in Unicode NFC, so ``"e\\u0301"`` becomes ``"é"``;
    5. trailing whitespace at the very end of the document is removed.

    Tabs, leading whitespace and whitespace inside the text are kept, so the
    layout of the transcript survives.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL_CHARS.sub("", text)
    text = text.lstrip(_BOM)
    text = unicodedata.normalize("NFC", text)
    return text.rstrip()


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 LE one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Signatures of common binary formats that people rename to .txt by mistake.
_BINARY_SIGNATURES: tuple[bytes, ...] = (
    b"%PDF-",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE: .doc, .xls, encrypted .docx
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
)

# Single-byte encodings a Dutch researcher's text file may realistically be in,
# most likely first.  Latin-1 is left out on purpose: cp1252 decodes the same
# letters and turns 0x80-0x9f into ’ “ ” € … instead of invisible controls.
_SINGLE_BYTE_CANDIDATES: tuple[str, ...] = ("cp1252", "mac_roman", "cp850")
# cp1252 is by far the most common legacy encoding here, so it gets a head
# start; short texts are otherwise often ambiguous between the code pages.
_CP1252_PRIOR = 2

_COMMON_LOWER = frozenset("àáâäãåæçèéêëìíîïñòóôöõøœùúûüýÿß")
_COMMON_UPPER = frozenset("ÀÁÂÄÇÈÉÊËÌÍÎÏÑÒÓÔÖÙÚÛÜ")
_ALONE_OK = frozenset("éàè")  # "één" is written "é", "à la carte" …
_EDGE_UNLIKELY = frozenset("íìúùóòáýÿåøæãõœ")
_COMMON_PUNCT = frozenset("‘“”„«»…–—€°·§£©®±×÷¼½¾")

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_PLAUSIBILITY_SAMPLE = 5000
# charset-normalizer only breaks ties; a prefix is enough and keeps it fast.
_DETECTION_SAMPLE_BYTES = 512 * 1024

_MAX_CONTROL_RATIO = 0.05


def _undecodable(filename: str) -> ImportFileError:
    return ImportFileError(
        filename,
        _(
            "the text encoding could not be recognised; save the file as UTF-8 "
            "text and try again."
        ),
    )


def _binary(filename: str) -> ImportFileError:
    return ImportFileError(
        filename,
        _(
            "the file does not contain plain text (is it another kind of file "
            "with a text extension?)."
        ),
    )


def _looks_binary_text(text: str) -> bool:
    """Decoded text full of control characters is a binary file in disguise."""
    if not text:
        return False
    controls = len(_CONTROL_CHARS.findall(text.replace("\r", "").replace("\f", "")))
    return controls >= 2 and controls / len(text) > _MAX_CONTROL_RATIO


def _plausibility(text: str) -> int:
    """Score how much the non-ASCII characters look like Western European prose.

    Used to choose between single-byte code pages: a wrong code page turns
    "ideeën" into "ideeÎn" or "‘leuk’" into "ëleukí"; accented capitals inside
    words, quotes glued between letters and stray symbols cost points.  Only
    the first few thousand non-ASCII characters are looked at, which is plenty
    to tell code pages apart and keeps large files fast.
    """
    score = 0
    for count, match in enumerate(_NON_ASCII.finditer(text)):
        if count >= _PLAUSIBILITY_SAMPLE:
            break
        i = match.start()
        char = match.group()
        before = text[i - 1].isalpha() if i else False
        after = text[i + 1].isalpha() if i + 1 < len(text) else False
        if char in _COMMON_LOWER:
            if not before and not after:
                score += 1 if char in _ALONE_OK else -2
            elif (not before or not after) and char in _EDGE_UNLIKELY:
                score -= 1
            else:
                score += 2
        elif char in _COMMON_UPPER:
            score += -2 if before else 1
        elif char == "’":
            score += 1
        elif char in _COMMON_PUNCT:
            score += -2 if before and after else 1
        else:
            score -= 3
    return score


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise BOM-less UTF-16 by where the NUL bytes are, then by detection."""
    sample = data[:4096]
    half = len(sample) // 2
    if half == 0:
        return None
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    encodings: list[str] = []
    if zeros_odd > 0.3 * half and zeros_even < 0.05 * half:
        encodings.append("utf-16-le")
    elif zeros_even > 0.3 * half and zeros_odd < 0.05 * half:
        encodings.append("utf-16-be")
    else:
        best = from_bytes(
            data[:_DETECTION_SAMPLE_BYTES],
            cp_isolation=["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"],
        ).best()
        if best is not None:
            encodings.append(best.encoding.replace("_", "-"))
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _looks_binary_text(text):
            return text
    return None


def _single_byte(data: bytes) -> str | None:
    """Pick the most plausible legacy code page, preferring cp1252.

    charset-normalizer, restricted to the sensible code pages, only breaks ties:
    on short Dutch texts its unrestricted guess is often an exotic code page
    (cp775, mac_latin2 …), and even restricted it sometimes prefers cp850 for
    plain cp1252 text.
    """
    matches = from_bytes(
        data[:_DETECTION_SAMPLE_BYTES], cp_isolation=list(_SINGLE_BYTE_CANDIDATES)
    )
    detected = [match.encoding for match in matches]

    def tiebreak(encoding: str) -> int:
        if encoding == "cp1252":
            return 0
        if encoding in detected:
            return 1 + detected.index(encoding)
        return 1 + len(_SINGLE_BYTE_CANDIDATES)

    scored: list[tuple[int, int, str]] = []
    for encoding in _SINGLE_BYTE_CANDIDATES:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        prior = _CP1252_PRIOR if encoding == "cp1252" else 0
        scored.append((_plausibility(text) + prior, -tiebreak(encoding), text))
    if not scored:
        return None
    return max(scored)[2]


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read bytes that are not UTF-8 as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252", "replace"), error.end


_CP1252_FALLBACK = "regie.cp1252-fallback"
codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _mostly_utf8(data: bytes) -> str | None:
    """Repair UTF-8 text with a few stray Windows-1252 bytes (pasted fragments).

    Applies when the valid multi-byte UTF-8 characters are at least as many as
    the invalid bytes; genuine cp1252 text practically never contains valid
    UTF-8 sequences, so it falls through to the code-page detection.
    """
    lenient = data.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    multibyte = len(_NON_ASCII.findall(lenient)) - invalid
    if multibyte <= 0 or invalid > multibyte:
        return None
    return data.decode("utf-8", errors=_CP1252_FALLBACK)


def decode_text(data: bytes, filename: str = "") -> str:
    """Decode the bytes of a plain-text file to ``str`` (not yet normalised).

    Order of preference: a byte-order mark; BOM-less UTF-16 (recognised by its
    NUL bytes); strict UTF-8; mostly-UTF-8 with stray cp1252 bytes read as
    cp1252; the most plausible of cp1252, Mac Roman and cp850 (cp1252 wins
    unless the text clearly reads better otherwise, charset-normalizer breaks
    ties); finally cp1252 with replacement characters.  ``filename`` only
    labels the error.  Raises :class:`ImportFileError` when
    the bytes are clearly binary (NUL bytes, control characters, or the
    signature of a PDF, ZIP/Office, OLE or image file).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise _undecodable(filename) from exc
    if data.startswith(_BINARY_SIGNATURES):
        raise _binary(filename)
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise _binary(filename)
        return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = (
            _mostly_utf8(data)
            or _single_byte(data)
            or data.decode("cp1252", errors="replace")
        )
    if _looks_binary_text(text):
        raise _binary(filename)
    return text
