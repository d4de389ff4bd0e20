"""Pure helpers of the report and the methods paragraph (no database)."""

from __future__ import annotations

# --- pure helpers (no database needed) ------------------------------------------------


def test_disagreement_stretches_at_characters_and_units():
    from agreement.report import disagreement_stretches

    a = [(0, 10, 1), (24, 34, 1)]
    b = [(5, 10, 1), (36, 46, 1)]
    stretches = disagreement_stretches(a, b)
    assert [(s.start, s.end, s.differing, s.at) for s in stretches] == [
        (0, 10, 5, 0),
        (24, 34, 10, 24),
        (36, 46, 10, 36),
    ]
    # Per paragraph, [0, 10) and [5, 10) are the same unit: no difference there.
    units = disagreement_stretches(a, b, unit_starts=[0, 12, 24, 36], length=46)
    assert [(s.start, s.end, s.differing) for s in units] == [
        (24, 36, 1),
        (36, 46, 1),
    ]
    # A domain: the same stretch with different values differs, equal values do not.
    assert disagreement_stretches([(0, 5, 1)], [(0, 5, 1)]) == []
    assert disagreement_stretches([(0, 5, 1)], [(0, 5, 2)])[0].differing == 5


def test_dutch_numbers_use_decimal_commas():
    from agreement.methods import count, figure_text, number
    from agreement.results import Figure

    assert number(0.8126, "nl") == "0,813"
    assert number(-0.05, "en") == "−0.050"
    assert count(14224, "nl") == "14.224"
    assert figure_text("percent_agreement", Figure(value=87.5, n=0), "nl") == "87,5 %"
    assert figure_text("krippendorff_alpha", Figure(value=None, n=0), "en") == "–"
