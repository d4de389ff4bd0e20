"""The actor mentions page: how often each actor is named under any of its aliases,
per respondent level and per document (the thesis' measure of an actor's weight)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from analysis.forms import MentionQuery, mention_query_from_params
from analysis.models import AnalysisKind
from analysis.results import MentionCount, MentionsData
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


@dataclass(frozen=True, slots=True)
class MentionRow:
    """One actor's row: a ``(count, style)`` per column, then the totals."""

    id: int
    name: str
    color: str
    cells: list[tuple[int, str]]
    total: int
    documents: int


@dataclass
class MentionTable:
    """Actors down, levels (or documents) across: each row has one ``(count,
    style)`` per column, then the row total."""

    columns: list[tuple[object, str]]
    actors: list[MentionRow] = field(default_factory=list)


def mention_tables(
    access: ProjectAccess, data: MentionsData | None
) -> tuple[MentionTable | None, MentionTable | None]:
    if not data or not data.actors:
        return None, None
    nodes = code_nodes(access.project.pk)
    titles = document_titles(access.project.pk)

    def level_label(key) -> str:
        return _("(no level)") if key == NO_VALUE else str(key)

    return (
        _mention_table(data, data.by_level, level_label, nodes),
        _mention_table(data, data.by_document, lambda k: titles.get(k, str(k)), nodes),
    )


def _mention_table(
    data: MentionsData, counts: tuple[MentionCount, ...], label, nodes: dict
) -> MentionTable:
    keys = sorted({m.key for m in counts}, key=lambda k: label(k).lower())
    by_cell = {(m.key, m.actor): m.count for m in counts}
    peak = max((m.count for m in counts), default=0)
    result = MentionTable(columns=[(k, label(k)) for k in keys])
    for actor in data.actors:
        node = nodes.get(actor)
        total = data.total_of(actor)
        result.actors.append(
            MentionRow(
                id=actor,
                name=node.name if node else str(actor),
                color=node.color if node else "",
                cells=[
                    (
                        by_cell.get((k, actor), 0),
                        heat_style(by_cell.get((k, actor), 0), peak),
                    )
                    for k in keys
                ],
                total=total.mentions,
                documents=total.documents,
            )
        )
    return result


@login_required
@require_GET
@vary_on_headers("HX-Request")
def mentions(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    query, errors = parse_query(
        partial(mention_query_from_params, project_id=project_id),
        request.GET,
        MentionQuery(),
    )
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
            {"label": a.name, "value": a.total, "color": a.color}
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
