"""Auto-coding: find the passages a text search would code, as merged spans.

Pure module (no ORM). A service runs ``find_matches`` per document and applies a
code to the spans it returns; the researcher previews them first.

Search kinds:

* ``"keyword"``: any of the words in ``pattern``, separated by spaces or commas;
  a double-quoted part is one phrase (``subsidie "J@M vzw"``).
* ``"phrase"``: the whole pattern as one phrase.
* ``"regex"``: a Python regular expression.

In keywords and phrases, whitespace matches any run of whitespace (a line break
too) and ``*`` stands for any word characters (``subsidie*`` finds "subsidies" and
"subsidiedossier"). ``whole_word`` means a hit may not touch a word character or
``@`` on either side, as in ``mentions``. Matching ignores case unless
``case_sensitive``, and never ignores accents.

Hits are expanded to the whole sentence or speaker turn they touch when asked, then
sorted and merged: overlapping or touching spans become one, so no passage is
coded twice. ``within`` (e.g. ``turns_of_speaker(turns, "Respondent")``) keeps only
hits lying inside those spans.

Runaway patterns: Python's ``re`` has no timeout (and the ``regex`` package is not
a dependency), so regular expressions are limited to ``MAX_PATTERN_LENGTH`` code
points and a quantified group that contains a variable-length quantifier, such as
``(a+)+``, ``(a*)*`` or ``(\\w+\\s?)+``, is refused: it is the shape behind
exponential backtracking. A possessive quantifier (``(\\w+\\s)++``) or an atomic
group (``(?>\\w+\\s)+``), both in Python 3.11+, makes such a pattern safe and is
accepted. This does not catch every slow pattern (overlapping alternatives such as
``(a|a)+``, or polynomial ones such as ``\\w*\\w*\\w*x``), so run auto-coding in a
task with a time limit.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Literal

from django.utils.translation import gettext as _

from coding.aliases import WORD_AFTER, WORD_BEFORE
from coding.textunits import sentence_spans

Span = tuple[int, int]
Kind = Literal["keyword", "phrase", "regex"]
Expand = Literal["sentence", "turn"]
MAX_PATTERN_LENGTH = 500

_TERMS = re.compile(r'"([^"]*)"|[^\s,"]+')
_LEADING_FLAGS = re.compile(r"\A(?:\(\?[aiLmsux]+\))+")
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}


def find_matches(
    text: str,
    *,
    pattern: str,
    kind: Kind = "keyword",
    whole_word: bool = True,
    case_sensitive: bool = False,
    expand: Expand | None = None,
    turns: Sequence[Span] | None = None,
    within: Sequence[Span] | None = None,
) -> list[Span]:
    """Merged ``(start, end)`` spans of ``text`` to code (see the module docstring).

    ``turns`` are the document's speaker turns as spans; ``expand="turn"`` needs
    them. Raises ``ValueError`` with a readable message for a bad pattern.
    """
    regex = compile_search(
        pattern, kind=kind, whole_word=whole_word, case_sensitive=case_sensitive
    )
    hits = [m.span() for m in regex.finditer(text) if m.end() > m.start()]
    if within is not None:
        hits = _inside(hits, merge_spans(within))
    if expand == "sentence":
        hits = _expand(hits, sentence_spans(text))
    elif expand == "turn":
        if turns is None:
            raise ValueError("expand='turn' needs the document's turns")
        hits = _expand(hits, sorted(turns))
    elif expand is not None:
        raise ValueError(f"expand must be None, 'sentence' or 'turn', not {expand!r}")
    return merge_spans(hits)


def compile_search(
    pattern: str,
    *,
    kind: Kind = "keyword",
    whole_word: bool = True,
    case_sensitive: bool = False,
) -> re.Pattern[str]:
    """The compiled search, after the checks in the module docstring."""
    if not pattern.strip():
        raise ValueError(_("Enter a word, phrase or pattern to search for."))
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(
            _("The search is too long: at most %(limit)d characters.")
            % {"limit": MAX_PATTERN_LENGTH}
        )
    flags = 0 if case_sensitive else re.IGNORECASE
    prefix = ""  # a regex's leading global flags, which must stay in front
    if kind == "keyword":
        terms = [q if q is not None else w for q, w in _terms(pattern)]
        terms = sorted({t for t in terms if t.strip()}, key=lambda t: (-len(t), t))
        if not terms:
            raise ValueError(_("Enter a word, phrase or pattern to search for."))
        # Longest first, so "J@M vzw" wins over "J@M" where both match.
        body = "|".join(_literal(t) for t in terms)
    elif kind == "phrase":
        body = _literal(pattern)
    elif kind == "regex":
        _check_regex(pattern)
        leading = _LEADING_FLAGS.match(pattern)
        prefix = leading.group() if leading else ""
        body = pattern[len(prefix) :]
        if "x" in prefix:
            body += "\n"  # end a trailing verbose-mode comment before our ")"
    else:
        raise ValueError(f"kind must be 'keyword', 'phrase' or 'regex', not {kind!r}")
    if whole_word:
        body = f"{WORD_BEFORE}(?:{body}){WORD_AFTER}"
    try:
        return re.compile(prefix + body, flags)
    except re.error as error:
        raise ValueError(_regex_message(error)) from None


def turns_of_speaker(
    turns: Iterable[tuple[int, str, int, int]], speaker: str | Iterable[str]
) -> list[Span]:
    """Spans of the turns ``(number, speaker, start, end)`` spoken by ``speaker``.

    Names compare without case and surrounding whitespace; pass several names to
    select several speakers. The result is sorted and merged, ready for ``within``.
    """
    wanted = {speaker} if isinstance(speaker, str) else set(speaker)
    wanted = {name.strip().casefold() for name in wanted}
    return merge_spans(
        (start, end)
        for _number, name, start, end in turns
        if name.strip().casefold() in wanted and end > start
    )


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with overlapping or touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _terms(pattern: str) -> list[tuple[str | None, str]]:
    return [(m.group(1), m.group()) for m in _TERMS.finditer(pattern)]


def _literal(text: str) -> str:
    """A keyword or phrase as a pattern: flexible whitespace, ``*`` wildcards."""
    words = text.split()
    return r"\s+".join(r"\w*".join(map(re.escape, w.split("*"))) for w in words)


def _check_regex(pattern: str) -> None:
    try:
        parsed = sre_parser.parse(pattern)
    except re.error as error:
        raise ValueError(_regex_message(error)) from None
    if _nested_repeat(parsed, inside_repeat=False):
        raise ValueError(
            _(
                "This pattern repeats a group that itself contains a repetition, "
                "such as (a+)+. Such patterns can take hours on a long transcript. "
                "Rewrite it without the nested repetition, or make the outer "
                "repetition possessive, for example (\\w+\\s)++."
            )
        )


def _nested_repeat(items: Iterable, *, inside_repeat: bool) -> bool:
    """Whether a variable-length, backtracking repeat sits inside a repeated group."""
    for op, av in items:
        if op in _REPEATS or op == sre_constants.POSSESSIVE_REPEAT:
            low, high, body = av
            variable = high != low
            if inside_repeat and variable and op in _REPEATS:
                return True
            repeats = op in _REPEATS and (high == sre_constants.MAXREPEAT or high > 1)
            if _nested_repeat(body, inside_repeat=inside_repeat or repeats):
                return True
        elif op == sre_constants.ATOMIC_GROUP:
            if _nested_repeat(av, inside_repeat=False):
                return True
        else:
            for child in _children(av):
                if _nested_repeat(child, inside_repeat=inside_repeat):
                    return True
    return False


def _children(av: object) -> Iterable:
    """The sub-patterns among a parsed node's arguments (groups, branches, asserts)."""
    if isinstance(av, sre_parser.SubPattern):
        yield av
    elif isinstance(av, tuple | list):
        for item in av:
            yield from _children(item)


