"""The actors page: list, create, rename, merge actors, and set them up from the codebook."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coding.access import Cap, access_project
from coding.models import Code
from coding.views.base import error_messages
from network.models import Actor, ActorKind
from network.selectors import flow_types
from network.services import actor_create, actor_merge, actor_update, network_setup


@login_required
@require_GET
def actors(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    network_setup(project=access.project)
    # Count only relation codings the member may see (a blind coder: their own and
    # the published consensus), or the figures tell them what others coded.
    visible = access.visible_codings().values("pk")
    rows = (
        Actor.objects.filter(project=access.project)
        .annotate(
            outgoing=Count(
                "relations_out",
                filter=Q(relations_out__coding_id__in=visible),
                distinct=True,
            ),
            incoming=Count(
                "relations_in",
                filter=Q(relations_in__coding_id__in=visible),
                distinct=True,
            ),
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


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
