"""Pages of the actor network: the network drawing, the actors, and the relation form
of the document page. Every view starts from ``access_project``/``access_document``.

The network page shows the stored snapshot for the chosen filters and the caller's
visibility scope; when there is none, or codings changed since, a Celery worker
builds it and the status badge polls until the page can reload with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)
from django_htmx.http import HttpResponseClientRefresh, reswap

from coding.access import Cap, ProjectAccess, access_document, access_project
from coding.models import Code, Document, SpeakerTurn
from coding.undo import undo_push
from coding.views.base import error_messages
from coding.views.workbench import changes_response
from network import graph
from network.filters import NetworkFilters, network_scope
from network.forms import NetworkFiltersForm
from network.models import (
    Actor,
    ActorKind,
    ActorMetric,
    FlowType,
    NetworkSnapshot,
    Relation,
)
from network.selectors import (
    StoredNetwork,
    drawing_payload,
    flow_types,
    network_changed_at,
    quotes,
    snapshot_summary,
    stored_network,
)
from network.services import (
    RelationSpec,
    actor_create,
    actor_merge,
    actor_update,
    network_request,
    network_schedule,
    network_setup,
    relation_create,
    relation_update,
)

User = get_user_model()
MAX_QUOTES = 200


# --- the network page ----------------------------------------------------------------


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
        "badge": snapshot.badge(network_changed_at(project_id=access.project.pk)),
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
        )
    return TemplateResponse(
        request, "network/network.html", context, status=400 if errors else 200
    )


@login_required
@require_GET
def network_status(
    request: HttpRequest, project_id: int, snapshot_id: int
) -> HttpResponse:
    """The badge alone; it polls while the build runs, then reloads the page."""
    access = access_project(request.user, project_id)
    snapshot = _snapshot_for(access, snapshot_id)
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
            "badge": snapshot.badge(network_changed_at(project_id=access.project.pk)),
        },
    )


@login_required
@require_POST
def network_rebuild(
    request: HttpRequest, project_id: int, snapshot_id: int
) -> HttpResponse:
    access = access_project(request.user, project_id)
    snapshot = _snapshot_for(access, snapshot_id)
    network_schedule(snapshot_id=snapshot.pk)
    if not request.htmx:
        return redirect(
            request.POST.get("next") or reverse("network:network", args=[project_id])
        )
    snapshot.refresh_from_db()
    return TemplateResponse(
        request,
        "network/network.html#status-badge",
        {
            "access": access,
            "project": access.project,
            "snapshot": snapshot,
            "badge": snapshot.badge(network_changed_at(project_id=access.project.pk)),
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


# --- the actors page -----------------------------------------------------------------


@login_required
@require_GET
def actors(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    network_setup(project=access.project)
    rows = (
        Actor.objects.filter(project=access.project)
        .annotate(
            outgoing=Count("relations_out", distinct=True),
            incoming=Count("relations_in", distinct=True),
        )
        .order_by("name", "id")
    )
    return TemplateResponse(
        request,
        "network/actors.html",
        {
            "access": access,
            "project": access.project,
            "actors": rows,
            "flows": flow_types(access.project.pk),
            "kinds": ActorKind.choices,
            "can_edit": access.can(Cap.EDIT_CODEBOOK),
            "parents": Code.objects.filter(
                project=access.project, actor__isnull=True, flow_type__isnull=True
            ),
        },
    )


def _back_to_actors(project_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("network:actors", args=[project_id]) + anchor)


@login_required
@require_POST
def actors_create(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    parent = None
    if request.POST.get("parent"):
        parent = Code.objects.filter(
            project=access.project, pk=request.POST["parent"]
        ).first()
    try:
        created = actor_create(
            project=access.project,
            name=request.POST.get("name", ""),
            kind=request.POST.get("kind"),
            aliases=request.POST.get("aliases", ""),
            parent=parent,
            actor=request.user,
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return _back_to_actors(project_id)
    messages.success(request, _("Actor “%(name)s” added.") % {"name": created.name})
    return _back_to_actors(project_id, f"#actor-{created.pk}")


@login_required
@require_POST
def actors_update(request: HttpRequest, project_id: int, actor_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    actor = Actor.objects.filter(project=access.project, pk=actor_id).first()
    if actor is None:
        raise Http404
    try:
        actor = actor_update(
            actor=actor,
            name=request.POST.get("name"),
            kind=request.POST.get("kind"),
            aliases=request.POST.get("aliases", ""),
            user=request.user,
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return _back_to_actors(project_id, f"#actor-{actor_id}")
    messages.success(request, _("Actor “%(name)s” saved.") % {"name": actor.name})
    return _back_to_actors(project_id, f"#actor-{actor.pk}")


@login_required
@require_POST
def actors_merge(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    found = {
        a.pk: a
        for a in Actor.objects.filter(
            project=access.project,
            pk__in=[
                _int(request.POST.get("source")),
                _int(request.POST.get("target")),
            ],
        )
    }
    source = found.get(_int(request.POST.get("source")))
    target = found.get(_int(request.POST.get("target")))
    if source is None or target is None:
        messages.error(request, _("Choose two actors of this project."))
        return _back_to_actors(project_id)
    name = source.name
    try:
        result = actor_merge(source=source, target=target, user=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return _back_to_actors(project_id)
    messages.success(
        request,
        _("“%(source)s” merged into “%(target)s”: %(moved)d relation(s) moved.")
        % {"source": name, "target": result.actor.name, "moved": result.moved},
    )
    if result.dropped:
        messages.warning(
            request,
            _(
                "%(n)d relation(s) between the two became an actor's flow to itself; "
                "their relation fields were removed (the codings stay)."
            )
            % {"n": result.dropped},
        )
    return _back_to_actors(project_id, f"#actor-{result.actor.pk}")


@login_required
@require_POST
def actors_setup(request: HttpRequest, project_id: int) -> HttpResponse:
    """Add the built-in relation codes (material, knowledge, other) where missing."""
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    added = network_setup(project=access.project, create_codes=True, actor=request.user)
    messages.success(request, _("%(n)d flow type(s) or actor(s) added.") % {"n": added})
    return _back_to_actors(project_id)


# --- the relation form of the document page ------------------------------------------


def _actor_named(project_id: int, label: str) -> Actor | None:
    """An actor by its name, else by one of its aliases (any case)."""
    label = " ".join((label or "").split()).casefold()
    if not label:
        return None
    candidates = list(Actor.objects.filter(project_id=project_id))
    for actor in candidates:
        if actor.name.casefold() == label:
            return actor
    for actor in candidates:
        if label in {a.casefold() for a in actor.aliases}:
            return actor
    return None


def _form_actors(
    project_id: int, values: dict, errors: list[str]
) -> tuple[Actor | None, Actor | None]:
    """The relation form's source and target actors; what is missing goes to
    ``errors``."""
    source = _actor_named(project_id, values["source"])
    target = _actor_named(project_id, values["target"])
    if source is None:
        errors.append(_("Choose the source actor from the list."))
    if target is None:
        errors.append(_("Choose the target actor from the list."))
    return source, target


def _relation_context(
    access: ProjectAccess, document: Document, values: dict, errors: list[str]
) -> dict:
    start, end = _int(values.get("start")), _int(values.get("end"))
    quote = ""
    if start is not None and end is not None and 0 <= start < end <= document.length:
        quote = document.text[start:end]
    return {
        "project": access.project,
        "document": document,
        "flows": flow_types(access.project.pk),
        "actors": Actor.objects.filter(project=access.project).order_by("name"),
        "values": values,
        "quote": quote,
        "errors": errors,
    }


def _relation_words(relation: Relation) -> dict[str, str]:
    """The parts of a relation's status line."""
    return {
        "source": relation.source_actor.name,
        "arrow": "↔" if relation.mutual else "→",
        "target": relation.target_actor.name,
        "flow": relation.flow.label,
    }


