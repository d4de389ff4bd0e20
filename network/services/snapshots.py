"""Network snapshots and their build.

A snapshot is a background job (``coding.jobs``): ``network_request`` queues its build
after the commit, the Celery task (``network.tasks.network_rebuild``) runs
``network_build_work`` through ``job_run`` (claim once, heartbeat, outcome), and the
job reaper resends a build whose worker died or that no broker took. The API and the
``network`` command build in their own process with ``network_build``.

``network_build_work`` reads the codings of a snapshot's scope and filters, hands
plain rows to the pure ``network.graph`` module and replaces the snapshot's stored
ties and metrics in one transaction (idempotent).
"""

from __future__ import annotations

import bisect
import logging
import re
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

import numpy as np
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from coding.access import ProjectAccess
from coding.aliases import compile_aliases
from coding.jobs.models import JobStatus
from coding.jobs.services import job_enqueue, job_finish, job_requeue, job_run_here
from coding.models import Document, Project, Role, SpeakerTurn
from coding.segments import SegmentFilter, filtered_codings
from network import bulk, graph
from network.filters import NetworkFilters, scope_coding_filter
from network.models import (
    Actor,
    ActorMetric,
    FlowType,
    NetworkSnapshot,
    NetworkTie,
    Relation,
)
from network.selectors import network_changed_at

logger = logging.getLogger(__name__)

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def network_snapshot_get_or_create(
    *, project: Project, scope: str, filters: NetworkFilters, user=None
) -> tuple[NetworkSnapshot, bool]:
    """The snapshot row of a key (created as queued, not yet sent to a worker)."""
    return NetworkSnapshot.objects.get_or_create(
        project=project,
        scope=scope,
        filters_key=filters.key,
        defaults={
            "filters": filters.as_json(),
            "requested_by": user if getattr(user, "is_authenticated", False) else None,
            "status": JobStatus.QUEUED,
        },
    )


def network_request(
    *, project: Project, scope: str, filters: NetworkFilters, user=None
) -> NetworkSnapshot:
    """The snapshot for a key; a build is queued when there is none or it is stale.

    A failed build is not retried here (the page offers to try again), so a broken
    broker or a bug does not cost every page view a new attempt.
    """
    snapshot, created = network_snapshot_get_or_create(
        project=project, scope=scope, filters=filters, user=user
    )
    if created:
        job_enqueue(snapshot)
        return snapshot
    if snapshot.status == JobStatus.DONE and not snapshot.built_since(
        network_changed_at(project_id=project.pk, scope=snapshot.scope)
    ):
        job_requeue(snapshot)
    return snapshot


def _scoped_codings(snapshot: NetworkSnapshot, filters: NetworkFilters):
    project = snapshot.project
    everything = ProjectAccess(project=project, user_id=0, role=Role.OWNER)
    coders = filters.coders
    if filters.consensus:
        coders = (project.consensus_user_id or 0,)
    codings = filtered_codings(
        everything,
        SegmentFilter(
            coders=coders, documents=filters.documents, attributes=filters.attributes
        ),
    )
    return codings.filter(scope_coding_filter(snapshot.scope))


# Columns of the relation codings read for a build, as ``graph.RelationColumns``
# takes them (the flow as a flow type id, made a key below).
_RELATION_FIELDS = (
    "id",
    "document_id",
    "coder_id",
    "relation__source_actor_id",
    "relation__target_actor_id",
    "flow_type",
    "relation__mutual",
    "relation__occasional",
)


