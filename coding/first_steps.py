"""The first-steps checklist of a project page: import transcripts → codebook →
invite coders → assign → code → compare → agreement → export.

Each step ticks itself from the project's real state, links to the page where it is
done, and is shown only to the roles that do it (a coder sees the coder's steps).
The core's steps are here; satellites register theirs in ``coding.registry``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coding.access import Cap, ProjectAccess
from coding.models import Adjudication, Assignment, Code, Coding, Document, Membership
from coding.registry import FirstStep, first_steps


@dataclass(frozen=True, slots=True)
class StepState:
    key: str
    label: str
    url: str
    done: bool


@dataclass(frozen=True, slots=True)
class Checklist:
    steps: tuple[StepState, ...]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)


def _can(need: Cap):
    return lambda access: access.can(need)


def _url(name: str, anchor: str = ""):
    return lambda project: reverse(name, args=[project.pk]) + anchor


CORE_STEPS = (
    FirstStep(
        key="import",
        position=10,
        label=_("Import transcripts"),
        shown=_can(Cap.MANAGE_DOCUMENTS),
        done=lambda a: Document.objects.filter(project_id=a.project.pk).exists(),
        url=_url("coding:documents_import"),
    ),
    FirstStep(
        key="codebook",
        position=20,
        label=_("Set up the codebook"),
        shown=_can(Cap.EDIT_CODEBOOK),
        done=lambda a: Code.objects.filter(project_id=a.project.pk).exists(),
        url=_url("coding:codebook"),
    ),
    FirstStep(
        key="invite",
        position=30,
        label=_("Invite coders"),
        shown=_can(Cap.MANAGE_MEMBERS),
        done=lambda a: (
            Membership.objects.filter(project_id=a.project.pk)
            .exclude(user_id=a.user_id)
            .exists()
        ),
        url=_url("coding:members"),
    ),
    FirstStep(
        key="assign",
        position=40,
        label=_("Assign documents to coders"),
        shown=_can(Cap.SUPERVISE),
        done=lambda a: Assignment.objects.filter(project_id=a.project.pk).exists(),
        url=_url("coding:progress"),
    ),
    FirstStep(
        key="code",
        position=50,
        label=_("Code the transcripts"),
        shown=_can(Cap.CODE),
        # Only codings this member may see: a blind coder's own.
        done=lambda a: (
            Coding.objects.filter(document__project_id=a.project.pk)
            .filter(a.coding_filter())
            .exists()
        ),
        url=_url("coding:my_work"),
    ),
    FirstStep(
        key="compare",
        position=60,
        label=_("Compare the coders and settle their differences"),
        shown=_can(Cap.SUPERVISE),
        done=lambda a: Adjudication.objects.filter(
            document__project_id=a.project.pk
        ).exists(),
        url=_url("coding:progress"),
    ),
)


def project_checklist(access: ProjectAccess) -> Checklist:
    """The steps this member does, in order, each ticked or not (one small query
    per shown step)."""
    steps = sorted((*CORE_STEPS, *first_steps), key=lambda step: step.position)
    return Checklist(
        steps=tuple(
            StepState(
                key=step.key,
                label=str(step.label),
                url=step.url(access.project),
                done=step.done(access),
            )
            for step in steps
            if step.shown(access)
        )
    )
