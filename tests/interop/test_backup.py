"""Backup and restore: every row of the project comes back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from agreement.models import AgreementSettings
from analysis.models import AutoCodeRun, ProjectStopWords
from coding.demo.loader import demo_load
from coding.models import (
    AuditEvent,
    Case,
    Code,
    Coding,
    Document,
    Project,
    Role,
)
from coding.services.codebook import code_delete
from coding.services.codings import coding_delete
from coding.services.team import adjudicate, consensus_publish
from interop.models import PendingImport
from interop.services import backup as backup_service
from interop.services.backup import (
    NOT_BACKED_UP,
    USER,
    backup_tables,
    backup_write,
)
from interop.services.project_files import project_file_preview, project_import_file
from tests.conftest import client_for
from tests.factories import (
    make_code,
    make_coding,
    make_user,
)
from tests.interop.helpers import (
    User,
    _remove_written_files,  # noqa: F401 (autouse)
    _zip,
    api,
    assert_valid,
    body,
    qde_of,
    row_counts,
)

pytestmark = pytest.mark.django_db


# Backup and restore: every row of the project comes back
# ---------------------------------------------------------------------------


def _rich_demo():
    """The demo plus what the standard cannot carry: consensus, deletions, settings."""
    demo = demo_load().project
    owner = demo.memberships.get(role=Role.OWNER).user
    coder1 = User.objects.get(username="coder1")
    coder2 = User.objects.get(username="coder2")
    coding = Coding.objects.filter(document__project=demo, coder=coder1).first()
    adjudicate(
        document=coding.document,
        code=coding.code,
        coder_a=coder1,
        coder_b=coder2,
        unit_start=coding.start,
        unit_end=coding.end,
        decision="a",
        actor=owner,
    )
    consensus_publish(project=demo, published=True, actor=owner)
    # A deleted coding and a deleted code stay in the trail (ghost ids).
    coding_delete(
        coding=Coding.objects.filter(document__project=demo, coder=coder2).last(),
        actor=coder2,
    )
    spare = make_code(project=demo, name="Weg")
    make_coding(document=coding.document, code=spare, coder=coder1, start=3, end=9)
    code_delete(code=spare, actor=owner)
    ProjectStopWords.objects.create(project=demo, dutch="de\nhet", english="the")
    AgreementSettings.objects.create(project=demo, good=0.8, tentative=0.7)
    AutoCodeRun.objects.create(
        project=demo,
        code=coding.code,
        coder=coder1,
        created_by=owner,
        status="done",
        coding_ids=[coding.pk],
        params={
            "pattern": "stad",
            "filter": {
                "codes": [coding.code_id],
                "coders": [coder1.pk],
                "documents": [coding.document_id],
            },
        },
    )
    return demo


class _Keys:
    """Ids → natural keys for one project; ids of rows that are gone get a label by
    the order in which they first appear (the same order in both projects)."""

    def __init__(self, project: Project):
        self.project = project
        consensus = project.consensus_user_id
        self.maps: dict[str, dict[int, object]] = {
            USER: {
                pk: ("<consensus>" if pk == consensus else name)
                for pk, name in User.objects.values_list("pk", "username")
            },
            "coding.Project": {project.pk: "<project>"},
        }
        codes = {c.pk: c for c in Code.objects.filter(project=project)}

        def path(code):
            return (
                (*path(codes[code.parent_id]), code.name)
                if code.parent_id
                else (code.name,)
            )

        self.maps["coding.Code"] = {pk: path(c) for pk, c in codes.items()}
        self.maps["coding.Case"] = dict(
            Case.objects.filter(project=project).values_list("pk", "label")
        )
        titles = dict(
            Document.objects.filter(project=project).values_list("pk", "title")
        )
        assert len(set(titles.values())) == len(titles)
        self.maps["coding.Document"] = titles
        self.ghosts: dict[tuple[str, int], tuple] = {}

    def get(self, kind: str, value):
        if not isinstance(value, int) or isinstance(value, bool):
            return value
        found = self.maps.get(kind, {}).get(value)
        if found is not None:
            return found
        key = (kind, value)
        if key not in self.ghosts:
            self.ghosts[key] = (
                "ghost",
                kind,
                sum(1 for k in self.ghosts if k[0] == kind),
            )
        return self.ghosts[key]


def _natural_key(table_name: str, row: dict, keys: _Keys):
    if table_name == "codings":
        return (row["document"], row["code"], row["coder"], row["start"], row["end"])
    if table_name == "memberships":
        return row["user"]
    if table_name == "assignments":
        return (row["document"], row["coder"])
    if table_name == "speaker_turns":
        return (row["document"], row["number"])
    if table_name == "codebook_versions":
        return row["number"]
    if table_name == "adjudications":
        return tuple(
            row[k] for k in ("document", "code", "coder_a", "coder_b", "start", "end")
        )
    if table_name == "flow_types":
        return row["key"]
    if table_name in {"actors"}:
        return row["code"]
    if table_name == "relations":
        return row["coding"]
    return None


def _canonical(project: Project) -> dict[str, list]:
    """Every row of every backed-up table, ids replaced by natural keys."""
    project.refresh_from_db()
    keys = _Keys(project)
    result: dict[str, list] = {}
    result["project"] = [
        (
            project.name,
            project.description,
            project.blind_coding,
            project.created_at,
            keys.get(USER, project.created_by_id),
            project.consensus_published,
            project.consensus_user_id is not None,
        )
    ]
    for table in backup_tables():
        model = table.model_class
        fields = [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and not f.is_relation)
        ]
        rows = []
        order = ("at", "pk") if table.name == "audit_events" else ("pk",)
        queryset = model._default_manager.filter(**{table.scope: project}).order_by(
            *order
        )
        plain = list(queryset.values(*(f.attname for f in fields)))
        # Natural keys of this table's rows, for tables referred to later.
        canon_rows = []
        for values in plain:
            row = {"id": None, **values}
            row = table.translated(row, keys.get)
            canon = {}
            for f in fields:
                value = row[f.attname]
                if f.is_relation:
                    kind = (
                        USER if f.related_model is User else f.related_model._meta.label
                    )
                    value = keys.get(kind, value)
                canon[f.name] = value
            canon_rows.append(canon)
        pks = list(queryset.values_list("pk", flat=True))
        label = model._meta.label
        for pk, canon in zip(pks, canon_rows, strict=True):
            natural = _natural_key(table.name, canon, keys)
            if natural is not None:
                keys.maps.setdefault(label, {})[pk] = natural
        if table.name == "audit_events":
            # Entity ids of live rows come out as natural keys, others as ghosts:
            # translate once more now that every table's keys are known.
            embedded = ("entity_id", "document_id", "coder_id", "before", "after")
            canon_rows = [
                {
                    **c,
                    **{
                        k: v
                        for k, v in table.translated(dict(raw), keys.get).items()
                        if k in embedded
                    },
                }
                for c, raw in zip(canon_rows, plain, strict=True)
            ]
        rows = (
            sorted(canon_rows, key=repr) if table.name != "audit_events" else canon_rows
        )
        result[table.name] = [sorted(r.items(), key=lambda item: item[0]) for r in rows]
    return result


def test_backup_round_trip_reproduces_every_row():
    demo = _rich_demo()
    owner = demo.memberships.get(role=Role.OWNER).user
    response = api(owner).get(f"/api/v1/projects/{demo.pk}/export/project.qdpx?full=1")
    assert response.status_code == 200
    data = body(response)
    # A backup is a valid REFI-QDA project that other tools can open.
    assert_valid(qde_of(data), "Project.xsd")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert "regie/manifest.json" in names
    assert "regie/audit_events.jsonl" in names
    before = _canonical(demo)
    users = User.objects.count()
    response = api(owner).post(
        "/api/v1/projects/import/", {"file": io.BytesIO(data)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    restored = Project.objects.get(pk=response.json()["id"])
    assert restored.pk != demo.pk
    assert User.objects.count() == users + 1  # only the new consensus coder
    after = _canonical(restored)
    assert after.keys() == before.keys()
    for table in before:
        for old, new in zip(before[table], after[table], strict=False):
            assert new == old, table
        assert len(after[table]) == len(before[table]), table
    assert len(after["codings"]) > 400
    assert len(after["audit_events"]) > 500
    # The deleted coding and code are in both trails, as rows that are gone.
    ghosts = repr(after["audit_events"])
    assert "('ghost', 'coding.Coding', 0)" in ghosts
    assert "('ghost', 'coding.Code', 0)" in ghosts


def test_restored_trail_still_restores_a_deleted_coding():
    from coding.services.audit_restore import audit_restore_coding

    demo = _rich_demo()
    owner = demo.memberships.get(role=Role.OWNER).user
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    restored = project_import_file(
        data=out.getvalue(), filename="b.qdpx", owner=owner
    ).project
    event = AuditEvent.objects.filter(
        project=restored,
        entity="coding",
        action="delete",
        before__coder=User.objects.get(username="coder2").pk,
    ).first()
    coding = audit_restore_coding(event=event, actor=owner)
    assert coding.document.project == restored
    assert coding.code.project == restored


def test_every_project_model_is_backed_up_or_named_as_derived():
    """A new model that belongs to a project must join the backup (or be derived)."""
    family = {"coding.Project"}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            label = model._meta.label
            if label in family or model is User:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model._meta.label in family:
                    family.add(label)
                    grew = True
                    break
    covered = {t.model for t in backup_tables()} | NOT_BACKED_UP | {"coding.Project"}
    assert family - covered == set()


def test_a_damaged_backup_is_refused_and_nothing_is_written(demo):
    owner = demo.memberships.get(role=Role.OWNER).user
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    text = next(n for n in members if n.startswith("sources/"))
    broken = {n: d for n, d in members.items() if n != text}
    before = row_counts()
    response = api(owner).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip(broken))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "The backup cannot be restored" in response.json()["detail"]
    assert row_counts() == before
    members["regie/manifest.json"] = b'{"format": "regie-backup", "version": 99}'
    response = api(owner).post(
        "/api/v1/projects/import/",
        {"file": io.BytesIO(_zip(members))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "newer Regie" in response.json()["detail"]
    assert row_counts() == before


def test_a_backup_restored_by_an_outsider_names_no_real_accounts(demo):
    """Someone outside the team restoring a team's backup gets placeholder
    accounts: the coders' real accounts are not pulled into their project."""
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    outsider = make_user(username="buitenstaander")
    preview = project_file_preview(
        data=out.getvalue(), filename="b.qdpx", importer=outsider
    )
    assert not any(user["existing"] for user in preview["users"])
    restored = project_import_file(
        data=out.getvalue(), filename="b.qdpx", owner=outsider
    ).project
    team = set(demo.memberships.values_list("user_id", flat=True))
    assert not restored.memberships.filter(user_id__in=team).exists()
    assert not Coding.objects.filter(
        document__project=restored, coder_id__in=team
    ).exists()
    names = set(restored.memberships.values_list("user__username", flat=True))
    assert {"coder1-2", "coder2-2"} <= names


def test_backup_preview_on_the_import_page(demo):
    owner = demo.memberships.get(role=Role.OWNER).user
    out = io.BytesIO()
    backup_write(project=demo, out=out)
    client = client_for(owner)
    response = client.post(
        reverse("interop:project_import"), {"file": io.BytesIO(out.getvalue())}
    )
    page = client.get(response["Location"]).content.decode()
    assert "It is a Regie backup" in page
    assert "audit trail events" in page
    assert "They keep the roles the backup gives them" in page
    assert "They become coders of the new project" not in page
    pending = PendingImport.objects.get(uploaded_by=owner)
    assert (
        pending.summary["counts"]["codings"]
        == Coding.objects.filter(document__project=demo).count()
    )


# ---------------------------------------------------------------------------
def test_backup_module_documents_its_folder():
    assert backup_service.MANIFEST == "regie/manifest.json"
    assert (Path(settings.BASE_DIR) / "docs" / "backup.md").exists()
