"""One model's rows in a full backup: the building block of a ``BackupPart``.

The interop app writes and restores backups; every other app offers its tables
through ``coding.registry.backup_parts``. Most tables are plain rows of one model
scoped to the project, so an app describes them with a ``ModelTable`` and
registers ``ModelTable.part()``. Rows are written as today's backups hold them
(``regie/<key>.jsonl``): the primary key as ``id`` and every concrete field under
its attribute name (``code_id``), ordered by primary key.

On restore, foreign keys are translated through ``ids`` (old id → new id per model
label, ``"user"`` for accounts); a foreign key to a row missing from the backup
refuses the whole backup. After its rows are saved, a table adds its own map to
``ids`` (under its model label), so a later part can point at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.registry import BackupPart

if TYPE_CHECKING:
    from coding.models import Project

USER = "user"
BATCH = 2000

Lookup = Callable[[str, Any], Any]  # (kind, old id) → new id (the value if unknown)


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def kind_of(model: type[models.Model]) -> str:
    """The key of a model in ``ids``: its label, ``"user"`` for accounts."""
    if model._meta.label == settings.AUTH_USER_MODEL:
        return USER
    return model._meta.label


def damaged(detail: str) -> ValidationError:
    return ValidationError(
        {
            "file": _("The backup cannot be restored: %(detail)s Nothing was imported.")
            % {"detail": detail}
        }
    )


def field_value(field: models.Field, value: Any) -> Any:
    """A value read from JSON, as the field wants it (dates come as ISO text)."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if isinstance(field, models.DateField) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True, slots=True)
class ModelTable:
    """The rows of one model that belong to a project.

    ``embedded(row)`` yields ``(kind, old id)`` for ids a row holds outside its
    foreign keys (in JSON values); ``translate(row, lookup)`` returns the row with
    them translated. Both are optional. The interop app describes the core's own
    tables with this class too.
    """

    name: str  # regie/<name>.jsonl; the part's key
    model: str  # app label.Model
    scope: str  # lookup from the model to the project
    embedded: Callable[[dict], Iterator[tuple[str, int]]] | None = None
    translate: Callable[[dict, Lookup], dict] | None = None
    exclude: tuple[str, ...] = ()  # fields kept elsewhere (a document's text)

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def fields(self) -> list[models.Field]:
        return [
            f
            for f in self.model_class._meta.concrete_fields
            if f.name not in self.exclude and not (f.primary_key and not f.is_relation)
        ]

    def embedded_ids(self, row: dict) -> Iterator[tuple[str, int]]:
        if self.embedded is not None:
            yield from self.embedded(row)

    def translated(self, row: dict, lookup: Lookup) -> dict:
        return self.translate(dict(row), lookup) if self.translate else dict(row)

    def rows(self, project: Project) -> Iterator[dict]:
        model = self.model_class
        pk = model._meta.pk.attname
        names = [pk, *(f.attname for f in self.fields() if f.attname != pk)]
        queryset = (
            model._default_manager.filter(**{self.scope: project})
            .order_by("pk")
            .values_list(*names)
        )
        for values in queryset.iterator(chunk_size=BATCH):
            row = dict(zip(names, values, strict=True))
            if pk != "id":  # a primary key that is a foreign key (Relation.coding)
                row["id"] = row.pop(pk)
            yield row

    def user_ids(self, row: dict) -> Iterator[int]:
        for f in self.fields():
            if (
                f.is_relation
                and kind_of(f.related_model) == USER
                and row.get(f.attname)
            ):
                yield row[f.attname]
        for kind, value in self.embedded_ids(row):
            if kind == USER:
                yield value

    def dump(self, project: Project) -> list[dict[str, Any]]:
        return list(self.rows(project))

    def restore(
        self, project: Project, rows: list[dict[str, Any]], ids: dict[str, dict]
    ) -> None:
        """Create the rows in ``project``; ``ids[self.model]`` gets their new ids."""
        model = self.model_class
        mine = ids.setdefault(self.model, {})
        lookup = _lookup(ids)
        batch: list[tuple[Any, models.Model]] = []
        for row in rows:
            row = self.translated(row, lookup)
            batch.append((row.get("id"), self.instance(project, row, ids)))
            if len(batch) >= BATCH:
                _save(model, batch, mine)
                batch = []
        _save(model, batch, mine)

    def instance(
        self, project: Project, row: dict, ids: dict[str, dict]
    ) -> models.Model:
        """A new, unsaved row: foreign keys translated, unknown keys ignored."""
        model = self.model_class
        values: dict[str, Any] = {}
        for f in self.fields():
            if f.attname == "project_id":
                values[f.attname] = project.pk
            elif f.attname not in row:
                continue
            elif f.is_relation:
                values[f.attname] = foreign_key(
                    ids, kind_of(f.related_model), row[f.attname]
                )
            else:
                values[f.attname] = field_value(f, row[f.attname])
        pk = model._meta.pk
        if pk.is_relation and pk.attname not in values:
            values[pk.attname] = foreign_key(
                ids, kind_of(pk.related_model), row.get("id")
            )
        return model(**values)

    def part(self) -> BackupPart:
        """The ``BackupPart`` of this table (and the table known by its name)."""
        model_tables.setdefault(self.name, self)
        return BackupPart(key=self.name, dump=self.dump, restore=self.restore)


# Tables registered through ``ModelTable.part()``, by name.
model_tables: dict[str, ModelTable] = {}


def foreign_key(ids: dict[str, dict], kind: str, value: Any) -> Any:
    """A foreign key value: it must point at a row of the backup."""
    if value is None:
        return None
    try:
        return ids[kind][value]
    except (KeyError, TypeError):
        raise damaged(
            _("a row refers to %(kind)s %(id)s, which is not in the backup.")
            % {"kind": kind, "id": value}
        ) from None


def _lookup(ids: dict[str, dict]) -> Lookup:
    def lookup(kind: str, value: Any) -> Any:
        if not is_id(value):
            return value
        found = ids.get(kind, {}).get(value)
        return value if found is None else found

    return lookup


def _save(model, batch: list[tuple[Any, models.Model]], mine: dict) -> None:
    if not batch:
        return
    created = model._default_manager.bulk_create([instance for _old, instance in batch])
    for (old, _unsaved), new in zip(batch, created, strict=True):
        if is_id(old):
            mine[old] = new.pk
