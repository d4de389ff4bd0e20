"""Word counts over stretches of a text equal counting the stretches cut out."""

import random
from dataclasses import astuple

import pytest

from analysis.text import merge_spans, word_frequencies_by_group
from analysis.text.words import word_frequencies_in_spans

TEXT = (
    "Interviewer: Werkt J@M met de stad?\n"
    "Respondent: Ja, 's avonds en 't weekend; Vlaams-Brusselse partners, "
    "zo'n AT&T-achtige auto’s. De subsidies, subsidie en sportverenigingen!\n"
)
PIECES = list("ab '’-@&\n\t.,sStTkK") + ["'s ", "zo'n", "Σ", "İ", "\u00a0", "ing"]


def cut_out(texts):
    """The reference: each group's spans of a text cut out and joined."""
    for text, parts in texts:
        for key, spans in parts:
            yield key, "\n".join(text[s:e] for s, e in spans)


def rows(groups):
    return {key: [astuple(row) for row in found] for key, found in groups.items()}


@pytest.mark.parametrize("stem", [False, True])
def test_overlapping_passages_count_like_cut_out_ones(stem):
    rng = random.Random(3)
    texts = []
    for _ in range(40):
        text = TEXT if rng.random() < 0.3 else "".join(rng.choices(PIECES, k=60))
        parts = []
        for key in ("code a", "code b", "code c"):
            spans = []
            for _span in range(rng.randint(0, 5)):
                start = rng.randrange(len(text))
                spans.append((start, rng.randint(start + 1, len(text))))
            parts.append((key, merge_spans(spans)))
        texts.append((text, parts))
    options = {"stop_words": {"de", "en"}, "stem": stem, "min_length": 2}
    assert rows(word_frequencies_in_spans(texts, **options)) == rows(
        word_frequencies_by_group(cut_out(texts), **options)
    )


@pytest.mark.parametrize("whole_too", [False, True])
def test_words_cut_by_a_passage_edge_count_as_their_part(whole_too):
    start = TEXT.index("Brusselse")
    end = TEXT.index("zo'n") + 2
    parts = [("x", [(start, end)]), ("y", [(start - 3, end + 5)])]
    if whole_too:  # the text is then read more than once: tokenised with positions
        parts.append(("all", [(0, len(TEXT))]))
    groups = word_frequencies_in_spans([(TEXT, parts)])
    assert [r.word for r in groups["x"]] == ["brusselse", "partners", "zo"]
    assert {r.word for r in groups["y"]} == {"ms-brusselse", "partners", "zo'n", "at"}