def _relation_answer(
    request: HttpRequest,
    access: ProjectAccess,
    document: Document,
    relation: Relation,
    message: str,
) -> HttpResponse:
    """Answer a saved relation as the document page answers any change."""
    coding = relation.coding
    response = changes_response(
        request, access, document, [(coding.start, coding.end)], message
    )
    return reswap(response, "none")


def _relation_form_page(
    request: HttpRequest,
    access: ProjectAccess,
    document: Document,
    values: dict,
    errors: list[str],
    relation: Relation | None = None,
) -> HttpResponse:
    context = _relation_context(access, document, values, errors)
    if relation is not None:
        context["relation"] = relation
    return TemplateResponse(request, "network/partials/relation_form.html", context)


def _posted_choices(post) -> dict:
    """Direction and regularity as the form posts them."""
    return {
        "mutual": post.get("direction") == "mutual",
        "occasional": post.get("regularity") == "occasional",
    }


@login_required
@require_GET
def workbench_relation_form(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """The relation form for a selected span, shown in the document page's panel."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.CODE
    )
    network_setup(project=access.project)
    values = {
        key: request.GET.get(key, "")
        for key in ("start", "end", "flow", "layers", "source", "target")
    }
    return _relation_form_page(request, access, document, values, [])


@login_required
@require_POST
def workbench_relation_create(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """Save a relation coding; answers like the workbench (blocks, list, status)."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.CODE
    )
    post = request.POST
    values = {
        key: post.get(key, "")
        for key in ("start", "end", "flow", "layers", "source", "target", "memo")
    }
    values.update(_posted_choices(post))
    relation, errors = _relation_create_from(request, access, document, values)
    if errors:
        return _relation_form_page(request, access, document, values, errors)
    undo_push(
        request.session,
        document_id=document.pk,
        action={"kind": "created", "id": relation.coding_id},
    )
    message = _(
        "Relation coded: %(source)s %(arrow)s %(target)s (%(flow)s)."
    ) % _relation_words(relation)
    return _relation_answer(request, access, document, relation, message)


