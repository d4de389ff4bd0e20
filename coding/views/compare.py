"""Side by side: two coders' codings of one document, matches and differences marked."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coding.access import Cap, ProjectAccess, access_document
from coding.comparison import compare_coders, summary
from coding.models import Assignment, Coding, Document
from coding.selectors import document_blocks, marks_for

User = get_user_model()


def document_coders(access: ProjectAccess, document: Document) -> list[tuple[int, str]]:
    """Coders of this document (by codings or assignment), busiest first; no consensus."""
    consensus_id = access.project.consensus_user_id
    counts = dict(
        Coding.objects.filter(document=document)
        .exclude(coder_id=consensus_id)
        .values_list("coder_id")
        .annotate(n=Count("id"))
        .values_list("coder_id", "n")
    )
    for coder_id in Assignment.objects.filter(document=document).values_list(
        "coder_id", flat=True
    ):
        counts.setdefault(coder_id, 0)
    names = dict(User.objects.filter(pk__in=counts).values_list("pk", "username"))
    return sorted(
        ((uid, names[uid]) for uid in counts),
        key=lambda item: (-counts[item[0]], item[1]),
    )


def chosen_pair(
    request: HttpRequest, coders: list[tuple[int, str]]
) -> tuple[int | None, int | None, list[str]]:
    """Coders A and B from ``?a=&b=`` (ids), defaulting to the two busiest."""
    known = {uid for uid, _name in coders}
    errors: list[str] = []
    picked: list[int | None] = []
    for key, fallback in (("a", 0), ("b", 1)):
        raw = request.GET.get(key, "")
        if raw:
            value = int(raw) if raw.isdigit() else None
            if value not in known:
                errors.append(
                    _("Coder “%(value)s” did not code this document.") % {"value": raw}
                )
                value = None
        else:
            value = coders[fallback][0] if len(coders) > fallback else None
        picked.append(value)
    if picked[0] is not None and picked[0] == picked[1]:
        errors.append(_("Choose two different coders."))
    return picked[0], picked[1], errors


def pair_context(
    request: HttpRequest, access: ProjectAccess, document: Document, *, missing: str
) -> dict:
    """The page context every two-coder page starts from (``?a=&b=`` chosen)."""
    coders = document_coders(access, document)
    coder_a, coder_b, errors = chosen_pair(request, coders)
    if (coder_a is None or coder_b is None) and not errors:
        errors.append(missing)
    return {
        "access": access,
        "project": access.project,
        "document": document,
        "coders": coders,
        "coder_a": coder_a,
        "coder_b": coder_b,
        "errors": errors,
    }


def posted_pair(request: HttpRequest, access: ProjectAccess, document: Document):
    """Coders A and B named in a POST, as users; ``None`` unless both coded here."""
    known = dict(document_coders(access, document))
    ids = []
    for key in ("a", "b"):
        raw = request.POST.get(key, "")
        ids.append(int(raw) if raw.isdigit() else None)
    if ids[0] not in known or ids[1] not in known or ids[0] == ids[1]:
        return None
    users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    return users[ids[0]], users[ids[1]]


def units_for(document: Document, coder_a: int, coder_b: int):
    rows = Coding.objects.filter(
        document=document, coder_id__in=[coder_a, coder_b]
    ).values_list("id", "code_id", "start", "end", "coder_id")
    a = [(i, c, s, e) for i, c, s, e, coder in rows if coder == coder_a]
    b = [(i, c, s, e) for i, c, s, e, coder in rows if coder == coder_b]
    return compare_coders(a, b)


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
    units = units_for(document, coder_a, coder_b)
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
