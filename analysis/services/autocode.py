"""Auto-coding: code every match of a search (or every turn of a speaker) in one run,
and undo that run as one step.

A run (``AutoCodeRun``) records its query and the ids of the codings it made. The
codings are created by ``codings_create_bulk`` (validation, audit trail, frequency
hooks) in one transaction, for the member who asked: under blind coding they are
that coder's own codings. Passages the coder had already coded with the code are
skipped, not duplicated. Undo deletes the run's codings through
``codings_delete_bulk``, which writes a delete event per coding and marks the
frequencies stale, like ``coding_delete``.

Small runs (``REGIE_ANALYSIS_INLINE_CHARACTERS`` of text or one document) run in the
request; larger ones in a Celery worker (``analysis.tasks.run_autocode``): a run is
a job of ``coding.jobs`` (enqueued after the commit, claimed once, resent by the
reaper if no broker took it), with its status for the page to poll. The preview is an ``AnalysisResult``
(``analysis.services.results``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.forms import AutocodeQuery, query_from_json, query_json
from analysis.models import AutoCodeRun
from analysis.selectors import autocode_spans, total_characters
from analysis.services.results import INLINE_CHARACTERS
from coding.access import Cap, ProjectAccess
from coding.jobs.services import job_enqueue, job_fail, job_finish, job_run_here
from coding.models import Code, Coding, Document
from coding.services.audit import (
    Action,
    audit_records,
    coding_event,
    snapshot_codings_with_extras,
)
from coding.services.changes import codings_changed
from coding.services.codings import CodingSpec, codings_create_bulk

MAX_CODINGS_PER_RUN = 50_000
Status = AutoCodeRun.Status


@transaction.atomic
def codings_delete_bulk(*, codings: Iterable[Coding], actor=None) -> int:
    """Delete many codings: one audit event each, one frequency update per project.

    Pass codings with their ``document`` loaded (``select_related``; the text can
    be deferred). Returns how many were deleted.
    """
    codings = list(codings)
    if not codings:
        return 0
    audit_records(
        coding_event(c, actor=actor or c.coder, action=Action.DELETE, before=snapshot)
        for c, snapshot in zip(
            codings, snapshot_codings_with_extras(codings), strict=True
        )
    )
    by_project: dict[int, set[int]] = {}
    for c in codings:
        by_project.setdefault(c.document.project_id, set()).add(c.code_id)
    for project_id, code_ids in by_project.items():
        codings_changed(project_id=project_id, code_ids=code_ids)
    Coding.objects.filter(pk__in=[c.pk for c in codings]).delete()
    return len(codings)


def _runs_inline(access: ProjectAccess, query: AutocodeQuery) -> bool:

    if len(query.filter.documents) == 1:
        return True
    limit = getattr(settings, "REGIE_ANALYSIS_INLINE_CHARACTERS", INLINE_CHARACTERS)
    return total_characters(access.project.pk, query.filter) <= limit


def autocode_start(
    *, access: ProjectAccess, query: AutocodeQuery, code: Code, user
) -> AutoCodeRun:
    """Start a run that codes the query's passages with ``code`` for ``user``.

    The caller checked ``access`` with ``Cap.CODE``; ``code`` belongs to the
    project. Small runs are done when this returns; large ones are queued.
    """
    if not access.can(Cap.CODE):
        raise PermissionDenied(_("Your role in this project does not allow coding."))
    if code.project_id != access.project.pk:
        raise ValidationError({"code": _("The code belongs to another project.")})
    run = AutoCodeRun.objects.create(
        project=access.project,
        code=code,
        coder=user,
        created_by=user,
        params=query_json(query),
    )
    if _runs_inline(access, query):
        _run_here(run)
    else:
        job_enqueue(run)
    run.refresh_from_db()
    return run


def _run_here(run: AutoCodeRun) -> None:
    """Carry out a new run in the request (small enough); a failure the coder can
    read is stored on the run, anything else is stored and raised."""
    job_run_here(AutoCodeRun, run.pk, autocode_work)


def autocode_work(run: AutoCodeRun) -> None:
    """Carry out a claimed run in one transaction (the job's work, run by
    ``job_run``).

    Recomputes the passages from the stored query (never from a preview), skips
    those the coder already coded with the code and creates the rest. A search
    that finds too much fails the run with its message.
    """
    run = AutoCodeRun.objects.select_related("code", "coder", "created_by").get(
        pk=run.pk
    )
    try:
        _apply_run(run)
    except (ValueError, ValidationError) as error:
        job_fail(run, _message(error))


@transaction.atomic
def _apply_run(run: AutoCodeRun) -> None:
    """Find the run's passages, code those not coded yet, record what was made."""
    found = _passages(run)
    matches = sum(len(spans) for _pk, spans in found)
    specs = _new_specs(run, found)
    created = (
        codings_create_bulk(
            specs=specs, coder=run.coder, actor=run.created_by or run.coder
        )
        if specs
        else []
    )
    job_finish(
        run,
        matches=matches,
        skipped=matches - len(specs),
        coding_ids=[c.pk for c in created],
    )


