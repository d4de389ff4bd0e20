"""The audit trail page: who changed what and when, filtered; restore a deleted coding.

Owners and supervisors only: the trail names coders, which blind coding hides from
the coders themselves. The filter form and the page links swap only the table
(``#audit-table``); "Restore" swaps only its row.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from coding.access import Cap, ProjectAccess, access_project
from coding.forms import audit_filters
from coding.models import AuditEvent
from coding.selectors_audit import (
    FILTER_NAMES,
    audit_document_choices,
    audit_events,
    audit_rows,
    audit_user_choices,
)
from coding.services.audit_restore import audit_restore_coding
from coding.services.codebook_merge import code_merge_undo
from coding.views.base import error_messages

PAGE_SIZE = 50


def _options(pairs, selected: str, *, by_label: bool = False) -> list[dict]:
    """Select options; users may be chosen by id or (in a link) by user name."""
    return [
        {
            "value": str(value),
            "label": label,
            "selected": selected in (str(value), label if by_label else None),
        }
        for value, label in pairs
    ]


def _context(access: ProjectAccess, params: QueryDict) -> tuple[dict, int]:
    """Everything the page (or its table partial) shows for these query parameters."""
    project_id = access.project.pk
    values = {name: (params.get(name) or "").strip() for name in FILTER_NAMES}
    documents = audit_document_choices(project_id=project_id)
    users = audit_user_choices(project_id=project_id)
    deleted = _("(deleted)")
    context = {
        "access": access,
        "project": access.project,
        "values": values,
        "document_options": _options(
            (
                (d.id, f"{d.title} {deleted}" if d.deleted else d.title)
                for d in documents
            ),
            values["document"],
        ),
        "coder_options": _options(users, values["coder"], by_label=True),
        "actor_options": _options(users, values["actor"], by_label=True),
        "entity_options": _options(AuditEvent.Entity.choices, values["entity"]),
        "action_options": _options(AuditEvent.Action.choices, values["action"]),
        "query": params,
        "audit_url": reverse("coding:audit", args=[project_id]),
        "rows": [],
        "page": None,
        "errors": [],
    }
    try:
        filters = audit_filters(project_id=project_id, params=params)
    except ValidationError as error:
        context["errors"] = error_messages(error)
        return context, 400
    paginator = Paginator(
        audit_events(project_id=project_id, filters=filters), PAGE_SIZE
    )
    page = paginator.get_page(params.get("page"))
    context["page"] = page
    context["rows"] = audit_rows(
        project_id=project_id,
        events=page.object_list,
        document_titles={d.id: (d.title, d.deleted) for d in documents},
    )
    return context, 200


def _back_url(request: HttpRequest, project_id: int) -> str:
    """Where to return after a restore: the trail page, with the filters it had."""
    audit_url = reverse("coding:audit", args=[project_id])
    back = request.POST.get("next", "")
    if (
        url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and urlsplit(back).path == audit_url
    ):
        return back
    return audit_url


@login_required
@require_GET
@vary_on_headers("HX-Request")
def audit(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    context, status = _context(access, request.GET)
    context["back_url"] = request.get_full_path()
    template = "coding/audit.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#audit-table"
    return TemplateResponse(request, template, context, status=status)


def _row_response(
    request: HttpRequest,
    access: ProjectAccess,
    event: AuditEvent,
    *,
    back_url: str,
    message: str = "",
    errors: list[str] | None = None,
    coding=None,
) -> HttpResponse:
    [row] = audit_rows(project_id=access.project.pk, events=[event])
    return TemplateResponse(
        request,
        "coding/audit.html#audit-row",
        {
            "project": access.project,
            "row": row,
            "back_url": back_url,
            "row_message": message,
            "row_errors": errors or [],
            "restored": coding,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def audit_restore(request: HttpRequest, project_id: int, event_id: int) -> HttpResponse:
    """Bring a deleted coding back; htmx gets its row again, others a redirect."""
    access, event, back_url = _supervised_event(request, project_id, event_id)
    try:
        coding = audit_restore_coding(event=event, actor=request.user)
    except ValidationError as error:
        return _refused(request, access, event, back_url, error_messages(error))
    message = _("Restored: ‘%(code)s’ [%(start)d–%(end)d] by %(coder)s.") % {
        "code": coding.code.name,
        "start": coding.start,
        "end": coding.end,
        "coder": coding.coder.username,
    }
    if request.htmx:
        return _row_response(
            request, access, event, back_url=back_url, message=message, coding=coding
        )
    messages.success(request, message)
    return redirect(back_url)


def _supervised_event(
    request: HttpRequest, project_id: int, event_id: int
) -> tuple[ProjectAccess, AuditEvent, str]:
    """The project (for who supervises it), one of its events, and where to go back."""
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    event = get_object_or_404(
        AuditEvent.objects.select_related("actor"),
        pk=event_id,
        project=access.project,
    )
    return access, event, _back_url(request, project_id)


def _refused(
    request: HttpRequest,
    access: ProjectAccess,
    event: AuditEvent,
    back_url: str,
    errors: list[str],
) -> HttpResponse:
    """The reasons, in the event's row (htmx) or above the trail (a 400 either way)."""
    if request.htmx:
        return _row_response(request, access, event, back_url=back_url, errors=errors)
    context, _status = _context(access, QueryDict(urlsplit(back_url).query))
    context.update(errors=errors, back_url=back_url)
    return TemplateResponse(request, "coding/audit.html", context, status=400)


@login_required
@require_POST
def audit_undo_merge(
    request: HttpRequest, project_id: int, event_id: int
) -> HttpResponse:
    """Take a code merge back; the service re-reads the role (editing the codebook)."""
    access, event, back_url = _supervised_event(request, project_id, event_id)
    try:
        code = code_merge_undo(event=event, actor=request.user)
    except ValidationError as error:
        return _refused(request, access, event, back_url, error_messages(error))
    message = _("Merge undone: “%(name)s” is back with its codings and sub-codes.") % {
        "name": code.name
    }
    if request.htmx:
        event.refresh_from_db()
        return _row_response(request, access, event, back_url=back_url, message=message)
    messages.success(request, message)
    return redirect(back_url)
