"""The review page: a transcript read like the document page, its suggestions
highlighted by category; accept, reject or relabel each (or everywhere in the
project), then confirm to replace the originals for good. Keyboard first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coding.access import Cap, access_document
from coding.views.base import error_messages
from privacy.forms import posted_int
from privacy.models import CategoryChoice, Decision, DocumentReview, Suggestion
from privacy.selectors import document_suggestions, review_pieces
from privacy.services.apply import document_pseudonymise, memo_warnings
from privacy.services.decisions import suggestion_add, suggestion_decide
from privacy.services.keytable import privacy_settings
from privacy.services.suggestions import suggestions_request

DECISIONS = {
    "accept": Decision.ACCEPTED,
    "reject": Decision.REJECTED,
    "undo": Decision.PENDING,
}


def _context(access, document, errors=()) -> dict:
    suggestions = document_suggestions(document)
    review = DocumentReview.objects.filter(document=document).first()
    return {
        "access": access,
        "project": access.project,
        "document": document,
        "review": review,
        "settings": privacy_settings(access.project),
        "pieces": review_pieces(document, suggestions),
        "suggestions": suggestions,
        "pending": sum(s.decision == Decision.PENDING for s in suggestions),
        "categories": CategoryChoice.choices,
        "errors": list(errors),
        "memo_warnings": memo_warnings(document)
        if review and review.status == "confirmed"
        else [],
    }


@login_required
@require_GET
def review(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    return TemplateResponse(request, "privacy/review.html", _context(access, document))


@login_required
@require_POST
def review_decide(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """One decision (``decision`` = accept/reject/undo, ``label``, ``everywhere``)."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    suggestion = (
        Suggestion.objects.filter(
            document=document, pk=posted_int(request.POST.get("suggestion"))
        )
        .select_related("pseudonym", "document")
        .first()
    )
    if suggestion is None:
        raise Http404
    decision = DECISIONS.get(request.POST.get("decision", ""))
    errors: list[str] = []
    if decision is None:
        errors.append(_("Unknown decision."))
    else:
        try:
            suggestion_decide(
                suggestion=suggestion,
                decision=decision,
                actor=request.user,
                label=request.POST.get("label", ""),
                everywhere=request.POST.get("everywhere") == "1",
            )
        except ValidationError as error:
            errors += error_messages(error)
    if request.htmx:
        return TemplateResponse(
            request,
            "privacy/review.html#review-body",
            _context(access, document, errors),
        )
    for message in errors:
        messages.error(request, message)
    return redirect("privacy:review", project_id, document_id)


@login_required
@require_POST
def review_mark(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """A span the detector missed (offsets in code points, from the page's script)."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    category = request.POST.get("category", "person")
    errors: list[str] = []
    if category not in CategoryChoice.values:
        errors.append(_("Unknown category."))
    else:
        try:
            suggestion_add(
                document=document,
                start=posted_int(request.POST.get("start")),
                end=posted_int(request.POST.get("end")),
                category=category,
                actor=request.user,
            )
        except ValidationError as error:
            errors += error_messages(error)
    return TemplateResponse(
        request, "privacy/review.html#review-body", _context(access, document, errors)
    )


@login_required
@require_POST
def review_confirm(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """Replace the accepted originals for good."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    try:
        review_row = document_pseudonymise(document=document, actor=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Pseudonymised: %(count)s replacement(s).")
            % {"count": review_row.replaced},
        )
    return redirect("privacy:review", project_id, document_id)


@login_required
@require_POST
def review_suggest(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """Ask a worker for (fresh) suggestions."""
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.MANAGE_DOCUMENTS
    )
    DocumentReview.objects.get_or_create(document=document)
    suggestions_request(project=access.project, document=document)
    messages.info(
        request, _("Suggestions are being computed; reload the page in a moment.")
    )
    return redirect("privacy:review", project_id, document_id)
