"""Analysis results: ask a question, get the stored answer or have a worker compute it.

Flow, like code frequencies: a page or the API calls ``analysis_request`` with a
parsed query. It finds the stored ``AnalysisResult`` for that question and the
caller's visibility scope; if it is missing or stale it is queued and, after the
commit, sent to a Celery worker (``analysis.tasks.compute_analysis_result``), which
runs ``analysis_work`` through ``job_run``. The page polls the row's status and shows the old
figures, marked stale, until the new ones arrive.

**Small requests compute directly**, in the request, because queueing would only
add a round trip: word counts, actor mentions and auto-code previews over at most
``REGIE_ANALYSIS_INLINE_CHARACTERS`` characters of transcript (default 300,000,
about 45,000 words, well under a second), a preview of one document, and
co-occurrence or matrix queries over at most ``REGIE_ANALYSIS_INLINE_CODINGS``
codings (default 20,000). Anything larger goes to a worker.

The row is a job of ``coding.jobs``: enqueued after the commit, claimed once,
kept alive by a heartbeat. If no broker answers, it stays queued and is flagged
``unsent``: the page says the figures are stale and that no worker can be reached,
and the machinery's reaper sends it again. Nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis import selectors
from analysis.forms import (
    AutocodeQuery,
    MatrixQuery,
    MentionQuery,
    WordQuery,
    query_from_json,
    query_json,
)
from analysis.models import AnalysisKind, AnalysisResult, ProjectStopWords
from analysis.results import ResultData
from analysis.selectors import total_characters
from analysis.text import load_stop_words
from coding.access import Cap, ProjectAccess
from coding.jobs.services import (
    job_enqueue,
    job_fail,
    job_finish,
    job_refresh,
    job_requeue,
    job_take_here,
    job_work_here,
)
from coding.models import Document, Project, Role
from coding.segments import filtered_codings
from coding.selectors_changes import codings_changed_at, visible_codings_changed_at

logger = logging.getLogger(__name__)

INLINE_CHARACTERS = 300_000
INLINE_CODINGS = 20_000
KEEP_FOR = timedelta(days=30)  # results nobody asked for this long are removed
MAX_STOP_WORDS = 5000
_STOP_SPLIT = re.compile(r"[\s,;]+")


# --- scope and source -----------------------------------------------------------------


def result_scope(access: ProjectAccess, query: Any) -> str:
    """Whose codings a result may count: the key its stored copy is shared under.

    ``all`` (everyone's, the consensus layer included), ``shared`` (everyone's but
    an unpublished consensus: a coder or viewer under shared coding) or
    ``coder:<id>`` (``+consensus`` once published) for a blind coder's own figures.
    Queries that count text only (words per document, mentions, previews) are the
    same for everyone, so they always share ``all``.
    """
    if not query.uses_codings:
        return "all"
    return _visibility(access)


def _visibility(access: ProjectAccess) -> str:
    project = access.project
    consensus_id = project.consensus_user_id
    if access.sees_all_codings:
        hidden = (
            consensus_id is not None
            and not project.consensus_published
            and not access.can(Cap.SUPERVISE)
        )
        return "shared" if hidden else "all"
    scope = f"coder:{access.user_id}"
    if consensus_id and project.consensus_published:
        scope += "+consensus"
    return scope


def access_for_scope(project: Project, scope: str) -> ProjectAccess:
    """The visibility a stored scope stands for; a task has no request user.

    The caller's access was checked when the result was requested; this only
    rebuilds which codings the result may count. If the project's settings
    changed since (blind coding switched, consensus published) the scope no longer
    exists and this raises ``ValueError``; the next request asks under its new one.
    """
    if scope == "all":
        access = ProjectAccess(project=project, user_id=0, role=Role.OWNER)
    elif scope == "shared":
        access = ProjectAccess(project=project, user_id=0, role=Role.CODER)
    else:
        coder_id = int(scope.removeprefix("coder:").split("+")[0])
        access = ProjectAccess(project=project, user_id=coder_id, role=Role.CODER)
    if _visibility(access) != scope:
        raise ValueError(
            _("Who may see which codings changed in this project; ask again.")
        )
    return access


def _depends_on_codings(query: Any) -> bool:
    """Codings *or case attributes* (whose changes also raise codings_changed_at)."""
    if isinstance(query, WordQuery):
        return query.group in {"code", "attribute"}
    if isinstance(query, MentionQuery):
        return True  # counted per respondent level, a case attribute
    return not isinstance(query, AutocodeQuery)


# No coding at all: a result that reads case attributes but no codings (actor
# mentions, words by attribute) goes stale with the project-wide changes only.
NO_CODINGS = Q(pk__in=[])


def _scope_filter(project: Project, scope: str, query: Any) -> Q | None:
    """The codings a result's data depend on (``None``: all of them, or a scope the
    project's settings no longer have, whose result is asked again anyway)."""
    if not query.uses_codings:
        return NO_CODINGS
    if scope == "all":
        return None
    try:
        return access_for_scope(project, scope).coding_filter()
    except ValueError:
        return None