def _regex_message(error: re.error) -> str:
    if error.pos is None:
        return _("This regular expression is not valid: %(error)s.") % {
            "error": error.msg
        }
    return _(
        "This regular expression is not valid: %(error)s (at character %(position)d)."
    ) % {"error": error.msg, "position": error.pos + 1}


def _inside(hits: list[Span], spans: list[Span]) -> list[Span]:
    """Hits lying wholly inside one of the sorted, disjoint ``spans``."""
    starts = [s for s, _e in spans]
    kept = []
    for start, end in hits:
        at = bisect_right(starts, start) - 1
        if at >= 0 and end <= spans[at][1]:
            kept.append((start, end))
    return kept


def _expand(hits: list[Span], units: list[Span]) -> list[Span]:
    """Each hit grown to cover every unit (sentence, turn) it overlaps.

    ``units`` are sorted and disjoint; a hit touching none stays as it is.
    """
    starts = [s for s, _e in units]
    ends = [e for _s, e in units]
    grown = []
    for start, end in hits:
        first = bisect_right(ends, start)  # first unit ending after the hit starts
        stop = bisect_left(starts, end)  # units starting before the hit ends
        if first < stop:
            start = min(start, starts[first])
            end = max(end, ends[stop - 1])
        grown.append((start, end))
    return grown
