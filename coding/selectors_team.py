"""Read-models of team coding: who coded a document, two coders compared, the
supervisor's progress table and a coder's own work list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count

from coding.access import ProjectAccess
from coding.comparison import Unit, compare_coders
from coding.models import (
    Assignment,
    AssignmentStatus,
    Coding,
    Document,
    Membership,
    Project,
    Role,
)


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
    names = dict(
        get_user_model().objects.filter(pk__in=counts).values_list("pk", "username")
    )
    return sorted(
        ((uid, names[uid]) for uid in counts),
        key=lambda item: (-counts[item[0]], item[1]),
    )


def pair_units(document: Document, coder_a: int, coder_b: int) -> list[Unit]:
    """Two coders' codings of a document compared: matches and differences."""
    rows = Coding.objects.filter(
        document=document, coder_id__in=[coder_a, coder_b]
    ).values_list("id", "code_id", "start", "end", "coder_id")
    a = [(i, c, s, e) for i, c, s, e, coder in rows if coder == coder_a]
    b = [(i, c, s, e) for i, c, s, e, coder in rows if coder == coder_b]
    return compare_coders(a, b)


# ---------------------------------------------------------------- progress


@dataclass
class Cell:
    assignment: Assignment | None
    codings: int


@dataclass
class Row:
    document: Document
    cells: list[Cell] = field(default_factory=list)
    done: int = 0
    assigned: int = 0


@dataclass
class CoderColumn:
    user_id: int
    username: str
    assigned: int = 0
    done: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.assigned) if self.assigned else 0


@dataclass(frozen=True, slots=True)
class ProgressTable:
    """Documents by coders: each cell an assignment (or none) and its codings."""

    documents: list[Document]
    columns: list[CoderColumn]
    rows: list[Row]

    @property
    def percent_done(self) -> int:
        total = sum(c.assigned for c in self.columns)
        done = sum(c.done for c in self.columns)
        return round(100 * done / total) if total else 0


def assignment_progress(project: Project) -> ProgressTable:
    """The progress of every coder (and anyone assigned) on every document."""
    documents = list(
        Document.objects.filter(project=project).without_text().order_by("title")
    )
    assignments = list(Assignment.objects.filter(project=project))
    columns = _coder_columns(project, {a.coder_id for a in assignments})
    counts = _codings_per_cell(project, {c.user_id for c in columns})
    by_key = {(a.document_id, a.coder_id): a for a in assignments}
    rows = []
    for document in documents:
        row = Row(document=document)
        for column in columns:
            assignment = by_key.get((document.pk, column.user_id))
            row.cells.append(
                Cell(assignment, counts.get((document.pk, column.user_id), 0))
            )
            if assignment is not None:
                row.assigned += 1
                column.assigned += 1
                if assignment.status == AssignmentStatus.DONE:
                    row.done += 1
                    column.done += 1
        rows.append(row)
    return ProgressTable(documents=documents, columns=columns, rows=rows)


def _coder_columns(project: Project, assigned_ids: set[int]) -> list[CoderColumn]:
    """One column per coder of the project and per member assigned, by name."""
    coder_ids = (
        set(
            Membership.objects.filter(project=project, role=Role.CODER).values_list(
                "user_id", flat=True
            )
        )
        | assigned_ids
    )
    members = dict(
        Membership.objects.filter(project=project, user_id__in=coder_ids).values_list(
            "user_id", "user__username"
        )
    )
    return [
        CoderColumn(uid, name)
        for uid, name in sorted(members.items(), key=lambda m: m[1])
    ]


def _codings_per_cell(project: Project, coder_ids: set[int]) -> dict:
    return {
        (row["document_id"], row["coder_id"]): row["n"]
        for row in Coding.objects.filter(
            document__project=project, coder_id__in=coder_ids
        )
        .values("document_id", "coder_id")
        .annotate(n=Count("id"))
    }


# ---------------------------------------------------------------- my work


@dataclass(frozen=True, slots=True)
class WorkRow:
    assignment: Assignment
    codings: int


def my_work_rows(project: Project, user_id: int) -> list[WorkRow]:
    """A coder's assignments, by document title, with their codings in each."""
    assignments = list(
        Assignment.objects.filter(project=project, coder_id=user_id)
        .select_related("document")
        .defer("document__text")
        .order_by("document__title")
    )
    counts = dict(
        Coding.objects.filter(document__project=project, coder_id=user_id)
        .values_list("document_id")
        .annotate(n=Count("id"))
        .values_list("document_id", "n")
    )
    return [WorkRow(a, counts.get(a.document_id, 0)) for a in assignments]