def _relation_columns(
    snapshot: NetworkSnapshot, filters: NetworkFilters
) -> graph.RelationColumns:
    """The relation codings of the snapshot's scope and filters, as columns.

    The flow is that of the coding's code when it is a flow code (a recoded
    relation follows its new code), else the relation's own. 200,000 rows come as
    integers straight into numpy (``network.bulk``), not as ORM rows.
    """
    codings = (
        _scoped_codings(snapshot, filters)
        .filter(relation__isnull=False)
        .annotate(flow_type=Coalesce("code__flow_type__id", "relation__flow_id"))
        .order_by()
    )
    if filters.flows:
        codings = codings.annotate(
            flow_key=Coalesce("code__flow_type__key", "relation__flow__key")
        ).filter(flow_key__in=filters.flows)
    table = bulk.integer_columns(codings, _RELATION_FIELDS)
    flow_ids = np.unique(table[:, 5]).tolist()
    key_of = dict(FlowType.objects.filter(pk__in=flow_ids).values_list("id", "key"))
    columns = graph.RelationColumns(
        *np.ascontiguousarray(table[:, :5].T),
        flow=np.searchsorted(flow_ids, table[:, 5]),
        flows=tuple(key_of[i] for i in flow_ids),
        mutual=table[:, 6].astype(bool),
        occasional=table[:, 7].astype(bool),
    )
    consensus = _consensus_rows(snapshot, filters)
    return (
        columns + graph.RelationColumns.from_rows(consensus) if consensus else columns
    )


def _consensus_rows(snapshot: NetworkSnapshot, filters: NetworkFilters) -> list[tuple]:
    """Relations of consensus codings, adopted from the coders' relation codings.

    Adjudication copies a span and its code into the consensus layer, not the
    relation fields; a consensus coding of a flow code takes them from the coders'
    relation codings of the same code it overlaps: the same span first, else the
    fields most of them agree on (then the earliest coding).
    """
    consensus_id = snapshot.project.consensus_user_id
    if not consensus_id:
        return []
    orphans = _consensus_orphans(snapshot, filters, consensus_id)
    if not orphans:
        return []
    candidates = _coder_relations(orphans, consensus_id)
    adopted = []
    for coding_id, document_id, code_id, start, end, flow in orphans:
        fields = _adopted_fields(candidates[(document_id, code_id)], start, end)
        if fields is None:
            continue
        source, target, mutual, occasional = fields
        adopted.append(
            (
                coding_id,
                document_id,
                consensus_id,
                source,
                target,
                flow,
                mutual,
                occasional,
            )
        )
    return adopted


def _consensus_orphans(
    snapshot: NetworkSnapshot, filters: NetworkFilters, consensus_id: int
) -> list[tuple]:
    """Consensus codings of flow codes without relation fields:
    ``(id, document_id, code_id, start, end, flow key)``."""
    orphans = list(
        _scoped_codings(snapshot, filters)
        .filter(coder_id=consensus_id, relation__isnull=True)
        .filter(code__flow_type__isnull=False)
        .values_list(
            "id", "document_id", "code_id", "start", "end", "code__flow_type__key"
        )
    )
    if filters.flows:
        orphans = [o for o in orphans if o[5] in filters.flows]
    return orphans


def _coder_relations(
    orphans: list[tuple], consensus_id: int
) -> dict[tuple[int, int], list[tuple]]:
    """The coders' relation codings by (document, code), earliest first:
    ``(document_id, code_id, start, end, source, target, mutual, occasional)``."""
    candidates: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in (
        Relation.objects.filter(
            coding__document_id__in={o[1] for o in orphans},
            coding__code_id__in={o[2] for o in orphans},
        )
        .exclude(coding__coder_id=consensus_id)
        .order_by("coding_id")
        .values_list(
            "coding__document_id",
            "coding__code_id",
            "coding__start",
            "coding__end",
            "source_actor_id",
            "target_actor_id",
            "mutual",
            "occasional",
        )
    ):
        candidates[(row[0], row[1])].append(row)
    return candidates


def _adopted_fields(candidates: list[tuple], start: int, end: int) -> tuple | None:
    """``(source, target, mutual, occasional)`` of the overlapping candidates: the
    same span's first, else the majority's (ties: the earliest)."""
    near = [c for c in candidates if c[2] < end and c[3] > start]
    if not near:
        return None
    same = [c for c in near if (c[2], c[3]) == (start, end)]
    pool = same or near
    votes = Counter(c[4:] for c in pool)
    best = max(votes.values())
    return next(c[4:] for c in pool if votes[c[4:]] == best)


