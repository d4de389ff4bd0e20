"""Inter-coder agreement: parse a selection, compute it (here or by a worker), store it.

Flow: a page, the API or the command parses the request with
``agreement.forms.agreement_selection_from_params`` (one set of readable
``ValidationError``s for all three) and calls ``agreement_request``. A fresh stored run
of the same selection is served as it is. Otherwise a new ``AgreementRun`` (a job of
``coding.jobs``) is created and either computed here (small selections, see
``agreement_is_small``, and the command: ``agreement_run_compute``) or queued with
``job_enqueue``; the task ``agreement.tasks.compute_agreement_run`` runs
``agreement_run_work`` under ``job_run``, which reads the data, runs the maths
(``agreement.report``) and stores the report, with progress on the run row that the
page polls. Claiming, heartbeats, resending a run whose worker died or that no broker
took, and the badge are the job machinery's.

A run records the core's ``codings_changed_at`` clock when it reads the codings;
any later coding change (or a change to a domain's structure) makes it stale.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from agreement.methods import methods_paragraphs
from agreement.models import AgreementRun, AgreementSettings
from agreement.report import (
    SENTENCE,
    TURN,
    AgreementInput,
    CodeData,
    DocumentData,
    apply_thresholds,
    build_report,
)
from agreement.results import (
    AgreementOutput,
    ProjectRef,
    Report,
    RunRef,
    Source,
    VersionRef,
)
from coding.jobs.models import JobStatus
from coding.jobs.services import (
    heartbeat,
    job_beat,
    job_claim,
    job_enqueue,
    job_fail,
    job_finish,
)
from coding.models import (
    Assignment,
    Code,
    CodebookVersion,
    Coding,
    Document,
    Project,
    SpeakerTurn,
)
from coding.selectors import codebook_tree, flatten
from coding.selectors_changes import codings_changed_at
from coding.textunits import paragraph_spans, sentence_spans

User = get_user_model()

# The API computes a selection in the request when it is at most this big; anything
# larger goes to a worker. Time grows with codes × documents × coder groups (every
# pair, plus all coders together): about 10 ms per cell on the standard machine under
# load, so the limit keeps an answer to a second or two (docs/benchmarks.md,
# "Inter-coder agreement").
SYNC_CODINGS = getattr(settings, "REGIE_AGREEMENT_SYNC_CODINGS", 2000)
SYNC_CELLS = getattr(settings, "REGIE_AGREEMENT_SYNC_CELLS", 200)
SYNC_CHARACTERS = getattr(settings, "REGIE_AGREEMENT_SYNC_CHARACTERS", 500_000)
MAX_RESAMPLES = 10_000
RUN_TIME_LIMIT_SECONDS = 1860  # Celery stops a run after this (agreement/tasks.py)
PROGRESS_EVERY = 0.5  # seconds between progress writes
CONFIDENCE = 0.95
THRESHOLD_KEYS = ("good", "tentative", "percent_good", "percent_tentative")


@dataclass(frozen=True)
class AgreementSelection:
    """What to compare: ids (documents, coders, codes), unit, measures, bootstrap."""

    documents: tuple[int, ...]
    coders: tuple[int, ...]
    codes: tuple[int, ...]
    unit: str
    measures: tuple[str, ...]
    n_resamples: int
    seed: int
    thresholds: dict[str, float] = field(default_factory=dict, compare=False)
    confidence: float = CONFIDENCE

    def as_json(self) -> dict:
        return {
            "documents": list(self.documents),
            "coders": list(self.coders),
            "codes": list(self.codes),
            "unit": self.unit,
            "measures": list(self.measures),
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "confidence": self.confidence,
            "thresholds": dict(self.thresholds),
        }

    @property
    def hash(self) -> str:
        """Fingerprint without the thresholds, which only colour the figures."""
        data = self.as_json()
        data.pop("thresholds")
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_json(cls, data: Mapping) -> AgreementSelection:
        return cls(
            documents=tuple(data["documents"]),
            coders=tuple(data["coders"]),
            codes=tuple(data["codes"]),
            unit=data["unit"],
            measures=tuple(data["measures"]),
            n_resamples=int(data["n_resamples"]),
            seed=int(data["seed"]),
            thresholds=dict(data.get("thresholds") or {}),
            confidence=float(data.get("confidence", CONFIDENCE)),
        )


# --- settings -------------------------------------------------------------------------


def agreement_settings(project: Project) -> AgreementSettings:
    """The project's defaults (an unsaved row with the shipped defaults if none)."""
    found = AgreementSettings.objects.filter(project=project).first()
    return found or AgreementSettings(project=project)


