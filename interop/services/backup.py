"""Full backup and restore of a project: a ``.qdpx`` plus a ``regie/`` folder.

A backup is a valid REFI-QDA project (``project.qde`` + ``sources/<guid>.txt``, so
any QDA tool can open it) with what the standard cannot carry added as JSON in
``regie/`` (see ``docs/backup.md``): every row of the project's tables, one JSON
object a line (``regie/<table>.jsonl``), described by ``regie/manifest.json``.
Restoring reads those rows and takes each transcript's text from its
``sources/<guid>.txt``, so the restored project is the same row for row: roles,
assignments, the consensus layer, adjudications, codebook versions, the audit
trail, stop lists, auto-coding runs, agreement settings and the actor-network
settings (flow types, actors, relations).

The core's tables are listed here (``TABLES``); every other app's tables come from
the parts it registers in ``coding.registry.backup_parts`` (``coding.backup``),
written after the core's in registration order, each to ``regie/<key>.jsonl``.

Ids are the exporting database's; they only link rows inside the backup. On
restore every row gets a new id and every reference is translated, also the ids
inside JSON (audit snapshots, codebook versions, adjudications, auto-coding
runs). Rows that no longer existed when the backup was made (a deleted coding in
the audit trail) get fresh ids reserved from the table's sequence, so the trail
still tells one deleted coding from another and never points at a live row.

Users are matched by user name; missing ones become inactive placeholder
accounts. The project's consensus coder is always a new account. Derived data
(code frequencies, analysis and agreement results, network snapshots, export
jobs) are not backed up: they are recomputed.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.access import ProjectAccess
from coding.backup import (
    Lookup,
    ModelTable,
    damaged,
    field_value,
    is_id,
    kind_of,
    model_tables,
)
from coding.importing.safexml import (
    BoundedMember,
    UploadLimits,
    UploadRefused,
    read_member,
)
from coding.models import Membership, Project, Role
from coding.registry import BackupPart, backup_parts
from coding.services.changes import codings_changed
from interop.refi import DEFAULT_MAX_MEMBERS, DEFAULT_MAX_UNCOMPRESSED_BYTES, write_qdpx
from interop.services.refi import (
    ORIGIN,
    ImportResult,
    nameable_accounts,
    project_to_refi,
    regie_guid,
)

User = get_user_model()
FORMAT = "regie-backup"
VERSION = 1
FOLDER = "regie/"
MANIFEST = f"{FOLDER}manifest.json"
PROJECT_FILE = f"{FOLDER}project.json"
USERS_FILE = f"{FOLDER}users.jsonl"
BATCH = 2000
USER = "user"


def _file(name: str) -> str:
    return f"{FOLDER}{name}.jsonl"


# Models that belong to a project but are derived (recomputed) or transient.
NOT_BACKED_UP = {
    "analysis.AnalysisState",
    "analysis.CodeFrequency",
    "coding.CodingChange",  # the "codings last changed" clock; a restore starts it
    "coding.DocumentImportJob",  # imports into the project (their uploads are gone)
    "analysis.AnalysisResult",
    "agreement.AgreementRun",
    "interop.ExportJob",
    "interop.ProjectImportJob",  # the import that created the project
    "network.NetworkState",
    "network.NetworkSnapshot",
    "network.NetworkTie",
    "network.ActorMetric",
    "privacy.Pseudonym",  # the key stays apart: only labels, by the privacy part
    "privacy.Suggestion",  # derived: suggest again
    "privacy.SuggestionJob",
}


def backup_tables() -> list[ModelTable]:
    """The tables of this installation: the core's, then those of the other apps'
    registered parts that are plain model tables."""
    return [
        *TABLES,
        *(model_tables[p.key] for p in backup_parts if p.key in model_tables),
    ]


def _part_table(name: str) -> ModelTable | None:
    return model_tables.get(name)


# Ids inside JSON values and plain-number columns: which table they point at.
_SNAPSHOT_KEYS = {
    "coding": {
        "id": "coding.Coding",
        "document": "coding.Document",
        "code": "coding.Code",
        "coder": USER,
        "codebook_version": "coding.CodebookVersion",
    },
    "code": {
        "id": "coding.Code",
        "parent": "coding.Code",
        "merged_into": "coding.Code",
    },
    "document": {"id": "coding.Document", "case": "coding.Case"},
    "membership": {"id": "coding.Membership", "user": USER},
    "assignment": {
        "id": "coding.Assignment",
        "document": "coding.Document",
        "coder": USER,
    },
}
_ENTITY_KIND = {entity: keys["id"] for entity, keys in _SNAPSHOT_KEYS.items()}


def _audit_ids(row: dict) -> Iterator[tuple[str, int]]:
    """Ids an audit event holds outside its foreign keys: the entity, the
    document, the coder, and those in its snapshots."""
    kind = _ENTITY_KIND.get(row.get("entity"))
    if kind and is_id(row.get("entity_id")):
        yield kind, row["entity_id"]
    if is_id(row.get("document_id")):
        yield "coding.Document", row["document_id"]
    if is_id(row.get("coder_id")):
        yield USER, row["coder_id"]
    keys = _SNAPSHOT_KEYS.get(row.get("entity"), {})
    for snapshot in (row.get("before"), row.get("after")):
        if isinstance(snapshot, dict):
            for key, kind in keys.items():
                if is_id(snapshot.get(key)):
                    yield kind, snapshot[key]


def _audit_translate(row: dict, lookup: Lookup) -> dict:
    kind = _ENTITY_KIND.get(row.get("entity"))
    if kind:
        row["entity_id"] = lookup(kind, row.get("entity_id"))
    row["document_id"] = lookup("coding.Document", row.get("document_id"))
    row["coder_id"] = lookup(USER, row.get("coder_id"))
    keys = _SNAPSHOT_KEYS.get(row.get("entity"), {})
    for name in ("before", "after"):
        snapshot = row.get(name)
        if isinstance(snapshot, dict):
            row[name] = {
                key: lookup(keys[key], value) if key in keys else value
                for key, value in snapshot.items()
            }
    return row


def _version_code_ids(row: dict) -> Iterator[tuple[str, int]]:
    """A codebook version's frozen codes name their ids and parents."""
    for code in row.get("codes") or []:
        if isinstance(code, dict):
            for key in ("id", "parent_id"):
                if is_id(code.get(key)):
                    yield "coding.Code", code[key]


