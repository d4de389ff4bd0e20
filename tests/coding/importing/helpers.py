"""Helpers of the import-layer tests: fixture files, readable turns, ZIP builders.

Fixture files live in ``tests/fixtures/import/`` and are (re)created by
``make_fixtures.py`` there.
"""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
import zipfile
from pathlib import Path
from types import ModuleType

from coding.importing import (
    ParsedDocument,
    ParsedTurn,
    parse_file,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
MB = 1024 * 1024


def fixture(name: str) -> bytes:
    """Bytes of one fixture file."""
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str) -> ParsedDocument:
    """Parse one fixture file under its own name."""
    return parse_file(name, fixture(name))


def spans(document: ParsedDocument) -> list[str]:
    """The text of every turn, for readable assertions."""
    return [document.text[turn.start : turn.end] for turn in document.turns]


def speakers(turns: list[ParsedTurn]) -> list[str]:
    """Speaker names in order."""
    return [turn.speaker for turn in turns]


def assert_turns_well_formed(text: str, turns: list[ParsedTurn]) -> None:
    """Turns are ordered, disjoint, inside the text and trimmed."""
    previous_end = 0
    for turn in turns:
        assert previous_end <= turn.start < turn.end <= len(text)
        body = text[turn.start : turn.end]
        assert body == body.strip()
        previous_end = turn.end


def load_fixture_generator() -> ModuleType:
    """Import ``make_fixtures.py`` by path (the fixtures folder is no package)."""
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", FIXTURES / "make_fixtures.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # keep __pycache__ out of the fixtures folder
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
    return module


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A small in-memory ZIP archive."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return output.getvalue()


def patch_zip_headers(data: bytes, *, flag: int = 0, size: int | None = None) -> bytes:
    """Set header bits / declared sizes in every local and central header.

    Used to fake a password-protected archive (flag bit 0) and an archive that
    lies about its uncompressed size (a zip bomb trick).
    """
    patched = bytearray(data)
    position = 0
    while (position := patched.find(b"PK\x03\x04", position)) >= 0:
        (flags,) = struct.unpack_from("<H", patched, position + 6)
        struct.pack_into("<H", patched, position + 6, flags | flag)
        if size is not None:
            struct.pack_into("<I", patched, position + 22, size)
        position += 4
    position = 0
    while (position := patched.find(b"PK\x01\x02", position)) >= 0:
        (flags,) = struct.unpack_from("<H", patched, position + 8)
        struct.pack_into("<H", patched, position + 8, flags | flag)
        if size is not None:
            struct.pack_into("<I", patched, position + 24, size)
        position += 4
    return bytes(patched)


# A transcript with four reliable turns, used to test false positives: every
# extra line is inserted inside the respondent's first answer.
TRANSCRIPT = (
    "Interviewer: Hoe begon uw dag?\n"
    "Respondent: Vroeg.\n"
    "{line}\n"
    "Daarna ging ik naar kantoor.\n"
    "Interviewer: En toen?\n"
    "Respondent: Toen kwam de vergadering.\n"
)