def _mentions(
    project: Project, filters: NetworkFilters, actors: list[Actor]
) -> tuple[Counter, list[graph.CoMention]]:
    """How often each actor is named (name or alias) in the filtered documents, and
    which actors are named together in one speaker turn (or paragraph, where a
    transcript has no turns)."""
    counts: Counter = Counter()
    co_mentions: list[graph.CoMention] = []
    owner = _actor_names(actors)
    if not owner:
        return counts, co_mentions
    try:
        matcher = compile_aliases(owner)
    except ValueError:
        logger.warning("actor aliases of project %s do not compile", project.pk)
        return counts, co_mentions
    documents = _mention_documents(project, filters)
    turns = _turn_starts(documents) if filters.co_mentions else {}
    for document_id, text in documents.values_list("id", "text").iterator(
        chunk_size=50
    ):
        found = matcher.finditer(text)
        counts.update(actor_id for _s, _e, actor_id in found)
        if filters.co_mentions and found:
            units = turns.get(document_id) or _paragraphs(text)
            co_mentions += _named_together(document_id, found, units)
    return counts, co_mentions


def _actor_names(actors: list[Actor]) -> dict[int, list[str]]:
    """Each actor's name and aliases; a name claimed twice goes to the first."""
    owner: dict[int, list[str]] = {}
    taken: set[str] = set()
    for actor in actors:
        names = []
        for name in [actor.name, *actor.aliases]:
            key = " ".join(name.split()).casefold()
            if key and key not in taken:
                taken.add(key)
                names.append(name)
        if names:
            owner[actor.pk] = names
    return owner


def _mention_documents(project: Project, filters: NetworkFilters):
    documents = Document.objects.filter(project=project)
    if filters.documents:
        documents = documents.filter(pk__in=filters.documents)
    for name, value in filters.attributes:
        documents = documents.filter(**{f"case__attributes__{name}": value})
    return documents


def _turn_starts(documents) -> dict[int, list[tuple[int, int]]]:
    """``{document id: [(start, turn number), ...]}`` in text order."""
    turns: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for document_id, number, start in (
        SpeakerTurn.objects.filter(document__in=documents)
        .order_by("document_id", "start")
        .values_list("document_id", "number", "start")
    ):
        turns[document_id].append((start, number))
    return turns


def _named_together(
    document_id: int, found: list[tuple[int, int, int]], units: list[tuple[int, int]]
) -> list[graph.CoMention]:
    """The units (turns or paragraphs) of a document that name several actors."""
    starts = [u[0] for u in units]
    named: dict[int, set[int]] = defaultdict(set)
    for start, _end, actor_id in found:
        at = bisect.bisect_right(starts, start) - 1
        if at >= 0:
            named[units[at][1]].add(actor_id)
    return [
        graph.CoMention(document_id, number, frozenset(ids))
        for number, ids in sorted(named.items())
        if len(ids) > 1
    ]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, number) of the blank-line separated paragraphs, numbered from 1."""
    starts = [0, *(m.end() for m in _BLANK_LINE.finditer(text))]
    return [(start, number) for number, start in enumerate(starts, 1)]


def _evidence_json(tie: graph.Tie) -> dict:
    """Parallel lists (see ``NetworkTie.evidence``)."""
    evidence = tie.evidence
    if isinstance(evidence, graph.EvidenceColumns):  # as build_ties makes them
        return {
            "codings": evidence.codings,
            "coders": evidence.coders,
            "documents": evidence.documents,
        }
    codings, coders, documents, turns = (
        zip(*evidence, strict=True) if evidence else ((), (), (), ())
    )
    if tie.layer == graph.CO_MENTION:
        return {"documents": list(documents), "turns": list(turns)}
    return {
        "codings": list(codings),
        "coders": list(coders),
        "documents": list(documents),
    }


_TIE_FIELDS = (
    "snapshot_id",
    "source_id",
    "target_id",
    "flow",
    "layer",
    "weight",
    "documents",
    "coders",
    "occasional",
    "occasional_votes",
    "structural_votes",
    "mutual",
    "evidence",
)
_METRIC_FIELDS = ("snapshot_id", "actor_id", "mentions", *graph.METRIC_FIELDS)


def _tie_values(snapshot_id: int, tie: graph.Tie) -> tuple:
    return (
        snapshot_id,
        tie.source,
        tie.target,
        tie.flow,
        tie.layer,
        tie.weight,
        tie.documents,
        tie.coders,
        tie.occasional,
        tie.occasional_votes,
        tie.structural_votes,
        tie.mutual,
        _evidence_json(tie),
    )


def _metric_values(snapshot_id: int, m: graph.ActorMetrics, mentions: int) -> tuple:
    return (
        snapshot_id,
        m.actor_id,
        mentions,
        *(getattr(m, name) for name in graph.METRIC_FIELDS),
    )


class _Laps:
    """Seconds per phase of a build, stored with its summary (``timings``)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._lap = time.perf_counter()

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = round(now - self._lap, 3)
        self._lap = now


