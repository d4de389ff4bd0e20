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
from collections.abc import Iterable

from django.db import transaction
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


def _state(project_id: int) -> AnalysisState:
    state, _created = AnalysisState.objects.get_or_create(project_id=project_id)
    return state


def codings_changed(
    *, project_id: int, code_ids: Iterable[int | str] = (ALL_CODES,)
) -> None:
    """Record that codings of these codes changed; call inside the writing transaction."""
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
            CodeFrequency.objects.bulk_create(rows, batch_size=5000)
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


def _compute(
    project_id: int, parent_of: dict[int, int | None], targets: set[int]
) -> list[CodeFrequency]:
    """Aggregate in SQL per (code, document, coder), then fold into the scopes."""
    if not targets:
        return []
    descendants: dict[int, set[int]] = defaultdict(set)
    for code_id in parent_of:
        for ancestor in _ancestors(parent_of, code_id):
            descendants[ancestor].add(code_id)
    needed = set().union(*(descendants[t] for t in targets))
    cells = (
        Coding.objects.filter(document__project_id=project_id, code_id__in=needed)
        .values("code_id", "document_id", "coder_id")
        .annotate(
            n=Count("id"), chars=Sum(F("end") - F("start")), words=Sum("word_count")
        )
    )
    case_of = dict(
        Document.objects.filter(project_id=project_id).values_list("id", "case_id")
    )
    attributes = {
        case_id: {f"{k}={v}" for k, v in (attrs or {}).items()}
        for case_id, attrs in Case.objects.filter(project_id=project_id).values_list(
            "id", "attributes"
        )
    }
    # (code, rolled, scope, key) -> [codings, chars, words, documents set, cases set]
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, set(), set()])
    for cell in cells:
        document_id, code_id = cell["document_id"], cell["code_id"]
        case_id = case_of.get(document_id)
        scopes = [
            (CodeFrequency.Scope.ALL, ""),
            (CodeFrequency.Scope.DOCUMENT, str(document_id)),
            (CodeFrequency.Scope.CODER, str(cell["coder_id"])),
            *(
                (CodeFrequency.Scope.ATTRIBUTE, key)
                for key in attributes.get(case_id, ())
            ),
        ]
        for owner in _ancestors(parent_of, code_id):
            if owner not in targets:
                continue
            for rolled in {owner != code_id, True}:
                for scope, key in scopes:
                    slot = totals[(owner, rolled, scope, key)]
                    slot[0] += cell["n"]
                    slot[1] += cell["chars"] or 0
                    slot[2] += cell["words"] or 0
                    slot[3].add(document_id)
                    if case_id is not None:
                        slot[4].add(case_id)
    return [
        CodeFrequency(
            project_id=project_id,
            code_id=code_id,
            rolled_up=rolled,
            scope=scope,
            scope_key=key,
            codings=n,
            characters=chars,
            words=words,
            documents=len(documents),
            cases=len(cases),
        )
        for (code_id, rolled, scope, key), (
            n,
            chars,
            words,
            documents,
            cases,
        ) in totals.items()
    ]
