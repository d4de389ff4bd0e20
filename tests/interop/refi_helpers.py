"""Helpers of the pure REFI-QDA tests (no database needed).

Fixture files live in ``tests/fixtures/refi/`` and are (re)created by
``make_fixtures.py`` there; each imitates one tool's export or one quirk.  The XSDs
are REFI's own, vendored in ``tests/fixtures/refi-qda/`` (its README says where they
come from); ``$REFI_QDA_SCHEMAS`` points to another folder.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import strategies as st
from lxml import etree

from interop.refi import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    VariableType,
)

# The package only needs Django for lazy translations.  Without pytest-django
# (``-p no:django``), give Django minimal settings so messages can be rendered.
if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Assert against the English source messages even where Dutch is the default."""
    with translation.override("en"):
        yield


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "refi"
SCHEMAS = Path(
    os.environ.get("REFI_QDA_SCHEMAS")
    or Path(__file__).resolve().parents[1] / "fixtures" / "refi-qda"
)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def fixture(name: str) -> bytes:
    """Bytes of one fixture file."""
    return (FIXTURES / name).read_bytes()


@functools.cache
def _load_schema(name: str) -> etree.XMLSchema | None:
    path = SCHEMAS / name
    if not path.exists():
        return None
    return etree.XMLSchema(etree.parse(str(path)))


def schema(name: str) -> etree.XMLSchema:
    """The official XSD ``name`` (vendored in ``tests/fixtures/refi-qda``)."""
    loaded = _load_schema(name)
    if loaded is None:
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMAS / name} is missing in CI")
        pytest.skip(f"{SCHEMAS / name} not available; set REFI_QDA_SCHEMAS")
    return loaded


def assert_valid(xml: bytes, name: str) -> None:
    """``xml`` validates against the XSD ``name``."""
    xsd = schema(name)
    document = etree.fromstring(xml)
    assert xsd.validate(document), str(xsd.error_log)


def make_zip(members: list[tuple[str, bytes | str]]) -> bytes:
    """A small in-memory ZIP archive (``str`` members are UTF-8 encoded)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(
                name, data.encode("utf-8") if isinstance(data, str) else data
            )
    return output.getvalue()


def qde_member(data: bytes) -> bytes:
    """The ``project.qde`` of a ``.qdpx``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("project.qde")


def passages(source: RefiTextSource) -> list[str]:
    """The text of every selection, in file order."""
    return [source.text[s.start : s.end] for s in source.selections]


def warning_codes(warnings: list) -> list[str]:
    return [warning.code for warning in warnings]


def code_tree(codes: list[RefiCode]) -> list:
    """Names, colours and codability as nested tuples, for readable assertions."""
    return [
        (code.name, code.color, code.is_codable, code_tree(code.children))
        for code in codes
    ]


