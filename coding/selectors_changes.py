"""Reading the change record: when codings last changed, and what changed since a
reader's last read (``coding.services.changes.codings_changed`` writes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Max, Q

from coding.models import AuditEvent, Coding, CodingChange


def codings_changed_at(project_id: int) -> datetime | None:
    """When codings of the project last changed (``None``: never)."""
    return CodingChange.objects.filter(project_id=project_id).aggregate(
        at=Max("changed_at")
    )["at"]


def visible_codings_changed_at(project_id: int, visible: Q | None) -> datetime | None:
    """When codings a reader may see (``visible``, a ``Q`` on codings such as
    ``ProjectAccess.coding_filter()``; ``None``: all) last changed.

    A blind coder's results must not turn stale because someone else coded (an
    activity side channel), so a restricted reader is not given the project-wide
    clock: it gets the latest write of a visible coding (created or changed: the
    coding's own times; deleted or restored: the audit trail, which keeps the
    coder of every coding event). Project-wide changes that are no coder's
    activity (case attributes, codes merged or deleted, imports: the change record's
    rows for "any code") still count.
    """
    if visible is None or visible == Q(pk__isnull=False):
        return codings_changed_at(project_id)
    rows = Coding.objects.filter(document__project_id=project_id).filter(visible)
    times = rows.aggregate(made=Max("created_at"), changed=Max("updated_at"))
    times["event"] = (
        AuditEvent.objects.filter(project_id=project_id, entity="coding")
        .filter(visible)
        .aggregate(at=Max("at"))["at"]
    )
    times["project"] = CodingChange.objects.filter(
        project_id=project_id, code_id__isnull=True
    ).aggregate(at=Max("changed_at"))["at"]
    known = [t for t in times.values() if t is not None]
    return max(known) if known else None


@dataclass(frozen=True, slots=True)
class ChangeHorizon:
    """How far a reader has taken a project's change record.

    ``last_id`` is the highest change id it took; ``snapshot`` the PostgreSQL
    snapshot (``pg_snapshot`` text, ``""`` before the first read) its read was
    made in. A row is new to the reader when its id is above ``last_id``, or when
    its transaction had not committed in ``snapshot``: ids are handed out at
    insert, so a writer with a lower id can commit after a read that took a
    higher one, and the id alone would never show it.
    """

    last_id: int = 0
    snapshot: str = ""


@dataclass(frozen=True, slots=True)
class ChangesSince:
    """The changes a read took: which codes, and the horizon to keep after it."""

    horizon: ChangeHorizon
    code_ids: frozenset[int]
    all_codes: bool

    @property
    def empty(self) -> bool:
        return not self.code_ids and not self.all_codes


# Rows new since a horizon: above its last id, or written by a transaction its
# snapshot did not see (not by the reading transaction itself: a reader sees its
# own rows at once and takes them by id).
_AFTER = """(
    c.id > %(last_id)s
    OR (
        c.xid >= pg_snapshot_xmin(%(snapshot)s::pg_snapshot)::text::bigint
        AND NOT pg_visible_in_snapshot(c.xid::text::xid8, %(snapshot)s::pg_snapshot)
        AND c.xid IS DISTINCT FROM pg_current_xact_id_if_assigned()::text::bigint
    )
)"""


def _horizon_params(project_id: int, horizon: ChangeHorizon) -> dict:
    return {
        "project_id": project_id,
        "last_id": horizon.last_id,
        "snapshot": horizon.snapshot or None,
    }


def changes_since(project_id: int, horizon: ChangeHorizon) -> ChangesSince:
    """The changes new since ``horizon`` that have committed, and the new horizon.

    The read takes a snapshot first and keeps only rows visible in it (or written
    by this transaction), so a writer still busy now is left for the next read,
    whatever its change id.
    """
    table = connection.ops.quote_name(CodingChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        snapshot, own_xid = cursor.fetchone()
        cursor.execute(
            f"SELECT c.id, c.code_id FROM {table} c "
            f"WHERE c.project_id = %(project_id)s AND {_AFTER} "
            "AND (pg_visible_in_snapshot(c.xid::text::xid8, %(now)s::pg_snapshot) "
            "OR c.xid = %(own)s)",
            {**_horizon_params(project_id, horizon), "now": snapshot, "own": own_xid},
        )
        rows = cursor.fetchall()
    last_id = max((row_id for row_id, _ in rows), default=horizon.last_id)
    return ChangesSince(
        horizon=ChangeHorizon(
            last_id=max(last_id, horizon.last_id),
            snapshot=_with_own_transaction(snapshot, own_xid),
        ),
        code_ids=frozenset(code for _, code in rows if code is not None),
        all_codes=any(code is None for _, code in rows),
    )


def _with_own_transaction(snapshot: str, own_xid: int | None) -> str:
    """The snapshot, with the reading transaction's own id counted as seen (its
    rows were read), so a later reader does not take them again.

    PostgreSQL leaves a snapshot's own transaction out of its list of running
    ones, but its id may be at or above ``xmax``; then ``xmax`` moves past it and
    the ids in between (running, or not started, when the snapshot was taken)
    join the list.
    """
    xmin, xmax, running = snapshot.split(":")
    if own_xid is None or own_xid < int(xmax):
        return snapshot
    between = [str(x) for x in range(int(xmax), own_xid)]
    listed = [x for x in running.split(",") if x] + between
    return f"{xmin}:{own_xid + 1}:{','.join(listed)}"


def changes_pending(project_id: int, horizon: ChangeHorizon) -> bool:
    """Whether changes committed since ``horizon`` wait to be taken (one query)."""
    table = connection.ops.quote_name(CodingChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {table} c "
            f"WHERE c.project_id = %(project_id)s AND {_AFTER})",
            _horizon_params(project_id, horizon),
        )
        return cursor.fetchone()[0]
