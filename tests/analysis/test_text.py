"""Pure analysis: text units, words, mentions, co-occurrence, matrix, auto-code."""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.text import (
    MAX_PATTERN_LENGTH,
    MatrixItem,
    compile_aliases,
    compile_search,
    cooccurrence,
    count_actor_mentions,
    count_words,
    find_matches,
    find_mentions,
    load_stop_words,
    matrix_counts,
    matrix_csv,
    merge_spans,
    pairs_behind,
    paragraph_spans,
    sentence_spans,
    tokenize,
    turns_of_speaker,
    word_frequencies,
    word_frequencies_by_group,
)


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


# --- co-occurrence -----------------------------------------------------------------

X, Y, Z = 1, 2, 3
CODINGS = [
    (1, 1, X, 0, 10),
    (2, 1, X, 20, 30),
    (3, 1, Y, 5, 25),
    (4, 1, Z, 30, 40),  # touches coding 2: no overlap
    (5, 2, X, 0, 10),
    (6, 2, Y, 0, 10),
    (7, 2, Y, 50, 60),
]
TURNS = [(1, 1, 0, 15), (1, 2, 15, 35), (1, 3, 35, 50), (2, 1, 0, 30), (2, 2, 40, 70)]


def test_overlap_mode_counts_passages_of_the_row_code():
    m = cooccurrence(CODINGS, mode="overlap")
    assert m.codes == (X, Y, Z)
    assert m.counts.tolist() == [[3, 3, 0], [2, 3, 0], [0, 0, 1]]
    assert m.pair_counts[0, 1] == m.pair_counts[1, 0] == 3
    assert m.jaccard_of(X, Y) == pytest.approx(5 / 6)
    assert m.jaccard_of(X, Z) == 0
    assert m.jaccard_of(Z, Z) == 1
    assert m.pairs_behind(X, Y) == [(1, 3), (2, 3), (5, 6)]
    assert pairs_behind(m, Y, X) == [(3, 1), (3, 2), (6, 5)]
    assert m.pairs_behind(Z, Z) == [(4, 4)]


def test_turn_mode_counts_turns_holding_both_codes():
    m = cooccurrence(CODINGS, mode="turn", turns=TURNS)
    assert m.counts.tolist() == [[3, 3, 1], [3, 4, 1], [1, 1, 2]]
    assert m.jaccard_of(X, Y) == pytest.approx(3 / 4)
    assert m.jaccard_of(X, Z) == pytest.approx(1 / 4)
    assert m.jaccard_of(Y, Z) == pytest.approx(1 / 5)
    assert m.pairs_behind(X, Z) == [(2, 4)]
    assert m.pairs_behind(Y, X) == [(3, 1), (3, 2), (6, 5)]
    assert m.turns_behind(X, Z) == [(1, 2)]
    assert m.turns_behind(Y, Y) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert m.pairs_behind(Z, Z) == [(4, 4)]


def test_axis_codes_fix_order_and_leave_others_out():
    m = cooccurrence(CODINGS, codes=[Y, 99, X])
    assert m.codes == (Y, 99, X)
    assert m.counts.tolist() == [[3, 0, 2], [0, 0, 0], [3, 0, 3]]
    assert m.jaccard_of(99, 99) == 0
    assert m.as_lists()["codes"] == [Y, 99, X]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="start <= end"):
        cooccurrence([(1, 1, X, 5, 4)])
    with pytest.raises(ValueError, match="needs the speaker turns"):
        cooccurrence(CODINGS, mode="turn")
    with pytest.raises(ValueError, match="overlap"):
        cooccurrence(CODINGS, mode="turn", turns=[(1, 1, 0, 10), (1, 2, 5, 20)])
    with pytest.raises(ValueError, match="mode"):
        cooccurrence(CODINGS, mode="sentence")  # type: ignore[arg-type]
    assert cooccurrence([]).codes == ()


def brute_force(codings, mode, turns, codes):
    """The definitions of the module docstring, spelled out in O(n²)."""
    index = {c: i for i, c in enumerate(codes)}
    live = [c for c in codings if c[4] > c[3] and c[2] in index]
    size = len(codes)
    counts = np.zeros((size, size), dtype=int)
    pairs: dict[tuple[int, int], set] = {}

    def in_turn(c, t):
        return c[1] == t[0] and c[3] < t[3] and t[2] < c[4]

    if mode == "overlap":
        for a in live:
            counts[index[a[2]], index[a[2]]] += 1
            met = set()
            for b in live:
                if b[1] == a[1] and b[2] != a[2] and a[3] < b[4] and b[3] < a[4]:
                    met.add(b[2])
                    pairs.setdefault((a[2], b[2]), set()).add((a[0], b[0]))
            for code in met:
                counts[index[a[2]], index[code]] += 1
    else:
        real_turns = [t for t in turns if t[3] > t[2]]
        for t in real_turns:
            present = {c[2] for c in live if in_turn(c, t)}
            for x, y in itertools.product(present, repeat=2):
                counts[index[x], index[y]] += 1
        for a, b in itertools.permutations(live, 2):
            shared = any(in_turn(a, t) and in_turn(b, t) for t in real_turns)
            if a[2] != b[2] and shared:
                pairs.setdefault((a[2], b[2]), set()).add((a[0], b[0]))
    return counts, pairs


