"""Keyword-only factories; unique values from counters, related rows on demand."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from coding.models import Case, Code, Coding, Document, Membership, Project, Role
from coding.services.codebook import code_create
from coding.services.codings import coding_create
from coding.services.documents import document_create_from_text
from coding.services.projects import project_create

_numbers = itertools.count(1)

SAMPLE_TEXT = (
    "Interviewer: Hoe verloopt de samenwerking met de stad?\n\n"
    "Stafmedewerker: De stad geeft subsidies aan J@M vzw en we hebben een "
    "samenwerkingsovereenkomst. Daarnaast is er overleg, élke maand.\n\n"
    "Interviewer: En de diversiteitsclausule?\n\n"
    "Stafmedewerker: Die zit in het sportreglement 👍 sinds 2016.\n"
)


def make_user(*, username: str | None = None, password: str = "pw-regie-test"):
    User = get_user_model()
    user = User.objects.create_user(
        username=username or f"user{next(_numbers)}", password=password
    )
    return user


def make_project(
    *, name: str | None = None, owner=None, codebook: str = "empty", blind: bool = True
) -> Project:
    return project_create(
        name=name or f"Project {next(_numbers)}",
        owner=owner or make_user(),
        codebook=codebook,
        blind_coding=blind,
    )


def make_membership(
    *, project: Project, user=None, role: Role = Role.CODER
) -> Membership:
    return Membership.objects.create(
        project=project, user=user or make_user(), role=role
    )


def make_case(*, project: Project, label: str | None = None, **attributes) -> Case:
    return Case.objects.create(
        project=project, label=label or f"R{next(_numbers):02d}", attributes=attributes
    )


def make_document(
    *, project: Project, text: str = SAMPLE_TEXT, title: str | None = None, case=None
) -> Document:
    owner = project.memberships.filter(role=Role.OWNER).first()
    return document_create_from_text(
        project=project,
        title=title or f"Interview {next(_numbers)}",
        text=text,
        user=owner.user if owner else None,
        case=case,
    )


def make_code(
    *, project: Project, name: str | None = None, parent: Code | None = None, **fields
) -> Code:
    return code_create(
        project=project, name=name or f"Code {next(_numbers)}", parent=parent, **fields
    )


def make_coding(
    *,
    document: Document,
    code: Code | None = None,
    coder=None,
    start: int = 0,
    end: int = 5,
    memo: str = "",
) -> Coding:
    return coding_create(
        document=document,
        code=code or make_code(project=document.project),
        coder=coder or make_user(),
        start=start,
        end=end,
        memo=memo,
    )


# --- the actor network ------------------------------------------------------------


def make_actor(*, project: Project, name: str | None = None, kind: str = "vzw", **kw):
    from network.services import actor_create

    return actor_create(
        project=project, name=name or f"Actor {next(_numbers)}", kind=kind, **kw
    )


def make_flow(*, project: Project, key: str = "material"):
    """A built-in flow type (material, knowledge or other), with its code."""
    from network.models import FlowType
    from network.services import flow_types_sync

    flow_types_sync(project=project, create_codes=True)
    return FlowType.objects.get(project=project, key=key)


def make_relation(
    *,
    document: Document,
    source,
    target,
    flow=None,
    coder=None,
    start: int = 0,
    end: int = 5,
    mutual: bool = False,
    occasional: bool = False,
):
    from network.services import RelationSpec, relation_create

    return relation_create(
        document=document,
        coder=coder or make_user(),
        start=start,
        end=end,
        spec=RelationSpec(
            flow=flow or make_flow(project=document.project),
            source_actor=source,
            target_actor=target,
            mutual=mutual,
            occasional=occasional,
        ),
    )