@dataclass(frozen=True, slots=True)
class _Built:
    """What a build computed, before it is stored."""

    ties: list[graph.Tie]
    metrics: list[graph.ActorMetrics]
    mentions: dict[int, int]  # actor id -> times named
    summary: dict  # as stored on the snapshot


def network_build(*, snapshot_id: int) -> NetworkSnapshot | None:
    """Build a snapshot here and now, whatever its status (the API, the command).

    Returns ``None`` when the snapshot is gone. Failures are stored on the snapshot
    (status ``failed``) and re-raised.
    """
    return job_run_here(NetworkSnapshot, snapshot_id, network_build_work)


def network_build_work(snapshot: NetworkSnapshot) -> None:
    """Compute a claimed snapshot from scratch and replace its stored results; the
    snapshot is finished with them (``computed_at``: when the codings were read)."""
    started = timezone.now()
    clock = time.perf_counter()
    laps = _Laps()
    built = _network_compute(snapshot, laps)
    with transaction.atomic():
        if (
            not NetworkSnapshot.objects.select_for_update()
            .filter(pk=snapshot.pk)
            .exists()
        ):
            return  # deleted meanwhile: nothing to store
        _network_store(snapshot, built)
        laps.done("store")
        job_finish(
            snapshot,
            computed_at=started,
            seconds=round(time.perf_counter() - clock, 3),
            summary=built.summary,
        )


def _network_compute(snapshot: NetworkSnapshot, laps: _Laps) -> _Built:
    """Read the codings and mentions, build the graph and measure it."""
    filters = NetworkFilters.from_json(snapshot.filters)
    codings = _relation_columns(snapshot, filters)
    laps.done("read_codings")
    actors = list(Actor.objects.filter(project=snapshot.project).order_by("id"))
    counts, co_mentions = _mentions(snapshot.project, filters, actors)
    laps.done("mentions")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", graph.SelfLoopWarning)
        ties = graph.build_ties(codings)
    relations = graph.build_graph(
        [graph.Actor(a.pk, a.name, a.kind, counts.get(a.pk, 0)) for a in actors],
        ties,
    )
    metrics = graph.actor_metrics(relations)
    summary = graph.network_summary(relations, metrics=metrics)
    co_ties = graph.co_mention_ties(co_mentions)
    laps.done("graph_and_metrics")
    stored = asdict(summary)
    stored["gatekeeper_ids"] = list(summary.gatekeeper_ids)
    stored["relation_codings"] = len(codings)
    stored["co_mention_ties"] = len(co_ties)
    stored["timings"] = laps.timings  # the store's lap is added before saving
    return _Built(
        ties=[*ties, *co_ties], metrics=metrics, mentions=counts, summary=stored
    )


def _network_store(snapshot: NetworkSnapshot, built: _Built) -> None:
    """Replace the snapshot's ties and measures (inside the caller's transaction)."""
    snapshot.ties.all().delete()
    snapshot.metrics.all().delete()
    bulk.insert_rows(
        NetworkTie,
        _TIE_FIELDS,
        (_tie_values(snapshot.pk, tie) for tie in built.ties),
    )
    bulk.insert_rows(
        ActorMetric,
        _METRIC_FIELDS,
        (
            _metric_values(snapshot.pk, m, built.mentions.get(m.actor_id, 0))
            for m in built.metrics
        ),
    )
