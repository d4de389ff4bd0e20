"""Text units of a transcript: sentences and paragraphs as code-point spans.

Pure module (no ORM). Auto-coding expands a hit "to the sentence", co-occurrence and
word counts can work per unit, so every caller must agree on where a sentence ends.
Spans are ``(start, end)`` into the stored (NFC, ``\\n``) text, end exclusive, and
cover non-blank text only: leading and trailing whitespace belongs to no unit.

Sentence rules (Dutch and English interview transcripts):

* A sentence ends after ``.``, ``!``, ``?``, ``…`` or ``...`` (any run of those),
  plus closing quotes or brackets right after it, when whitespace or the end of the
  text follows.
* Every line break ends a sentence (transcripts put one turn or paragraph per line);
  pass ``line_breaks=False`` for hard-wrapped text, where only blank lines and a
  speaker label at the start of a line (``Interviewer:``) do.
* A period after a known abbreviation never ends a sentence (``bv.``, ``o.a.``,
  ``m.a.w.``, ``dhr.``, ``mevr.``, ``nl.``, ``p.``, ``e.g.``, ``i.e.`` …), nor after a
  single capital (an initial, ``J. Peeters``), nor after the number of a list item
  at the start of a line (``1. Inleiding``).
* ``enz.``, ``etc.`` and ``vzw.`` often close a sentence too: they end one only when
  the next word starts with a capital.
* ``.`` and ellipses followed by a lower-case letter do not end a sentence (an
  unlisted abbreviation such as ``ca. tien``, or speech trailing off: ``en dan… ja``).
  ``?`` and ``!`` always do.
* Decimals (``3.5``, ``1.000``) and labels (``Interviewer:``) never split, because no
  whitespace follows their punctuation.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection

Span = tuple[int, int]

# Abbreviations that never close a sentence: a capital word after them is a name.
NON_FINAL_ABBREVIATIONS = frozenset(
    [
        "bv.",
        "bijv.",
        "bvb.",
        "vb.",
        "o.a.",
        "m.a.w.",
        "d.w.z.",
        "a.d.h.v.",
        "i.v.m.",
        "i.p.v.",
        "m.b.t.",
        "t.a.v.",
        "t.o.v.",
        "o.b.v.",
        "m.n.",
        "zgn.",
        "nl.",
        "dhr.",
        "mevr.",
        "mr.",
        "mw.",
        "dr.",
        "drs.",
        "ir.",
        "prof.",
        "p.",
        "pp.",
        "blz.",
        "nr.",
        "art.",
        "ca.",
        "cf.",
        "vgl.",
        "resp.",
        "incl.",
        "excl.",
        "evt.",
        "bijz.",
        "st.",
        "jl.",
        "a.s.",
        "ong.",
        "vnl.",
        "tel.",
        "e.g.",
        "i.e.",
        "vs.",
        "viz.",
        "approx.",
        "fig.",
        "mrs.",
        "ms.",
        "jr.",
        "sr.",
    ]
)
# Abbreviations that may also close a sentence: they do when a capital follows.
FINAL_ABBREVIATIONS = frozenset(["enz.", "etc.", "vzw.", "e.a.", "e.d."])
DEFAULT_ABBREVIATIONS = NON_FINAL_ABBREVIATIONS | FINAL_ABBREVIATIONS

_CLOSERS = "\"'”’»)]}›"
_OPENERS = "\"'“‘«([{‹¿¡"
# A run of terminators, closing quotes/brackets, then (looked ahead) whitespace and
# the next visible character, or the end of the text.
_END = re.compile(
    rf"(?P<term>[.!?…]+)[{re.escape(_CLOSERS)}]*(?=\s+(?P<next>\S)|\s*\Z)"
)
_LINE = re.compile(r"\S(?:[^\n]*\S)?")
_PARAGRAPH = re.compile(r"\S(?:[^\n]*\S)?(?:[^\S\n]*\n[^\S\n]*\S(?:[^\n]*\S)?)*")
_NON_SPACE = re.compile(r"\S")
_LIST_NUMBER = re.compile(r"[^\S\n]*\d{1,3}\Z")
# "Interviewer:", "R1:", "Dhr. Peeters:", "[INT]:" at the start of a line (the
# caller also wants a capital first, so "en dan zei hij: ja" is no label).
_SPEAKER_LABEL = re.compile(
    r"^[^\S\n]*(?:[^\W\d_][\w.'’ ()-]{0,39}|\[[^\]\n]{1,40}\]):(?=[^\S\n]|$)",
    re.MULTILINE,
)
_TOKEN_WINDOW = 40


def paragraph_spans(text: str) -> list[Span]:
    """Runs of non-blank lines separated by blank lines (NVivo's paragraphs)."""
    return [m.span() for m in _PARAGRAPH.finditer(text)]


def line_spans(text: str) -> list[Span]:
    """Each non-blank line without its surrounding whitespace."""
    return [m.span() for m in _LINE.finditer(text)]


def sentence_spans(
    text: str,
    *,
    line_breaks: bool = True,
    abbreviations: Collection[str] = DEFAULT_ABBREVIATIONS,
) -> list[Span]:
    """Sentences of ``text`` by the rules in the module docstring.

    ``abbreviations`` are lower-case with their final period; those outside
    ``FINAL_ABBREVIATIONS`` never end a sentence.
    """
    if line_breaks:
        blocks = line_spans(text)
        cuts = []
    else:
        blocks = paragraph_spans(text)
        # A speaker label starts a new sentence even inside a wrapped paragraph.
        cuts = [
            m.start()
            for m in _SPEAKER_LABEL.finditer(text)
            if m.start() and m.group().lstrip()[0].isupper()
        ]
    ends = [
        m.end() for m in _END.finditer(text) if _ends_sentence(text, m, abbreviations)
    ]
    cuts = sorted({*ends, *(_NON_SPACE.search(text, c).start() for c in cuts)})

    spans: list[Span] = []
    for block_start, block_end in blocks:
        first = bisect_right(cuts, block_start)
        last = bisect_left(cuts, block_end)
        start = block_start
        for cut in cuts[first:last]:
            if cut > start:
                spans.append((start, _rstrip(text, start, cut)))
            nxt = _NON_SPACE.search(text, cut, block_end)
            start = nxt.start() if nxt else block_end
        if start < block_end:
            spans.append((start, block_end))
    return spans


def _rstrip(text: str, start: int, end: int) -> int:
    """``end`` moved left past whitespace (a label cut sits after a space)."""
    return start + len(text[start:end].rstrip())


def _ends_sentence(text: str, m: re.Match[str], abbreviations: Collection[str]) -> bool:
    term = m.group("term")
    nxt = m.group("next")
    if "?" in term or "!" in term:
        return True
    if nxt is not None and nxt.islower():
        return False
    if term != ".":
        return True  # an ellipsis (or "..") before a capital, a digit or the end
    start = m.start()
    window = text[max(0, start - _TOKEN_WINDOW) : start]
    if not window or window[-1].isspace():
        return True  # a lone period
    token = window.split()[-1].lstrip(_OPENERS).lower() + "."
    if token in abbreviations:
        return token in FINAL_ABBREVIATIONS and nxt is not None and nxt.isupper()
    if len(token) == 2 and token[0].isalpha() and window[-1].isupper():
        return False  # an initial: "J. Peeters"
    line_start = text.rfind("\n", 0, start) + 1
    return _LIST_NUMBER.match(text, line_start, start) is None
