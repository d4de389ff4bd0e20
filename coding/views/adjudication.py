"""Adjudication: walk through two coders' differences and build the consensus layer.

Keyboard driven (see ``static/js/adjudication.js``): ``j``/``k`` next and previous,
``a``/``b`` accept a coder's version, ``o`` both, ``n`` neither, ``e`` edit the span.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coding.access import Cap, access_document, access_project
from coding.comparison import Unit
from coding.forms import optional_int, posted_decision
from coding.models import Adjudication, Code, Coding
from coding.redirects import safe_next
from coding.selectors import Mark, text_window
from coding.selectors_team import document_coders, pair_units
from coding.services.team import accept_agreements, adjudicate, consensus_publish
from coding.views.base import error_messages, pair_context, posted_pair

CONTEXT_CHARS = 300


def _decisions(
    document, coder_a: int, coder_b: int
) -> dict[tuple[int, int, int], Adjudication]:
    return {
        (a.code_id, a.start, a.end): a
        for a in Adjudication.objects.filter(
            document=document, coder_a_id=coder_a, coder_b_id=coder_b
        )
    }


def _unit_view(document, unit: Unit, codes: dict[int, Code]) -> dict:
    # Show whole lines around the unit: from a line start to a line end.
    start = document.text.rfind("\n", 0, max(0, unit.start - CONTEXT_CHARS)) + 1
    start = max(start, unit.start - 3 * CONTEXT_CHARS, 0)
    line_end = document.text.find("\n", min(document.length, unit.end + CONTEXT_CHARS))
    end = document.length if line_end == -1 else line_end
    end = min(end, unit.end + 3 * CONTEXT_CHARS, document.length)
    color = codes[unit.code_id].color

    def window(spans):
        marks = [
            (s.start, s.end, Mark(coding_id=s.coding_id, color=color, coder_id=0))
            for s in spans
        ]
        return text_window(document.text, start, end, marks)

    return {
        "unit": unit,
        "code": codes[unit.code_id],
        "a_block": window(unit.a),
        "b_block": window(unit.b),
        "window_start": start,
        "window_end": end,
    }


@login_required
@require_GET
def adjudication(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.SUPERVISE
    )
    context = pair_context(
        request,
        access,
        document,
        missing=_("At least two coders must have coded this document to adjudicate."),
    )
    if context["errors"]:
        status = 400 if request.GET else 200
        return TemplateResponse(
            request, "coding/adjudication.html", context, status=status
        )
    context.update(
        _panel_context(
            access,
            document,
            dict(context["coders"]),
            context["coder_a"],
            context["coder_b"],
            request.GET.get("i"),
        )
    )
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(request, PANEL, {**context, "oob": True})
    return TemplateResponse(request, "coding/adjudication.html", context)


PANEL = "coding/partials/adjudication_panel.html"


def _panel_context(
    access, document, names: dict[int, str], coder_a: int, coder_b: int, raw_index
) -> dict:
    """What the panel shows: the current difference, the list, the counts."""
    units = pair_units(document, coder_a, coder_b)
    differences = [u for u in units if u.is_difference]
    codes = {c.pk: c for c in Code.objects.filter(project=access.project)}
    rows = _difference_rows(document, coder_a, coder_b, differences, codes)
    index = _current_index(raw_index, rows)
    current = None
    if differences:
        current = _unit_view(document, differences[index], codes)
        current["consensus"] = _consensus_window(access.project, document, current)
    return {
        "access": access,
        "project": access.project,
        "document": document,
        "coder_a": coder_a,
        "coder_b": coder_b,
        "rows": rows,
        "index": index,
        "current": current,
        "current_decision": rows[index]["decision"] if rows else None,
        "name_a": names[coder_a],
        "name_b": names[coder_b],
        "agreements": len(units) - len(differences),
        "decided_count": sum(1 for r in rows if r["decision"]),
        "consensus_count": _consensus_count(access.project, document),
    }


def _consensus_window(project, document, current: dict):
    """The consensus layer's codings of this code around the difference, as a block
    (``None`` while the consensus has none there)."""
    if not project.consensus_user_id:
        return None
    start, end = current["window_start"], current["window_end"]
    spans = Coding.objects.filter(
        document=document,
        coder_id=project.consensus_user_id,
        code_id=current["unit"].code_id,
        start__lt=end,
        end__gt=start,
    ).values_list("pk", "start", "end")
    if not spans:
        return None
    color = current["code"].color
    marks = [(s, e, Mark(coding_id=pk, color=color, coder_id=0)) for pk, s, e in spans]
    return text_window(document.text, start, end, marks)


def _difference_rows(
    document, coder_a: int, coder_b: int, differences: list[Unit], codes: dict
) -> list[dict]:
    """One row per difference, with the decision taken on it so far (or ``None``)."""
    decided = _decisions(document, coder_a, coder_b)
    return [
        {
            "index": i,
            "unit": u,
            "code": codes[u.code_id],
            "decision": decided.get((u.code_id, u.start, u.end)),
        }
        for i, u in enumerate(differences)
    ]


def _current_index(raw, rows: list[dict]) -> int:
    """``?i=`` if given (kept in range), else the first undecided difference."""
    index = optional_int(raw)
    if index is None:
        index = next((r["index"] for r in rows if r["decision"] is None), 0)
    return min(max(index, 0), max(len(rows) - 1, 0))


def _consensus_count(project, document) -> int:
    if not project.consensus_user_id:
        return 0
    return Coding.objects.filter(
        document=document, coder_id=project.consensus_user_id
    ).count()


def _back(project_id: int, document_id: int, coder_a, coder_b, index=None) -> str:
    url = reverse("coding:adjudication", args=[project_id, document_id])
    url += f"?a={coder_a}&b={coder_b}"
    if index is not None:
        url += f"&i={index}"
    return url


@login_required
@require_POST
def adjudication_decide(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.SUPERVISE
    )
    pair = posted_pair(request, access, document)
    posted = posted_decision(request.POST)
    code = Code.objects.filter(project=access.project, pk=posted.code_id).first()
    index = posted.index
    if pair is None or code is None or not posted.names_a_unit:
        messages.error(
            request,
            _("This difference is not part of the document any more; reload the page."),
        )
        url = reverse("coding:adjudication", args=[project_id, document_id])
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
    user_a, user_b = pair
    try:
        adjudicate(
            document=document,
            code=code,
            coder_a=user_a,
            coder_b=user_b,
            unit_start=posted.unit_start,
            unit_end=posted.unit_end,
            decision=posted.decision,
            actor=request.user,
            edited_span=posted.edited_span,
        )
    except ValidationError as error:
        if request.htmx:
            return _panel_response(
                request, access, document, pair, index, error_messages(error), ok=False
            )
        for message in error_messages(error):
            messages.error(request, message)
        return redirect(_back(project_id, document_id, user_a.pk, user_b.pk, index))
    saved = _("Decision saved in the consensus layer.")
    if request.htmx:
        return _panel_response(
            request, access, document, pair, index + 1, [saved], ok=True
        )
    messages.success(request, saved)
    return redirect(_back(project_id, document_id, user_a.pk, user_b.pk, index + 1))


def _panel_response(
    request: HttpRequest,
    access,
    document,
    pair,
    index: int,
    notes: list[str],
    *,
    ok: bool,
) -> HttpResponse:
    """htmx: the panel at ``index`` in place of the old one, the address following
    along (so a reload or the back button lands on the same difference)."""
    user_a, user_b = pair
    names = dict(document_coders(access, document))
    context = _panel_context(access, document, names, user_a.pk, user_b.pk, index)
    context.update(notes=notes, notes_ok=ok, oob=True)
    response = TemplateResponse(request, PANEL, context, status=200 if ok else 400)
    response["HX-Push-Url"] = _back(
        access.project.pk, document.pk, user_a.pk, user_b.pk, index
    )
    return response


@login_required
@require_POST
def adjudication_accept_agreements(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.SUPERVISE
    )
    pair = posted_pair(request, access, document)
    if pair is None:
        messages.error(request, _("Choose two coders of this document."))
        return redirect(
            "coding:adjudication", project_id=project_id, document_id=document_id
        )
    user_a, user_b = pair
    count = accept_agreements(
        document=document,
        coder_a=user_a,
        coder_b=user_b,
        units=pair_units(document, user_a.pk, user_b.pk),
        actor=request.user,
    )
    messages.success(
        request,
        _("%(count)d agreements added to the consensus layer.") % {"count": count},
    )
    return redirect(_back(project_id, document_id, user_a.pk, user_b.pk))


@login_required
@require_POST
def adjudication_publish(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.SUPERVISE)
    published = request.POST.get("published") == "1"
    consensus_publish(project=access.project, published=published, actor=request.user)
    if published:
        messages.success(
            request, _("The consensus layer is now visible to everyone in the project.")
        )
    else:
        messages.success(
            request, _("The consensus layer is hidden from coders and viewers again.")
        )
    return redirect(safe_next(request, access.project.get_absolute_url()))
