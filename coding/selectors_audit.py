"""Read-models of the audit trail: filter a project's events and describe them.

``coding.forms.audit_filters`` turns query parameters into ``AuditFilters`` (or a
readable ``ValidationError``), ``audit_events`` is the filtered QuerySet, and ``audit_rows``
describes one page of events for people. A page costs a fixed number of queries
however many events it shows: user names, document titles, code names and the
quoted transcript text are each fetched in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coding.models import (
    AssignmentStatus,
    AuditEvent,
    Code,
    Coding,
    Document,
    Membership,
    Role,
)
from regie_site import sql

Action = AuditEvent.Action
Entity = AuditEvent.Entity
User = get_user_model()

QUOTE_CHARS = 60
MAX_ID = sql.MAX_ID  # the largest id a row can have
FILTER_NAMES = ("document", "coder", "actor", "entity", "action", "since", "until")
USER_KEYS = ("coder", "user")
CODE_KEYS = ("parent", "merged_into")
RESTORE_KEYS = ("document", "code", "coder", "start", "end")

# Labels for the keys of the before/after snapshots (coding.services.audit).
KEY_LABELS = {
    "id": gettext_lazy("id"),
    "document": gettext_lazy("document"),
    "code": gettext_lazy("code"),
    "coder": gettext_lazy("coder"),
    "start": gettext_lazy("start"),
    "end": gettext_lazy("end"),
    "memo": gettext_lazy("memo"),
    "codebook_version": gettext_lazy("codebook version"),
    "created_at": gettext_lazy("created"),
    "name": gettext_lazy("name"),
    "parent": gettext_lazy("parent code"),
    "description": gettext_lazy("definition"),
    "color": gettext_lazy("colour"),
    "shortcut": gettext_lazy("shortcut"),
    "merged_into": gettext_lazy("merged into"),
    "title": gettext_lazy("title"),
    "case": gettext_lazy("case"),
    "source_name": gettext_lazy("source file"),
    "length": gettext_lazy("length"),
    "word_count": gettext_lazy("words"),
    "checksum": gettext_lazy("checksum"),
    "user": gettext_lazy("user"),
    "username": gettext_lazy("user name"),
    "role": gettext_lazy("role"),
    "status": gettext_lazy("status"),
}


# ---------------------------------------------------------------- filtering


@dataclass(frozen=True)
class AuditFilters:
    """Which events to show; ``None`` means "any"."""

    document_id: int | None = None
    coder_ids: frozenset[int] | None = None
    actor_ids: frozenset[int] | None = None
    entity: str | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def project_users(project_id: int) -> QuerySet:
    """Users the trail may name: the members, and everyone who ever was one."""
    return User.objects.filter(
        Q(pk__in=Membership.objects.filter(project_id=project_id).values("user_id"))
        | Q(
            pk__in=AuditEvent.objects.filter(
                project_id=project_id,
                entity=Entity.MEMBERSHIP,
                coder_id__isnull=False,
            ).values("coder_id")
        )
    )


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def audit_events(*, project_id: int, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The project's events matching ``filters``, newest first, with their actor."""
    events = AuditEvent.objects.filter(project_id=project_id).select_related("actor")
    if filters.document_id is not None:
        events = events.filter(document_id=filters.document_id)
    if filters.coder_ids is not None:
        events = events.filter(coder_id__in=filters.coder_ids)
    if filters.actor_ids is not None:
        events = events.filter(actor_id__in=filters.actor_ids)
    if filters.entity:
        events = events.filter(entity=filters.entity)
    if filters.action:
        events = events.filter(action=filters.action)
    # Whole days in the site's time zone; the extremes of ``date`` mean "no limit".
    if filters.since and filters.since > dt.date.min:
        events = events.filter(at__gte=_start_of(filters.since))
    if filters.until and filters.until < dt.date.max:
        events = events.filter(at__lt=_start_of(filters.until + dt.timedelta(days=1)))
    return events.order_by("-at", "-id")


def usernames(user_ids) -> dict[int, str]:
    """User names by id, in one query."""
    ids = _ints(user_ids)
    if not ids:
        return {}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))


# ---------------------------------------------------------------- choices


@dataclass(frozen=True)
class DocumentChoice:
    id: int
    title: str
    deleted: bool