def source_key(project_id: int, *, codings: bool, visible: Q | None = None) -> str:
    """A fingerprint of the data a result is computed from.

    Documents by count, last id, characters and words (their texts only change
    with those); codings and case attributes by the core's ``codings_changed_at``,
    or, for a restricted scope (``visible``), by the last change of the codings it
    may see: a blind coder's result does not turn stale when another coder codes.
    """
    docs = Document.objects.filter(project_id=project_id).aggregate(
        n=Count("pk"), last=Max("pk"), chars=Sum("length"), words=Sum("word_count")
    )
    key = f"d{docs['n']}:{docs['last']}:{docs['chars']}:{docs['words']}"
    if codings:
        changed = (
            codings_changed_at(project_id)
            if visible is None
            else visible_codings_changed_at(project_id, visible)
        )
        key += f"|c{changed.isoformat() if changed else '-'}"
    return key


# --- stop lists -----------------------------------------------------------------------


def _clean_words(text: str) -> list[str]:
    words = sorted({w.lower() for w in _STOP_SPLIT.split(text or "") if w.strip()})
    if len(words) > MAX_STOP_WORDS:
        raise ValidationError(
            _("A stop list can hold at most %(n)d words.") % {"n": MAX_STOP_WORDS}
        )
    if any(len(w) > 100 for w in words):
        raise ValidationError(_("A stop word can have at most 100 characters."))
    return words


def stop_words_texts(project: Project) -> dict[str, str]:
    """The project's stop lists as text (one word a line), shipped ones by default."""
    row = ProjectStopWords.objects.filter(project=project).first()
    if row is not None:
        return {"nl": row.dutch, "en": row.english}
    return {
        language: "\n".join(sorted(load_stop_words(language)))
        for language in ("nl", "en")
    }


def stop_words_for(project: Project, languages: tuple[str, ...]) -> frozenset[str]:
    texts = stop_words_texts(project)
    return frozenset(w for language in languages for w in _clean_words(texts[language]))


@transaction.atomic
def stop_words_update(
    *, project: Project, dutch: str, english: str, actor=None
) -> ProjectStopWords:
    """Replace the project's stop lists (words split on white space, commas)."""
    row, _created = ProjectStopWords.objects.get_or_create(project=project)
    row.dutch = "\n".join(_clean_words(dutch))
    row.english = "\n".join(_clean_words(english))
    row.updated_at = timezone.now()
    row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    row.save(update_fields=["dutch", "english", "updated_at", "updated_by"])
    return row


@transaction.atomic
def stop_words_reset(*, project: Project) -> None:
    """Back to the shipped lists."""
    ProjectStopWords.objects.filter(project=project).delete()


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _params(kind: str, query: Any, project: Project) -> dict[str, Any]:
    """The stored parameters: the query plus fingerprints of the settings it reads
    (a changed stop list or alias list is a different question)."""
    params = query_json(query)
    if kind == AnalysisKind.WORDS:
        params["stop_words"] = _digest(sorted(stop_words_for(project, query.stop)))[:16]
    elif kind == AnalysisKind.MENTIONS:
        from analysis.selectors import actor_aliases

        params["aliases"] = _digest(actor_aliases(project.pk))[:16]
    return params


# --- request, compute -----------------------------------------------------------------


def _inline(kind: str, query: Any, access: ProjectAccess) -> bool:
    """Small enough to compute in the request (see the module docstring)."""

    if kind in {AnalysisKind.COOCCURRENCE, AnalysisKind.MATRIX}:
        limit = getattr(settings, "REGIE_ANALYSIS_INLINE_CODINGS", INLINE_CODINGS)
        return filtered_codings(access, query.filter).count() <= limit
    if kind == AnalysisKind.AUTOCODE_PREVIEW and len(query.filter.documents) == 1:
        return True
    limit = getattr(settings, "REGIE_ANALYSIS_INLINE_CHARACTERS", INLINE_CHARACTERS)
    return total_characters(access.project.pk, query.filter) <= limit