@st.composite
def coded_documents(draw):
    codings = []
    for coding_id in range(1, draw(st.integers(0, 25)) + 1):
        start = draw(st.integers(0, 60))
        codings.append(
            (
                coding_id,
                draw(st.integers(1, 3)),
                draw(st.integers(1, 4)),
                start,
                start + draw(st.integers(0, 15)),
            )
        )
    turns = []
    for document in (1, 2, 3, 4):
        position = 0
        for number in range(draw(st.integers(0, 8))):
            start = position + draw(st.integers(0, 3))
            position = start + draw(st.integers(0, 12))
            turns.append((document, number, start, position))
    return codings, turns


@settings(max_examples=150, deadline=None)
@given(coded_documents(), st.sampled_from(["overlap", "turn"]))
def test_matches_a_brute_force_reference(data, mode):
    codings, turns = data
    m = cooccurrence(codings, mode=mode, turns=turns)
    counts, pairs = brute_force(codings, mode, turns, m.codes)
    assert m.counts.tolist() == counts.tolist()
    for (i, x), (j, y) in itertools.product(enumerate(m.codes), repeat=2):
        if x == y:
            continue
        behind = sorted(pairs.get((x, y), set()))
        assert m.pairs_behind(x, y) == behind
        assert m.pair_counts[i, j] == len(behind)
        if mode == "overlap":
            union = counts[i, i] + counts[j, j]
            expected = (counts[i, j] + counts[j, i]) / union if union else 0
        else:
            union = counts[i, i] + counts[j, j] - counts[i, j]
            expected = counts[i, j] / union if union else 0
        assert m.jaccard[i, j] == pytest.approx(expected)


@pytest.mark.parametrize("mode", ["overlap", "turn"])
def test_two_hundred_thousand_codings_over_sixty_codes(mode):
    """Runs vectorised; a per-pair Python loop would not finish in a test run."""
    rng = np.random.default_rng(7)
    n = 200_000
    documents = rng.integers(1, 201, n)
    starts = rng.integers(0, 60_000, n)
    ends = starts + rng.integers(20, 800, n)
    codes = rng.integers(1, 61, n)
    codings = np.column_stack([np.arange(1, n + 1), documents, codes, starts, ends])
    turns = [(d, k, k * 300, k * 300 + 290) for d in range(1, 201) for k in range(210)]

    m = cooccurrence(codings.tolist(), mode=mode, turns=turns)

    assert m.counts.shape == (60, 60)
    assert (m.pair_counts == m.pair_counts.T).all()
    assert (m.counts <= m.totals[:, None]).all()
    assert ((m.jaccard >= 0) & (m.jaccard <= 1)).all()
    behind = m.pairs_behind(1, 2)
    if mode == "overlap":
        assert len({x for x, _y in behind}) == m.count(1, 2)
    assert len(behind) == m.pair_counts[0, 1]


# --- matrix ------------------------------------------------------------------------

PARENTS = {
    10: None,
    11: 10,
    12: 10,
    13: 11,
}  # Partners > Subsidies > J@M, Partners > Stad
ITEMS = [
    MatrixItem(1, 11, "schepen", 100, 12),
    MatrixItem(2, 13, "schepen", 100, 5),
    MatrixItem(3, 13, "ambtenaar", 101, 7),
    MatrixItem(4, 12, "ambtenaar", None, 3),
    (5, 12, "ambtenaar", 102, 4),
]


def test_matrix_without_roll_up():
    result = matrix_counts(ITEMS, cell="segments")
    assert result.rows == (11, 12, 13)
    assert result.columns == ("ambtenaar", "schepen")
    assert result.values == ((0, 1), (2, 0), (1, 1))


def test_matrix_rolls_sub_codes_up_to_every_ancestor():
    segments = matrix_counts(ITEMS, parents=PARENTS, columns=["schepen", "ambtenaar"])
    assert segments.rows == (10, 11, 12, 13)
    assert segments.values == ((2, 3), (2, 1), (0, 2), (1, 1))
    cases = matrix_counts(ITEMS, cell="cases", parents=PARENTS)
    assert cases.value(10, "ambtenaar") == 2  # coding 4 has no case
    assert cases.value(10, "schepen") == 1  # codings 1 and 2: one case
    words = matrix_counts(ITEMS, cell="words", parents=PARENTS, rows=[10, 99])
    assert words.values == ((14, 17), (0, 0))


def test_matrix_refuses_a_cycle_and_an_unknown_cell():
    with pytest.raises(ValueError, match="ancestor"):
        matrix_counts(ITEMS, parents={11: 13, 13: 11})
    with pytest.raises(ValueError, match="cell"):
        matrix_counts(ITEMS, cell="characters")  # type: ignore[arg-type]