def audit_document_choices(*, project_id: int) -> list[DocumentChoice]:
    """The project's documents, and those deleted since (their last title)."""
    current = dict(
        Document.objects.filter(project_id=project_id).values_list("pk", "title")
    )
    deleted = dict(
        AuditEvent.objects.filter(
            project_id=project_id, entity=Entity.DOCUMENT, action=Action.DELETE
        )
        .exclude(entity_id__in=current)
        .values_list("entity_id", "before__title")
    )
    choices = [DocumentChoice(pk, title, False) for pk, title in current.items()]
    choices += [
        DocumentChoice(pk, title or f"#{pk}", True) for pk, title in deleted.items()
    ]
    return sorted(choices, key=lambda c: (c.deleted, c.title.casefold(), c.id))


def audit_user_choices(*, project_id: int) -> list[tuple[int, str]]:
    return list(
        project_users(project_id).order_by("username").values_list("pk", "username")
    )


# ---------------------------------------------------------------- describing


@dataclass(frozen=True)
class DetailLine:
    """One key of the before/after snapshots, as text."""

    label: str
    before: str
    after: str
    changed: bool


@dataclass
class AuditRow:
    """One event as the trail page shows it."""

    event: AuditEvent
    actor_name: str
    coder_name: str
    document_id: int | None
    document_title: str
    document_deleted: bool
    summary: str
    details: list[DetailLine]
    restorable: bool = False
    restore_blocked: str = ""
    merge_undoable: bool = False


@dataclass
class _Lookups:
    users: dict[int, str]
    documents: dict[int, tuple[str, bool]]  # id -> (title, deleted)
    codes: dict[int, str]
    deleted_codes: set[int]
    quotes: dict[tuple[int, int, int], str]


def _snapshots(event: AuditEvent) -> list[dict]:
    return [s for s in (event.before, event.after) if isinstance(s, dict)]


def _is_int(value) -> bool:
    """A row id or offset as our snapshots hold them (JSON could hold anything)."""
    return (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID
    )


def _ints(values) -> set[int]:
    return {v for v in values if _is_int(v)}


def _span(snapshot: dict | None) -> tuple[int, int, int] | None:
    """``(document, start, end)`` of a coding snapshot, when it makes sense."""
    if not isinstance(snapshot, dict):
        return None
    span = (snapshot.get("document"), snapshot.get("start"), snapshot.get("end"))
    if not all(_is_int(v) for v in span) or not 0 <= span[1] < span[2] < 2**31:
        return None
    return span


def _quotes(
    project_id: int, spans: set[tuple[int, int, int]]
) -> dict[tuple[int, int, int], str]:
    """The start of each span's text, cut in SQL: one query, and no transcript
    (they run to hundreds of kilobytes) travels whole to Python."""
    if not spans:
        return {}
    ordered = sorted(spans)
    annotations = {
        f"q{i}": Case(
            When(
                pk=doc,
                then=Substr("text", start + 1, min(end - start, QUOTE_CHARS + 1)),
            ),
            default=Value(None),
            output_field=TextField(),
        )
        for i, (doc, start, end) in enumerate(ordered)
    }
    rows = (
        Document.objects.filter(
            project_id=project_id, pk__in={d for d, _s, _e in ordered}
        )
        .annotate(**annotations)
        .values(*annotations)
    )
    quotes: dict[tuple[int, int, int], str] = {}
    for row in rows:
        for key, text in row.items():
            if text is not None:
                quotes[ordered[int(key[1:])]] = text
    return quotes


def _document_titles(project_id: int, ids: set[int]) -> dict[int, tuple[str, bool]]:
    if not ids:
        return {}
    titles = {
        pk: (title, False)
        for pk, title in Document.objects.filter(
            project_id=project_id, pk__in=ids
        ).values_list("pk", "title")
    }
    missing = ids - set(titles)
    if missing:
        for pk, title in AuditEvent.objects.filter(
            project_id=project_id,
            entity=Entity.DOCUMENT,
            action=Action.DELETE,
            entity_id__in=missing,
        ).values_list("entity_id", "before__title"):
            titles[pk] = (title or f"#{pk}", True)
    return titles


def _code_names(project_id: int, ids: set[int]) -> tuple[dict[int, str], set[int]]:
    """Names of codes, including deleted ones (their name when deleted), and
    which of them are deleted."""
    if not ids:
        return {}, set()
    names = dict(
        Code.objects.filter(project_id=project_id, pk__in=ids).values_list("pk", "name")
    )
    missing = ids - set(names)
    if missing:
        for pk, name in AuditEvent.objects.filter(
            project_id=project_id,
            entity=Entity.CODE,
            action=Action.DELETE,
            entity_id__in=missing,
        ).values_list("entity_id", "before__name"):
            names[pk] = name or f"#{pk}"
    return names, missing


