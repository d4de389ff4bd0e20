"""The members page: owners add people to the project and set their roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coding.access import Cap, access_project
from coding.forms import MemberForm
from coding.models import Membership
from coding.services.projects import membership_remove, membership_set
from coding.views.base import error_messages


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    form = MemberForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
        if form.is_valid():
            try:
                membership = membership_set(
                    project=access.project, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                messages.success(
                    request,
                    _("%(user)s now has the role %(role)s.")
                    % {
                        "user": membership.user.username,
                        "role": membership.get_role_display(),
                    },
                )
                return redirect("coding:members", project_id=project_id)
    memberships = Membership.objects.filter(project=access.project).select_related(
        "user"
    )
    return TemplateResponse(
        request,
        "coding/members.html",
        {
            "access": access,
            "project": access.project,
            "memberships": memberships,
            "form": form,
            "errors": errors,
            "can_manage": access.can(Cap.MANAGE_MEMBERS),
        },
        status=400
        if errors or (request.method == "POST" and not form.is_valid())
        else 200,
    )


@login_required
@require_POST
def members_remove(
    request: HttpRequest, project_id: int, membership_id: int
) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
    membership = get_object_or_404(Membership, pk=membership_id, project=access.project)
    try:
        membership_remove(membership=membership, actor=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request, _("%(user)s removed.") % {"user": membership.user.username}
        )
    return redirect("coding:members", project_id=project_id)
