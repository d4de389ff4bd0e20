"""Sentences and paragraphs as code-point spans (``coding.textunits``; pure)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.textunits import paragraph_spans, sentence_spans


def sentences(text: str, **kwargs) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, **kwargs)]


# --- textunits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "abbreviation",
    ["bv.", "o.a.", "m.a.w.", "dhr.", "mevr.", "nl.", "p.", "e.g.", "i.e.", "Dhr."],
)
def test_abbreviation_never_ends_a_sentence(abbreviation):
    text = f"De stad steunt {abbreviation} Peeters en J@M vzw met subsidies. Dat klopt."
    assert sentences(text) == [
        f"De stad steunt {abbreviation} Peeters en J@M vzw met subsidies.",
        "Dat klopt.",
    ]


@pytest.mark.parametrize("abbreviation", ["enz.", "etc.", "vzw."])
def test_closing_abbreviation_ends_a_sentence_only_before_a_capital(abbreviation):
    text = f"Sport, jeugd {abbreviation} en cultuur. Subsidies voor ROJM {abbreviation} Het Agentschap volgt."
    assert sentences(text) == [
        f"Sport, jeugd {abbreviation} en cultuur.",
        f"Subsidies voor ROJM {abbreviation}",
        "Het Agentschap volgt.",
    ]


def test_decimals_initials_and_list_numbers_do_not_split():
    text = "1. Inleiding over 3.5 miljoen en 1.000 euro van J. Peeters (p. 12). Klaar."
    assert sentences(text) == [
        "1. Inleiding over 3.5 miljoen en 1.000 euro van J. Peeters (p. 12).",
        "Klaar.",
    ]


def test_ellipses_split_before_a_capital_only():
    text = "Het Agentschap... Dat is lastig. En dan… ja, de subsidie… Misschien wel..."
    assert sentences(text) == [
        "Het Agentschap...",
        "Dat is lastig.",
        "En dan… ja, de subsidie…",
        "Misschien wel...",
    ]


def test_quotes_and_brackets_after_the_period_stay_with_the_sentence():
    text = 'Hij zei: "We krijgen subsidies." (Zie bijlage.) Wat? Ja! \u201cGoed.\u201d Einde.'
    assert sentences(text) == [
        'Hij zei: "We krijgen subsidies."',
        "(Zie bijlage.)",
        "Wat?",
        "Ja!",
        "\u201cGoed.\u201d",
        "Einde.",
    ]


def test_line_breaks_and_paragraphs_end_sentences_and_labels_do_not():
    text = (
        "Interviewer: Wat doet J@M vzw voor de sportverenigingen?\n"
        "Respondent: Veel, o.a. huiswerkbegeleiding\n"
        "  \n"
        "Interviewer: Ok. En het Agentschap?   \n"
    )
    assert sentences(text) == [
        "Interviewer: Wat doet J@M vzw voor de sportverenigingen?",
        "Respondent: Veel, o.a. huiswerkbegeleiding",
        "Interviewer: Ok.",
        "En het Agentschap?",
    ]


def test_wrapped_text_joins_lines_but_a_speaker_label_starts_a_sentence():
    text = "de subsidie loopt\ndoor tot 2025. En dan\nInterviewer: nog iets?"
    assert sentences(text, line_breaks=False) == [
        "de subsidie loopt\ndoor tot 2025.",
        "En dan",
        "Interviewer: nog iets?",
    ]


def test_offsets_are_code_points_with_non_bmp_text():
    text = "Top 👍🏽. Het Agentschap 🎉 volgt."
    assert sentence_spans(text) == [(0, 7), (8, len(text))]
    assert sentences(text)[1] == "Het Agentschap 🎉 volgt."


def test_paragraphs_are_runs_of_non_blank_lines():
    text = "  Eerste regel\ntweede regel \n\n \t\n Derde.\n\n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == [
        "Eerste regel\ntweede regel",
        "Derde.",
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*"ab .?!…\"')\n  JM@12", "bv.", "enz.", " P", "Interviewer: "]
        ),
        max_size=40,
    ).map("".join),
    st.booleans(),
)
def test_sentences_cover_every_visible_character_once(text, line_breaks):
    spans = sentence_spans(text, line_breaks=line_breaks)
    covered = np.zeros(len(text), dtype=int)
    for start, end in spans:
        assert start < end
        assert not text[start].isspace()
        assert not text[end - 1].isspace()
        covered[start:end] += 1
    assert covered.max(initial=0) <= 1
    assert all(covered[i] == 1 for i, ch in enumerate(text) if not ch.isspace())
    assert spans == sorted(spans)
