"""The network page: the drawing of a stored snapshot for the chosen filters and
the caller's visibility scope, its status badge, and the quotes behind a tie or an
actor. When there is no snapshot, or codings changed since, a Celery worker builds
it and the status badge polls until the page can reload with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from coding.access import ProjectAccess, access_project
from coding.jobs.services import job_refresh, job_requeue
from coding.models import Document, SpeakerTurn
from coding.redirects import safe_next
from coding.views.base import error_messages
from network import graph
from network.filters import NetworkFilters, network_scope
from network.forms import NetworkFiltersForm
from network.models import Actor, ActorKind, ActorMetric, FlowType, NetworkSnapshot
from network.selectors import (
    StoredNetwork,
    drawing_payload,
    flow_types,
    network_changed_at,
    quotes,
    snapshot_summary,
    stored_network,
)
from network.services import network_request, network_setup

User = get_user_model()
MAX_QUOTES = 200


def _filter_choices(access: ProjectAccess, flows: list[FlowType]) -> dict:
    project = access.project
    coder_ids = access.visible_codings().order_by().values("coder_id").distinct()
    coders = [
        (pk, name)
        for pk, name in User.objects.filter(pk__in=coder_ids)
        .order_by("username")
        .values_list("pk", "username")
        if pk != project.consensus_user_id
    ]
    attributes: dict[str, set[str]] = {}
    for values in project.cases.values_list("attributes", flat=True):
        for name, value in (values or {}).items():
            attributes.setdefault(name, set()).add(str(value))
    consensus = bool(
        project.consensus_user_id and access.sees_coder(project.consensus_user_id)
    )
    return {
        "flows": flows,
        "coders": coders,
        "consensus": consensus,
        "documents": list(
            Document.objects.filter(project=project)
            .order_by("title")
            .values_list("pk", "title")
        ),
        "attributes": {
            name: [(value, f"{name}={value}") for value in sorted(values)]
            for name, values in sorted(attributes.items())
        },
    }


def _filters(request: HttpRequest, access: ProjectAccess, flows: list[FlowType]):
    """The page's filters; before the form was used, the default flow types."""
    defaults = (
        ()
        if request.GET.get("filtered")
        else tuple(f.key for f in flows if f.is_default)
    )
    form = NetworkFiltersForm(
        request.GET, project=access.project, default_flows=defaults
    )
    return form.filters()


def _query(filters: NetworkFilters) -> str:
    pairs = [("filtered", "1")]
    if filters.flows:
        pairs.append(("flows", ",".join(filters.flows)))
    coders = [str(c) for c in filters.coders] + (
        ["consensus"] if filters.consensus else []
    )
    if coders:
        pairs.append(("coders", ",".join(coders)))
    if filters.documents:
        pairs.append(("documents", ",".join(str(d) for d in filters.documents)))
    pairs += [("attribute", f"{n}={v}") for n, v in filters.attributes]
    if filters.co_mentions:
        pairs.append(("co_mentions", "1"))
    return urlencode(pairs)


@dataclass(frozen=True, slots=True)
class MetricRow:
    """A row of the page's table of actors and their measures."""

    actor: Actor
    metrics: graph.ActorMetrics
    mentions: int


def _metric_rows(stored: StoredNetwork) -> list[MetricRow]:
    rows = [
        MetricRow(
            actor=stored.actors[m.actor_id],
            metrics=m,
            mentions=stored.mentions.get(m.actor_id, 0),
        )
        for m in stored.metrics
    ]
    rows.sort(key=lambda r: (-r.metrics.betweenness, r.actor.name.casefold()))
    return rows


def _snapshot_for(access: ProjectAccess, snapshot_id: int) -> NetworkSnapshot:
    """A snapshot of this project built in the caller's own scope, else 404."""
    snapshot = NetworkSnapshot.objects.filter(
        pk=snapshot_id, project=access.project, scope=network_scope(access)
    ).first()
    if snapshot is None:
        raise Http404
    return snapshot


def _badge(snapshot: NetworkSnapshot) -> str:
    changed_at = network_changed_at(
        project_id=snapshot.project_id, scope=snapshot.scope
    )
    return snapshot.badge(up_to_date=snapshot.built_since(changed_at))


def _kind_legend(stored: StoredNetwork) -> list[tuple[str, str]]:
    """(label, colour) of each actor kind drawn, in the kinds' order."""
    drawn = {stored.actors[node].kind for node in stored.graph.nodes}
    return [
        (str(label), graph.KIND_COLOURS.get(kind, graph.KIND_COLOURS["other"]))
        for kind, label in ActorKind.choices
        if kind in drawn
    ]