def _relation_create_from(
    request: HttpRequest, access: ProjectAccess, document: Document, values: dict
) -> tuple[Relation | None, list[str]]:
    """Create the relation the form describes, or say what is wrong."""
    flow = (
        FlowType.objects.filter(project=access.project, key=values["flow"])
        .select_related("code")
        .first()
    )
    errors = [] if flow is not None else [_("Choose a relation type.")]
    source, target = _form_actors(access.project.pk, values, errors)
    if errors:
        return None, errors
    try:
        relation = relation_create(
            document=document,
            coder=request.user,
            start=values["start"],
            end=values["end"],
            spec=RelationSpec(
                flow=flow,
                source_actor=source,
                target_actor=target,
                mutual=values["mutual"],
                occasional=values["occasional"],
            ),
            memo=values["memo"],
            trim_whitespace=True,
        )
    except ValidationError as error:
        return None, error_messages(error)
    return relation, []


def _editable_relation(access: ProjectAccess, document: Document, coding_id: int):
    """A relation coding of this document the member may change (their own, or
    any for a supervisor); anyone else gets 404, as for codings."""
    relation = (
        Relation.objects.select_related(
            "coding__document", "flow", "source_actor", "target_actor"
        )
        .filter(coding_id=coding_id, coding__document=document)
        .filter(coding__in=access.visible_codings())
        .first()
    )
    if relation is None or not access.can_edit_coding(relation.coding):
        raise Http404
    return relation


@login_required
@require_http_methods(["GET", "POST"])
def workbench_relation_edit(
    request: HttpRequest, project_id: int, document_id: int, coding_id: int
) -> HttpResponse:
    """Change a relation's actors, direction and regularity (GET: the form)."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.CODE
    )
    relation = _editable_relation(access, document, coding_id)
    values = _relation_values(relation, layers=request.GET.get("layers", ""))
    if request.method == "GET":
        return _relation_form_page(request, access, document, values, [], relation)
    post = request.POST
    values.update(
        source=post.get("source", ""),
        target=post.get("target", ""),
        layers=post.get("layers", ""),
        **_posted_choices(post),
    )
    relation, errors = _relation_update_from(request, access, relation, values)
    if errors:
        return _relation_form_page(request, access, document, values, errors, relation)
    message = _(
        "Relation saved: %(source)s %(arrow)s %(target)s (%(flow)s)."
    ) % _relation_words(relation)
    return _relation_answer(request, access, document, relation, message)


def _relation_values(relation: Relation, *, layers: str) -> dict:
    """The edit form's values as the relation has them now."""
    coding = relation.coding
    return {
        "start": coding.start,
        "end": coding.end,
        "flow": relation.flow.key,
        "source": relation.source_actor.name,
        "target": relation.target_actor.name,
        "mutual": relation.mutual,
        "occasional": relation.occasional,
        "layers": layers,
    }


def _relation_update_from(
    request: HttpRequest, access: ProjectAccess, relation: Relation, values: dict
) -> tuple[Relation, list[str]]:
    """Save the form's actors and choices on the relation, or say what is wrong
    (the relation is then returned as it was)."""
    errors: list[str] = []
    source, target = _form_actors(access.project.pk, values, errors)
    if errors:
        return relation, errors
    try:
        relation = relation_update(
            relation=relation,
            source_actor=source,
            target_actor=target,
            mutual=values["mutual"],
            occasional=values["occasional"],
            actor=request.user,
        )
    except ValidationError as error:
        return relation, error_messages(error)
    return relation, []


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
