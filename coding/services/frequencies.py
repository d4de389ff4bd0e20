"""Code frequencies: stored tables, recomputed by a Celery worker after codings change.

Flow: every coding write calls ``codings_changed`` (inside its transaction). After the
commit ``frequencies_schedule`` queues *one* task unless one is already queued, with a
short countdown, so a burst of codings becomes a single recomputation. The task
(``coding.tasks.recompute_code_frequencies``) calls ``frequencies_recompute``, which
updates only the codes touched since the last run when that is cheaper, or everything.
If no broker answers, coding goes on; the page says "stale" and the next schedule (a
page view, the next change, or the worker starting) catches up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from coding.models import (
    AnalysisState,
    AnalysisStatus,
    Case,
    Code,
    CodeFrequency,
    Coding,
    Document,
)

logger = logging.getLogger(__name__)
ALL_CODES = "*"
DEBOUNCE_SECONDS = 2
# Above this many touched codes a full recomputation is cheaper than a partial one.
PARTIAL_LIMIT = 10
# The stored columns, in the order ``_compute`` gives them.
COLUMNS = (
    "code_id",
    "rolled_up",
    "scope",
    "scope_key",
    "codings",
    "documents",
    "cases",
    "characters",
    "words",
)


def _state(project_id: int) -> AnalysisState:
    state, _created = AnalysisState.objects.get_or_create(project_id=project_id)
    return state


def frequencies_mark_dirty(project_id: int, code_ids: Sequence[int] | None) -> None:
    """The ``CodingsChangedHook`` of the frequencies: remember the touched codes and
    queue one recomputation after the commit."""
    code_ids = (ALL_CODES,) if code_ids is None else code_ids
    now = timezone.now()
    state = (
        AnalysisState.objects.select_for_update().filter(project_id=project_id).first()
    )
    if state is None:
        state = _state(project_id)
    dirty = set(state.dirty_code_ids)
    if ALL_CODES in dirty or ALL_CODES in code_ids:
        dirty = {ALL_CODES}
    else:
        dirty.update(int(c) for c in code_ids)
    state.dirty_code_ids = sorted(dirty, key=str)
    state.codings_changed_at = now
    state.save(update_fields=["dirty_code_ids", "codings_changed_at"])
    transaction.on_commit(lambda: frequencies_schedule(project_id=project_id))


def frequencies_schedule(*, project_id: int, countdown: int = DEBOUNCE_SECONDS) -> bool:
    """Queue a recomputation unless one is queued already. True when queued now."""
    from coding.tasks import recompute_code_frequencies

    _state(project_id)
    claimed = AnalysisState.objects.filter(
        project_id=project_id,
        frequencies_status__in=[AnalysisStatus.IDLE, AnalysisStatus.FAILED],
    ).update(frequencies_status=AnalysisStatus.QUEUED)
    if not claimed:
        return False
    try:
        recompute_code_frequencies.apply_async(
            kwargs={"project_id": project_id}, countdown=countdown
        )
    except Exception:  # the broker is down: figures stay stale, nothing is lost
        logger.warning(
            "could not queue code frequencies for project %s", project_id, exc_info=True
        )
        AnalysisState.objects.filter(
            project_id=project_id, frequencies_status=AnalysisStatus.QUEUED
        ).update(frequencies_status=AnalysisStatus.IDLE)
        return False
    return True


def frequencies_schedule_if_stale(*, project_id: int) -> bool:
    state = _state(project_id)
    if state.frequencies_badge == "stale":
        return frequencies_schedule(project_id=project_id, countdown=0)
    return False


def _ancestors(parent_of: dict[int, int | None], code_id: int) -> list[int]:
    chain = []
    while code_id is not None:
        chain.append(code_id)
        code_id = parent_of.get(code_id)
    return chain


def frequencies_recompute(*, project_id: int) -> dict[str, int]:
    """Recompute the stored tables (all, or only the touched codes and their parents).

    Idempotent: rows of the recomputed codes are replaced in one transaction.
    """
    started = timezone.now()
    with transaction.atomic():
        state = AnalysisState.objects.select_for_update().get(project_id=project_id)
        dirty = set(state.dirty_code_ids)
        state.dirty_code_ids = []
        state.frequencies_status = AnalysisStatus.RUNNING
        state.frequencies_started_at = started
        state.save(
            update_fields=[
                "dirty_code_ids",
                "frequencies_status",
                "frequencies_started_at",
            ]
        )
    try:
        parent_of = dict(
            Code.objects.filter(project_id=project_id).values_list("id", "parent_id")
        )
        partial = (
            ALL_CODES not in dirty
            and state.frequencies_computed_at is not None
            and len(dirty) <= PARTIAL_LIMIT
        )
        if partial:
            # A sub-code's change also moves its ancestors' rolled-up figures.
            targets = {
                a for c in dirty if c in parent_of for a in _ancestors(parent_of, c)
            }
        else:
            targets = set(parent_of)
        rows = _compute(project_id, parent_of, targets)
        with transaction.atomic():
            CodeFrequency.objects.filter(
                project_id=project_id, code_id__in=targets
            ).delete()
            _store(project_id, rows)
            AnalysisState.objects.filter(project_id=project_id).update(
                frequencies_status=AnalysisStatus.IDLE,
                frequencies_computed_at=started,
                frequencies_error="",
            )
    except Exception as error:
        AnalysisState.objects.filter(project_id=project_id).update(
            frequencies_status=AnalysisStatus.FAILED,
            frequencies_error=str(error)[:2000],
        )
        raise
    state.refresh_from_db()
    if state.codings_changed_at and state.codings_changed_at > started:
        frequencies_schedule(project_id=project_id)  # changes arrived while we ran
    return {"codes": len(targets), "rows": len(rows), "partial": int(partial)}


def _store(project_id: int, rows: list[tuple]) -> None:
    """Insert ``_compute``'s rows by ``COPY``.

    Tens of thousands of rows at once: building model instances and their
    parameters cost more than the computation, so PostgreSQL is fed the values
    directly (the same columns ``bulk_create`` would write).
    """
    table = connection.ops.quote_name(CodeFrequency._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in ("project_id", *COLUMNS))
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row((project_id, *row))


def _compute(
    project_id: int, parent_of: dict[int, int | None], targets: set[int]
) -> list[tuple]:
    """Aggregate in SQL per (code, document, coder), then fold into the scopes.

    The fold is vectorised (numpy): at 200,000 codings a Python loop over every
    cell, ancestor and scope took seconds. A coding counts for its code (``rolled_up``
    false and true) and, rolled up, for every ancestor among ``targets``.
    """
    if not targets:
        return []
    descendants: dict[int, set[int]] = defaultdict(set)
    for code_id in parent_of:
        for ancestor in _ancestors(parent_of, code_id):
            descendants[ancestor].add(code_id)
    needed = set().union(*(descendants[t] for t in targets))
    case_of = dict(
        Document.objects.filter(project_id=project_id).values_list("id", "case_id")
    )
    # The project's document ids as a list rather than a join: the database then
    # reads the codings from an index instead of joining every row.
    cells = list(
        Coding.objects.filter(document_id__in=list(case_of), code_id__in=needed)
        .order_by()
        .values_list("code_id", "document_id", "coder_id")
        .annotate(
            n=Count("id"), chars=Sum(F("end") - F("start")), words=Sum("word_count")
        )
    )
    attributes = {
        case_id: sorted({f"{k}={v}" for k, v in (attrs or {}).items()})
        for case_id, attrs in Case.objects.filter(project_id=project_id).values_list(
            "id", "attributes"
        )
    }
    return _fold(cells, parent_of, targets, case_of, attributes)


def _fold(
    cells: list[tuple],
    parent_of: dict[int, int | None],
    targets: set[int],
    case_of: dict[int, int | None],
    attributes: dict[int, list[str]],
) -> list[tuple]:
    """``CodeFrequency`` rows (values of ``COLUMNS``) from ``(code, document, coder,
    n, chars, words)`` cells; documents and cases are distinct counts per row."""
    if not cells:
        return []
    code, document, coder, n, chars, words = (
        np.array([c[i] or 0 for c in cells], dtype=np.int64) for i in range(6)
    )
    documents = np.unique(document)
    coders = np.unique(coder)
    doc_i = np.searchsorted(documents, document)
    coder_i = np.searchsorted(coders, coder)
    case_ids = sorted({c for c in case_of.values() if c is not None})
    case_index = {c: i for i, c in enumerate(case_ids)}
    case_i = np.array(
        [case_index.get(case_of.get(int(d)), -1) for d in documents], dtype=np.int64
    )[doc_i]

    # (owner, rolled) variants each cell counts for: v = 2 * owner index + rolled.
    owners = sorted(targets)
    owner_index = {o: i for i, o in enumerate(owners)}
    cell_parts, variant_parts = [], []
    for code_id in np.unique(code).tolist():
        variants = []
        for owner in _ancestors(parent_of, code_id):
            if owner in owner_index:
                rolls = (False, True) if owner == code_id else (True,)
                variants += [2 * owner_index[owner] + int(r) for r in rolls]
        rows = np.flatnonzero(code == code_id)
        for v in variants:
            cell_parts.append(rows)
            variant_parts.append(np.full(len(rows), v, dtype=np.int64))
    if not cell_parts:
        return []
    ci = np.concatenate(cell_parts)
    v = np.concatenate(variant_parts)

    out: list[tuple] = []

    def emit(rows, group, scope, key_of) -> None:
        """One row per distinct ``group`` value over the cells ``rows``."""
        keys, inverse = np.unique(group, return_inverse=True)
        sums = [
            np.bincount(inverse, weights=w[rows], minlength=len(keys)).astype(np.int64)
            for w in (n, chars, words)
        ]
        cases = case_i[rows]
        docs = _distinct(inverse, len(keys), doc_i[rows])
        with_case = _distinct(inverse, len(keys), cases, cases >= 0)
        for i, k in enumerate(keys.tolist()):
            variant, key = key_of(k)
            out.append(
                (
                    owners[variant // 2],
                    bool(variant % 2),
                    str(scope),
                    key,
                    int(sums[0][i]),
                    int(docs[i]),
                    int(with_case[i]),
                    int(sums[1][i]),
                    int(sums[2][i]),
                )
            )

    Scope = CodeFrequency.Scope
    emit(ci, v, Scope.ALL, lambda k: (k, ""))
    nd, nc = len(documents), len(coders)
    emit(
        ci,
        v * nd + doc_i[ci],
        Scope.DOCUMENT,
        lambda k: (k // nd, str(int(documents[k % nd]))),
    )
    emit(
        ci,
        v * nc + coder_i[ci],
        Scope.CODER,
        lambda k: (k // nc, str(int(coders[k % nc]))),
    )
    # Attribute values: a cell counts once for every "name=value" of its case.
    names = sorted({a for values in attributes.values() for a in values})
    if names:
        index = {a: i for i, a in enumerate(names)}
        per_case = [[index[a] for a in attributes.get(c, ())] for c in case_ids]
        counts = np.array([len(p) for p in per_case], dtype=np.int64)
        flat = np.array([a for p in per_case for a in p], dtype=np.int64)
        offsets = np.cumsum(counts) - counts
        entries = np.flatnonzero(case_i[ci] >= 0)  # entries of (ci, v) with a case
        case_of_entry = case_i[ci[entries]]
        repeat = counts[case_of_entry]
        entry = np.repeat(entries, repeat)
        step = np.arange(len(entry)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
        name_i = flat[np.repeat(offsets[case_of_entry], repeat) + step]
        na = len(names)
        emit(
            ci[entry],
            v[entry] * na + name_i,
            Scope.ATTRIBUTE,
            lambda k: (k // na, names[k % na]),
        )
    return out


def _distinct(inverse, size: int, values, valid=None):
    """How many distinct non-negative ``values`` each group holds."""
    if valid is not None:
        inverse, values = inverse[valid], values[valid]
    span = int(values.max(initial=0)) + 1
    pairs = np.unique(inverse * span + values)
    return np.bincount(pairs // span, minlength=size)