def clean_thresholds(values: Mapping[str, float]) -> dict[str, float]:
    """The four thresholds as floats, each in its range, tentative ≤ good."""
    errors = {}
    cleaned = {}
    for key in THRESHOLD_KEYS:
        value = values[key]
        low, high = (0.0, 100.0) if key.startswith("percent") else (-1.0, 1.0)
        if not low <= value <= high:
            errors[key] = _("A threshold must lie between %(low)s and %(high)s.") % {
                "low": low,
                "high": high,
            }
        cleaned[key] = float(value)
    if not errors and cleaned["tentative"] > cleaned["good"]:
        errors["tentative"] = _("The tentative threshold must not exceed the good one.")
    if not errors and cleaned["percent_tentative"] > cleaned["percent_good"]:
        errors["percent_tentative"] = _(
            "The tentative percentage must not exceed the good one."
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def agreement_settings_update(
    *,
    project: Project,
    thresholds: Mapping[str, float],
    n_resamples: int | None = None,
    seed: int | None = None,
) -> AgreementSettings:
    """Store the project's default thresholds (and bootstrap settings)."""
    cleaned = clean_thresholds(thresholds)
    row, _created = AgreementSettings.objects.get_or_create(project=project)
    for key, value in cleaned.items():
        setattr(row, key, value)
    if n_resamples is not None:
        row.n_resamples = n_resamples
    if seed is not None:
        row.seed = seed
    row.updated_at = timezone.now()
    row.save()
    return row


# --- choices ---------------------------------------------------------------------------


def project_coders(project: Project, document_ids) -> list[tuple[int, str]]:
    """Who worked on these documents (codings or assignments), no consensus layer."""
    ids = set(
        Coding.objects.filter(document_id__in=document_ids)
        .values_list("coder_id", flat=True)
        .distinct()
    ) | set(
        Assignment.objects.filter(document_id__in=document_ids).values_list(
            "coder_id", flat=True
        )
    )
    ids.discard(project.consensus_user_id)
    return list(
        User.objects.filter(pk__in=ids)
        .order_by("username")
        .values_list("pk", "username")
    )


def ordered_codes(project: Project) -> list[tuple[Code, str]]:
    """Every code with its path, in codebook order."""
    codes = {c.pk: c for c in Code.objects.filter(project=project)}
    return [
        (codes[node.id], node.path) for node in flatten(codebook_tree(codes.values()))
    ]


# --- data -----------------------------------------------------------------------------


def _unit_starts(
    unit: str, length: int, text: str | None, turn_starts: list[int]
) -> tuple[tuple[int, ...] | None, str]:
    if unit not in (SENTENCE, TURN):
        return None, "character"
    if length == 0:
        return (), unit if unit == SENTENCE else "paragraph"
    if unit == TURN and turn_starts:
        starts = sorted({s for s in turn_starts if s < length})
        starts[0] = 0
        return tuple(starts), "turn"
    spans = sentence_spans(text) if unit == SENTENCE else paragraph_spans(text)
    starts = [0] + [s for s, _e in spans[1:]]
    return tuple(starts), unit if unit == SENTENCE else "paragraph"


def _turn_starts(doc_ids: list[int], unit: str) -> dict[int, list[int]]:
    """Speaker turn starts per document (only for the turn unit)."""
    turns: dict[int, list[int]] = defaultdict(list)
    if unit == TURN:
        for doc_id, start in SpeakerTurn.objects.filter(
            document_id__in=doc_ids
        ).values_list("document_id", "start"):
            turns[doc_id].append(start)
    return turns


def _texts(doc_ids: list[int], unit: str, turns: dict) -> dict[int, str]:
    """Texts of the documents whose sentences or paragraphs are the units."""
    needs_text = [
        d for d in doc_ids if unit == SENTENCE or (unit == TURN and not turns[d])
    ]
    if not needs_text:
        return {}
    return dict(Document.objects.filter(pk__in=needs_text).values_list("pk", "text"))


def _worked(doc_ids: list[int], coders: set[int]) -> dict[int, set[int]]:
    """Per document, the chosen coders who coded there or were assigned it."""
    worked: dict[int, set[int]] = defaultdict(set)
    for doc_id, coder_id in (
        Coding.objects.filter(document_id__in=doc_ids, coder_id__in=coders)
        .values_list("document_id", "coder_id")
        .distinct()
    ):
        worked[doc_id].add(coder_id)
    for doc_id, coder_id in Assignment.objects.filter(
        document_id__in=doc_ids, coder_id__in=coders
    ).values_list("document_id", "coder_id"):
        worked[doc_id].add(coder_id)
    return worked


def _code_data(
    project: Project, code_ids: tuple[int, ...]
) -> tuple[tuple[CodeData, ...], dict[int, tuple[CodeData, ...]]]:
    """The chosen codes in codebook order, and each chosen domain's sub-codes."""
    ordered = ordered_codes(project)
    by_id = {code.pk: (code, path) for code, path in ordered}

    def data(code: Code) -> CodeData:
        return CodeData(
            id=code.pk,
            name=code.name,
            path=by_id[code.pk][1],
            parent_id=code.parent_id,
            is_domain=code.is_domain,
            level=code.measurement_level,
            value=code.value,
        )

    selected = tuple(data(by_id[c][0]) for c in code_ids if c in by_id)
    children = {
        code.id: tuple(
            data(child) for child, _path in ordered if child.parent_id == code.id
        )
        for code in selected
        if code.is_domain
    }
    return selected, children


def agreement_input(project: Project, selection: AgreementSelection) -> AgreementInput:
    """Gather the plain data for ``agreement.report`` in a handful of queries."""
    documents = list(
        Document.objects.filter(project=project, pk__in=selection.documents)
        .order_by("title", "id")
        .values_list("pk", "title", "length")
    )
    doc_ids = [d[0] for d in documents]
    turns = _turn_starts(doc_ids, selection.unit)
    texts = _texts(doc_ids, selection.unit, turns)
    coders = set(selection.coders)
    worked = _worked(doc_ids, coders)
    selected, children = _code_data(project, selection.codes)
    needed = {c.id for c in selected} | {
        child.id for kids in children.values() for child in kids
    }
    spans = tuple(
        Coding.objects.filter(
            document_id__in=doc_ids, coder_id__in=coders, code_id__in=needed
        )
        .order_by()
        .values_list("document_id", "code_id", "coder_id", "start", "end")
    )
    names = dict(User.objects.filter(pk__in=coders).values_list("pk", "username"))
    docs = []
    for doc_id, title, length in documents:
        starts, kind = _unit_starts(
            selection.unit, length, texts.get(doc_id), turns.get(doc_id, [])
        )
        docs.append(
            DocumentData(
                id=doc_id,
                title=title,
                length=length,
                coders=frozenset(worked[doc_id]),
                unit_starts=starts,
                unit_kind=kind,
            )
        )
    return AgreementInput(
        unit=selection.unit,
        measures=selection.measures,
        documents=tuple(docs),
        coders=tuple((c, names.get(c, str(c))) for c in selection.coders),
        codes=selected,
        children=children,
        spans=spans,
        n_resamples=selection.n_resamples,
        seed=selection.seed,
        confidence=selection.confidence,
        thresholds=dict(selection.thresholds),
    )


# --- runs -----------------------------------------------------------------------------


def agreement_is_small(project: Project, selection: AgreementSelection) -> bool:
    """Small enough to compute in the request (two queries): about a second."""
    k = len(selection.coders)
    groups = k * (k - 1) // 2 + 1
    if len(selection.codes) * len(selection.documents) * groups > SYNC_CELLS:
        return False
    characters = (
        Document.objects.filter(pk__in=selection.documents).aggregate(n=Sum("length"))[
            "n"
        ]
        or 0
    )
    if characters > SYNC_CHARACTERS:
        return False
    codings = Coding.objects.filter(
        document_id__in=selection.documents, coder_id__in=selection.coders
    ).count()
    return codings <= SYNC_CODINGS


def assignments_key(project_id: int) -> str:
    """A fingerprint of the project's assignments (who counts as missing where)."""
    found = Assignment.objects.filter(project_id=project_id).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    return f"{found['n']}:{found['last'] or 0}"


def runs_with_source():
    """Runs without their (large) JSON, but with the assignment fingerprint."""
    return AgreementRun.objects.defer("result", "disagreements").annotate(
        source_assignments=KT("result__source__assignments")
    )


@dataclass(frozen=True)
class SourceState:
    """What a run's data depend on, now: codings' last change and the assignments."""

    codings_changed_at: datetime | None
    assignments: str


def source_state(project_id: int) -> SourceState:
    return SourceState(codings_changed_at(project_id), assignments_key(project_id))


def run_stale(run: AgreementRun, state: SourceState) -> bool:
    """Codings changed since the run read them, or the assignments differ."""
    if run.stale_against(state.codings_changed_at):
        return True
    if run.status != JobStatus.DONE:
        return False
    assignments = state.assignments
    source = getattr(run, "source_assignments", None)
    if source is None and "result" not in run.get_deferred_fields():
        source = ((run.result or {}).get("source") or {}).get("assignments")
    return source is not None and source != assignments


def run_badge(run: AgreementRun, state: SourceState) -> str:
    """``computing``, ``failed``, ``stale`` or ``fresh`` (the job machinery's badge)."""
    return run.badge(up_to_date=not run_stale(run, state))


def agreement_find(
    project: Project, selection: AgreementSelection
) -> AgreementRun | None:
    """The latest run of this selection that is done and fresh, or still going (a
    run whose worker died is resent or failed by the job machinery, so a run in
    progress is never left hanging)."""
    state = source_state(project.pk)
    for run in runs_with_source().filter(
        project=project, selection_hash=selection.hash
    )[:5]:
        if run.status == JobStatus.DONE and not run_stale(run, state):
            return run
        if run.in_progress:
            return run
    return None


def agreement_request(
    *,
    project: Project,
    selection: AgreementSelection,
    actor=None,
    compute_now: bool = False,
    reuse: bool = True,
) -> AgreementRun:
    """The run answering ``selection``: a fresh or running one, else a new one.

    A new run is computed right here when ``compute_now`` (the caller decided it is
    small, or is a command), else queued for a worker after the commit. If no broker
    answers, the run stays queued (``unsent``) and the job reaper sends it again.
    """
    if reuse:
        found = agreement_find(project, selection)
        if found is not None:
            return found
    version = (
        CodebookVersion.objects.filter(project=project).order_by("-number").first()
    )
    run = AgreementRun.objects.create(
        project=project,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        selection=selection.as_json(),
        selection_hash=selection.hash,
        codebook_version=version,
    )
    if compute_now:
        return agreement_run_compute(run_id=run.pk)
    job_enqueue(run)
    return run


def _progress_writer(run_id: int) -> Callable[[float], None]:
    """Progress in percent on the run row (also a heartbeat), at most every
    ``PROGRESS_EVERY`` seconds and only when it grew."""
    last = [0.0, -1]

    def write(fraction: float) -> None:
        percent = max(0, min(99, int(fraction * 100)))
        now = time.monotonic()
        if percent > last[1] and now - last[0] >= PROGRESS_EVERY:
            job_beat(AgreementRun, run_id, progress=percent)
            last[0], last[1] = now, percent

    return write


def agreement_run_work(run: AgreementRun) -> None:
    """Compute a claimed run from the current data and store its report (idempotent:
    the report is replaced as a whole). The work ``job_run`` runs on a worker."""
    changed = codings_changed_at(run.project_id)
    assignments = assignments_key(run.project_id)
    job_beat(AgreementRun, run.pk, progress=0)
    selection = AgreementSelection.from_json(run.selection)
    data = agreement_input(run.project, selection)
    report, disagreements = build_report(data, _progress_writer(run.pk))
    report = replace(
        report,
        source=Source(changed.isoformat() if changed else None, assignments),
    )
    job_finish(
        run,
        progress=100,
        result=report.to_json(),
        disagreements=disagreements.to_json(),
        codings_changed_at=changed,
    )


def agreement_run_compute(*, run_id: int) -> AgreementRun | None:
    """Compute a queued run in this process (a small selection, the command).

    The run is claimed as a worker claims it, so a worker that gets its message
    meanwhile leaves it alone; a run another process took or finished is returned
    as it stands. A failure is stored on the run and raised.
    """
    run = job_claim(AgreementRun, run_id)
    if run is None:
        return AgreementRun.objects.filter(pk=run_id).first()
    try:
        with heartbeat(AgreementRun, run_id):
            agreement_run_work(run)
    except Exception as error:
        job_fail(run, str(error) or error.__class__.__name__)
        raise
    run.refresh_from_db()
    return run


@transaction.atomic
def agreement_run_set_thresholds(
    *, run: AgreementRun, thresholds: Mapping[str, float]
) -> AgreementRun:
    """Re-colour a run's figures against new thresholds (no recomputation)."""
    cleaned = clean_thresholds(thresholds)
    run = AgreementRun.objects.select_for_update().get(pk=run.pk)
    run.selection = {**run.selection, "thresholds": cleaned}
    fields = ["selection"]
    if run.result:
        run.result = apply_thresholds(Report.from_json(run.result), cleaned).to_json()
        fields.append("result")
    run.save(update_fields=fields)
    return run


# --- output ---------------------------------------------------------------------------


def agreement_report(
    run: AgreementRun, *, thresholds: Mapping[str, float] | None = None
) -> Report:
    """The stored report of a done run, re-coloured when other ``thresholds`` are
    asked for."""
    report = Report.from_json(run.result or {})
    if thresholds is not None and dict(thresholds) != dict(report.selection.thresholds):
        report = apply_thresholds(report, thresholds)
    return report


def agreement_output(
    run: AgreementRun,
    *,
    thresholds: Mapping[str, float] | None = None,
    state: SourceState | None = None,
) -> AgreementOutput:
    """What the API and the command send about a done run: run facts, figures
    (re-coloured when other ``thresholds`` are asked for) and the methods
    paragraphs."""
    state = state or source_state(run.project_id)
    report = agreement_report(run, thresholds=thresholds)
    version = run.codebook_version
    version_ref = (
        VersionRef(id=version.pk, number=version.number, name=version.name)
        if version
        else None
    )
    return AgreementOutput(
        project=ProjectRef(id=run.project_id, name=run.project.name),
        run=RunRef(
            id=run.pk,
            status=run.status,
            stale=run_stale(run, state),
            requested_at=run.requested_at.isoformat(),
            finished_at=run.finished_at.isoformat() if run.finished_at else None,
        ),
        codebook_version=version_ref,
        report=report,
        methods=methods_paragraphs(report, version_ref),
    )
