"""The document page: read a transcript and code it (htmx, no page reloads).

The text is rendered as plain blocks (speaker turns, else paragraphs); the codings
travel once as compact JSON (``[id, start, end, code, coder, memo head]``) and the
page's script paints highlights, margin stripes, the codes panel and the coding list
from it. A change answers with a status line and the codings again (out-of-band), so
a 20,000-word transcript never travels twice and a highlight costs ~20 bytes, not ~200.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.functions import Left
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from coding.access import (
    Cap,
    ProjectAccess,
    access_coding,
    access_document,
)
from coding.highlight import highlight_for
from coding.models import Code, Coding, Document
from coding.registry import DocumentTool, document_tools, notify_document_read
from coding.selectors import codebook_tree, document_blocks, flatten
from coding.selectors_team import document_coders
from coding.services.codings import (
    CodingConflict,
    UnknownCode,
    coding_create,
    coding_delete,
    coding_restore,
    coding_update,
)
from coding.templatetags.regie import text_blocks_html
from coding.undo import undo_pop, undo_push
from coding.views.base import error_messages
from regie_site import sql

# Distinct colours for coder layers (bars under the text), colour-blind friendly.
LAYER_COLORS = [
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#000000",
]


@dataclass(frozen=True)
class Layer:
    user_id: int
    name: str
    color: str
    selected: bool


def _layers(
    request: HttpRequest, access: ProjectAccess, document: Document
) -> list[Layer]:
    """Whose codings are drawn: one's own by default; more for who may see them.

    ``?layers=3,7`` (or the same field in a POST) picks among the coders whose
    codings this member may see; the consensus layer is one of them once it exists.
    """
    names: dict[int, str] = {access.user_id: request.user.username}
    if access.sees_all_codings:
        names.update(document_coders(access, document))
    project = access.project
    if project.consensus_user_id and access.sees_coder(project.consensus_user_id):
        names[project.consensus_user_id] = _("Consensus")
    raw = request.POST.get("layers") or request.GET.get("layers") or ""
    wanted = {int(part) for part in raw.split(",") if part.strip().isdecimal()} & set(
        names
    )
    if not wanted:
        wanted = _default_layers(access, set(names))
    ordered = [
        access.user_id,
        *sorted(set(names) - {access.user_id}, key=lambda i: names[i]),
    ]
    return [
        Layer(uid, names[uid], LAYER_COLORS[i % len(LAYER_COLORS)], uid in wanted)
        for i, uid in enumerate(ordered)
    ]


def _default_layers(access: ProjectAccess, coders: set[int]) -> set[int]:
    """Owners and supervisors see every coder's layer at once (a transcript must not
    look uncoded to them); a coder their own; a viewer everyone they may see."""
    if access.can(Cap.SUPERVISE) or not access.can(Cap.CODE):
        return coders
    return {access.user_id}


def _answer_layers(
    request: HttpRequest, access: ProjectAccess, document: Document
) -> list[Layer]:
    """The layers a change's answer draws: a coder's own layer alone (the usual
    case) needs no look at who else coded the document."""
    raw = request.POST.get("layers") or request.GET.get("layers") or ""
    ids = {int(part) for part in raw.split(",") if part.strip().isdecimal()}
    if access.can(Cap.CODE) and ids and ids <= {access.user_id}:
        return [Layer(access.user_id, request.user.username, LAYER_COLORS[0], True)]
    return _layers(request, access, document)


def _shown_codings(access: ProjectAccess, document: Document, layers: list[Layer]):
    shown = [layer.user_id for layer in layers if layer.selected]
    return (
        access.visible_codings_in([document.pk])
        .filter(coder_id__in=shown)
        .select_related("code", "coder")
        .order_by("start", "-end", "id")
    )


MEMO_HEAD = 160  # characters of a memo sent for the stripes' hover text


# The page's codings as JSON, ``[[id, start, end, code, coder, memo head], …]``
# in the page's order, made by PostgreSQL from a query of those columns.
_AS_JSON = """
SELECT coalesce(json_agg(json_build_array(c.id, c.start, c."end", c.code_id,
    c.coder_id, c.memo_head) ORDER BY c.start, c."end" DESC, c.id), '[]')::text
