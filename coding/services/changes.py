"""Codings changed: the core records it, satellites react through the registry.

``codings_changed`` is called by every write that moves coded figures (inside the
writing transaction). It appends ``CodingChange`` rows — no per-project row to lock —
and tells the registered hooks (frequencies, network, ...), which mark their results
stale and enqueue work on commit. A worker reads what changed since its last read
with ``coding.selectors_changes.changes_since`` and keeps the ``ChangeHorizon`` it
returns.
"""

from __future__ import annotations

from collections.abc import Iterable

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