def _lookups(
    project_id: int,
    events: Sequence[AuditEvent],
    document_titles: Mapping[int, tuple[str, bool]] | None,
) -> _Lookups:
    user_ids: set[int] = set()
    document_ids: set[int] = set()
    code_ids: set[int] = set()
    for event in events:
        user_ids |= _ints([event.coder_id])
        document_ids |= _ints([event.document_id])
        for snapshot in _snapshots(event):
            user_ids |= _ints(snapshot.get(key) for key in USER_KEYS)
            if event.entity in (Entity.CODING, Entity.ASSIGNMENT):
                document_ids |= _ints([snapshot.get("document")])
            if event.entity == Entity.CODING:
                code_ids |= _ints([snapshot.get("code")])
            if event.entity == Entity.CODE:
                code_ids |= _ints(snapshot.get(key) for key in CODE_KEYS)
    if document_titles is None:
        documents = _document_titles(project_id, document_ids)
    else:
        documents = {
            pk: document_titles[pk] for pk in document_ids & set(document_titles)
        }
    spans = set()
    for event in events:
        if event.entity == Entity.CODING and event.action != Action.UPDATE:
            span = _span(event.after or event.before)
            if span and span[0] in documents and not documents[span[0]][1]:
                spans.add(span)
    codes, deleted_codes = _code_names(project_id, code_ids)
    return _Lookups(
        users=usernames(user_ids),
        documents=documents,
        codes=codes,
        deleted_codes=deleted_codes,
        quotes=_quotes(project_id, spans),
    )


def _quoted(text: str | None) -> str:
    if not text:
        return ""
    cut = len(text) > QUOTE_CHARS
    text = " ".join(text[:QUOTE_CHARS].split())
    return f"«{text}…»" if cut else f"«{text}»"


def _code_name(look: _Lookups, code_id) -> str:
    if code_id is None:
        return "—"
    return look.codes.get(code_id, f"#{code_id}")


def _user_name(look: _Lookups, user_id) -> str:
    if user_id is None:
        return ""
    return look.users.get(user_id, f"#{user_id}")


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _coding_summary(event: AuditEvent, look: _Lookups) -> str:
    before, after = event.before or {}, event.after or {}
    current = after or before
    span = _span(current)
    values = {
        "code": _code_name(look, current.get("code")),
        "start": current.get("start", "?"),
        "end": current.get("end", "?"),
    }
    if event.action == Action.UPDATE:
        what = _("‘%(code)s’ [%(start)s–%(end)s]") % values
        return (
            f"{what}: {'; '.join(_coding_changes(before, after, look)) or _('changed')}"
        )
    templates = {
        Action.CREATE: (
            _("coded ‘%(code)s’ [%(start)s–%(end)s]: %(quote)s"),
            _("coded ‘%(code)s’ [%(start)s–%(end)s]"),
        ),
        Action.DELETE: (
            _("removed ‘%(code)s’ [%(start)s–%(end)s]: %(quote)s"),
            _("removed ‘%(code)s’ [%(start)s–%(end)s]"),
        ),
        Action.RESTORE: (
            _("restored ‘%(code)s’ [%(start)s–%(end)s]: %(quote)s"),
            _("restored ‘%(code)s’ [%(start)s–%(end)s]"),
        ),
    }
    with_quote, without = templates.get(event.action, templates[Action.CREATE])
    quote = _quoted(look.quotes.get(span)) if span else ""
    if quote:
        return with_quote % {**values, "quote": quote}
    return without % values


def _coding_changes(before: dict, after: dict, look: _Lookups) -> list[str]:
    """What an update changed in a coding: its code, its span, its memo."""
    changes = []
    if before.get("code") != after.get("code"):
        changes.append(
            _("code ‘%(old)s’ → ‘%(new)s’")
            % {
                "old": _code_name(look, before.get("code")),
                "new": _code_name(look, after.get("code")),
            }
        )
    if (before.get("start"), before.get("end")) != (
        after.get("start"),
        after.get("end"),
    ):
        changes.append(
            _("span [%(old_start)s–%(old_end)s] → [%(start)s–%(end)s]")
            % {
                "old_start": before.get("start", "?"),
                "old_end": before.get("end", "?"),
                "start": after.get("start", "?"),
                "end": after.get("end", "?"),
            }
        )
    if before.get("memo") != after.get("memo"):
        changes.append(_("memo changed"))
    return changes


