"""Code frequencies: stored tables, recomputed by a Celery worker after codings change.

Flow: every coding write appends to the core's change record
(``coding.services.changes.codings_changed``, no lock) and calls the registered
hook, ``frequencies_codings_changed``, which only asks for a recomputation after the
commit. ``frequencies_schedule`` queues *one* task unless one is already queued, with
a short countdown, so a burst of codings becomes a single recomputation. The task
(``analysis.tasks.recompute_code_frequencies``) calls ``frequencies_recompute``, which
reads the changes after the last one it took (``changes_since``) and updates only
the codes touched when that is cheaper, or everything. If no broker answers, coding
goes on; the page says "stale" and the next schedule (a page view, the next change,
or the worker starting) catches up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from analysis.models import AnalysisState, AnalysisStatus, CodeFrequency
from coding.models import Case, Code, Coding, Document
from coding.services.changes import ChangesSince, changes_since, codings_changed_at

logger = logging.getLogger(__name__)
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


def frequencies_codings_changed(
    project_id: int, code_ids: Sequence[int] | None
) -> None:
    """The ``CodingsChangedHook`` of the frequencies: queue one recomputation after
    the commit. Which codes changed is the core's record; nothing here is locked
    (the state row is only created, once, for a project that has none)."""
    if not AnalysisState.objects.filter(project_id=project_id).exists():
        AnalysisState.objects.bulk_create(
            [AnalysisState(project_id=project_id)], ignore_conflicts=True
        )
    transaction.on_commit(lambda: frequencies_schedule(project_id=project_id))


def frequencies_schedule(*, project_id: int, countdown: int = DEBOUNCE_SECONDS) -> bool:
    """Queue a recomputation unless one is queued already. True when queued now."""
    from analysis.tasks import recompute_code_frequencies

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


def frequencies_catch_up() -> None:
    """On a worker's start: jobs a dead worker marked queued or running would never
    finish, so they go back to idle; every stale project is queued again."""
    AnalysisState.objects.filter(
        frequencies_status__in=[AnalysisStatus.QUEUED, AnalysisStatus.RUNNING]
    ).update(frequencies_status=AnalysisStatus.IDLE)
    for project_id in AnalysisState.objects.values_list("project_id", flat=True):
        frequencies_schedule_if_stale(project_id=project_id)


def _ancestors(parent_of: dict[int, int | None], code_id: int) -> list[int]:
    chain = []
    while code_id is not None:
        chain.append(code_id)
        code_id = parent_of.get(code_id)
    return chain


@dataclass(frozen=True, slots=True)
class RecomputePlan:
    """What one run recomputes: the codes whose rows it replaces, from which change."""

    changes: ChangesSince
    targets: set[int]
    partial: bool


def frequencies_recompute(*, project_id: int) -> dict[str, int]:
    """Recompute the stored tables (all, or only the touched codes and their parents).

    Idempotent: rows of the recomputed codes are replaced in one transaction. A run
    that fails leaves ``last_change_id`` where it was, so its changes are read again.
    """
    started = timezone.now()
    state = _mark_running(project_id, started)
    parent_of = dict(
        Code.objects.filter(project_id=project_id).values_list("id", "parent_id")
    )
    plan = _plan(state, parent_of)
    try:
        rows = _compute(project_id, parent_of, plan.targets)
        _replace(project_id, plan, rows, started)
    except Exception as error:
        AnalysisState.objects.filter(project_id=project_id).update(
            frequencies_status=AnalysisStatus.FAILED,
            frequencies_error=str(error)[:2000],
        )
        raise
    if _changed_while_running(project_id, plan.changes, started):
        frequencies_schedule(project_id=project_id)
    return {"codes": len(plan.targets), "rows": len(rows), "partial": int(plan.partial)}


def _mark_running(project_id: int, started) -> AnalysisState:
    state = _state(project_id)
    state.frequencies_status = AnalysisStatus.RUNNING
    state.frequencies_started_at = started
    state.save(update_fields=["frequencies_status", "frequencies_started_at"])
    return state


def _plan(state: AnalysisState, parent_of: dict[int, int | None]) -> RecomputePlan:
    """Only the touched codes and their ancestors when few changed since the last
    computation; every code otherwise (or the first time)."""
    changes = changes_since(state.project_id, state.last_change_id)
    partial = (
        not changes.all_codes
        and state.frequencies_computed_at is not None
        and len(changes.code_ids) <= PARTIAL_LIMIT
    )
    if not partial:
        return RecomputePlan(changes, set(parent_of), partial=False)
    # A sub-code's change also moves its ancestors' rolled-up figures.
    targets = {
        a for c in changes.code_ids if c in parent_of for a in _ancestors(parent_of, c)
    }
    return RecomputePlan(changes, targets, partial=True)


@transaction.atomic
def _replace(project_id: int, plan: RecomputePlan, rows: list[tuple], started) -> None:
    CodeFrequency.objects.filter(
        project_id=project_id, code_id__in=plan.targets
    ).delete()
    _store(project_id, rows)
    AnalysisState.objects.filter(project_id=project_id).update(
        frequencies_status=AnalysisStatus.IDLE,
        frequencies_computed_at=started,
        frequencies_error="",
        last_change_id=plan.changes.last_id,
    )


def _changed_while_running(project_id: int, taken: ChangesSince, started) -> bool:
    """Changes arrived after the run read them: another run must follow."""
    changed = codings_changed_at(project_id)
    if changed and changed > started:
        return True
    return changes_since(project_id, taken.last_id).last_id > taken.last_id


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


@dataclass(frozen=True)
class _Cells:
    """The SQL cells as columns: per cell its counts and the index of its document,
    coder and case (-1: no case) among the sorted distinct ones."""

    n: np.ndarray
    chars: np.ndarray
    words: np.ndarray
    documents: np.ndarray
    coders: np.ndarray
    doc_i: np.ndarray
    coder_i: np.ndarray
    case_i: np.ndarray
    case_ids: list[int]


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
    code = np.array([c[0] or 0 for c in cells], dtype=np.int64)
    columns = _columns(cells, case_of)
    owners = sorted(targets)
    ci, v = _variants(code, parent_of, owners)
    if not len(ci):
        return []
    out: list[tuple] = []
    Scope = CodeFrequency.Scope
    _emit(out, columns, owners, ci, v, Scope.ALL, lambda k: (k, ""))
    nd, nc = len(columns.documents), len(columns.coders)
    documents, coders = columns.documents, columns.coders
    _emit(
        out,
        columns,
        owners,
        ci,
        v * nd + columns.doc_i[ci],
        Scope.DOCUMENT,
        lambda k: (k // nd, str(int(documents[k % nd]))),
    )
    _emit(
        out,
        columns,
        owners,
        ci,
        v * nc + columns.coder_i[ci],
        Scope.CODER,
        lambda k: (k // nc, str(int(coders[k % nc]))),
    )
    _emit_attributes(out, columns, owners, ci, v, attributes)
    return out


def _columns(cells: list[tuple], case_of: dict[int, int | None]) -> _Cells:
    _code, document, coder, n, chars, words = (
        np.array([c[i] or 0 for c in cells], dtype=np.int64) for i in range(6)
    )
    documents = np.unique(document)
    coders = np.unique(coder)
    doc_i = np.searchsorted(documents, document)
    case_ids = sorted({c for c in case_of.values() if c is not None})
    case_index = {c: i for i, c in enumerate(case_ids)}
    case_i = np.array(
        [case_index.get(case_of.get(int(d)), -1) for d in documents], dtype=np.int64
    )[doc_i]
    return _Cells(
        n=n,
        chars=chars,
        words=words,
        documents=documents,
        coders=coders,
        doc_i=doc_i,
        coder_i=np.searchsorted(coders, coder),
        case_i=case_i,
        case_ids=case_ids,
    )


def _variants(
    code: np.ndarray, parent_of: dict[int, int | None], owners: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Entries ``(cell index, variant)``: the (owner, rolled) variants each cell
    counts for, ``variant = 2 * owner index + rolled``."""
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
        empty = np.array([], dtype=np.int64)
        return empty, empty
    return np.concatenate(cell_parts), np.concatenate(variant_parts)