def analysis_request(
    *, access: ProjectAccess, kind: str, query: Any, user=None, force: bool = False
) -> AnalysisResult:
    """The stored result for this question and caller, queued or computed if needed.

    Returns at once: the row is fresh, or computing (the old figures, if any, stay
    on it), or failed on the current data (``force`` tries again). Raises
    ``ValidationError`` for a filter that does not fit the project. A row in
    progress is checked for a dead worker or a lost message (``job_refresh``).
    """

    # The segment filter's own checks (an unknown case attribute …) fail here, as
    # a readable ValidationError, rather than later in the computation.
    filtered_codings(access, replace(query.filter, text=""))  # no text search yet
    project = access.project
    params = _params(kind, query, project)
    current = source_key(
        project.pk,
        codings=_depends_on_codings(query),
        visible=_scope_filter(project, result_scope(access, query), query),
    )
    requested_by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        result, created = AnalysisResult.objects.select_for_update().get_or_create(
            project=project,
            kind=kind,
            scope=result_scope(access, query),
            params_hash=_digest(params),
            defaults={"params": params, "requested_by": requested_by},
        )
        if created:
            AnalysisResult.objects.filter(
                project=project, requested_at__lt=timezone.now() - KEEP_FOR
            ).delete()
        keep = not created and (
            result.in_progress or (result.source_key == current and not force)
        )
        if not keep:
            inline = _inline(kind, query, access)
            _queue(result, created=created, inline=inline, requested_by=requested_by)
    if keep:
        return job_refresh(result) if result.in_progress else result
    if inline:
        _compute_here(result)
    result.refresh_from_db()
    return result


def _queue(
    result: AnalysisResult, *, created: bool, inline: bool, requested_by
) -> None:
    """Send a new or stale row to a worker after the commit, or take it here (a
    small question, computed in the request)."""
    if inline:  # taken under the caller's lock: a concurrent request waits for it
        job_take_here(
            AnalysisResult,
            result.pk,
            requested_at=timezone.now(),
            requested_by=requested_by,
        )
        result.refresh_from_db()  # this attempt's number: its outcome is ours to write
    elif created:
        job_enqueue(result)
    else:
        job_requeue(result, requested_by=requested_by)


def _compute_here(result: AnalysisResult) -> None:
    """Compute a row taken by ``_queue`` in this process; a failure is stored on
    the row and raised."""
    job_work_here(result, analysis_work)


def _run(kind: str, access: ProjectAccess, query: Any) -> ResultData:
    if kind == AnalysisKind.WORDS:
        stop_words = stop_words_for(access.project, query.stop)
        return selectors.words_compute(access, query, stop_words=stop_words)
    if kind == AnalysisKind.MENTIONS:
        return selectors.mentions_compute(access, query)
    if kind == AnalysisKind.COOCCURRENCE:
        return selectors.cooccurrence_compute(access, query)
    if kind == AnalysisKind.MATRIX:
        assert isinstance(query, MatrixQuery)
        return selectors.matrix_compute(access, query)
    if kind == AnalysisKind.AUTOCODE_PREVIEW:
        return selectors.autocode_preview_compute(access, query)
    raise ValueError(f"unknown analysis kind {kind!r}")


def _readable(error: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(error, SoftTimeLimitExceeded):
        return _("The computation took too long and was stopped.")
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _fail(result: AnalysisResult, message: str, snapshot: str) -> None:
    """Failed on these data: not tried again until they change (or ``force``)."""
    AnalysisResult.objects.filter(pk=result.pk).update(source_key=snapshot, result=None)
    job_fail(result, message)


def analysis_work(result: AnalysisResult) -> None:
    """Compute one result and store it (the job's work; ``job_run`` claimed it).

    The source fingerprint is taken before reading, so changes that arrive while
    this runs leave the result stale rather than wrongly fresh. A readable problem
    with the query itself (a duplicate alias, say) fails the row with its message;
    a database hiccup fails it without the fingerprint, so the next request asks
    again.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    query = query_from_json(result.kind, result.params)
    snapshot = source_key(
        result.project_id,
        codings=_depends_on_codings(query),
        visible=_scope_filter(result.project, result.scope, query),
    )
    changed_at = codings_changed_at(result.project_id)
    try:
        data = _run(result.kind, access_for_scope(result.project, result.scope), query)
    except OperationalError:
        raise
    except (ValueError, ValidationError, SoftTimeLimitExceeded) as error:
        _fail(result, _readable(error), snapshot)
        return
    except Exception as error:
        _fail(result, str(error), snapshot)
        raise
    job_finish(
        result,
        result=data.to_json(),
        source_key=snapshot,
        codings_changed_at=changed_at,
        computed_at=timezone.now(),
    )


def analysis_badge(result: AnalysisResult) -> str:
    """``fresh``, ``computing``, ``stale`` or ``failed`` against the current data."""
    query = query_from_json(result.kind, result.params)
    current = source_key(
        result.project_id,
        codings=_depends_on_codings(query),
        visible=_scope_filter(result.project, result.scope, query),
    )
    return result.badge(up_to_date=result.source_key == current)