def _code_summary(event: AuditEvent, look: _Lookups) -> str:
    before, after = event.before or {}, event.after or {}
    name = (after or before).get("name") or f"#{event.entity_id}"
    if event.action == Action.CREATE:
        if after.get("parent"):
            return _("added code ‘%(name)s’ under ‘%(parent)s’") % {
                "name": name,
                "parent": _code_name(look, after["parent"]),
            }
        return _("added code ‘%(name)s’") % {"name": name}
    if event.action == Action.MERGE:
        return _merge_summary(before.get("name") or name, after, look)
    if event.action == Action.RESTORE and after.get("merge_undone"):
        return _("merge undone: ‘%(name)s’ is back") % {"name": name}
    if event.action == Action.DELETE:
        if before.get("merged_into"):
            return _("merged ‘%(name)s’ into ‘%(target)s’") % {
                "name": name,
                "target": _code_name(look, before["merged_into"]),
            }
        return _("deleted code ‘%(name)s’") % {"name": name}
    changes = []
    renamed = before.get("name") != after.get("name")
    if renamed:
        changes.append(
            _("renamed ‘%(old)s’ → ‘%(new)s’")
            % {"old": before.get("name"), "new": after.get("name")}
        )
    if before.get("parent") != after.get("parent"):
        if after.get("parent"):
            changes.append(
                _("moved under ‘%(parent)s’")
                % {"parent": _code_name(look, after["parent"])}
            )
        else:
            changes.append(_("moved to the top level"))
    for key, message in (
        ("description", _("definition changed")),
        ("color", _("colour changed")),
        ("shortcut", _("shortcut changed")),
    ):
        if before.get(key) != after.get(key):
            changes.append(message)
    if renamed:
        return "; ".join(changes)
    return f"‘{name}’: {'; '.join(changes) or _('changed')}"


def _merge_summary(name: str, after: dict, look: _Lookups) -> str:
    moved = len(after.get("codings") or []) + len(after.get("dropped") or [])
    children = len(after.get("children") or []) + len(after.get("child_merges") or [])
    return _(
        "merged ‘%(name)s’ into ‘%(target)s’: %(codings)d codings and "
        "%(children)d sub-codes moved"
    ) % {
        "name": name,
        "target": _code_name(look, after.get("merged_into")),
        "codings": moved,
        "children": children,
    }


def merge_undo_blocked(event: AuditEvent) -> str:
    """Why the trail offers no "Undo merge" for this merge event ("" if it may)."""
    after = event.after if isinstance(event.after, dict) else {}
    if after.get("undone"):
        return _("undone")
    if not after.get("undoable", False):
        return _("part of an actor merge")
    if after.get("nested"):
        return _("part of a larger merge")
    return ""


def _document_summary(event: AuditEvent, look: _Lookups) -> str:
    before, after = event.before or {}, event.after or {}
    title = (after or before).get("title") or f"#{event.entity_id}"
    if event.action == Action.CREATE:
        return _("imported ‘%(title)s’") % {"title": title}
    if event.action == Action.DELETE:
        return _("deleted ‘%(title)s’ with its codings") % {"title": title}
    changes = []
    if before.get("title") != after.get("title"):
        changes.append(
            _("retitled ‘%(old)s’ → ‘%(new)s’")
            % {"old": before.get("title"), "new": after.get("title")}
        )
    if before.get("case") != after.get("case"):
        changes.append(_("case changed"))
    if before.get("checksum") != after.get("checksum"):
        changes.append(_("text changed"))
    return "; ".join(changes) or _("changed")


def _membership_summary(event: AuditEvent, look: _Lookups) -> str:
    before, after = event.before or {}, event.after or {}
    current = after or before
    user = current.get("username") or _user_name(look, current.get("user"))
    if event.action == Action.CREATE:
        return _("added %(user)s as %(role)s") % {
            "user": user,
            "role": _label(Role, after.get("role")),
        }
    if event.action == Action.DELETE:
        return _("removed %(user)s (%(role)s)") % {
            "user": user,
            "role": _label(Role, before.get("role")),
        }
    return _("%(user)s: role %(old)s → %(new)s") % {
        "user": user,
        "old": _label(Role, before.get("role")),
        "new": _label(Role, after.get("role")),
    }