def _emit(out, columns: _Cells, owners, rows, group, scope, key_of) -> None:
    """One row per distinct ``group`` value over the cells ``rows``."""
    keys, inverse = np.unique(group, return_inverse=True)
    sums = [
        np.bincount(inverse, weights=w[rows], minlength=len(keys)).astype(np.int64)
        for w in (columns.n, columns.chars, columns.words)
    ]
    cases = columns.case_i[rows]
    docs = _distinct(inverse, len(keys), columns.doc_i[rows])
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


def _emit_attributes(out, columns: _Cells, owners, ci, v, attributes) -> None:
    """Attribute values: a cell counts once for every "name=value" of its case."""
    names = sorted({a for values in attributes.values() for a in values})
    if not names:
        return
    index = {a: i for i, a in enumerate(names)}
    per_case = [[index[a] for a in attributes.get(c, ())] for c in columns.case_ids]
    counts = np.array([len(p) for p in per_case], dtype=np.int64)
    flat = np.array([a for p in per_case for a in p], dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    case_i = columns.case_i
    entries = np.flatnonzero(case_i[ci] >= 0)  # entries of (ci, v) with a case
    case_of_entry = case_i[ci[entries]]
    repeat = counts[case_of_entry]
    entry = np.repeat(entries, repeat)
    step = np.arange(len(entry)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    name_i = flat[np.repeat(offsets[case_of_entry], repeat) + step]
    na = len(names)
    _emit(
        out,
        columns,
        owners,
        ci[entry],
        v[entry] * na + name_i,
        CodeFrequency.Scope.ATTRIBUTE,
        lambda k: (k // na, names[k % na]),
    )


def _distinct(inverse, size: int, values, valid=None):
    """How many distinct non-negative ``values`` each group holds."""
    if valid is not None:
        inverse, values = inverse[valid], values[valid]
    span = int(values.max(initial=0)) + 1
    pairs = np.unique(inverse * span + values)
    return np.bincount(pairs // span, minlength=size)
