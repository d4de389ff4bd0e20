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
from coding.services.codings import CodingSpec, codings_create_bulk
from coding.services.documents import case_get_or_create, document_create_from_text
from coding.services.projects import membership_set, project_create
from coding.services.team import assignment_create, assignment_set_status
from coding.services.versions import codebook_freeze
from network.services import network_demo_load

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


def _find(text: str, quote: str, nth: int, where: str) -> tuple[int, int]:
    quote = unicodedata.normalize("NFC", quote)
    position = -1
    for _ in range(nth):
        position = text.find(quote, position + 1)
        if position == -1:
            raise ValueError(
                f"{where}: quote not found (occurrence {nth}): {quote[:60]!r}"
            )
    return position, position + len(quote)


def _demo_files() -> list[tuple[Path, Path]]:
    pairs = []
    for transcript in sorted(DATA_DIR.glob("*.txt")):
        spec = transcript.with_suffix(".json")
        if spec.exists():
            pairs.append((transcript, spec))
    return pairs


@transaction.atomic
def demo_load() -> DemoResult:
    """Create the demo users and project; a second call changes nothing."""
    User = get_user_model()
    users = {}
    for username in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    existing = Project.objects.filter(
        name=PROJECT_NAME, memberships__user=users["supervisor"]
    ).first()
    if existing is not None:
        return DemoResult(
            project=existing,
            created=False,
            users={u: r.value for u, r in DEMO_USERS.items()},
            documents=existing.documents.count(),
            codings=sum(d.codings.count() for d in existing.documents.all()),
        )
    project = project_create(
        name=PROJECT_NAME,
        owner=users["supervisor"],
        description=PROJECT_DESCRIPTION,
        codebook="regie",
        blind_coding=True,
    )
    for username, role in DEMO_USERS.items():
        if not Membership.objects.filter(
            project=project, user=users[username]
        ).exists():
            membership_set(project=project, username=username, role=role)
    codebook_freeze(
        project=project, name="Betrouwbaarheidsronde 1", actor=users["supervisor"]
    )
    codes = {code.name: code for code in Code.objects.filter(project=project)}
    result = DemoResult(
        project=project, created=True, users={u: r.value for u, r in DEMO_USERS.items()}
    )
    for transcript_path, spec_path in _demo_files():
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
        result.documents += 1
        for coder in ("coder1", "coder2"):
            assignment_create(
                document=document, coder=users[coder], actor=users["supervisor"]
            )
        result.codings += _load_codings(
            document, spec["codings"], codes, users, transcript_path.name
        )
    _mark_demo_progress(project, users)
    network_demo_load(project=project, users=users)  # actors and relation fields
    return result


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
            start, end = _find(document.text, quote, entry.get("nth", 1), where)
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