def _version_translate(row: dict, lookup: Lookup) -> dict:
    row["codes"] = [
        {
            key: lookup("coding.Code", value) if key in ("id", "parent_id") else value
            for key, value in code.items()
        }
        if isinstance(code, dict)
        else code
        for code in row.get("codes") or []
    ]
    return row


def _consensus_coding_ids(row: dict) -> Iterator[tuple[str, int]]:
    for value in row.get("consensus_coding_ids") or []:
        if is_id(value):
            yield "coding.Coding", value


def _adjudication_translate(row: dict, lookup: Lookup) -> dict:
    row["consensus_coding_ids"] = [
        lookup("coding.Coding", v) for v in row.get("consensus_coding_ids") or []
    ]
    return row


# The core's tables, in restore order: a table only refers to tables above it.
TABLES = [
    ModelTable("memberships", "coding.Membership", "project"),
    ModelTable("cases", "coding.Case", "project"),
    ModelTable("documents", "coding.Document", "project", exclude=("text",)),
    ModelTable("speaker_turns", "coding.SpeakerTurn", "document__project"),
    ModelTable("codes", "coding.Code", "project"),
    ModelTable(
        "codebook_versions",
        "coding.CodebookVersion",
        "project",
        embedded=_version_code_ids,
        translate=_version_translate,
    ),
    ModelTable("codings", "coding.Coding", "document__project"),
    ModelTable("assignments", "coding.Assignment", "project"),
    ModelTable(
        "adjudications",
        "coding.Adjudication",
        "document__project",
        embedded=_consensus_coding_ids,
        translate=_adjudication_translate,
    ),
    ModelTable(
        "audit_events",
        "coding.AuditEvent",
        "project",
        embedded=_audit_ids,
        translate=_audit_translate,
    ),
]


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {value!r} to a backup")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def backup_write(
    *, project: Project, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write the full backup of ``project`` to ``out`` (a binary file).

    Reads everything in one transaction (REPEATABLE READ when this is the
    outermost transaction), so the backup is one consistent moment.
    Returns the number of rows per table.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _backup_write(project=project, out=out, progress=progress)


