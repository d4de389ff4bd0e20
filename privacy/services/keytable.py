"""The key table: one ``Pseudonym`` per original, encrypted; destroying the key."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import Project
from privacy import keys
from privacy.labels import default_label
from privacy.models import PrivacyEvent, PrivacySettings, Pseudonym


def privacy_settings(project: Project) -> PrivacySettings:
    """The project's settings, made with the defaults on first use."""
    found, _created = PrivacySettings.objects.get_or_create(project=project)
    return found


def pseudonym_for(*, project: Project, original: str, category: str) -> Pseudonym:
    """The project's pseudonym of ``original`` (same person, same label), made when
    new. Raises ``ValidationError`` once the key is destroyed."""
    settings = privacy_settings(project)
    if settings.key_destroyed:
        raise ValidationError(
            _("The key of this project was destroyed: no new pseudonyms can be made.")
        )
    digest = keys.digest(original)
    found = Pseudonym.objects.filter(project=project, digest=digest).first()
    if found is not None:
        return found
    number = (
        Pseudonym.objects.filter(project=project, category=category).aggregate(
            top=Max("number")
        )["top"]
        or 0
    ) + 1
    try:
        with transaction.atomic():
            return Pseudonym.objects.create(
                project=project,
                category=category,
                number=number,
                label=default_label(category, number, settings.language),
                original=keys.encrypt(original),
                digest=digest,
            )
    except IntegrityError:  # another transaction made it (or took the number)
        return Pseudonym.objects.get(project=project, digest=digest)


def pseudonyms_for(
    *, project: Project, originals: list[tuple[str, str]]
) -> list[Pseudonym]:
    """``pseudonym_for`` for many ``(original, category)`` pairs in a few queries
    (a transcript has hundreds of suggestions). Call inside a transaction: the
    project's settings row is locked, so two workers never number alike."""
    settings = PrivacySettings.objects.select_for_update().get(
        pk=privacy_settings(project).pk
    )
    if settings.key_destroyed:
        raise ValidationError(
            _("The key of this project was destroyed: no new pseudonyms can be made.")
        )
    digests = [keys.digest(original) for original, _category in originals]
    known = {
        p.digest: p
        for p in Pseudonym.objects.filter(project=project, digest__in=set(digests))
    }
    tops = dict(
        Pseudonym.objects.filter(project=project)
        .values("category")
        .annotate(top=Max("number"))
        .values_list("category", "top")
    )
    new: list[Pseudonym] = []
    for (original, category), digest in zip(originals, digests, strict=True):
        if digest in known:
            continue
        tops[category] = tops.get(category, 0) + 1
        known[digest] = Pseudonym(
            project=project,
            category=category,
            number=tops[category],
            label=default_label(category, tops[category], settings.language),
            original=keys.encrypt(original),
            digest=digest,
        )
        new.append(known[digest])
    Pseudonym.objects.bulk_create(new)
    return [known[digest] for digest in digests]


@transaction.atomic
def pseudonym_relabel(*, pseudonym: Pseudonym, label: str, actor) -> Pseudonym:
    """Give a pseudonym another label ("Respondent 2 (schepen)"). Transcripts
    already pseudonymised keep the old label: confirmed text is not rewritten."""
    label = " ".join((label or "").split())[:120]
    if not label:
        raise ValidationError({"label": _("A pseudonym needs a label.")})
    clash = Pseudonym.objects.filter(project_id=pseudonym.project_id, label=label)
    if clash.exclude(pk=pseudonym.pk).exists():
        raise ValidationError({"label": _("Another pseudonym has this label.")})
    before = pseudonym.label
    pseudonym.label = label
    pseudonym.save(update_fields=["label"])
    PrivacyEvent.objects.create(
        project_id=pseudonym.project_id,
        actor=actor,
        action=PrivacyEvent.Action.LABEL,
        detail={"before": before, "after": label},
    )
    return pseudonym


@dataclass(frozen=True, slots=True)
class KeyRow:
    label: str
    category: str
    original: str | None  # None: not readable (destroyed, or another secret)


def key_rows(*, project: Project) -> list[KeyRow]:
    """The mapping label → original, decrypted (for the owners' key page)."""
    rows = []
    for pseudonym in Pseudonym.objects.filter(project=project):
        try:
            original = keys.decrypt(pseudonym.original) if pseudonym.original else None
        except keys.InvalidToken:
            original = None
        rows.append(KeyRow(pseudonym.label, pseudonym.category, original))
    return rows


def key_event(*, project: Project, actor, action: str) -> None:
    PrivacyEvent.objects.create(project=project, actor=actor, action=action)


@transaction.atomic
def key_destroy(*, project: Project, actor) -> PrivacySettings:
    """Erase every original of the key table for good; labels stay.

    Irreversible: the encrypted originals and their HMACs are overwritten, so
    neither the secret nor the database can bring a name back.
    """
    settings = PrivacySettings.objects.select_for_update().get(
        pk=privacy_settings(project).pk
    )
    if settings.key_destroyed:
        return settings
    erased = Pseudonym.objects.filter(project=project).update(original=b"", digest="")
    settings.key_destroyed_at = timezone.now()
    settings.key_destroyed_by = actor
    settings.save(update_fields=["key_destroyed_at", "key_destroyed_by"])
    PrivacyEvent.objects.create(
        project=project,
        actor=actor,
        action=PrivacyEvent.Action.KEY_DESTROYED,
        detail={"pseudonyms": erased},
    )
    return settings