def _assignment_summary(event: AuditEvent, look: _Lookups) -> str:
    before, after = event.before or {}, event.after or {}
    user = _user_name(look, (after or before).get("coder"))
    if event.action == Action.CREATE:
        return _("assigned to %(user)s") % {"user": user}
    if event.action == Action.DELETE:
        return _("assignment of %(user)s withdrawn") % {"user": user}
    return _("%(user)s: %(old)s → %(new)s") % {
        "user": user,
        "old": _label(AssignmentStatus, before.get("status")),
        "new": _label(AssignmentStatus, after.get("status")),
    }


SUMMARIES = {
    Entity.CODING: _coding_summary,
    Entity.CODE: _code_summary,
    Entity.DOCUMENT: _document_summary,
    Entity.MEMBERSHIP: _membership_summary,
    Entity.ASSIGNMENT: _assignment_summary,
}


def _value(key: str, value, look: _Lookups) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if _is_int(value) and key == "document" and value in look.documents:
        return f"{look.documents[value][0]} (#{value})"
    if _is_int(value) and key in ("code", *CODE_KEYS) and value in look.codes:
        return f"{look.codes[value]} (#{value})"
    if _is_int(value) and key in USER_KEYS and value in look.users:
        return f"{look.users[value]} (#{value})"
    if key == "role":
        return _label(Role, value)
    if key == "status":
        return _label(AssignmentStatus, value)
    return str(value)


def _details(event: AuditEvent, look: _Lookups) -> list[DetailLine]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    if event.action == Action.MERGE:
        after = {}  # ids of what moved: the summary counts them
    keys = list(after) + [key for key in before if key not in after]
    return [
        DetailLine(
            label=str(KEY_LABELS.get(key, key)),
            before=_value(key, before.get(key), look) if key in before else "",
            after=_value(key, after.get(key), look) if key in after else "",
            changed=bool(before and after and before.get(key) != after.get(key)),
        )
        for key in keys
    ]


def _restore_state(
    events: Sequence[AuditEvent], look: _Lookups
) -> dict[int, tuple[bool, str]]:
    """Whether each deleted coding on the page can come back, or why not."""
    deleted = {
        event.pk: event.before
        for event in events
        if event.entity == Entity.CODING
        and event.action == Action.DELETE
        and isinstance(event.before, dict)
    }
    candidates = {}
    states: dict[int, tuple[bool, str]] = {}
    for pk, snapshot in deleted.items():
        key = tuple(snapshot.get(k) for k in RESTORE_KEYS)
        if not all(_is_int(v) for v in key):
            states[pk] = (False, _("incomplete snapshot"))
        elif key[0] not in look.documents or look.documents[key[0]][1]:
            states[pk] = (False, _("document deleted"))
        elif key[1] in look.deleted_codes or key[1] not in look.codes:
            states[pk] = (False, _("code deleted"))
        else:
            candidates[pk] = key
    if candidates:
        keys = list(candidates.values())
        existing = set(
            Coding.objects.filter(
                document_id__in={k[0] for k in keys},
                code_id__in={k[1] for k in keys},
                coder_id__in={k[2] for k in keys},
                start__in={k[3] for k in keys},
            )
            .order_by()
            .values_list("document_id", "code_id", "coder_id", "start", "end")
        )
        for pk, key in candidates.items():
            states[pk] = (False, _("exists again")) if key in existing else (True, "")
    return states


def audit_rows(
    *,
    project_id: int,
    events: Sequence[AuditEvent],
    document_titles: Mapping[int, tuple[str, bool]] | None = None,
) -> list[AuditRow]:
    """Describe a page of events. ``document_titles`` (id -> (title, deleted)), when
    the caller has them already, saves looking them up again."""
    events = list(events)
    look = _lookups(project_id, events, document_titles)
    restore = _restore_state(events, look)
    rows = []
    for event in events:
        document = look.documents.get(event.document_id)
        can_restore, blocked = restore.get(event.pk, (False, ""))
        merge_blocked = ""
        if event.entity == Entity.CODE and event.action == Action.MERGE:
            merge_blocked = merge_undo_blocked(event)
            blocked = merge_blocked
        rows.append(
            AuditRow(
                event=event,
                actor_name=event.actor.username if event.actor else "",
                coder_name=_user_name(look, event.coder_id),
                document_id=event.document_id,
                document_title=document[0] if document else "",
                document_deleted=bool(document and document[1]),
                summary=SUMMARIES[event.entity](event, look)
                if event.entity in SUMMARIES
                else str(event),
                details=_details(event, look),
                restorable=can_restore,
                restore_blocked=blocked,
                merge_undoable=event.action == Action.MERGE and not merge_blocked,
            )
        )
    return rows
