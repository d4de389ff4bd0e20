"""Side by side: two coders' codings of one document, matches and differences marked."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coding.access import Cap, access_document
from coding.comparison import summary
from coding.models import Coding
from coding.selectors import document_blocks, marks_for
from coding.selectors_team import pair_units
from coding.views.base import pair_context


@login_required
@require_GET
def compare(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.SUPERVISE
    )
    context = pair_context(
        request,
        access,
        document,
        missing=_("At least two coders must have coded this document to compare."),
    )
    context["columns"] = []
    coders, coder_a, coder_b = context["coders"], context["coder_a"], context["coder_b"]
    if context["errors"]:
        status = 400 if request.GET else 200
        return TemplateResponse(request, "coding/compare.html", context, status=status)
    units = pair_units(document, coder_a, coder_b)
    kinds = {}
    for unit in units:
        for span in unit.a + unit.b:
            kinds[span.coding_id] = unit.kind
    turns = list(
        document.turns.values_list(
            "number", "speaker", "start", "end", "started_at_ms", named=True
        )
    )
    names = dict(coders)
    for coder_id in (coder_a, coder_b):
        codings = Coding.objects.filter(
            document=document, coder_id=coder_id
        ).select_related("code")
        context["columns"].append(
            {
                "coder": names[coder_id],
                "blocks": document_blocks(
                    document, turns, marks_for(codings, kinds=kinds)
                ),
            }
        )
    context["summary"] = summary(units)
    return TemplateResponse(request, "coding/compare.html", context)
