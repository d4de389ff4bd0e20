"""Fixtures of the interop tests."""

from __future__ import annotations

import pytest

from coding.demo.loader import demo_load
from tests.factories import make_case, make_code, make_coding, make_document


@pytest.fixture
def coded(project, members):
    """Two coders' codings, a case with attributes, a long and a formula memo."""
    case = make_case(project=project, label="R01", niveau="middenveld")
    document = make_document(project=project, case=case, title="Interview J@M")
    parent = make_code(project=project, name="Beleidsinstrumenten")
    code = make_code(project=project, name="Subsidies", parent=parent)
    start = document.text.index("De stad geeft")
    mine = make_coding(
        document=document,
        code=code,
        coder=members["coder"],
        start=start,
        end=start + 13,
        memo="=SOM(A1)",
    )
    theirs = make_coding(
        document=document,
        code=parent,
        coder=members["coder2"],
        start=0,
        end=11,
        memo="x" * 40_000,
    )
    return document, code, mine, theirs


@pytest.fixture
def demo():
    return demo_load().project
