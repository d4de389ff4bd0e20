"""Codings changed: the core records it, satellites react through the registry.

``codings_changed`` is called by every write that moves coded figures (inside the
writing transaction). It appends ``CodingChange`` rows — no per-project row to lock —
and tells the registered hooks (frequencies, network, ...), which mark their results
stale and enqueue work on commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from coding.models import CodingChange
from coding.registry import notify_codings_changed


def codings_changed(*, project_id: int, code_ids: Iterable[int] | None = None) -> None:
    """Record that codings of these codes (``None``: of any code) changed."""
    now = timezone.now()
    ids = None if code_ids is None else sorted(set(code_ids))
    if ids is None:
        CodingChange.objects.create(project_id=project_id, changed_at=now)
    else:
        CodingChange.objects.bulk_create(
            CodingChange(project_id=project_id, code_id=code_id, changed_at=now)
            for code_id in ids
        )
    notify_codings_changed(project_id, ids)


def codings_changed_at(project_id: int) -> datetime | None:
    """When codings of the project last changed (``None``: never)."""
    return CodingChange.objects.filter(project_id=project_id).aggregate(
        at=Max("changed_at")
    )["at"]


@dataclass(frozen=True, slots=True)
class ChangesSince:
    """The changes after a worker's last read: up to ``last_id``, which codes."""

    last_id: int
    code_ids: frozenset[int]
    all_codes: bool


def changes_since(project_id: int, after_id: int) -> ChangesSince:
    """What changed after change ``after_id`` (0: since the beginning)."""
    rows = list(
        CodingChange.objects.filter(project_id=project_id, id__gt=after_id)
        .values_list("id", "code_id")
        .order_by()
    )
    if not rows:
        return ChangesSince(after_id, frozenset(), False)
    return ChangesSince(
        last_id=max(row_id for row_id, _ in rows),
        code_ids=frozenset(code for _, code in rows if code is not None),
        all_codes=any(code is None for _, code in rows),
    )
