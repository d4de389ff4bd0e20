"""The codebook page: the tree, and create/edit/move/merge/delete, CSV in and out."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.access import Cap, ProjectAccess, access_code, access_project
from coding.codebook_csv import write_codebook_csv
from coding.forms import CodeForm, MergeForm
from coding.models import Code
from coding.selectors import code_paths, codebook_tree
from coding.services.codebook import (
    code_create,
    code_delete,
    code_descendant_ids,
    code_update,
    codebook_import_file,
    codebook_rows,
)
from coding.services.codebook_merge import code_impact, code_merge
from coding.views.base import error_messages

MAX_CODEBOOK_BYTES = 2 * 1024 * 1024


def _tree_context(access: ProjectAccess) -> dict:
    counts = dict(
        access.visible_codings()
        .values_list("code_id")
        .annotate(n=Count("id"))
        .values_list("code_id", "n")
    )
    return {
        "access": access,
        "project": access.project,
        "tree": codebook_tree(Code.objects.filter(project=access.project), counts),
        "can_edit": access.can(Cap.EDIT_CODEBOOK),
    }


@login_required
@require_GET
def codebook(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    context = _tree_context(access)
    context["form"] = CodeForm(project=access.project)
    return TemplateResponse(request, "coding/codebook.html", context)


@login_required
@require_POST
def codebook_create_code(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    form = CodeForm(request.POST, project=access.project)
    errors: list[str] = []
    if form.is_valid():
        try:
            code = code_create(
                project=access.project, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            errors = error_messages(error)
        else:
            messages.success(request, _("Code “%(name)s” added.") % {"name": code.name})
            return redirect("coding:codebook", project_id=project_id)
    context = _tree_context(access)
    context.update(form=form, errors=errors)
    return TemplateResponse(request, "coding/codebook.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def codebook_edit_code(
    request: HttpRequest, project_id: int, code_id: int
) -> HttpResponse:
    access, code = access_code(
        request.user, project_id, code_id, need=Cap.EDIT_CODEBOOK
    )
    initial = {
        "name": code.name,
        "description": code.description,
        "color": code.color,
        "shortcut": code.shortcut,
        "parent": code.parent_id,
        "is_domain": code.is_domain,
        "measurement_level": code.measurement_level,
        "value": code.value,
    }
    form = CodeForm(
        request.POST or None,
        initial=initial,
        project=access.project,
        exclude=code_descendant_ids(code),
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            code_update(code=code, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors = error_messages(error)
        else:
            messages.success(
                request,
                _("Code “%(name)s” saved.") % {"name": form.cleaned_data["name"]},
            )
            return redirect("coding:codebook", project_id=project_id)
    return TemplateResponse(
        request,
        "coding/code_edit.html",
        {
            "access": access,
            "project": access.project,
            "code": code,
            "form": form,
            "merge_form": MergeForm(project=access.project, exclude_id=code.pk),
            "impact": code_impact(code, access),
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def codebook_merge_code(
    request: HttpRequest, project_id: int, code_id: int
) -> HttpResponse:
    access, code = access_code(
        request.user, project_id, code_id, need=Cap.EDIT_CODEBOOK
    )
    form = MergeForm(request.POST, project=access.project, exclude_id=code.pk)
    if not form.is_valid():
        messages.error(request, _("Choose the code to merge into."))
        return redirect(
            "coding:codebook_edit_code", project_id=project_id, code_id=code_id
        )
    target = form.cleaned_data["target"]
    if request.POST.get("confirm") != "yes":
        return _merge_confirmation(request, access, code, target)
    name = code.name
    try:
        target = code_merge(source=code, target=target, actor=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect(
            "coding:codebook_edit_code", project_id=project_id, code_id=code_id
        )
    messages.success(
        request,
        _(
            "“%(source)s” merged into “%(target)s”; its codings moved along. "
            "The audit trail can undo this merge."
        )
        % {"source": name, "target": target.name},
    )
    return redirect("coding:codebook", project_id=project_id)


def _merge_confirmation(
    request: HttpRequest, access: ProjectAccess, code: Code, target: Code
) -> HttpResponse:
    """The merge, spelled out with real counts, before anything happens."""
    paths = dict(code_paths(access.project.pk))
    return TemplateResponse(
        request,
        "coding/code_merge.html",
        {
            "access": access,
            "project": access.project,
            "code": code,
            "target": target,
            "source_path": paths.get(code.pk, code.name),
            "target_path": paths.get(target.pk, target.name),
            "impact": code_impact(code, access),
            "clashes": _clashing_children(code, target),
        },
    )


def _clashing_children(code: Code, target: Code) -> list[str]:
    """Sub-codes that meet a namesake under the target: they merge into it too."""
    names = set(Code.objects.filter(parent=target).values_list("name", flat=True))
    return [c.name for c in Code.objects.filter(parent=code) if c.name in names]


@login_required
@require_http_methods(["GET", "POST"])
def codebook_delete_code(
    request: HttpRequest, project_id: int, code_id: int
) -> HttpResponse:
    """Deleting asks first, saying how many codings would go with the code."""
    access, code = access_code(
        request.user, project_id, code_id, need=Cap.EDIT_CODEBOOK
    )
    impact = code_impact(code, access)
    usage = impact.codings + impact.descendant_codings
    if request.method == "POST" and (
        (usage == 0 and impact.descendants == 0) or request.POST.get("confirm") == "yes"
    ):
        name = code.name
        code_delete(code=code, actor=request.user)
        messages.success(request, _("Code “%(name)s” deleted.") % {"name": name})
        return redirect("coding:codebook", project_id=project_id)
    return TemplateResponse(
        request,
        "coding/code_delete.html",
        {
            "access": access,
            "project": access.project,
            "code": code,
            "usage": usage,
            "impact": impact,
        },
    )


@login_required
@require_GET
def codebook_export_csv(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    buffer = io.StringIO()
    write_codebook_csv(codebook_rows(access.project), buffer)
    response = HttpResponse(
        "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
    )
    filename = f"{slugify(access.project.name) or 'project'}-codebook.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def codebook_import_and_report(
    request: HttpRequest, access, *, data: bytes, filename: str
) -> tuple[HttpResponse | None, list[str]]:
    """Import a codebook file (a .qdc or a CSV, told apart by name and content);
    on success the redirect to the codebook with what changed as messages, else
    the reasons."""
    try:
        result = codebook_import_file(
            project=access.project, data=data, filename=filename, actor=request.user
        )
    except ValidationError as error:
        return None, error_messages(error)
    messages.success(
        request,
        _("Codebook imported: codes added: %(created)d; codes updated: %(updated)d.")
        % result,
    )
    for warning in result["warnings"]:
        messages.warning(request, warning)
    return redirect("coding:codebook", project_id=access.project.pk), []


@login_required
@require_POST
def codebook_import_csv(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
    upload = request.FILES.get("file")
    errors: list[str] = []
    if upload is None:
        errors = [_("Choose a codebook CSV file.")]
    elif upload.size > MAX_CODEBOOK_BYTES:
        errors = [_("A codebook file can be at most 2 MB.")]
    else:
        done, errors = codebook_import_and_report(
            request, access, data=upload.read(), filename=upload.name
        )
        if done is not None:
            return done
    context = _tree_context(access)
    context.update(form=CodeForm(project=access.project), errors=errors)
    return TemplateResponse(request, "coding/codebook.html", context, status=400)