def test_matrix_csv_neutralises_formula_cells():
    result = matrix_counts(
        [
            (1, 1, "=1+1", None, 0),
            (2, 2, "+32 475", None, 0),
            (3, 1, "-x", None, 0),
            (4, 2, "@SUM(A1)", None, 0),
            (5, 1, "\tTab", None, 0),
            (6, 2, "\rCR", None, 0),
        ],
        columns=["=1+1", "+32 475", "-x", "@SUM(A1)", "\tTab", "\rCR"],
    )
    text = matrix_csv(
        result, row_labels={1: "=HYPERLINK()", 2: "Subsidies"}, corner="Code"
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Code",
        "'=1+1",
        "'+32 475",
        "'-x",
        "'@SUM(A1)",
        "'\tTab",
        "'\rCR",
    ]
    assert rows[1] == ["'=HYPERLINK()", "1", "0", "1", "0", "1", "0"]
    assert rows[2] == ["Subsidies", "0", "1", "0", "1", "0", "1"]


# --- autocode ----------------------------------------------------------------------

TRANSCRIPT = (
    "Interviewer: Krijgt J@M vzw subsidies van de stad?\n"
    "Respondent: Ja. De subsidie loopt via het Agentschap. Het stadsbestuur volgt.\n"
    "Interviewer: En de sportverenigingen?\n"
    "Respondent: Die krijgen subsidie, bv. voor J@M-kampen."
)


def spans_text(spans):
    return [TRANSCRIPT[a:b] for a, b in spans]


def test_keywords_phrases_and_wildcards():
    found = find_matches(TRANSCRIPT, pattern='subsidie* "J@M vzw"', kind="keyword")
    assert spans_text(found) == ["J@M vzw", "subsidies", "subsidie", "subsidie"]
    phrase = find_matches(TRANSCRIPT, pattern="via  het\nagentschap", kind="phrase")
    assert spans_text(phrase) == ["via het Agentschap"]


def test_whole_word_and_case_options():
    assert spans_text(find_matches(TRANSCRIPT, pattern="stad")) == ["stad"]
    loose = find_matches(TRANSCRIPT, pattern="stad", whole_word=False)
    assert spans_text(loose) == ["stad", "stad"]
    assert find_matches(TRANSCRIPT, pattern="j@m", case_sensitive=True) == []
    assert spans_text(find_matches(TRANSCRIPT, pattern="j@m")) == ["J@M", "J@M"]


def test_expand_to_sentence_merges_hits_in_one_sentence():
    found = find_matches(TRANSCRIPT, pattern="subsidie agentschap", expand="sentence")
    assert spans_text(found) == [
        "De subsidie loopt via het Agentschap.",
        "Respondent: Die krijgen subsidie, bv. voor J@M-kampen.",
    ]


def test_expand_to_turn_and_select_a_speaker():
    turns = [
        (1, "Interviewer", 0, 50),
        (2, "Respondent", 51, 128),
        (3, "Interviewer", 129, 166),
        (4, "Respondent", 167, len(TRANSCRIPT)),
    ]
    assert TRANSCRIPT[51:128].startswith("Respondent")
    spans = [(start, end) for _n, _s, start, end in turns]
    respondent = turns_of_speaker(turns, " respondent ")
    found = find_matches(
        TRANSCRIPT,
        pattern="J@M subsidie*",
        expand="turn",
        turns=spans,
        within=respondent,
    )
    assert found == [(51, 128), (167, len(TRANSCRIPT))]
    everywhere = find_matches(TRANSCRIPT, pattern="J@M", expand="turn", turns=spans)
    assert everywhere == [(0, 50), (167, len(TRANSCRIPT))]
    with pytest.raises(ValueError, match="turns"):
        find_matches(TRANSCRIPT, pattern="J@M", expand="turn")


def test_regex_search_and_merging():
    found = find_matches(TRANSCRIPT, pattern=r"(?i)sub\w+|J@M[\w-]*", kind="regex")
    assert spans_text(found) == [
        "J@M",
        "subsidies",
        "subsidie",
        "subsidie",
        "J@M-kampen",
    ]
    assert merge_spans([(5, 9), (0, 3), (3, 4), (6, 7)]) == [(0, 4), (5, 9)]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(subsidie", "not valid"),
        ("sub[sidie", "not valid"),
        ("*subsidie", "not valid"),
        ("(a+)+", "repeats a group"),
        ("(a*)*b", "repeats a group"),
        (r"(\w+\s?)+$", "repeats a group"),
        (r"((J@M|ROJM)+ vzw)*", "repeats a group"),
        ("x" * (MAX_PATTERN_LENGTH + 1), "too long"),
        ("   ", "Enter"),
    ],
)
def test_bad_or_dangerous_regexes_are_refused_readably(pattern, message):
    with pytest.raises(ValueError, match=message):
        compile_search(pattern, kind="regex")


@pytest.mark.parametrize(
    "pattern", [r"(\w+\s)++", r"(?>\w+\s)+", r"(ab){2,}", r"(?x) subsidie # comment"]
)
def test_safe_repetition_is_accepted(pattern):
    compile_search(pattern, kind="regex")
