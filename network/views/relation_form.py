"""The relation form of the document page (registered as a document tool in
``network.hooks``): code a passage as a relation between actors, or change one.
Answers like the document page itself (``coding.views.workbench.changes_response``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap

from coding.access import Cap, ProjectAccess, access_document
from coding.models import Document
from coding.undo import undo_push
from coding.views.base import error_messages
from coding.views.workbench import changes_response
from network.models import Actor, FlowType, Relation
from network.selectors import flow_types
from network.services import (
    RelationSpec,
    network_setup,
    relation_create,
    relation_update,
)


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