def load_fixture_generator() -> ModuleType:
    """Import ``make_fixtures.py`` by path (the fixtures folder is no package)."""
    spec = importlib.util.spec_from_file_location(
        "refi_make_fixtures", FIXTURES / "make_fixtures.py"
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


def guid(n: int) -> str:
    """A readable, valid, lower-case GUID for test data."""
    return f"00000000-0000-4000-8000-{n:012d}"


CODE_A = guid(1)
CODE_B = guid(2)
USER = guid(3)


def simple_project(
    text: str,
    spans: list[tuple[int, int]],
    *,
    origin: str = "Test tool",
    name_quote: str | None = None,
) -> str:
    """A minimal ``.qde`` with one source whose text is ``sources/t.txt``."""
    selections = ""
    for number, (start, end) in enumerate(spans):
        selections += (
            f'<PlainTextSelection guid="{guid(100 + number)}" startPosition="{start}" '
            f'endPosition="{end}"'
            + (f' name="{name_quote}"' if name_quote is not None else "")
            + f'><Coding guid="{guid(200 + number)}"><CodeRef targetGUID="{CODE_A}"/>'
            "</Coding></PlainTextSelection>"
        )
    return (
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="P" origin="{origin}">'
        f'<CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid(50)}" name="T" plainTextPath="internal://t.txt">'
        f"{selections}</TextSource></Sources></Project>"
    )


_RAW_ALPHABET = st.sampled_from(
    [
        *"ab é\r\n\t\x01\x0b\ufeff\u0301\u0323\u2028\x85.",
        "e\u0301",
        "\r\n",
        "\U0001f600",
        "\u1100",
        "\u1161",
        "\u11a8",
        "\u0958",
        "\u212b",
        "A\u030a",
        "\u0cc6\u0cd5",
        "\u0b47\u0b3e",
    ]
)


def _breaks(text: str) -> str:
    """Every line break as one \\n, as the standard counts them."""
    return re.sub("\r\n|[\r\x85\u2028\u2029]", "\n", text)


def _breaks_and_controls(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", _breaks(text))


def _error(call) -> RefiError:
    with pytest.raises(RefiError) as caught:
        call()
    return caught.value


def full_project() -> RefiProject:
    """A project using every field Regie exchanges."""
    text = ROUND_TRIP_TEXT
    prima = text.index("Prima")
    huis = text.index("Naar huis")
    return RefiProject(
        name="Regie round trip",
        origin="Regie 0.1",
        description="Projectbeschrijving",
        users=[RefiUser(USER, "Ann"), RefiUser(guid(4), "Bob")],
        codes=[
            RefiCode(
                guid(10),
                "Emoties",
                color="#aabbcc",
                description="Alles over gevoel",
                is_codable=False,
                children=[
                    RefiCode(guid(11), "Blij", color="#00ff00"),
                    RefiCode(
                        guid(12), "Verdrietig", children=[RefiCode(guid(13), "Heel")]
                    ),
                ],
            ),
            RefiCode(guid(14), "Thuis"),
        ],
        variables=[
            RefiVariable(guid(20), "Leeftijd", VariableType.INTEGER, "in jaren"),
            RefiVariable(guid(21), "Woonplaats", VariableType.TEXT),
            RefiVariable(guid(22), "Toestemming", VariableType.BOOLEAN),
            RefiVariable(guid(23), "Uren", VariableType.FLOAT),
            RefiVariable(guid(24), "Datum", VariableType.DATE),
            RefiVariable(guid(25), "Moment", VariableType.DATETIME),
        ],
        cases=[
            RefiCase(
                guid(30),
                "Respondent 1",
                description="Eerste gesprek",
                variables={
                    "Leeftijd": 34,
                    "Woonplaats": "Utrecht",
                    "Toestemming": True,
                    "Uren": 1e-7,
                    "Datum": date(2024, 3, 12),
                    "Moment": datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
                },
                source_guids=[guid(40)],
            )
        ],
        sources=[
            RefiTextSource(
                guid(40),
                "Interview 1",
                text,
                creating_user=USER,
                creation_datetime=datetime(2024, 3, 12, 10, 0, tzinfo=UTC),
                description="Bij de respondent thuis",
                variables={"Uren": 2.5},
                selections=[
                    RefiSelection(
                        guid(41),
                        prima,
                        prima + len("Prima 😀, dank je."),
                        [RefiCoding(guid(11), USER), RefiCoding(guid(13), guid(4))],
                        description="Let op de toon",
                        notes=[guid(60)],
                    ),
                    RefiSelection(
                        guid(42),
                        huis,
                        len(text),
                        [RefiCoding(guid(14), None)],
                    ),
                ],
            ),
            RefiTextSource(guid(43), "Leeg interview", "Nog niet gecodeerd."),
        ],
        notes=[
            RefiNote(
                guid(60),
                "Memo",
                "Toon is ironisch?\nNavragen.",
                targets=[guid(41)],
                creating_user=USER,
                creation_datetime=datetime(2024, 3, 13, 8, 0, tzinfo=UTC),
            ),
            RefiNote(
                guid(61), "Codememo", "Over blijheid.", targets=[guid(11), guid(40)]
            ),
            RefiNote(guid(62), "Losse memo", "Zonder doel."),
        ],
        sets=[
            RefiSet(
                guid(70), "Gevoelens", [guid(11), guid(12)], [], "Codes over gevoel"
            ),
            RefiSet(guid(71), "Interviews", [], [guid(40), guid(43)]),
        ],
    )


ROUND_TRIP_TEXT = (
    "I: Hoe was het?\nR: Prima 😀, dank je. Het café was vol.\n"
    "I: En daarna?\nR: Naar huis 🏠, en toen de krant gelezen."
)
