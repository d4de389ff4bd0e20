"""Codebook versions: freeze the codebook for a reliability round, list and compare.

A version stores a snapshot of the codebook (``CodebookVersion.codes``); the
comparison itself is pure code in ``coding.codebook_diff``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Func, IntegerField, Max, Q, QuerySet
from django.utils.translation import gettext as _

from coding.codebook_diff import CodebookDiff, diff_codebooks
from coding.models import Code, CodebookVersion, Project
from coding.selectors import codebook_tree, flatten

# ``?to=current`` compares with the live codebook instead of a frozen version.
CURRENT = "current"


def codebook_snapshot(project: Project) -> list[dict]:
    """The live codebook as a version stores it: plain dicts in tree order."""
    nodes = flatten(codebook_tree(Code.objects.filter(project=project)))
    return [
        {
            "id": node.id,
            "parent_id": node.parent_id,
            "name": node.name,
            "path": node.path,
            "description": node.description,
            "color": node.color,
            "shortcut": node.shortcut,
        }
        for node in nodes
    ]


def _clean_version_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A version needs a name, such as “Round 2”.")})
    if len(name) > 200:
        raise ValidationError(
            {"name": _("A version name can have at most 200 characters.")}
        )
    return name


@transaction.atomic
def codebook_freeze(*, project: Project, name: str, actor) -> CodebookVersion:
    """Freeze the codebook as the project's next numbered version.

    Locks the project row (``FOR NO KEY UPDATE``: other inserts that refer to the
    project go on), so two freezes at once get consecutive numbers instead of
    one of them failing on the unique number.
    """
    name = _clean_version_name(name)
    locked = Project.objects.select_for_update(no_key=True).filter(pk=project.pk)
    list(locked.values_list("pk", flat=True))
    codes = codebook_snapshot(project)
    if not codes:
        raise ValidationError(
            _("The codebook is empty; add codes before freezing a version.")
        )
    last = CodebookVersion.objects.filter(project=project).aggregate(m=Max("number"))[
        "m"
    ]
    return CodebookVersion.objects.create(
        project=project,
        number=(last or 0) + 1,
        name=name,
        frozen_by=actor if getattr(actor, "is_authenticated", False) else None,
        codes=codes,
    )


class JsonArrayLength(Func):
    """Length of a JSON array column."""

    function = "jsonb_array_length"
    output_field = IntegerField()


def codebook_version_list(
    *, project: Project, visible_codings: Q | None = None
) -> QuerySet[CodebookVersion]:
    """Versions, newest first, with ``code_count`` and ``coding_count`` (one query).

    ``visible_codings`` is a ``Q`` on the versions' codings (``codings__…``, from
    ``ProjectAccess.coding_filter("codings__")``): under blind coding a coder
    counts only what they may see. The snapshots themselves are not loaded.
    """
    return (
        CodebookVersion.objects.filter(project=project)
        .defer("codes")
        .select_related("frozen_by")
        .annotate(
            code_count=JsonArrayLength(F("codes")),
            coding_count=Count("codings", filter=visible_codings),
        )
        .order_by("-number")
    )


@dataclass(frozen=True)
class VersionComparison:
    """Two codebooks and their differences; ``new`` is ``None`` for the live one."""

    old: CodebookVersion
    new: CodebookVersion | None
    diff: CodebookDiff


def _version_number(value: str, *, field: str, numbers: list[int]) -> int:
    if not (value.isascii() and value.isdigit()):
        if field == "to":
            message = _(
                "“%(value)s” is not a version: give a version number, such as 2, "
                "or “current”."
            )
        else:
            message = _(
                "“%(value)s” is not a version: give a version number, such as 2."
            )
        raise ValidationError({field: message % {"value": value[:50]}})
    number = int(value)
    if number not in numbers:
        raise ValidationError(
            {
                field: _("There is no version %(number)d of this codebook.")
                % {"number": number}
            }
        )
    return number


def codebook_compare(
    *, project: Project, from_ref: str | None = None, to_ref: str | None = None
) -> VersionComparison:
    """Compare version ``from_ref`` with ``to_ref`` (a number or ``"current"``).

    Without references, the two latest versions are compared, or the only one
    with the live codebook. Without ``from_ref``, the version before ``to_ref``
    is used; without ``to_ref``, the live codebook. Raises ``ValidationError``
    (keyed ``from``/``to``) with a readable message for anything else.
    """
    numbers = list(
        CodebookVersion.objects.filter(project=project)
        .order_by("number")
        .values_list("number", flat=True)
    )
    from_number, to_number = _compared_numbers(
        (from_ref or "").strip(), (to_ref or "").strip(), numbers
    )
    wanted = {from_number} if to_number is None else {from_number, to_number}
    versions = {
        version.number: version
        for version in CodebookVersion.objects.filter(
            project=project, number__in=wanted
        ).select_related("frozen_by")
    }
    old = versions[from_number]
    new = None if to_number is None else versions[to_number]
    new_codes = codebook_snapshot(project) if new is None else new.codes
    return VersionComparison(
        old=old, new=new, diff=diff_codebooks(old.codes, new_codes)
    )


def _compared_numbers(
    from_ref: str, to_ref: str, numbers: list[int]
) -> tuple[int, int | None]:
    """The version numbers to compare (``None``: the live codebook), or why not."""
    if not numbers:
        raise ValidationError(
            {
                "from": _(
                    "No version of this codebook has been frozen yet, so there is "
                    "nothing to compare."
                )
            }
        )
    if not to_ref:
        to_ref = str(numbers[-1]) if not from_ref and len(numbers) > 1 else CURRENT
    to_number = (
        None
        if to_ref.lower() == CURRENT
        else _version_number(to_ref, field="to", numbers=numbers)
    )
    if from_ref:
        return _version_number(from_ref, field="from", numbers=numbers), to_number
    earlier = [n for n in numbers if to_number is None or n < to_number]
    if not earlier:
        raise ValidationError(
            {
                "from": _(
                    "Version %(number)d is the first; choose a version to "
                    "compare it with."
                )
                % {"number": to_number}
            }
        )
    return earlier[-1], to_number
