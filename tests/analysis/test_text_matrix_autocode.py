"""Pure matrix coding counts and the auto-coding search."""

from __future__ import annotations

import csv
import io

import pytest

from analysis.text import (
    MAX_PATTERN_LENGTH,
    MatrixItem,
    compile_search,
    find_matches,
    matrix_counts,
    matrix_csv,
    merge_spans,
    turns_of_speaker,
)

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
