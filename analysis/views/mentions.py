"""The actor mentions page: how often each actor is named under any of its aliases,
per respondent level and per document (the thesis' measure of an actor's weight)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from analysis.forms import MentionQuery, mention_query_from_params
from analysis.models import AnalysisKind
from analysis.selectors import (
    NO_VALUE,
    actor_aliases,
    code_nodes,
    document_titles,
)
from analysis.views.results import (
    filter_form,
    heat_style,
    parse_query,
    request_result,
    result_context,
)
from coding.access import ProjectAccess, access_project


@dataclass
class MentionTable:
    """Actors down, levels (or documents) across: ``cells[i]`` belongs to
    ``actors[i]``, one ``(count, style)`` per column, then the row total."""

    columns: list[tuple[object, str]]
    actors: list[dict] = field(default_factory=list)


def mention_tables(
    access: ProjectAccess, data: dict | None
) -> tuple[MentionTable | None, MentionTable | None]:
    if not data or not data["actors"]:
        return None, None
    nodes = code_nodes(access.project.pk)
    titles = document_titles(access.project.pk)
    totals = {a: (n, docs) for a, n, docs in data["totals"]}

    def table(triples: list, label) -> MentionTable:
        keys = sorted({k for k, _a, _n in triples}, key=lambda k: label(k).lower())
        counts = {(k, a): n for k, a, n in triples}
        peak = max((n for _k, _a, n in triples), default=0)
        result = MentionTable(columns=[(k, label(k)) for k in keys])
        for actor in data["actors"]:
            node = nodes.get(actor)
            cells = [
                (counts.get((k, actor), 0), heat_style(counts.get((k, actor), 0), peak))
                for k in keys
            ]
            result.actors.append(
                {
                    "id": actor,
                    "name": node.name if node else str(actor),
                    "color": node.color if node else "",
                    "cells": cells,
                    "total": totals.get(actor, (0, 0))[0],
                    "documents": totals.get(actor, (0, 0))[1],
                }
            )
        return result

    def level_label(key) -> str:
        return _("(no level)") if key == NO_VALUE else str(key)

    return (
        table(data["by_level"], level_label),
        table(data["by_document"], lambda k: titles.get(k, str(k))),
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def mentions(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    query, errors = parse_query(mention_query_from_params, request.GET, MentionQuery())
    aliases = actor_aliases(access.project.pk)
    result = None
    if not errors and aliases:
        result, errors = request_result(request, access, AnalysisKind.MENTIONS, query)
    context = result_context(result)
    by_level, by_document = mention_tables(access, context["data"])
    nodes = code_nodes(access.project.pk)
    context |= {
        "access": access,
        "project": access.project,
        "query": query,
        "errors": errors,
        "by_level": by_level,
        "by_document": by_document,
        "aliases": [
            (nodes[code_id].name, names)
            for code_id, names in aliases.items()
            if code_id in nodes
        ],
        "chart": [
            {"label": a["name"], "value": a["total"], "color": a["color"]}
            for a in (by_level.actors if by_level else [])
        ],
        **filter_form(access, request.GET),
    }
    status = 400 if errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return TemplateResponse(
            request, "analysis/mentions.html#result", context, status=status
        )
    return TemplateResponse(request, "analysis/mentions.html", context, status=status)