def _backup_write(*, project: Project, out: IO[bytes], progress) -> dict[str, int]:
    writer = _Writer(project, progress)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _write_standard(archive, project)
        for table in TABLES:
            writer.table(archive, table.name, _core_rows(table, project), table)
        for part in backup_parts:
            writer.table(archive, part.key, part.dump(project), _part_table(part.key))
        writer.users(archive)
        archive.writestr(PROJECT_FILE, _dumps(_project_row(project)))
        archive.writestr(MANIFEST, _dumps(_manifest(project, writer.counts)))
    if progress is not None:
        progress(writer.done)
    return writer.counts


def _write_standard(archive: zipfile.ZipFile, project: Project) -> None:
    """The REFI-QDA part first, member by member, as ``write_qdpx`` made it."""
    access = ProjectAccess(project=project, user_id=0, role=Role.OWNER)
    qdpx = write_qdpx(project_to_refi(access))
    with zipfile.ZipFile(io.BytesIO(qdpx)) as standard:
        for info in standard.infolist():
            archive.writestr(info, standard.read(info.filename))


def _core_rows(table: ModelTable, project: Project) -> Iterator[dict]:
    for row in table.rows(project):
        if table.name == "documents":
            row["guid"] = regie_guid(project, "document", row["id"])
        yield row


class _Writer:
    """Writes tables one JSON row a line, counting rows and the users they name."""

    def __init__(self, project: Project, progress) -> None:
        self.project = project
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.user_ids: set[int] = {
            uid for uid in (project.created_by_id, project.consensus_user_id) if uid
        }
        self.done = 0

    def table(
        self,
        archive: zipfile.ZipFile,
        name: str,
        rows,
        table: ModelTable | None,
    ) -> None:
        count = 0
        with archive.open(f"{FOLDER}{name}.jsonl", "w", force_zip64=True) as member:
            for row in rows:
                if table is not None:
                    self.user_ids.update(table.user_ids(row))
                member.write(_dumps(row).encode("utf-8") + b"\n")
                count += 1
                self.done += 1
                if self.progress is not None and self.done % 10_000 == 0:
                    self.progress(self.done)
        self.counts[name] = count

    def users(self, archive: zipfile.ZipFile) -> None:
        users = list(
            User.objects.filter(pk__in=self.user_ids)
            .order_by("pk")
            .values("id", "username", "first_name", "last_name", "is_active")
        )
        with archive.open(USERS_FILE, "w") as member:
            for user in users:
                user["consensus"] = user["id"] == self.project.consensus_user_id
                member.write(_dumps(user).encode("utf-8") + b"\n")
        self.counts["users"] = len(users)


def _project_row(project: Project) -> dict:
    return {
        "id": project.pk,
        "name": project.name,
        "description": project.description,
        "blind_coding": project.blind_coding,
        "created_by": project.created_by_id,
        "created_at": project.created_at,
        "consensus_user": project.consensus_user_id,
        "consensus_published": project.consensus_published,
    }


