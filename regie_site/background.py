"""Bookkeeping a request starts but its answer need not wait for.

After a coding, the frequencies ask "is a recomputation queued?" and, when none
is, queue one: a database round trip, sometimes a broker's (up to the broker's
connection timeout when it is down). A coder should wait on neither. In the web
server's workers (``start()``, called by gunicorn's ``post_fork``) such work runs
on one thread per process; everywhere else (tests, the development server,
Celery workers, commands) ``soon`` runs it at once, so what tests see is what a
request does.

The thread runs each piece of work by its key, at most once per ``spacing``
seconds: a key asked for again before its work ran is asked for once. Work must
hold by itself: what it reads is committed (ask for it from
``transaction.on_commit``), and it may run a little later than asked for, never
earlier. A failure is logged: the answer has been sent.
"""

from __future__ import annotations

import atexit
import heapq
import logging
import threading
import time
from collections.abc import Callable, Hashable

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

Work = Callable[[], None]

_runner: _Runner | None = None
EXIT_WAIT = 5.0  # seconds a stopping worker gives the work still waiting


def start() -> None:
    """Run ``soon``'s work on this process's own thread from now on (in a forked
    worker: the parent's thread is not this process's). What waits when the
    process exits is run first (for at most ``EXIT_WAIT`` seconds)."""
    global _runner
    _runner = _Runner()
    atexit.register(stop, timeout=EXIT_WAIT)


def stop(timeout: float | None = None) -> None:
    """Run what is waiting, then go back to running work at once."""
    global _runner
    runner, _runner = _runner, None
    if runner is not None:
        runner.close(timeout)


def soon(key: Hashable, work: Work, *, spacing: float = 0.0) -> None:
    """Run ``work`` now, or on the background thread once it is started: there
    not before ``spacing`` seconds after the last run of ``key``'s work, and not
    twice for asks that came while it waited."""
    if _runner is None:
        work()
    else:
        _runner.add(key, work, spacing)


class _Runner:
    """One daemon thread running keyed work when due, in due order."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, Hashable]] = []  # heap: when, order, key
        self._waiting: dict[Hashable, Work] = {}
        self._last_run: dict[Hashable, float] = {}
        self._order = 0
        self._closing = False
        self._thread = threading.Thread(
            target=self._loop, name="regie-background", daemon=True
        )
        self._thread.start()

    def add(self, key: Hashable, work: Work, spacing: float) -> None:
        with self._lock:
            if key in self._waiting:
                return
            self._waiting[key] = work
            now = time.monotonic()
            last = self._last_run.get(key)
            when = now if last is None else max(now, last + spacing)
            self._order += 1
            heapq.heappush(self._due, (when, self._order, key))
            self._lock.notify()

    def close(self, timeout: float | None) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify()
        self._thread.join(timeout)

    def _next(self) -> tuple[Hashable, Work] | None:
        """The next work when it is due; ``None`` once closed and done."""
        with self._lock:
            while True:
                if self._due:
                    when, _order, key = self._due[0]
                    pause = when - time.monotonic()
                    if pause <= 0 or self._closing:
                        heapq.heappop(self._due)
                        self._last_run[key] = time.monotonic()
                        return key, self._waiting.pop(key)
                elif self._closing:
                    return None
                else:
                    pause = None
                self._lock.wait(pause)

    def _loop(self) -> None:
        while (task := self._next()) is not None:
            key, work = task
            close_old_connections()  # as a request does: none past its age
            try:
                work()
            except Exception:
                logger.exception("background work %r failed", key)
        connections.close_all()
