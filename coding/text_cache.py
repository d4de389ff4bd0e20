"""Transcript texts kept by a web process between requests, checked against the row.

A coder works in one transcript for hours, and each coding, each opening of the
document page and each transcript list needs its text (a passage, or all of it).
Reading it from PostgreSQL every time cost 0.3–0.5 ms of the server's time: a
transcript of 60–120 KB lies compressed outside its row (TOAST), and even a
passage is found by decompressing it and walking the UTF-8 from its start.

So a process keeps the texts it read lately. The statement that checks the
caller's access (``coding.access``) reads the document row's version instead of
its text, and a text kept here is used only with the version it was read with:
every change to the row (an edit, a pseudonymisation) makes a new version, and
the text is read again. Nothing is served from here that the access statement
did not just allow. Bounded in characters (the least recently used go first) and
in time: a text no request used for ``max_idle`` seconds is dropped.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from django.conf import settings

#: A document row's version, selected next to it (alias ``d``): the transaction
#: that wrote this version of the row and where it lies. Two versions of a row
#: that exist at the same time never share both, and an update makes a new one.
VERSION_SQL = "d.xmin::text || '/' || d.ctid::text"


class _Kept(NamedTuple):
    version: str
    text: str
    used: float


class TextCache:
    """Texts by document id, each with the row version it was read with."""

    def __init__(
        self,
        max_chars: int,
        max_idle: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_chars = max_chars
        self.max_idle = max_idle
        self._clock = clock
        self._kept: OrderedDict[int, _Kept] = OrderedDict()  # least recent first
        self._chars = 0
        self._lock = threading.Lock()

    def holds(self, document_id: int) -> bool:
        """Whether a text of the document is kept (of whichever version)."""
        with self._lock:
            self._drop_idle()
            return document_id in self._kept

    def text(self, document_id: int, version: str) -> str | None:
        """The kept text if it was read with ``version``; a text of another
        version is dropped."""
        with self._lock:
            kept = self._kept.get(document_id)
            if kept is None:
                return None
            if kept.version != version:
                self._drop(document_id)
                return None
            self._kept[document_id] = kept._replace(used=self._clock())
            self._kept.move_to_end(document_id)
            return kept.text

    def keep(self, document_id: int, version: str, text: str) -> None:
        """Keep ``text``, read with ``version``; a text of more than a quarter
        of the bound is not kept (it would push out the others)."""
        with self._lock:
            if document_id in self._kept:
                self._drop(document_id)
            if len(text) > self.max_chars // 4:
                return
            self._kept[document_id] = _Kept(version, text, self._clock())
            self._chars += len(text)
            while self._chars > self.max_chars:
                self._drop(next(iter(self._kept)))
            self._drop_idle()

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._chars = 0

    def _drop(self, document_id: int) -> None:
        self._chars -= len(self._kept.pop(document_id).text)

    def _drop_idle(self) -> None:
        oldest = self._clock() - self.max_idle
        while self._kept:
            document_id, kept = next(iter(self._kept.items()))
            if kept.used >= oldest:
                return
            self._drop(document_id)


@cache
def transcript_texts() -> TextCache:
    """This process's cache (``REGIE_TEXT_CACHE_CHARS`` characters, 0: none)."""
    return TextCache(
        max_chars=settings.REGIE_TEXT_CACHE_CHARS,
        max_idle=settings.REGIE_TEXT_CACHE_IDLE_SECONDS,
    )
