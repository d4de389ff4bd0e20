"""The project's data-protection page: settings (review on import, language,
retention), word lists, each transcript's status, the access log (owners), the
data summary, and the hard delete of the project (owners)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coding.access import Cap, access_project
from coding.views.base import error_messages
from privacy.forms import posted_int
from privacy.models import CategoryChoice, WordKind, WordListEntry
from privacy.selectors import document_statuses
from privacy.services.access_log import access_log
from privacy.services.keytable import privacy_settings
from privacy.services.retention import project_erase, retention_due, settings_update
from privacy.services.suggestions import suggestions_request, word_list_prefill
from privacy.summary import data_summary, summary_markdown

ACCESS_LOG_ROWS = 200


@login_required
@require_GET
def privacy(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    owner = access.can(Cap.MANAGE_MEMBERS)
    return TemplateResponse(
        request,
        "privacy/privacy.html",
        {
            "access": access,
            "project": access.project,
            "settings": privacy_settings(access.project),
            "statuses": document_statuses(access.project),
            "words": WordListEntry.objects.filter(project=access.project),
            "kinds": WordKind.choices,
            "categories": CategoryChoice.choices,
            "owner": owner,
            "log": access_log(project=access.project)[:ACCESS_LOG_ROWS]
            if owner
            else [],
            "retention_due": retention_due(access.project),
        },
    )


@login_required
@require_POST
def privacy_settings_save(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    until = None
    if request.POST.get("retention_until"):
        try:
            until = dt.date.fromisoformat(request.POST["retention_until"])
        except ValueError:
            messages.error(request, _("Give the retention date as YYYY-MM-DD."))
            return redirect("privacy:privacy", project_id)
    language = request.POST.get("language", "nl")
    settings_update(
        project=access.project,
        actor=request.user,
        review_on_import=request.POST.get("review_on_import") == "1",
        language=language if language in {"nl", "en"} else "nl",
        retention_until=until,
    )
    messages.success(request, _("Saved."))
    return redirect("privacy:privacy", project_id)


@login_required
@require_POST
def privacy_words(request: HttpRequest, project_id: int) -> HttpResponse:
    """Add a word to a list, remove one, or fill the protected list from the actors."""
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    if request.POST.get("prefill"):
        added = word_list_prefill(project=access.project)
        messages.success(request, _("%(n)s actor name(s) added.") % {"n": added})
    elif request.POST.get("remove"):
        WordListEntry.objects.filter(
            project=access.project, pk=posted_int(request.POST["remove"])
        ).delete()
    else:
        word = " ".join(request.POST.get("word", "").split())[:200]
        kind = request.POST.get("kind")
        category = request.POST.get("category", "person")
        if (
            not word
            or kind not in WordKind.values
            or category not in CategoryChoice.values
        ):
            messages.error(request, _("Give a word and a list."))
        else:
            WordListEntry.objects.update_or_create(
                project=access.project,
                word=word,
                defaults={"kind": kind, "category": category},
            )
    return redirect("privacy:privacy", project_id)


@login_required
@require_POST
def privacy_suggest_all(request: HttpRequest, project_id: int) -> HttpResponse:
    """Suggestions for every transcript awaiting review, by a worker."""
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    suggestions_request(project=access.project)
    messages.info(request, _("Suggestions are being computed."))
    return redirect("privacy:privacy", project_id)


@login_required
@require_GET
def privacy_summary(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.MANAGE_DOCUMENTS)
    summary = data_summary(access.project)
    if request.GET.get("format") == "md":
        response = HttpResponse(
            summary_markdown(summary), content_type="text/markdown; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="data-summary-{project_id}.md"'
        )
        return response
    return TemplateResponse(
        request, "privacy/summary.html", {"project": access.project, "summary": summary}
    )


@login_required
@require_POST
def privacy_erase(request: HttpRequest, project_id: int) -> HttpResponse:
    """Delete the project with everything derived from it (owners; asks the name)."""
    access = access_project(request.user, project_id, need=Cap.MANAGE_MEMBERS)
    try:
        project_erase(
            project=access.project,
            actor=request.user,
            confirm_name=request.POST.get("confirm_name", ""),
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect("privacy:privacy", project_id)
    messages.success(
        request, _("The project and everything derived from it were deleted.")
    )
    return redirect(reverse("coding:project_list"))
