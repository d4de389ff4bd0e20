"""The codebook: create, rename, recolour, move, merge and delete codes; CSV in/out."""

from __future__ import annotations

import math
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from coding.codebook_csv import CodebookCSVError, CodebookRow, read_codebook_csv
from coding.codebook_default import default_codebook_nodes, demo_codebook_nodes
from coding.importing import ImportFileError, decode_text
from coding.models import Code, Coding, MeasurementLevel, Project
from coding.registry import codebook_formats
from coding.services.audit import (
    Action,
    Entity,
    audit_event,
    audit_record,
    audit_records,
    codes_created,
    coding_event,
    snapshot_code,
    snapshot_codings_with_extras,
)
from coding.services.changes import codings_changed

DEFAULT_COLOR = "#ffd966"
# Deeper than any real codebook (the regie codebook has 3 levels); a file that
# nests further is refused with a reason instead of exhausting the stack.
MAX_CODE_DEPTH = 40
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A code needs a name.")})
    if len(name) > 200:
        raise ValidationError(
            {"name": _("A code name can have at most 200 characters.")}
        )
    return name


def _clean_color(color: str | None) -> str:
    color = (color or "").strip() or DEFAULT_COLOR
    if not _COLOR.match(color):
        raise ValidationError(
            {"color": _("“%(color)s” is not a colour like #ffcc00.") % {"color": color}}
        )
    return color.lower()


def _clean_shortcut(project: Project, shortcut: str | None, *, exclude_id=None) -> str:
    shortcut = (shortcut or "").strip()
    if not shortcut:
        return ""
    if len(shortcut) != 1 or not shortcut.isprintable() or shortcut.isspace():
        raise ValidationError(
            {"shortcut": _("A shortcut is a single key, such as 1 or k.")}
        )
    clash = Code.objects.filter(project=project, shortcut=shortcut).exclude(
        pk=exclude_id
    )
    taken = clash.first()
    if taken is not None:
        raise ValidationError(
            {
                "shortcut": _(
                    "The key “%(key)s” is already the shortcut of “%(code)s”."
                )
                % {"key": shortcut, "code": taken.name}
            }
        )
    return shortcut


def _check_sibling_name(
    project: Project, parent: Code | None, name: str, *, exclude_id=None
):
    siblings = Code.objects.filter(project=project, parent=parent, name=name)
    if siblings.exclude(pk=exclude_id).exists():
        raise ValidationError(
            {
                "name": _("There is already a code “%(name)s” at this place.")
                % {"name": name}
            }
        )


def _check_parent(project: Project, parent: Code | None) -> None:
    if parent is not None and parent.project_id != project.pk:
        raise ValidationError(
            {"parent": _("The parent code belongs to another project.")}
        )


def _clean_domain(
    *,
    is_domain: bool,
    measurement_level: str | None,
    value: float | None,
    parent: Code | None,
) -> tuple[str, float | None]:
    """Check the agreement fields; return the level and value to store.

    A level of measurement other than nominal belongs to a domain, a value to a
    sub-code of a domain (the value of that code on the domain's scale).
    """
    level = measurement_level or MeasurementLevel.NOMINAL
    if level not in MeasurementLevel.values:
        raise ValidationError(
            {
                "measurement_level": _(
                    "“%(level)s” is not a level of measurement; use nominal, "
                    "ordinal, interval or ratio."
                )
                % {"level": level}
            }
        )
    if level != MeasurementLevel.NOMINAL and not is_domain:
        raise ValidationError(
            {
                "measurement_level": _(
                    "A level of measurement belongs to a domain: mark the code as "
                    "a domain first."
                )
            }
        )
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError({"value": _("A value must be a number.")})
        if not math.isfinite(value):
            raise ValidationError({"value": _("A value must be a finite number.")})
        if parent is None or not parent.is_domain:
            raise ValidationError(
                {
                    "value": _(
                        "Only a sub-code of a domain can have a value; mark its "
                        "parent code as a domain first."
                    )
                }
            )
        value = float(value)
    return level, value


