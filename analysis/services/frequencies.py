"""Code frequencies: stored tables, recomputed by a Celery worker after codings change.

Flow: every coding write appends to the core's change record
(``coding.services.changes.codings_changed``, no lock) and calls the registered
hook, ``frequencies_codings_changed``, which only asks for a recomputation after the
commit, on the web process's background thread (``regie_site.background``: the
coder's answer does not wait for it; at most one check per project every
``CHECK_SPACING`` seconds). The project's ``AnalysisState`` is a job of ``coding.jobs``:
``frequencies_schedule`` queues it again (``job_requeue``, a short countdown)
unless it is queued or running already, so a burst of codings becomes a single
recomputation. The task (``analysis.tasks.recompute_code_frequencies``) runs
``frequencies_work`` through ``job_run``; it reads the changes committed since its
horizon (``changes_since``) and updates only the codes touched when that is
cheaper, or everything. If no broker answers, coding goes on: the job stays queued
(``unsent``), the page says "stale" and the job machinery's reaper sends it again.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from analysis.models import AnalysisState, CodeFrequency
from coding.jobs.models import JobStatus
from coding.jobs.services import job_finish, job_refresh, job_requeue
from coding.models import Case, Code, Coding, Document
from coding.selectors_changes import ChangesSince, changes_pending, changes_since
from regie_site import background, sql

logger = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 2
# A write within DEBOUNCE_SECONDS - DEBOUNCE_MARGIN of queuing is left to that run.
DEBOUNCE_MARGIN = 0.5
# Seconds between two checks of one project's job by a web process: a check
# covers every write committed before it, so writes in between are covered by
# the next one (their recomputation starts at most this much later).
CHECK_SPACING = 0.5
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


# Per process: until when (``time.monotonic()``) a run this process queued has
# surely not read the change record yet, by project.
_queued_until: dict[int, float] = {}


def frequencies_codings_changed(
    project_id: int, code_ids: Sequence[int] | None
) -> None:
    """The ``CodingsChangedHook`` of the frequencies: queue one recomputation after
    the commit (in the background where there is one). Which codes changed is the
    core's record; nothing here is locked in the writing transaction."""
    check = partial(_schedule_after_write, project_id)
    key = ("frequencies", project_id)
    transaction.on_commit(lambda: background.soon(key, check, spacing=CHECK_SPACING))


def _schedule_after_write(project_id: int) -> None:
    """Queue a recomputation after a write, without touching the database when this
    process queued one moments ago.

    A run queued here starts ``DEBOUNCE_SECONDS`` later at the earliest (its
    message's countdown), so a write committed well within that time is read by
    it: twenty coders coding at once then cost no statement on the job's row.
    When the job was in progress already nothing is remembered: a running job
    looks for changes committed meanwhile as it finishes, and a later write tries
    again.
    """
    now = time.monotonic()
    if _queued_until.get(project_id, 0.0) > now:
        return
    if frequencies_schedule(project_id=project_id):
        _queued_until[project_id] = now + DEBOUNCE_SECONDS - DEBOUNCE_MARGIN


_STATUS = f"SELECT status FROM {sql.table(AnalysisState)} WHERE project_id = %s"


def frequencies_schedule(*, project_id: int, countdown: int = DEBOUNCE_SECONDS) -> bool:
    """Queue a recomputation unless one is queued or running already. True when
    queued now (the message goes out after the commit, ``countdown`` seconds
    later). One read, no lock, while a run is queued or running (the common case
    while people code)."""
    with sql.prepared_cursor() as cursor:
        cursor.execute(_STATUS, [project_id])
        found = cursor.fetchone()
    if found is not None and found[0] in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    state = AnalysisState.objects.for_project(project_id)
    return job_requeue(state, countdown=countdown)


def frequencies_schedule_if_stale(*, project_id: int) -> bool:
    """On a page view: queue a recomputation when the figures are stale; a job in
    progress is checked for a dead worker or a lost message instead."""
    state = AnalysisState.objects.for_project(project_id)
    if state.in_progress:
        job_refresh(state)
        return False
    if state.up_to_date:
        return False
    return job_requeue(state, countdown=0)


def _ancestors(parent_of: dict[int, int | None], code_id: int) -> list[int]:
    chain = []
    while code_id is not None:
        chain.append(code_id)
        code_id = parent_of.get(code_id)
    return chain


@dataclass(frozen=True, slots=True)
class RecomputePlan:
    """What one run recomputes: the codes whose rows it replaces, from which changes."""

    changes: ChangesSince
    targets: set[int]
    partial: bool


def frequencies_work(state: AnalysisState) -> None:
    """The job's work (``job_run`` claimed ``state``): recompute, then queue the
    next run if changes committed meanwhile."""
    outcome = _recompute(state)
    logger.info("code frequencies of project %s: %s", state.project_id, outcome)


def frequencies_recompute(*, project_id: int) -> dict[str, int]:
    """Recompute now, in this process (tests, benchmarks); the worker's task does
    the same through ``job_run``."""
    return _recompute(AnalysisState.objects.for_project(project_id))


def _recompute(state: AnalysisState) -> dict[str, int]:
    """Recompute the stored tables (all, or only the touched codes and their parents).

    Idempotent: rows of the recomputed codes are replaced in one transaction, which
    also finishes the job and keeps the new horizon. A run that fails leaves the
    horizon where it was, so its changes are read again.
    """
    started = timezone.now()
    project_id = state.project_id
    parent_of = dict(
        Code.objects.filter(project_id=project_id).values_list("id", "parent_id")
    )
    plan = _plan(state, parent_of)
    rows = _compute(project_id, parent_of, plan.targets)
    _replace(state, plan, rows, started)
    if changes_pending(project_id, plan.changes.horizon):
        frequencies_schedule(project_id=project_id)
    return {"codes": len(plan.targets), "rows": len(rows), "partial": int(plan.partial)}


def _plan(state: AnalysisState, parent_of: dict[int, int | None]) -> RecomputePlan:
    """Only the touched codes and their ancestors when few changed since the last
    computation; every code otherwise (or the first time)."""
    changes = changes_since(state.project_id, state.horizon)
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
def _replace(
    state: AnalysisState, plan: RecomputePlan, rows: list[tuple], started
) -> None:
    CodeFrequency.objects.filter(
        project_id=state.project_id, code_id__in=plan.targets
    ).delete()
    _store(state.project_id, rows)
    job_finish(
        state,
        frequencies_computed_at=started,
        last_change_id=plan.changes.horizon.last_id,
        changes_snapshot=plan.changes.horizon.snapshot,
    )


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