@login_required
@require_GET
def network(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    network_setup(project=access.project)
    flows = flow_types(access.project.pk)
    errors: list[str] = []
    try:
        filters = _filters(request, access, flows)
    except ValidationError as error:
        errors = error_messages(error)
        filters = NetworkFilters(flows=tuple(f.key for f in flows if f.is_default))
    snapshot = network_request(
        project=access.project,
        scope=network_scope(access),
        filters=filters,
        user=request.user,
    )
    context = {
        "access": access,
        "project": access.project,
        "filters": filters,
        "choices": _filter_choices(access, flows),
        "snapshot": snapshot,
        "badge": _badge(snapshot),
        "errors": errors,
        "query": _query(filters),
        "selected_attributes": {f"{n}={v}" for n, v in filters.attributes},
        "legend": [f for f in flows if not filters.flows or f.key in filters.flows],
        "co_mention_colour": graph.FLOW_COLOURS[graph.CO_MENTION],
    }
    if snapshot.computed_at is not None:
        stored = stored_network(snapshot, evidence=False)
        context.update(
            summary=snapshot_summary(snapshot),
            drawing=drawing_payload(stored, {f.key: f for f in flows}),
            rows=_metric_rows(stored),
            kinds=_kind_legend(stored),
        )
    return TemplateResponse(
        request, "network/network.html", context, status=400 if errors else 200
    )


@login_required
@require_GET
def network_status(
    request: HttpRequest, project_id: int, snapshot_id: int
) -> HttpResponse:
    """The badge alone; it polls while the build is queued or runs, then reloads the
    page. A poll also resends a build whose worker died (``job_refresh``)."""
    access = access_project(request.user, project_id)
    snapshot = job_refresh(_snapshot_for(access, snapshot_id))
    shown = request.GET.get("shown", "")
    computed = snapshot.computed_at.isoformat() if snapshot.computed_at else ""
    if computed and computed != shown:
        return HttpResponseClientRefresh()
    return TemplateResponse(
        request,
        "network/network.html#status-badge",
        {
            "access": access,
            "project": access.project,
            "snapshot": snapshot,
            "badge": _badge(snapshot),
        },
    )


@login_required
@require_POST
def network_rebuild(
    request: HttpRequest, project_id: int, snapshot_id: int
) -> HttpResponse:
    access = access_project(request.user, project_id)
    snapshot = _snapshot_for(access, snapshot_id)
    job_requeue(snapshot)
    if not request.htmx:
        return redirect(
            safe_next(request, reverse("network:network", args=[project_id]))
        )
    return TemplateResponse(
        request,
        "network/network.html#status-badge",
        {
            "access": access,
            "project": access.project,
            "snapshot": snapshot,
            "badge": _badge(snapshot),
        },
    )


@dataclass(frozen=True, slots=True)
class TurnQuote:
    """A speaker turn (or paragraph) behind a co-mention tie."""

    document: Document
    number: int
    start: int
    text: str


def _turn_quotes(evidence: list[tuple], limit: int = MAX_QUOTES) -> list[TurnQuote]:
    """The speaker turns (or paragraphs) behind a co-mention tie."""
    wanted = [(e[2], e[3]) for e in evidence][:limit]
    documents = {
        d.pk: d
        for d in Document.objects.filter(pk__in={d for d, _t in wanted}).only(
            "id", "title", "text"
        )
    }
    turns = {
        (t.document_id, t.number): t
        for t in SpeakerTurn.objects.filter(document_id__in=documents)
    }
    rows = []
    for document_id, number in wanted:
        document = documents.get(document_id)
        if document is None:
            continue
        turn = turns.get((document_id, number))
        if turn is not None:
            text, start = document.text[turn.start : turn.end], turn.start
        else:
            text, start = "", 0
        rows.append(TurnQuote(document, number, start, text))
    return rows


@login_required
@require_GET
def network_tie(
    request: HttpRequest, project_id: int, snapshot_id: int
) -> HttpResponse:
    """The quotes behind a drawn tie (both directions of a double-headed arrow)."""
    access = access_project(request.user, project_id)
    snapshot = _snapshot_for(access, snapshot_id)
    try:
        source = int(request.GET.get("source", ""))
        target = int(request.GET.get("target", ""))
    except ValueError:
        raise Http404 from None
    flow = request.GET.get("flow", "")
    pairs = Q(source_id=source, target_id=target)
    if request.GET.get("both") == "1":
        pairs |= Q(source_id=target, target_id=source)
    ties = list(
        snapshot.ties.filter(pairs, flow=flow).select_related("source", "target")
    )
    if not ties:
        raise Http404
    coding_ids = sorted({c for t in ties for c in t.coding_ids})
    co_evidence = [
        e for t in ties if t.layer != graph.RELATION for e in t.evidence_tuples()
    ]
    labels = {f.key: f.label for f in flow_types(access.project.pk)}
    return TemplateResponse(
        request,
        "network/partials/tie.html",
        {
            "project": access.project,
            "ties": ties,
            "flow_label": labels.get(
                flow, _("named together") if flow == graph.CO_MENTION else flow
            ),
            "quotes": quotes(access, coding_ids, limit=MAX_QUOTES),
            "turns": _turn_quotes(co_evidence),
            "co_mention": flow == graph.CO_MENTION,
        },
    )


@login_required
@require_GET
def network_actor(
    request: HttpRequest, project_id: int, snapshot_id: int, actor_id: int
) -> HttpResponse:
    """An actor's metrics in this network and the relation codings that name it."""
    access = access_project(request.user, project_id)
    snapshot = _snapshot_for(access, snapshot_id)
    actor = Actor.objects.filter(pk=actor_id, project=access.project).first()
    if actor is None:
        raise Http404
    metric = ActorMetric.objects.filter(snapshot=snapshot, actor=actor).first()
    ties = snapshot.ties.filter(Q(source=actor) | Q(target=actor), layer=graph.RELATION)
    coding_ids = sorted({c for t in ties for c in t.coding_ids})
    gatekeeper = actor.pk in snapshot_summary(snapshot).gatekeepers
    return TemplateResponse(
        request,
        "network/partials/actor.html",
        {
            "project": access.project,
            "actor": actor,
            "metric": metric,
            "gatekeeper": gatekeeper,
            "quotes": quotes(access, coding_ids, limit=MAX_QUOTES),
            "total": len(coding_ids),
        },
    )