FROM ({codings}) c
"""
_OWN_CODINGS = _AS_JSON.format(
    codings=f"""SELECT id, start, "end", code_id, coder_id, left(memo, {MEMO_HEAD})
    AS memo_head FROM {sql.table(Coding)} WHERE document_id = %s AND coder_id = %s"""
)


def _codings_json(
    access: ProjectAccess, document: Document, layers: list[Layer]
) -> SafeString:
    """The shown codings for the page's script: only what the viewer may see
    (blind coding), as JSON made by one query (no row becomes a Python object).

    One's own layer alone (a coder's answer after each coding) is always visible
    to oneself: it is read by a prepared statement instead of a compiled query.
    """
    shown = [layer.user_id for layer in layers if layer.selected]
    if shown == [access.user_id]:
        with sql.prepared_cursor() as cursor:
            cursor.execute(_OWN_CODINGS, [document.pk, access.user_id])
            return _script_json(cursor.fetchone()[0])
    codings = (
        _shown_codings(access, document, layers)
        .annotate(memo_head=Left("memo", MEMO_HEAD))
        .values_list("id", "start", "end", "code_id", "coder_id", "memo_head")
    )
    query, params = codings.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_AS_JSON.format(codings=query), params)
        return _script_json(cursor.fetchone()[0])


def _json(value) -> SafeString:
    """JSON for a ``<script type="application/json">``."""
    return _script_json(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _script_json(text: str) -> SafeString:
    """JSON text made safe inside ``<script>`` (no ``</script>`` break-out)."""
    return mark_safe(
        text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    )


def _text_html(access: ProjectAccess, document: Document) -> SafeString:
    turns = document.turns.values_list(
        "number", "speaker", "start", "end", "started_at_ms", named=True
    )
    blocks = document_blocks(document, list(turns), [], cut=False)
    return text_blocks_html(document.text, blocks, can_code=access.can(Cap.CODE))


@dataclass(frozen=True, slots=True)
class ToolOnPage:
    """A registered document tool with its context for this page."""

    hook: DocumentTool
    context: dict


def _tools(
    request: HttpRequest, access: ProjectAccess, document: Document
) -> list[ToolOnPage]:
    return [
        ToolOnPage(hook, hook.context(request, access, document))
        for hook in document_tools
    ]


def _page_data(tools: list[ToolOnPage]) -> dict[str, str]:
    """The tools' ``data-*`` attributes of the page's root element."""
    data: dict[str, str] = {}
    for tool in tools:
        if tool.hook.page_data is not None:
            data.update(tool.hook.page_data(tool.context))
    return data


def _palette(access: ProjectAccess, tools: list[ToolOnPage]) -> list[dict]:
    """The codes of the palette (JSON for the page's script), with the tools'
    fields (the network: a relation code's flow type, which opens its form)."""
    extra: dict[str, dict[int, str]] = {}
    for tool in tools:
        if tool.hook.code_fields is not None:
            extra.update(tool.hook.code_fields(tool.context))
    tree = codebook_tree(Code.objects.filter(project=access.project))
    return [
        {
            "id": node.id,
            "name": node.name,
            "path": node.path,
            "color": node.color,
            "fill": highlight_for(node.color).fill,
            "line": highlight_for(node.color).line,
            "shortcut": node.shortcut,
            "description": node.description,
            **{field: values.get(node.id, "") for field, values in extra.items()},
        }
        for node in flatten(tree)
    ]


def _context(request: HttpRequest, access: ProjectAccess, document: Document) -> dict:
    layers = _layers(request, access, document)
    tools = _tools(request, access, document)
    return {
        **{tool.hook.key: tool.context for tool in tools},
        "access": access,
        "project": access.project,
        "document": document,
        "text_html": _text_html(access, document),
        "codings_json": _codings_json(access, document, layers),
        "coders_json": _json(
            [[layer.user_id, layer.name, layer.color] for layer in layers]
        ),
        "palette": _palette(access, tools),
        "strings": _strings(),
        "tools": tools,
        "page_data": _page_data(tools),
        "can_code": access.can(Cap.CODE),
        "layers": layers,
        "layer_ids": ",".join(str(layer.user_id) for layer in layers if layer.selected),
        "many_layers": sum(layer.selected for layer in layers) > 1,
        "only_own": [layer.user_id for layer in layers if layer.selected]
        == [access.user_id],
    }


def _strings() -> dict[str, str]:
    """The page script's words, translated here (static JS has no catalogue)."""
    return {
        "turnLabel": _("Code the whole turn of %(speaker)s"),
        "turnTitle": _("Code this whole turn"),
        "saving": _("Saving…"),
        "offline": _(
            "No connection to the server: nothing was saved. Check the connection "
            "and try again."
        ),
        "serverError": _(
            "The server could not save this (an error on its side); nothing was "
            "changed. Try again in a moment."
        ),
        "memo": _("has a memo"),
        "noCodings": _("No codings yet. Select text to code it."),
        "only": _("Only this code"),
        "shown": _("Show %(code)s"),
    }


def _push_undo(request: HttpRequest, document: Document, action: dict) -> None:
    undo_push(request.session, document_id=document.pk, action=action)


def changes_response(
    request: HttpRequest,
    access: ProjectAccess,
    document: Document,
    spans: list[tuple[int, int]],
    message: str,
    created: Coding | None = None,
) -> HttpResponse:
    """Answer a change with a status line and the shown codings (out-of-band).

    The document page's one answer to a write: apps whose tools write codings on
    the page (the network's relation form) answer with it too. The page's script
    repaints the blocks whose codings changed; ``spans`` (the code-point ranges the
    change touched) are kept for callers and go back in ``X-Regie-Changed-Spans``.
    A new coding shown on one's own layer alone (the coder's usual answer) comes
    alone (``codings-added``): the page has the rest, and reading and sending
    all the transcript's codings again was most of that answer's cost.
    """
    layers = _answer_layers(request, access, document)
    shown = [layer.user_id for layer in layers if layer.selected]
    context = {"message": message}
    if created is not None and shown == [access.user_id] == [created.coder_id]:
        row = [created.pk, created.start, created.end, created.code_id]
        context["codings_added_json"] = _json(
            [[*row, created.coder_id, created.memo[:MEMO_HEAD]]]
        )
    else:
        context["codings_json"] = _codings_json(access, document, layers)
    response = TemplateResponse(request, "coding/workbench.html#changes", context)
    response["X-Regie-Changed-Spans"] = ",".join(f"{a}-{b}" for a, b in spans)
    return response


def _error(
    request: HttpRequest, messages: list[str], status: int = 400
) -> HttpResponse:
    """A refusal in the status line, whatever swap the request asked for (the
    page's own requests swap nothing and rely on out-of-band parts)."""
    response = TemplateResponse(
        request, "coding/partials/status.html", {"errors": messages}, status=status
    )
    return reswap(retarget(response, "#status"), "innerHTML")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def workbench(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    access, document = access_document(request.user, project_id, document_id)
    notify_document_read(document, request.user)
    context = _context(request, access, document)
    return TemplateResponse(request, "coding/workbench.html", context)


@login_required
@require_POST
def workbench_apply_code(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.CODE
    )
    code_id = _int(request.POST.get("code"))
    if code_id is None:
        return _error(request, [_("Choose a code of this project.")])
    try:
        # The code is looked up by the statement that writes the coding.
        coding = coding_create(
            document=document,
            code=code_id,
            coder=request.user,
            start=request.POST.get("start"),
            end=request.POST.get("end"),
            memo=request.POST.get("memo", ""),
            trim_whitespace=True,
        )
    except UnknownCode:
        return _error(request, [_("Choose a code of this project.")])
    except ValidationError as error:
        return _error(request, error_messages(error))
    _push_undo(request, document, {"kind": "created", "id": coding.pk})
    return changes_response(
        request,
        access,
        document,
        [(coding.start, coding.end)],
        _("Coded with “%(code)s”.") % {"code": coding.code.name},
        created=coding,
    )


def _panel_response(
    request: HttpRequest, context: dict, status: int = 200
) -> TemplateResponse:
    """The side panel's coding cards; the document tools add to each card
    (the network: a relation's actors and its "Edit relation" button)."""
    context["panel_tools"] = list(document_tools)
    return TemplateResponse(
        request, "coding/partials/coding_panel.html", context, status=status
    )


@login_required
@require_GET
def workbench_panel(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    """The codings under a clicked highlight, with memo editing and removal."""
    access, document = access_document(request.user, project_id, document_id)
    ids = [_int(part) for part in request.GET.get("ids", "").split(",")]
    layers = _layers(request, access, document)
    codings = _shown_codings(access, document, layers).filter(
        pk__in=[i for i in ids if i is not None]
    )
    rows = [
        {
            "coding": c,
            "text": document.text[c.start : c.end],
            "can_edit": access.can_edit_coding(c),
        }
        for c in codings
    ]
    return _panel_response(
        request,
        {
            "rows": rows,
            "project": access.project,
            "document": document,
            "layer_ids": ",".join(
                str(layer.user_id) for layer in layers if layer.selected
            ),
        },
    )


@login_required
@require_POST
def workbench_save_memo(
    request: HttpRequest, project_id: int, document_id: int, coding_id: int
) -> HttpResponse:
    access, coding = access_coding(
        request.user, coding_id, need=Cap.CODE, project_id=project_id
    )
    if coding.document_id != document_id:
        return _error(
            request, [_("This coding belongs to another document.")], status=404
        )
    revision = _int(request.POST.get("revision"))
    if revision is None:
        return _error(
            request,
            [
                _(
                    "The memo was not saved: the form did not say which version it "
                    "edits. Reload the page and save again."
                )
            ],
            status=400,
        )
    old_memo = coding.memo
    try:
        coding = coding_update(
            coding=coding,
            memo=request.POST.get("memo", ""),
            expected_revision=revision,
            actor=request.user,
        )
    except CodingConflict as conflict:
        rows = [{"coding": conflict.coding, "text": "", "can_edit": True}]
        return _panel_response(
            request,
            {
                "rows": rows,
                "project": access.project,
                "document": coding.document,
                "conflict": str(conflict),
                "mine": request.POST.get("memo", ""),
                "status_errors": [str(conflict)],
            },
            status=409,
        )
    _push_undo(
        request,
        coding.document,
        {
            "kind": "memo",
            "id": coding.pk,
            "memo": old_memo,
            "revision": coding.revision,
        },
    )
    return _panel_response(
        request,
        {
            "rows": [
                {
                    "coding": coding,
                    "text": coding.document.text[coding.start : coding.end],
                    "can_edit": True,
                }
            ],
            "project": access.project,
            "document": coding.document,
            "saved": True,
            "status_message": _("Memo saved."),
            "codings_json": _codings_json(
                access, coding.document, _layers(request, access, coding.document)
            ),
        },
    )


@login_required
@require_POST
def workbench_remove_coding(
    request: HttpRequest, project_id: int, document_id: int, coding_id: int
) -> HttpResponse:
    access, coding = access_coding(
        request.user, coding_id, need=Cap.CODE, project_id=project_id
    )
    if coding.document_id != document_id:
        return _error(
            request, [_("This coding belongs to another document.")], status=404
        )
    document = coding.document
    name = coding.code.name
    snapshot = coding_delete(coding=coding, actor=request.user)
    _push_undo(request, document, {"kind": "deleted", "snapshot": snapshot})
    return changes_response(
        request,
        access,
        document,
        [(snapshot["start"], snapshot["end"])],
        _("Removed “%(code)s”.") % {"code": name},
    )


@login_required
@require_POST
def workbench_undo(
    request: HttpRequest, project_id: int, document_id: int
) -> HttpResponse:
    access, document = access_document(
        request.user, project_id, document_id, need=Cap.CODE
    )
    action = undo_pop(request.session, document_id=document.pk)
    if action is None:
        return _error(request, [_("Nothing to undo.")])
    if not _may_undo(access, document, action):
        return _error(
            request,
            [
                _(
                    "Your role in this project no longer allows this change to be "
                    "undone; nothing was changed."
                )
            ],
            status=403,
        )
    undo = {"created": _undo_created, "deleted": _undo_deleted}.get(
        action["kind"], _undo_memo
    )
    return undo(request, access, document, action)


def _may_undo(access: ProjectAccess, document: Document, action: dict) -> bool:
    """Re-checked with the member's role *now* (``access`` is this request's),
    not the role they had when the change was pushed."""
    if action["kind"] == "deleted":
        snapshot = action["snapshot"]
        return snapshot.get("document") == document.pk and access.can_edit_codings_of(
            snapshot["coder"]
        )
    if action["kind"] == "created":
        return access.can(Cap.CODE)
    coding = Coding.objects.filter(pk=action.get("id"), document=document).first()
    return coding is None or access.can_edit_coding(coding)


def _undo_created(
    request: HttpRequest, access: ProjectAccess, document: Document, action: dict
) -> HttpResponse:
    """Remove a coding one made (if it is still there)."""
    coding = Coding.objects.filter(pk=action["id"], coder_id=access.user_id).first()
    if coding is None:
        return changes_response(
            request, access, document, [], _("Nothing left to undo.")
        )
    snapshot = coding_delete(coding=coding, actor=request.user)
    return changes_response(
        request,
        access,
        document,
        [(snapshot["start"], snapshot["end"])],
        _("Undone: the coding is removed again."),
    )


def _undo_deleted(
    request: HttpRequest, access: ProjectAccess, document: Document, action: dict
) -> HttpResponse:
    """Bring back a removed coding (with its extras, such as a relation)."""
    try:
        restored = coding_restore(snapshot=action["snapshot"], actor=request.user)
    except ValidationError as error:
        return _error(request, error.messages)
    if restored is None:
        return _error(request, [_("The code or document no longer exists.")])
    return changes_response(
        request,
        access,
        document,
        [(restored.start, restored.end)],
        _("Undone: the coding is back."),
    )


def _undo_memo(
    request: HttpRequest, access: ProjectAccess, document: Document, action: dict
) -> HttpResponse:
    """Put back a memo, unless someone changed it since."""
    coding = Coding.objects.filter(pk=action["id"], document=document).first()
    if coding is None:
        return changes_response(
            request, access, document, [], _("Nothing left to undo.")
        )
    try:
        coding = coding_update(
            coding=coding,
            memo=action["memo"],
            expected_revision=action.get("revision"),
            actor=request.user,
        )
    except CodingConflict:
        return _error(
            request,
            [
                _(
                    "The memo was changed by someone else after your edit; it was not "
                    "undone, so their text is kept."
                )
            ],
            status=409,
        )
    return changes_response(
        request,
        access,
        document,
        [(coding.start, coding.end)],
        _("Undone: the memo is restored."),
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