def code_descendant_ids(code: Code) -> set[int]:
    """Ids of ``code`` and everything below it (one query for the whole codebook)."""
    children: dict[int | None, list[int]] = {}
    for code_id, parent_id in Code.objects.filter(
        project_id=code.project_id
    ).values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(code_id)
    found = {code.pk}
    stack = [code.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@transaction.atomic
def code_create(
    *,
    project: Project,
    name: str,
    parent: Code | None = None,
    description: str = "",
    color: str | None = None,
    shortcut: str | None = None,
    sort_order: int | None = None,
    is_domain: bool = False,
    measurement_level: str | None = None,
    value: float | None = None,
    actor=None,
) -> Code:
    name = _clean_name(name)
    _check_parent(project, parent)
    _check_sibling_name(project, parent, name)
    level, value = _clean_domain(
        is_domain=bool(is_domain),
        measurement_level=measurement_level,
        value=value,
        parent=parent,
    )
    if sort_order is None:
        last = Code.objects.filter(project=project, parent=parent).aggregate(
            m=Max("sort_order")
        )["m"]
        sort_order = 0 if last is None else last + 1
    code = Code.objects.create(
        project=project,
        parent=parent,
        name=name,
        description=(description or "").strip(),
        color=_clean_color(color or (parent.color if parent else None)),
        shortcut=_clean_shortcut(project, shortcut),
        sort_order=sort_order,
        is_domain=bool(is_domain),
        measurement_level=level,
        value=value,
    )
    _audit_code(code, actor=actor, action=Action.CREATE, after=snapshot_code(code))
    return code


def _audit_code(code: Code, *, actor, action: str, before=None, after=None) -> None:
    audit_record(
        project_id=code.project_id,
        actor=actor,
        action=action,
        entity=Entity.CODE,
        entity_id=code.pk,
        before=before,
        after=after,
    )


_UNSET = object()


@transaction.atomic
def code_update(
    *,
    code: Code,
    name: str | None = None,
    description: str | None = None,
    color: str | None = None,
    shortcut: str | None = None,
    parent=_UNSET,
    sort_order: int | None = None,
    is_domain: bool | None = None,
    measurement_level: str | None = None,
    value=_UNSET,
    actor=None,
) -> Code:
    """Rename, redefine, recolour, re-key or move a code (only the given fields).

    ``value=None`` clears a sub-code's value; leaving it out keeps it.
    """
    code = Code.objects.select_for_update().get(pk=code.pk)
    before = snapshot_code(code)
    fields = _move_code(code, parent) if parent is not _UNSET else []
    fields += _apply_code_fields(
        code,
        name=name,
        description=description,
        color=color,
        shortcut=shortcut,
        sort_order=sort_order,
        moved=bool(fields),
    )
    domain_fields = _update_domain(
        code,
        is_domain=is_domain,
        measurement_level=measurement_level,
        value=value,
        moved="parent" in fields,
    )
    fields += domain_fields
    if domain_fields and "parent" not in fields:
        # Agreement results read the domain structure: they go stale.
        codings_changed(project_id=code.project_id, code_ids=[code.pk])
    if "parent" in fields:
        codings_changed(project_id=code.project_id)  # rolled-up figures move
    if fields:
        code.save(update_fields=fields)
        _audit_code(
            code,
            actor=actor,
            action=Action.UPDATE,
            before=before,
            after=snapshot_code(code),
        )
    return code


def _move_code(code: Code, new_parent: Code | None) -> list[str]:
    """Put ``code`` under ``new_parent`` (``None``: top level), never under itself."""
    _check_parent(code.project, new_parent)
    if new_parent is not None and new_parent.pk in code_descendant_ids(code):
        raise ValidationError(
            {
                "parent": _(
                    "A code cannot be moved under itself or one of its sub-codes."
                )
            }
        )
    code.parent = new_parent
    return ["parent"]


def _apply_code_fields(
    code: Code,
    *,
    name: str | None,
    description: str | None,
    color: str | None,
    shortcut: str | None,
    sort_order: int | None,
    moved: bool,
) -> list[str]:
    """Set the given plain fields on ``code`` (cleaned and checked); their names."""
    project = code.project
    fields: list[str] = []
    if name is not None:
        code.name = _clean_name(name)
        fields.append("name")
    if name is not None or moved:
        _check_sibling_name(project, code.parent, code.name, exclude_id=code.pk)
    if description is not None:
        code.description = description.strip()
        fields.append("description")
    if color is not None:
        code.color = _clean_color(color)
        fields.append("color")
    if shortcut is not None:
        code.shortcut = _clean_shortcut(project, shortcut, exclude_id=code.pk)
        fields.append("shortcut")
    if sort_order is not None:
        code.sort_order = sort_order
        fields.append("sort_order")
    return fields


def _update_domain(
    code: Code, *, is_domain: bool | None, measurement_level, value, moved: bool
) -> list[str]:
    """Apply and check the agreement fields on ``code``; the changed field names."""
    new_domain = code.is_domain if is_domain is None else bool(is_domain)
    new_level = measurement_level or (
        code.measurement_level if new_domain else MeasurementLevel.NOMINAL
    )
    new_value = code.value if value is _UNSET else value
    if (
        new_domain == code.is_domain
        and new_level == code.measurement_level
        and new_value == code.value
        and not moved
    ):
        return []
    parent = Code.objects.filter(pk=code.parent_id).first() if code.parent_id else None
    if is_domain is None and measurement_level is None and value is _UNSET:
        _check_value_fits_parent(code, parent)  # only moved
        return []
    level, new_value = _clean_domain(
        is_domain=new_domain,
        measurement_level=new_level,
        value=new_value,
        parent=parent,
    )
    if code.is_domain and not new_domain:
        _check_no_valued_children(code)
    changed = []
    for field, new in (
        ("is_domain", new_domain),
        ("measurement_level", level),
        ("value", new_value),
    ):
        if getattr(code, field) != new:
            setattr(code, field, new)
            changed.append(field)
    return changed


def _check_value_fits_parent(code: Code, parent: Code | None) -> None:
    """A value the old parent gave no longer fits a plain parent."""
    if code.value is not None and (parent is None or not parent.is_domain):
        raise ValidationError(
            {
                "parent": _(
                    "“%(name)s” has a value on its domain's scale; clear the "
                    "value before moving it out of the domain."
                )
                % {"name": code.name}
            }
        )


def _check_no_valued_children(code: Code) -> None:
    """A domain keeps its status while a sub-code still has a value on its scale."""
    valued = list(
        Code.objects.filter(parent=code, value__isnull=False).values_list(
            "name", flat=True
        )
    )
    if valued:
        raise ValidationError(
            {
                "is_domain": _(
                    "Its sub-codes still have values (%(names)s); clear them "
                    "before this code stops being a domain."
                )
                % {"names": ", ".join(valued)}
            }
        )


def code_usage(code: Code) -> int:
    """Codings that deleting ``code`` would remove (its sub-codes included)."""
    return Coding.objects.filter(code_id__in=code_descendant_ids(code)).count()


@transaction.atomic
def code_delete(*, code: Code, actor=None) -> None:
    """Delete a code, its sub-codes and their codings (each recorded in the trail)."""
    ids = code_descendant_ids(code)
    codings = list(Coding.objects.filter(code_id__in=ids).select_related("document"))
    events = [
        coding_event(c, actor=actor, action=Action.DELETE, before=snapshot)
        for c, snapshot in zip(
            codings, snapshot_codings_with_extras(codings), strict=True
        )
    ]
    events += [
        audit_event(
            project_id=c.project_id,
            actor=actor,
            action=Action.DELETE,
            entity=Entity.CODE,
            entity_id=c.pk,
            before=snapshot_code(c),
        )
        for c in Code.objects.filter(pk__in=ids)
    ]
    audit_records(events)
    codings_changed(project_id=code.project_id)
    code.delete()


def codebook_rows(project: Project) -> list[CodebookRow]:
    """The codebook in tree order as plain rows (for CSV export)."""
    codes = list(Code.objects.filter(project=project))
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    rows: list[CodebookRow] = []

    def walk(parent_id: int | None, prefix: tuple[str, ...]) -> None:
        for code in sorted(
            by_parent.get(parent_id, []), key=lambda c: (c.sort_order, c.name)
        ):
            path = (*prefix, code.name)
            rows.append(
                CodebookRow(path=path, description=code.description, color=code.color)
            )
            walk(code.pk, path)

    walk(None, ())
    return rows


@transaction.atomic
def codebook_import_rows(
    *, project: Project, rows: list[CodebookRow], actor=None
) -> dict[str, int]:
    """Add the rows' codes (creating parents on the way); existing codes are updated.

    Never deletes: an import can only add to a codebook or refine its definitions.
    """
    _check_depth(rows)
    codes = _CodesByPath(project=project, actor=actor)
    updated = 0
    for row in rows:
        path = tuple(_clean_name(p) for p in row.path)
        existed = Code.objects.filter(
            project=project,
            name=path[-1],
            parent=codes.get(path[:-1]) if len(path) > 1 else None,
        ).exists()
        changed = _refine_code(codes.get(path), row, actor=actor)
        if existed and changed:
            updated += 1
    return {"created": codes.created, "updated": updated}


def _check_depth(rows: list[CodebookRow]) -> None:
    deepest = max((len(row.path) for row in rows), default=0)
    if deepest > MAX_CODE_DEPTH:
        raise ValidationError(
            {
                "file": _(
                    "The codebook nests codes %(depth)d levels deep; Regie takes at "
                    "most %(max)d levels. Nothing was imported."
                )
                % {"depth": deepest, "max": MAX_CODE_DEPTH}
            }
        )


class _CodesByPath:
    """The project's codes by path, created (with their parents) when missing."""

    def __init__(self, *, project: Project, actor) -> None:
        self.project = project
        self.actor = actor
        self.created = 0
        self._codes: dict[tuple[str, ...], Code] = {}

    def get(self, path: tuple[str, ...]) -> Code:
        if path in self._codes:
            return self._codes[path]
        parent = self.get(path[:-1]) if len(path) > 1 else None
        code = Code.objects.filter(
            project=self.project, parent=parent, name=path[-1]
        ).first()
        if code is None:
            code = code_create(
                project=self.project, name=path[-1], parent=parent, actor=self.actor
            )
            self.created += 1
        self._codes[path] = code
        return code


def _refine_code(code: Code, row: CodebookRow, *, actor) -> bool:
    """Take the row's definition and colour where it gives them; ``True`` if changed."""
    fields = []
    if row.description and row.description != code.description:
        code.description = row.description
        fields.append("description")
    if row.color and row.color != code.color:
        code.color = _clean_color(row.color)
        fields.append("color")
    if fields:
        before = snapshot_code(Code.objects.get(pk=code.pk))
        code.save(update_fields=fields)
        _audit_code(
            code,
            actor=actor,
            action=Action.UPDATE,
            before=before,
            after=snapshot_code(code),
        )
    return bool(fields)


@transaction.atomic
def codebook_load_default(
    *, project: Project, actor=None, demo_actors: bool = False
) -> int:
    """Fill an empty codebook with the regie codebook (Dutch, from the thesis): its
    theory codes and an empty actor branch, or with ``demo_actors`` (the demo
    project only) the thesis' Mechelen actors in that branch."""
    if Code.objects.filter(project=project).exists():
        raise ValidationError(
            _("The codebook is not empty; the regie codebook was not added.")
        )
    count = 0

    def add(nodes: list[dict], parent: Code | None) -> None:
        nonlocal count
        for order, item in enumerate(nodes):
            code = Code.objects.create(
                project=project,
                parent=parent,
                name=item["name"],
                description=item.get("description", ""),
                color=_clean_color(item.get("color")),
                shortcut=item.get("shortcut") or "",
                sort_order=order,
                is_domain=bool(item.get("is_domain", False)),
                measurement_level=item.get("measurement_level", "nominal"),
                value=item.get("value"),
            )
            count += 1
            add(item.get("children", []), code)

    add(demo_codebook_nodes() if demo_actors else default_codebook_nodes(), None)
    codes_created(Code.objects.filter(project=project), actor=actor)
    return count


def codebook_import_file(
    *, project: Project, data: bytes, filename: str, actor
) -> dict:
    """Add an uploaded codebook to the project: a CSV, or any format a satellite
    registered (``coding.registry.codebook_formats``: REFI-QDA ``.qdc``).

    Raises ``ValidationError`` with the reader's message; nothing is written then.
    Returns ``{"created", "updated", "warnings"}``.
    """
    try:
        for codebook_format in codebook_formats:
            if codebook_format.accepts(filename, data):
                return codebook_format.load(project, data, filename, actor)
        rows = read_codebook_csv(decode_text(data))
    except (CodebookCSVError, ImportFileError, ValueError) as error:
        raise ValidationError({"file": str(error)}) from error
    result = codebook_import_rows(project=project, rows=rows, actor=actor)
    return {**result, "warnings": []}
