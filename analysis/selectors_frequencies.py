"""Read the stored code frequencies for a member, respecting blind coding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from analysis.models import AnalysisState, CodeFrequency
from coding.access import ProjectAccess
from coding.jobs.models import Badge, JobStatus
from coding.models import Code, Document
from coding.selectors import codebook_tree, flatten
from coding.selectors_changes import visible_codings_changed_at

User = get_user_model()
SCOPES = ("all", "document", "coder", "attribute")


@dataclass(frozen=True, slots=True)
class FrequencyRow:
    code_id: int
    code_path: str
    color: str
    depth: int
    scope: str
    scope_key: str
    scope_label: str
    codings: int
    documents: int
    cases: int
    characters: int
    words: int


def analysis_state(access: ProjectAccess) -> AnalysisState:
    return AnalysisState.objects.for_project(access.project.pk)


@dataclass(frozen=True, slots=True)
class FrequencyStatus:
    """The frequency job as one member may see it (the badge's ``job``)."""

    badge: str
    status: str
    frequencies_computed_at: datetime | None
    waiting_for_worker: bool


def frequency_status(access: ProjectAccess, state: AnalysisState) -> FrequencyStatus:
    """The job's badge for this member.

    The job is the project's, and it runs whenever anyone codes; a blind coder's
    figures only move with the codings they may see. So for them the badge compares
    the last computation with the last change of *their visible* codings, and the
    time shown is that change (their figures hold from then on; the project's
    creation when nothing they may see ever changed): another coder's work changes
    nothing they see.
    """
    if access.sees_all_codings:
        return FrequencyStatus(
            badge=state.frequencies_badge,
            status=state.status,
            frequencies_computed_at=state.frequencies_computed_at,
            waiting_for_worker=state.waiting_for_worker,
        )
    computed = state.frequencies_computed_at
    changed = visible_codings_changed_at(state.project_id, access.coding_filter())
    if computed is not None and (changed is None or changed <= computed):
        return FrequencyStatus(
            badge=Badge.FRESH,
            status=JobStatus.DONE,
            frequencies_computed_at=changed or access.project.created_at,
            waiting_for_worker=False,
        )
    return FrequencyStatus(
        badge=_stale_badge(state),
        status=state.status,
        frequencies_computed_at=computed,
        waiting_for_worker=state.waiting_for_worker,
    )


def _stale_badge(state: AnalysisState) -> str:
    """The badge of figures that no longer hold for a blind coder."""
    if state.in_progress:
        return Badge.COMPUTING
    return Badge.FAILED if state.status == JobStatus.FAILED else Badge.STALE


def code_frequency_rows(
    access: ProjectAccess, *, scope: str = "all", rolled_up: bool = True
) -> list[FrequencyRow]:
    """The table for one scope, in codebook order.

    Under blind coding a coder's figures are their own: the coder scope with their
    id, whatever scope was asked (the others would count other coders' work).
    """
    if scope not in SCOPES:
        raise ValidationError(
            {"scope": _("Choose scope all, document, coder or attribute.")}
        )
    rows = CodeFrequency.objects.filter(project=access.project, rolled_up=rolled_up)
    if access.sees_all_codings:
        rows = rows.filter(scope=scope)
    else:
        rows = rows.filter(
            scope=CodeFrequency.Scope.CODER, scope_key=str(access.user_id)
        )
    nodes = {
        n.id: n
        for n in flatten(codebook_tree(Code.objects.filter(project=access.project)))
    }
    order = {code_id: i for i, code_id in enumerate(nodes)}
    labels = _scope_labels(access, scope if access.sees_all_codings else "coder")
    result = [
        FrequencyRow(
            code_id=r.code_id,
            code_path=nodes[r.code_id].path,
            color=nodes[r.code_id].color,
            depth=nodes[r.code_id].depth,
            scope=r.scope,
            scope_key=r.scope_key,
            scope_label=labels.get(r.scope_key, r.scope_key),
            codings=r.codings,
            documents=r.documents,
            cases=r.cases,
            characters=r.characters,
            words=r.words,
        )
        for r in rows
        if r.code_id in nodes
    ]
    result.sort(key=lambda r: (r.scope_label, order[r.code_id]))
    return result


def _scope_labels(access: ProjectAccess, scope: str) -> dict[str, str]:
    if scope == "document":
        return {
            str(pk): title
            for pk, title in Document.objects.filter(
                project=access.project
            ).values_list("pk", "title")
        }
    if scope == "coder":
        labels = {
            str(pk): name
            for pk, name in User.objects.filter(
                memberships__project=access.project
            ).values_list("pk", "username")
        }
        consensus_id = access.project.consensus_user_id
        if consensus_id:
            labels[str(consensus_id)] = User.objects.get(pk=consensus_id).username
        return labels
    return {}