def _passages(run: AutoCodeRun) -> list[tuple[int, list[tuple[int, int]]]]:
    """``(document id, spans)`` the stored query finds; at most one run's worth."""
    query = query_from_json("autocode_preview", run.params)
    found = [
        (pk, spans)
        for pk, _text, spans in autocode_spans(run.project_id, query)
        if spans
    ]
    matches = sum(len(spans) for _pk, spans in found)
    if matches > MAX_CODINGS_PER_RUN:
        raise ValidationError(
            _(
                "This search finds %(n)d passages, more than the %(limit)d "
                "one run may code. Narrow it down."
            )
            % {"n": matches, "limit": MAX_CODINGS_PER_RUN}
        )
    return found


def _new_specs(
    run: AutoCodeRun, found: list[tuple[int, list[tuple[int, int]]]]
) -> list[CodingSpec]:
    """The passages the coder has not coded with the run's code yet."""
    documents = Document.objects.in_bulk([pk for pk, _spans in found])
    existing = set(
        Coding.objects.filter(
            coder=run.coder, code=run.code, document_id__in=list(documents)
        ).values_list("document_id", "start", "end")
    )
    return [
        CodingSpec(document=documents[pk], code=run.code, start=s, end=e)
        for pk, spans in found
        for s, e in spans
        if (pk, s, e) not in existing
    ]


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@transaction.atomic
def autocode_undo(*, access: ProjectAccess, run: AutoCodeRun, actor) -> AutoCodeRun:
    """Delete the codings a run made, as one step.

    Its coder or a supervisor may undo it. Codings changed since the run (a memo,
    a new span: ``revision > 1``) are kept, since they hold later work; the run
    records how many.
    """
    run = AutoCodeRun.objects.select_for_update().get(pk=run.pk)
    if run.project_id != access.project.pk:
        raise ValidationError(_("This run belongs to another project."))
    if run.coder_id != actor.pk and not access.can(Cap.SUPERVISE):
        raise PermissionDenied(_("You can only undo your own auto-coding."))
    if run.status == Status.UNDONE:
        raise ValidationError(_("This auto-coding has already been undone."))
    if run.status != Status.DONE:
        raise ValidationError(_("Only a finished auto-coding can be undone."))
    codings = list(
        Coding.objects.filter(pk__in=run.coding_ids, coder_id=run.coder_id)
        .select_related("document", "coder")
        .defer("document__text")
    )
    unchanged = [c for c in codings if c.revision == 1]
    codings_delete_bulk(codings=unchanged, actor=actor)
    run.status = Status.UNDONE
    run.undone_at = timezone.now()
    run.undone_by = actor
    run.undo_kept = len(codings) - len(unchanged)
    run.save(update_fields=["status", "undone_at", "undone_by", "undo_kept"])
    return run
