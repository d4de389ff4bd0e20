"""The methods paragraph reads exactly as it did, in English and in Dutch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agreement.methods import methods_paragraphs
from agreement.report import build_report
from agreement.results import VersionRef
from tests.agreement.methods_cases import cases

EXPECTED = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "agreement_methods.json").read_text()
)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_methods_paragraph_reads_as_before(name):
    data, version = cases()[name]
    report, _disagreements = build_report(data)
    methods = methods_paragraphs(report, VersionRef(**version) if version else None)
    assert {"en": methods.en, "nl": methods.nl} == EXPECTED[name]
