"""Aliases: the names under which an actor (a code) is mentioned, matched in text.

Pure module (no ORM), shared by the analysis app (actor mentions, auto-coding) and
the network app (actors' aliases). An actor has several names ("AgII",
"het Agentschap", "Agentschap Integratie en Inburgering"), so matching one word
would miss or double-count.

Matching rules:

* Case-insensitive, accent-sensitive: "agii" matches "AgII", "Stad" matches
  "stad", but "e" never matches "é". Aliases are NFC-normalised like stored text.
* Whole words: a match may not touch a word character or ``@`` on either side, so
  "J@M" is not found in "J@Mechelen" and "stad" not in "stadsbestuur". Hyphens and
  apostrophes do separate words here (unlike in ``words``): "J@M-werking" and
  "AgII's" are mentions of J@M and AgII.
* Whitespace inside an alias matches any run of whitespace, including a line break.
* Longest alias first: where matches overlap, the longer one wins (then the one
  that starts first), so "Agentschap Integratie en Inburgering" is one mention, not
  also one of "Agentschap", and "het Agentschap Jongerenwelzijn" is a mention of the
  Agentschap Jongerenwelzijn even when "het Agentschap" is another actor's alias.
  Kept matches never overlap, so no text is counted twice.
* One alias belongs to one actor; the same alias (ignoring case) under two actors
  is a ``ValueError``, since its mentions could not be attributed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils.translation import gettext as _

A = TypeVar("A", bound=Hashable)

WORD_BEFORE = r"(?<![\w@])"
WORD_AFTER = r"(?![\w@])"
MAX_ALIAS_LENGTH = 200


@dataclass(frozen=True)
class AliasMatcher:
    """Aliases compiled into one regex; build once, reuse over many texts."""

    regex: re.Pattern[str]
    actor_of_alias: Mapping[str, Any]  # key: lower-cased, single-spaced alias

    def finditer(self, text: str) -> list[tuple[int, int, Any]]:
        """Kept matches in text order: longest first where candidates overlap."""
        found = [
            (m.start(1), m.end(1), self._actor(m.group(1)))
            for m in self.regex.finditer(text)
        ]
        if all(a[1] <= b[0] for a, b in zip(found, found[1:], strict=False)):
            return found  # the common case: nothing overlaps
        kept: list[tuple[int, int, Any]] = []
        for candidate in sorted(found, key=lambda c: (c[0] - c[1], c[0])):
            at = bisect_left(kept, candidate[:2])
            clear_left = at == 0 or kept[at - 1][1] <= candidate[0]
            clear_right = at == len(kept) or candidate[1] <= kept[at][0]
            if clear_left and clear_right:
                kept.insert(at, candidate)
        return kept

    def _actor(self, matched: str) -> Any:
        key = " ".join(matched.split()).lower()
        actor = self.actor_of_alias.get(key)
        if actor is None:  # a case pair that lower() does not map alike (rare)
            for alias, owner in self.actor_of_alias.items():
                if re.fullmatch(_alias_pattern(alias), matched, re.IGNORECASE):
                    return owner
        return actor


def compile_aliases(aliases: Mapping[A, Sequence[str]]) -> AliasMatcher:
    """One regex for every alias of every actor (see the module docstring)."""
    owner: dict[str, A] = {}
    for actor, names in aliases.items():
        for name in names:
            alias = unicodedata.normalize("NFC", " ".join(name.split()))
            if not alias:
                raise ValueError(
                    _("An alias of %(actor)s is empty.") % {"actor": actor}
                )
            if len(alias) > MAX_ALIAS_LENGTH:
                raise ValueError(
                    _("The alias “%(alias)s…” is longer than %(limit)d characters.")
                    % {"alias": alias[:40], "limit": MAX_ALIAS_LENGTH}
                )
            key = alias.lower()  # what re.IGNORECASE treats as equal
            if owner.get(key, actor) != actor:
                raise ValueError(
                    _("The alias “%(alias)s” belongs to both %(a)s and %(b)s.")
                    % {"alias": alias, "a": owner[key], "b": actor}
                )
            owner[key] = actor
    if not owner:
        raise ValueError(_("Give at least one alias."))
    # The lookahead finds a candidate at every position, overlapping ones included;
    # the trie tries longer continuations first, so each candidate is the longest
    # alias starting there. A trie rather than a flat alternation because Python's
    # re would try every alias at every position.
    body = _trie_pattern(sorted(owner))
    regex = re.compile(f"(?={WORD_BEFORE}({body}){WORD_AFTER})", re.IGNORECASE)
    return AliasMatcher(regex=regex, actor_of_alias=owner)


def _alias_pattern(alias: str) -> str:
    return r"\s+".join(re.escape(part) for part in alias.split(" "))


def _trie_pattern(keys: Sequence[str]) -> str:
    """A regex matching exactly ``keys``, shared prefixes factored out.

    A space in a key matches any run of whitespace. Where one key is a prefix of
    another, the longer continuation is tried first.
    """
    root: dict[str, dict] = {}
    for key in keys:
        node = root
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}  # a key ends here
    return _node_pattern(root)


def _node_pattern(node: dict[str, dict]) -> str:
    branches = []
    for char, child in sorted(node.items()):
        if char:
            edge = r"\s+" if char == " " else re.escape(char)
            branches.append(edge + _node_pattern(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if "" in node:
        body = f"(?:{body})?"
    return body
