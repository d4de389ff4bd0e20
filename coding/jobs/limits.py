"""A memory limit for one task, in the worker's own process.

``CELERY_WORKER_MAX_MEMORY_PER_CHILD`` replaces a pool process *after* a task grew
it; this stops the task itself: the address space may grow by ``extra_bytes``
while the block runs, beyond that an allocation fails with ``MemoryError`` (which
the task turns into a readable refusal), then the previous limit is restored.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _address_space() -> int | None:
    """The process's current virtual size in bytes (``None`` without /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextmanager
def memory_limit(extra_bytes: int) -> Iterator[None]:
    """Let the process grow by at most ``extra_bytes`` while the block runs
    (no limit where the platform cannot tell the current size)."""
    current = _address_space()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = None if current is None else current + extra_bytes
    if limit is not None and hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if limit is None or (soft != resource.RLIM_INFINITY and soft <= limit):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