def _manifest(project: Project, counts: dict[str, int]) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "written_by": ORIGIN,
        "exported_at": timezone.now(),
        "project": {"id": project.pk, "name": project.name},
        "tables": counts,
        "documentation": "docs/backup.md in the Regie source",
    }


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def is_backup(data: bytes) -> bool:
    """Is this a Regie backup (a ZIP with ``regie/manifest.json``)?"""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return MANIFEST in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(_read(archive, MANIFEST))
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise damaged(
            _("its manifest (regie/manifest.json) cannot be read.")
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise damaged(_("regie/manifest.json does not describe a Regie backup."))
    version = manifest.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise damaged(
            _(
                "it was written by a newer Regie (backup format %(version)s); update "
                "Regie first."
            )
            % {"version": version}
        )
    return manifest


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes within the upload limits (``KeyError`` if missing)."""
    try:
        return read_member(archive, name, UploadLimits.from_settings())
    except UploadRefused as refused:
        raise damaged(str(refused.reason)) from refused


def _lines(archive: zipfile.ZipFile, name: str) -> Iterator[dict]:
    """The rows of a ``.jsonl`` member, streamed; its unpacked size is bounded by
    the ratio limit (and the backup's total size), as it is never held whole."""
    if name not in archive.namelist():
        return
    limits = replace(
        UploadLimits.from_settings(), max_member_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES
    )
    try:
        with io.BufferedReader(
            BoundedMember(archive, archive.getinfo(name), limits)
        ) as raw:
            yield from _jsonl_rows(raw, name)
    except UploadRefused as refused:
        raise damaged(str(refused.reason)) from refused


def _jsonl_rows(raw: IO[bytes], name: str) -> Iterator[dict]:
    for number, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise damaged(
                _("line %(line)d of %(file)s is not JSON.")
                % {"line": number, "file": name}
            ) from error
        if not isinstance(row, dict):
            raise damaged(
                _("line %(line)d of %(file)s is not a row.")
                % {"line": number, "file": name}
            )
        yield row


class _IdMaps:
    """Old id → new id, per kind; ids missing at the source get reserved ghosts."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[int, int]] = defaultdict(dict)
        self.referenced: dict[str, set[int]] = defaultdict(set)

    def get(self, kind: str, value: Any) -> Any:
        if not is_id(value):
            return value
        found = self.maps[kind].get(value)
        return value if found is None else found

    def settle(self, kind: str, model: type[models.Model]) -> None:
        """Reserve ids for the referenced rows of ``kind`` that the backup lacks."""
        missing = sorted(self.referenced[kind] - set(self.maps[kind]))
        if missing:
            self.maps[kind].update(
                zip(missing, _reserve_ids(model, len(missing)), strict=True)
            )


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids the table's sequence will never hand out again."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


class _Restorer:
    def __init__(
        self, archive: zipfile.ZipFile, owner, name: str | None, trusted: bool
    ) -> None:
        self.archive = archive
        self.owner = owner
        self.name = name
        self.nameable = nameable_accounts(owner, trusted=trusted)
        self.ids = _IdMaps()
        self.counts: dict[str, int] = {}

    def run(self) -> Project:
        read_manifest(self.archive)
        try:
            data = json.loads(_read(self.archive, PROJECT_FILE))
        except (KeyError, ValueError) as error:
            raise damaged(_("regie/project.json is missing or not JSON.")) from error
        self._refuse_unknown_tables()
        self._note_embedded_ids()
        self._users(data)
        project = self._project(data)
        for table in TABLES:
            self._table(table, project)
        for part in backup_parts:
            self._part(part, project)
        if not Membership.objects.filter(project=project, user=self.owner).exists():
            Membership.objects.create(project=project, user=self.owner, role=Role.OWNER)
        codings_changed(project_id=project.pk)
        return project

    def _refuse_unknown_tables(self) -> None:
        """A table this installation has no model for must not be dropped silently."""
        known = {table.name for table in TABLES} | {p.key for p in backup_parts}
        for name in self.archive.namelist():
            table = name.removeprefix(FOLDER).removesuffix(".jsonl")
            if (
                name.startswith(FOLDER)
                and name.endswith(".jsonl")
                and name != USERS_FILE
                and table not in known
                and any(True for _row in _lines(self.archive, name))
            ):
                raise damaged(
                    _(
                        "it holds %(table)s, which this installation of Regie has "
                        "no place for."
                    )
                    % {"table": table}
                )

    def _note_embedded_ids(self) -> None:
        """Ids held in JSON, so rows gone at the source get reserved ghost ids."""
        for table in backup_tables():
            if table.embedded is None:
                continue
            for row in _lines(self.archive, _file(table.name)):
                for kind, value in table.embedded_ids(row):
                    self.ids.referenced[kind].add(value)

    def _part(self, part: BackupPart, project: Project) -> None:
        rows = list(_lines(self.archive, f"{FOLDER}{part.key}.jsonl"))
        part.restore(project, rows, self.ids.maps)
        if rows:
            self.counts[part.key] = self.counts.get(part.key, 0) + len(rows)

    def _users(self, data: dict) -> None:
        consensus_old = data.get("consensus_user")
        for row in _lines(self.archive, USERS_FILE):
            old = row.get("id")
            if not is_id(old) or old == consensus_old or row.get("consensus"):
                continue
            username = str(row.get("username") or "")[:150]
            if not username:
                raise damaged(_("a user without a user name."))
            user = User.objects.filter(username=username).first()
            if user is not None and not (
                self.nameable is None or user.pk in self.nameable
            ):
                # Someone else's account: the backup's user becomes a placeholder.
                username, user = _free_username(username), None
            if user is None:
                user = User(
                    username=username,
                    first_name=str(row.get("first_name") or "")[:150],
                    last_name=str(row.get("last_name") or "")[:150],
                    is_active=False,
                )
                user.set_unusable_password()
                user.save()
            self.ids.maps[USER][old] = user.pk
        self.consensus_old = consensus_old

    def _project(self, data: dict) -> Project:
        name = " ".join((self.name or data.get("name") or "").split())[:200]
        project = Project.objects.create(
            name=name or _("Restored project"),
            description=str(data.get("description") or ""),
            blind_coding=bool(data.get("blind_coding", True)),
            created_by_id=self.ids.get(USER, data.get("created_by"))
            if data.get("created_by") in self.ids.maps[USER]
            else None,
            created_at=field_value(
                Project._meta.get_field("created_at"), data.get("created_at")
            )
            or timezone.now(),
            consensus_published=bool(data.get("consensus_published", False)),
        )
        if is_id(self.consensus_old):
            consensus = User(
                username=f"consensus-{project.pk}",
                is_active=False,
                first_name="Consensus",
            )
            consensus.set_unusable_password()
            consensus.save()
            project.consensus_user = consensus
            project.save(update_fields=["consensus_user"])
            self.ids.maps[USER][self.consensus_old] = consensus.pk
        self.ids.maps["coding.Project"][data.get("id")] = project.pk
        self.ids.settle(USER, User)
        return project

    def _table(self, table: ModelTable, project: Project) -> None:
        model = table.model_class
        kind = kind_of(model)
        if table.name == "codes":
            self._codes(table, project)
        else:
            batch: list[tuple[int, models.Model]] = []
            for row in _lines(self.archive, _file(table.name)):
                row = table.translated(row, self.ids.get)
                instance = table.instance(project, row, self.ids.maps)
                if table.name == "documents":
                    self._text(instance, row)
                batch.append((row.get("id"), instance))
                if len(batch) >= BATCH:
                    self._save(table.name, kind, model, batch)
                    batch = []
            self._save(table.name, kind, model, batch)
        self.ids.settle(kind, model)

    def _save(
        self, name: str, kind: str, model, batch: list[tuple[int, models.Model]]
    ) -> None:
        if not batch:
            return
        created = model._default_manager.bulk_create(
            [instance for _old, instance in batch]
        )
        for (old, _unsaved), new in zip(batch, created, strict=True):
            if is_id(old):
                self.ids.maps[kind][old] = new.pk
        self.counts[name] = self.counts.get(name, 0) + len(batch)

    def _codes(self, table: ModelTable, project: Project) -> None:
        rows = list(_lines(self.archive, _file(table.name)))
        pending = {row.get("id"): row for row in rows}
        while pending:
            ready = [
                row
                for row in pending.values()
                if row.get("parent_id") is None
                or row.get("parent_id") in self.ids.maps["coding.Code"]
            ]
            if not ready:
                raise damaged(_("its codes do not form a tree."))
            self._save(
                table.name,
                "coding.Code",
                table.model_class,
                [
                    (row.get("id"), table.instance(project, row, self.ids.maps))
                    for row in ready
                ],
            )
            for row in ready:
                pending.pop(row.get("id"))

    def _text(self, document: models.Model, row: dict) -> None:
        guid = str(row.get("guid") or "")
        try:
            raw = _read(self.archive, f"sources/{guid}.txt")
        except KeyError:
            raise damaged(
                _("the text of “%(title)s” (sources/%(guid)s.txt) is missing.")
                % {"title": row.get("title"), "guid": guid}
            ) from None
        text = raw.decode("utf-8", errors="strict")
        if len(text) != row.get("length"):
            raise damaged(
                _("the text of “%(title)s” is not the one its codings were made in.")
                % {"title": row.get("title")}
            )
        document.text = text


def backup_restore(
    *, data: bytes, owner, name: str | None = None, trusted: bool = False
) -> ImportResult:
    """Restore a backup as a new project, all or nothing; ``owner`` gets access.

    The memberships are those of the backup; ``owner`` is added as an owner when
    the backup does not list them. Its users are matched to accounts by user name
    where ``nameable_accounts`` allows (else they become placeholders). Raises ``ValidationError`` (nothing written)
    when the archive is damaged or inconsistent.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise damaged(_("it is not a ZIP archive.")) from error
    with archive:
        infos = archive.infolist()
        if (
            len(infos) > DEFAULT_MAX_MEMBERS
            or sum(i.file_size for i in infos) > DEFAULT_MAX_UNCOMPRESSED_BYTES
        ):
            raise damaged(_("it is larger than Regie accepts."))
        restorer = _Restorer(archive, owner, name, trusted)
        try:
            with transaction.atomic():
                project = restorer.run()
        except ValidationError:
            raise
        except (
            DatabaseError,
            ValueError,
            TypeError,
            KeyError,
            UnicodeDecodeError,
            zipfile.BadZipFile,
        ) as error:
            raise damaged(
                _("its rows do not fit together (%(error)s).") % {"error": error}
            ) from error
    return ImportResult(
        project=project,
        counts=dict(restorer.counts),
        warnings=[],
    )


def _matched(username: str, nameable: set[int] | None) -> bool:
    """Whether a restore would use an existing account for this user name."""
    accounts = User.objects.filter(username=username)
    if nameable is not None:
        accounts = accounts.filter(pk__in=nameable)
    return accounts.exists()


def _free_username(wanted: str) -> str:
    """``wanted-2`` (``-3``, …), shortened so the suffix always fits in 150."""
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = wanted[: 150 - len(suffix)] + suffix
        if not User.objects.filter(username=candidate).exists():
            return candidate
        number += 1


def backup_preview(data: bytes, *, importer=None) -> dict:
    """What restoring this backup would create (from its manifest); writes nothing.

    Same shape as ``interop.services.refi.import_preview`` so the import page
    shows both alike.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise damaged(_("it is not a ZIP archive.")) from error
    with archive:
        manifest = read_manifest(archive)
        try:
            project = json.loads(_read(archive, PROJECT_FILE))
        except (KeyError, ValueError) as error:
            raise damaged(_("regie/project.json is missing or not JSON.")) from error
        nameable = nameable_accounts(importer) if importer is not None else None
        users = []
        for row in _lines(archive, USERS_FILE):
            if row.get("consensus") or row.get("id") == project.get("consensus_user"):
                continue
            username = str(row.get("username") or "")
            users.append(
                {
                    "name": " ".join(
                        p for p in (row.get("first_name"), row.get("last_name")) if p
                    )
                    or username,
                    "username": username,
                    "existing": _matched(username, nameable),
                }
            )
    tables = manifest.get("tables") or {}
    return {
        "backup": True,
        "name": str(project.get("name") or ""),
        "origin": str(manifest.get("written_by") or ""),
        "exported_at": str(manifest.get("exported_at") or ""),
        "counts": {
            "sources": tables.get("documents", 0),
            "codes": tables.get("codes", 0),
            "codings": tables.get("codings", 0),
            "users": len(users),
            "cases": tables.get("cases", 0),
            "memberships": tables.get("memberships", 0),
            "assignments": tables.get("assignments", 0),
            "codebook_versions": tables.get("codebook_versions", 0),
            "audit_events": tables.get("audit_events", 0),
        },
        "users": users,
        "sources": [],
        "warnings": [],
    }
