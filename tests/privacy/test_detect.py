"""The detector (pure): suggestions found, actors left alone, lists honoured."""

from __future__ import annotations

from privacy.detect import Category, detect
from privacy.detect.words import WordMatcher
from privacy.rewrite import Replacement, rewrite
from tests.privacy.conftest import ACTORS, INTERVIEW_1


def _found(text: str, **kw) -> dict[str, Category]:
    return {text[s.start : s.end]: s.category for s in detect(text, **kw)}


def test_dutch_interview_names_streets_phones_mails(deduce_ready):
    found = _found(INTERVIEW_1, protected=ACTORS)
    assert found["Jan Janssens"] == Category.PERSON
    assert found["De Smet"] == Category.PERSON
    assert found["0475 12 34 56"] == Category.PHONE
    assert found["jan.janssens@example.be"] == Category.EMAIL
    assert found["Kerkstraat 12"] == Category.ADDRESS
    assert found["12-03-1971"] == Category.BIRTHDATE
    assert not any("Mechelen?" in key or "Agentschap" in key for key in found)
    assert "Stad Mechelen" not in found


def test_patterns_work_in_any_language():
    text = "Call me on +32 475 12 34 56 or write to a.b@uni.example.org; born on 3/4/1980, 3500 Hasselt."
    found = _found(text, language="en")
    assert found == {
        "+32 475 12 34 56": Category.PHONE,
        "a.b@uni.example.org": Category.EMAIL,
        "3/4/1980": Category.BIRTHDATE,
        "3500": Category.POSTCODE,
    }


def test_always_list_is_case_and_inflection_tolerant():
    text = "Marieke zei het. marieke's idee, Mariekes plan. Mariekestraat niet."
    spans = detect(text, language="en", always=[("Marieke", Category.PERSON)])
    assert [text[s.start : s.end] for s in spans] == ["Marieke", "marieke", "Marieke"]


def test_protected_words_never_suggested():
    text = "Bel 0475 12 34 56."
    assert detect(text, language="en", protected=["0475 12 34 56"]) == []


def test_rewrite_keeps_offsets_on_the_same_words():
    text = "aa Jan Janssens bb Jan cc"
    new, offsets = rewrite(
        text, [Replacement(3, 15, "[Persoon 1]"), Replacement(19, 22, "[Persoon 1]")]
    )
    assert new == "aa [Persoon 1] bb [Persoon 1] cc"
    # "bb" and "cc" still selected; a span ending inside a name covers the label
    assert new[offsets.start(16) : offsets.end(18)] == "bb"
    assert new[offsets.start(23) : offsets.end(25)] == "cc"
    assert new[offsets.start(0) : offsets.end(7)] == "aa [Persoon 1]"
    assert new[offsets.start(5) : offsets.end(6)] == "[Persoon 1]"


def test_word_matcher_spans_exclude_inflection():
    assert WordMatcher(["Jan"]).matches("Jan's fiets") == [(0, 3, "Jan")]
