"""The demo project "Regierol Mechelen (demo)", built from files in ``demo/data/``.

Each transcript ``NN-name.txt`` has a ``NN-name.json`` beside it with its case and the
two demo coders' codings, given as quotes (exact substrings) rather than offsets, so
the data stays readable and survives edits to the transcripts.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from coding.models import Assignment, Code, Document, Membership, Project, Role
from coding.registry import demo_steps
from coding.services.codebook import codebook_load_default
from coding.services.codings import CodingSpec, codings_create_bulk
from coding.services.documents import case_get_or_create, document_create_from_text
from coding.services.projects import membership_set, project_create
from coding.services.team import assignment_create, assignment_set_status
from coding.services.versions import codebook_freeze

DATA_DIR = Path(__file__).resolve().parent / "data"
PROJECT_NAME = "Regierol Mechelen (demo)"
DEMO_PASSWORD = "regie-demo"
DEMO_USERS = {
    "supervisor": Role.OWNER,
    "coder1": Role.CODER,
    "coder2": Role.CODER,
}
PROJECT_DESCRIPTION = (
    "Demo built on the master's thesis on the regierol of the city of Mechelen in local "
    "integration policy: six fictional interviews with respondents named by function "
    "only, coded by two coders with the regie codebook."
)


@dataclass
class DemoResult:
    project: Project
    created: bool
    users: dict[str, str] = field(default_factory=dict)  # username -> role
    documents: int = 0
    codings: int = 0


def find_quote(text: str, quote: str, nth: int, where: str) -> tuple[int, int]:
    """The code-point span of the ``nth`` (1-based) occurrence of ``quote`` in
    ``text`` (both NFC, as imported transcripts are); ``ValueError`` naming
    ``where`` when the quote is not there. Demo steps of other apps place their
    data with it too."""
    quote = unicodedata.normalize("NFC", quote)
    position = -1
    for _ in range(nth):
        position = text.find(quote, position + 1)
        if position == -1:
            raise ValueError(
                f"{where}: quote not found (occurrence {nth}): {quote[:60]!r}"
            )
    return position, position + len(quote)


def demo_files() -> list[tuple[Path, Path]]:
    """The demo's ``(transcript.txt, spec.json)`` pairs, in file-name order.

    A spec holds the title, the case and the codings (quotes per coder); entries
    may carry fields for other apps (the network's ``"relation"``), which those
    apps read in their ``DemoStep``.
    """
    pairs = []
    for transcript in sorted(DATA_DIR.glob("*.txt")):
        spec = transcript.with_suffix(".json")
        if spec.exists():
            pairs.append((transcript, spec))
    return pairs


@transaction.atomic
def demo_load() -> DemoResult:
    """Create the demo users and project; a second call changes nothing.

    After the core's part (documents, codings, assignments) every registered
    ``DemoStep`` adds its app's part (the network: actors and relation fields).
    """
    users = _demo_users()
    existing = Project.objects.filter(
        name=PROJECT_NAME, memberships__user=users["supervisor"]
    ).first()
    if existing is not None:
        return _existing_result(existing)
    project = _demo_project(users)
    result = DemoResult(
        project=project, created=True, users={u: r.value for u, r in DEMO_USERS.items()}
    )
    codes = {code.name: code for code in Code.objects.filter(project=project)}
    for transcript_path, spec_path in demo_files():
        result.codings += _load_document(
            project, transcript_path, spec_path, codes, users
        )
        result.documents += 1
    _mark_demo_progress(project, users)
    for step in demo_steps:
        step.load(project, users)
    return result


def _demo_users() -> dict:
    User = get_user_model()
    users = {}
    for username in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    return users


def _existing_result(project: Project) -> DemoResult:
    return DemoResult(
        project=project,
        created=False,
        users={u: r.value for u, r in DEMO_USERS.items()},
        documents=project.documents.count(),
        codings=sum(d.codings.count() for d in project.documents.all()),
    )


def _demo_project(users: dict) -> Project:
    """The project with its members and a frozen codebook version."""
    project = project_create(
        name=PROJECT_NAME,
        owner=users["supervisor"],
        description=PROJECT_DESCRIPTION,
        codebook="empty",
        blind_coding=True,
    )
    # The regie codebook with the thesis' Mechelen actors: theirs, not a new project's.
    codebook_load_default(project=project, actor=users["supervisor"], demo_actors=True)
    for username, role in DEMO_USERS.items():
        if not Membership.objects.filter(
            project=project, user=users[username]
        ).exists():
            membership_set(project=project, username=username, role=role)
    codebook_freeze(
        project=project, name="Betrouwbaarheidsronde 1", actor=users["supervisor"]
    )
    return project


def _load_document(
    project: Project,
    transcript_path: Path,
    spec_path: Path,
    codes: dict[str, Code],
    users: dict,
) -> int:
    """One transcript with its case, assignments and codings; how many codings."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    case_data = spec["case"]
    case = case_get_or_create(
        project=project,
        label=case_data["label"],
        attributes=case_data.get("attributes", {}),
    )
    document = document_create_from_text(
        project=project,
        title=spec["title"],
        text=transcript_path.read_text(encoding="utf-8"),
        user=users["supervisor"],
        case=case,
    )
    for coder in ("coder1", "coder2"):
        assignment_create(
            document=document, coder=users[coder], actor=users["supervisor"]
        )
    return _load_codings(document, spec["codings"], codes, users, transcript_path.name)


def _mark_demo_progress(project: Project, users: dict) -> None:
    """coder1 finished four interviews, coder2 three: a round under way."""
    for username, finished in (("coder1", 4), ("coder2", 3)):
        assignments = Assignment.objects.filter(project=project, coder=users[username])
        for assignment in assignments.order_by("document__title")[:finished]:
            assignment_set_status(
                assignment=assignment, status="done", actor=users[username]
            )


def _load_codings(
    document: Document,
    entries: list[dict],
    codes: dict[str, Code],
    users: dict,
    where: str,
) -> int:
    per_coder: dict[str, list[CodingSpec]] = {}
    for entry in entries:
        code = codes[entry["code"]]
        memos = entry.get("memo") or {}
        if "quotes" in entry:
            quotes = entry["quotes"]
        else:
            quotes = dict.fromkeys(entry["coders"], entry["quote"])
        for coder, quote in quotes.items():
            start, end = find_quote(document.text, quote, entry.get("nth", 1), where)
            per_coder.setdefault(coder, []).append(
                CodingSpec(
                    document=document,
                    code=code,
                    start=start,
                    end=end,
                    memo=memos.get(coder, ""),
                )
            )
    total = 0
    for coder, specs in per_coder.items():
        unique = list({(s.code.pk, s.start, s.end): s for s in specs}.values())
        total += len(codings_create_bulk(specs=unique, coder=users[coder]))
    return total
