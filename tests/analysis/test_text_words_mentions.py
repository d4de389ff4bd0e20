"""Pure word counting and actor mentions (``analysis.text.words``, ``mentions``)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.text import (
    compile_aliases,
    count_actor_mentions,
    count_words,
    find_mentions,
    load_stop_words,
    tokenize,
    word_frequencies,
    word_frequencies_by_group,
)

# --- words -------------------------------------------------------------------------


def test_tokens_keep_at_signs_hyphens_and_apostrophes():
    text = "J@M en de Vlaams-Brusselse zo\u2019n partners, 's avonds auto's."
    assert tokenize(text) == [
        "j@m",
        "en",
        "de",
        "vlaams-brusselse",
        "zo'n",
        "partners",
        "'s",
        "avonds",
        "auto's",
    ]
    assert count_words(text) == 9


def test_shipped_stop_lists_hold_the_snowball_words():
    dutch = load_stop_words("nl")
    english = load_stop_words("en")
    assert {"de", "het", "en", "van", "een", "geweest", "andere"} <= dutch
    assert {"the", "and", "don't", "ourselves"} <= english
    assert {"subsidie", "stad", "partner"}.isdisjoint(dutch)
    assert load_stop_words("nl", "en") == dutch | english
    with pytest.raises(ValueError, match="language"):
        load_stop_words("fr")


def test_stop_words_are_removed_and_counts_sorted():
    texts = [
        "De subsidie van de stad gaat naar J@M.",
        "Het Agentschap en de stad: de stad betaalt.",
    ]
    rows = word_frequencies(texts, stop_words=load_stop_words("nl"))
    assert [(r.word, r.count, r.documents) for r in rows] == [
        ("stad", 3, 2),
        ("agentschap", 1, 1),
        ("betaalt", 1, 1),
        ("j@m", 1, 1),
        ("subsidie", 1, 1),
    ]


def test_stemming_groups_forms_and_keeps_them():
    texts = [
        "Subsidies voor sportverenigingen.",
        "De subsidie en nog subsidies.",
        "Een sportvereniging.",
    ]
    rows = word_frequencies(texts, stop_words=load_stop_words("nl"), stem=True)
    first, second = rows[:2]
    assert (first.word, first.count, first.documents) == ("subsidies", 3, 2)
    assert first.forms == ("subsidies", "subsidie")
    assert first.stem == "subsidie"
    assert second.forms == ("sportvereniging", "sportverenigingen")
    assert second.documents == 2


def test_min_length_and_top():
    texts = ["AgII en J@M en de vzw ROJM ROJM ROJM"]
    rows = word_frequencies(texts, stop_words={"en", "de"}, min_length=4, top=2)
    assert [(r.word, r.count) for r in rows] == [("rojm", 3), ("agii", 1)]
    with pytest.raises(ValueError, match="min_length"):
        word_frequencies(texts, min_length=0)


def test_frequencies_per_group():
    items = [
        ("schepen", "De subsidies voor J@M."),
        ("ambtenaar", "Het Agentschap."),
        ("schepen", "Subsidie, subsidie!"),
    ]
    groups = word_frequencies_by_group(
        items, stop_words=load_stop_words("nl"), stem=True
    )
    assert list(groups) == ["schepen", "ambtenaar"]
    top = groups["schepen"][0]
    assert (top.word, top.count, top.documents) == ("subsidie", 3, 2)
    assert [r.word for r in groups["ambtenaar"]] == ["agentschap"]


# --- mentions ----------------------------------------------------------------------

ACTORS = {
    "agii": ["AgII", "het Agentschap", "Agentschap Integratie en Inburgering"],
    "jam": ["J@M", "J@M vzw", "Jeugdwerk @ Mechelen"],
    "rojm": ["ROJM vzw"],
    "stad": ["stad", "Stad Mechelen"],
}


def test_longest_alias_wins_and_no_text_counts_twice():
    text = "Het Agentschap Integratie en Inburgering en J@M vzw werken samen met AgII."
    found = [(text[a:b], actor) for a, b, actor in find_mentions(text, ACTORS)]
    assert found == [
        ("Agentschap Integratie en Inburgering", "agii"),
        ("J@M vzw", "jam"),
        ("AgII", "agii"),
    ]


def test_mentions_are_whole_words_without_case():
    text = "j@m, J@Mechelen, J@M-werking, agii, AGII's, stadsbestuur, de Stad, ROJM."
    found = [text[a:b] for a, b, _actor in find_mentions(text, ACTORS)]
    assert found == ["j@m", "J@M", "agii", "AGII", "Stad"]


def test_mentions_span_line_breaks_and_keep_accents():
    matcher = compile_aliases({"cafe": ["Café Den Hoek"], "agii": ["het Agentschap"]})
    text = "In café den\nhoek en het  Agentschap, niet in Cafe Den Hoek."
    assert [(a, b) for a, b, _ in find_mentions(text, matcher)] == [(3, 16), (20, 35)]


def test_a_longer_alias_of_another_actor_wins_an_overlap():
    aliases = {"agii": ["het Agentschap"], "jw": ["Agentschap Jongerenwelzijn"]}
    text = "Met het Agentschap Jongerenwelzijn en het Agentschap."
    assert [actor for _a, _b, actor in find_mentions(text, aliases)] == ["jw", "agii"]


def test_count_actor_mentions_per_key():
    texts = [
        ("interview-1", "J@M vzw en J@M. Het Agentschap."),
        ("interview-2", "ROJM vzw, Stad Mechelen en de stad."),
        ("interview-1", "AgII!"),
    ]
    assert count_actor_mentions(texts, ACTORS) == {
        ("interview-1", "jam"): 2,
        ("interview-1", "agii"): 2,
        ("interview-2", "rojm"): 1,
        ("interview-2", "stad"): 2,
    }


def test_bad_aliases_are_refused():
    with pytest.raises(ValueError, match="both"):
        compile_aliases({"a": ["J@M"], "b": ["j@m"]})
    with pytest.raises(ValueError, match="empty"):
        compile_aliases({"a": ["  "]})
    with pytest.raises(ValueError, match="alias"):
        compile_aliases({})


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["J@M", " vzw", " ", "AgII", "x", "\n", "het", " Agentschap"]),
        max_size=20,
    ).map("".join)
)
def test_mentions_never_overlap_and_match_the_counts(text):
    found = find_mentions(text, ACTORS)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(found))
    counts = count_actor_mentions([("k", text)], ACTORS)
    assert sum(counts.values()) == len(found)
