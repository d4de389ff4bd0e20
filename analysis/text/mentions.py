"""Actor mentions: how often each partner is named, under any of its aliases.

Pure module (no ORM). The field study weighed partners by NVivo word-frequency
counts per actor; an actor has several names, so counting one word would miss or
double-count. The matching rules are those of ``coding.aliases`` (whole words,
case-insensitive, longest alias first). Auto-coding uses the same matches
(``find_mentions``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from coding.aliases import AliasMatcher, compile_aliases

A = TypeVar("A", bound=Hashable)
K = TypeVar("K", bound=Hashable)


def find_mentions(
    text: str, aliases: Mapping[A, Sequence[str]] | AliasMatcher
) -> list[tuple[int, int, A]]:
    """Every mention in ``text`` as ``(start, end, actor_id)``, in text order."""
    matcher = aliases if isinstance(aliases, AliasMatcher) else compile_aliases(aliases)
    return list(matcher.finditer(text))


def count_actor_mentions(
    texts: Iterable[tuple[K, str]], aliases: Mapping[A, Sequence[str]] | AliasMatcher
) -> dict[tuple[K, A], int]:
    """Mentions per ``(key, actor_id)``; keys are documents, speakers, turns ….

    Texts with the same key add up. Only pairs with at least one mention appear.
    """
    matcher = aliases if isinstance(aliases, AliasMatcher) else compile_aliases(aliases)
    counts: Counter[tuple[K, A]] = Counter()
    for key, text in texts:
        counts.update((key, actor) for _s, _e, actor in matcher.finditer(text))
    return dict(counts)
