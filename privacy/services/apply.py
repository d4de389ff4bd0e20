"""Applying decisions: the originals leave the stored transcript for good.

One transaction per transcript: the text, its title, its turns (offsets and
speaker names), its codings (offsets, memos), the audit trail's copies of those
memos and titles, and the suggestions. Codings keep selecting the same words; one
that touched a name now covers the whole pseudonym.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import AuditEvent, Coding, Document, SpeakerTurn
from coding.services.audit import (
    Action,
    audit_records,
    coding_event,
    snapshot_codings_with_extras,
)
from coding.services.changes import codings_changed
from privacy.detect import WordMatcher, detect
from privacy.models import (
    Decision,
    DocumentReview,
    PrivacyEvent,
    ReviewStatus,
    Suggestion,
)
from privacy.rewrite import OffsetMap, Replacement, rewrite
from privacy.services.derived import derived_forget
from privacy.services.suggestions import word_lists

_WORD = re.compile(r"\w+")


def _replacer(originals: dict[str, str]) -> Callable[[str], str]:
    """A function that puts each original's label in its place in a short string
    (a title, a speaker's name, a memo), case- and inflection-tolerantly."""
    matcher = WordMatcher(originals)
    folded = {original.casefold(): label for original, label in originals.items()}

    def replace(value: str) -> str:
        if not value:
            return value
        spans = [
            Replacement(s, e, folded[word.casefold()])
            for s, e, word in matcher.matches(value)
            if word.casefold() in folded
        ]
        return rewrite(value, spans)[0] if spans else value

    return replace


def _scrub(value, replace: Callable[[str], str]):
    """Every string inside a JSON value, replaced."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_scrub(item, replace) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, replace) for key, item in value.items()}
    return value


@transaction.atomic
def document_pseudonymise(*, document: Document, actor) -> DocumentReview:
    """Replace every accepted suggestion (and every other occurrence of its text)
    by its pseudonym's label, and mark the transcript pseudonymised.

    Raises ``ValidationError`` while suggestions are still pending.
    """
    document = Document.objects.select_for_update().get(pk=document.pk)
    suggestions = list(
        Suggestion.objects.filter(document=document).select_related("pseudonym")
    )
    if any(s.decision == Decision.PENDING for s in suggestions):
        raise ValidationError(_("Decide on every suggestion first."))
    accepted = [s for s in suggestions if s.decision == Decision.ACCEPTED]
    originals = {document.text[s.start : s.end]: s.pseudonym.label for s in accepted}
    kept = [(s.start, s.end) for s in suggestions if s.decision == Decision.REJECTED]
    replace = _replacer(originals)
    spans = [Replacement(s.start, s.end, s.pseudonym.label) for s in accepted]
    folded = {o.casefold(): label for o, label in originals.items()}
    spans += [
        Replacement(s, e, folded[word.casefold()])
        for s, e, word in WordMatcher(originals).matches(document.text)
        if word.casefold() in folded and not any(s < ke and ks < e for ks, ke in kept)
    ]
    text, offsets = rewrite(document.text, spans)
    _rewrite_document(document, text, offsets, replace, actor)
    _scrub_trail(document, replace, offsets)
    Suggestion.objects.filter(document=document).delete()
    review, _created = DocumentReview.objects.update_or_create(
        document=document,
        defaults={
            "status": ReviewStatus.CONFIRMED,
            "confirmed_at": timezone.now(),
            "confirmed_by": actor,
            "replaced": len(accepted),
        },
    )
    PrivacyEvent.objects.create(
        project_id=document.project_id,
        actor=actor,
        action=PrivacyEvent.Action.APPLIED,
        document_id=document.pk,
        detail={
            "replaced": len(accepted),
            "pseudonyms": sorted(set(originals.values())),
        },
    )
    codings_changed(project_id=document.project_id)
    derived_forget(document.project)
    return review


def _without_twins(codings: list[Coding], actor) -> list[Coding]:
    """Two codings of one code by one coder that now select the same span (both
    ended inside one name) are one: the later is deleted, with its trail entry."""
    seen: set[tuple[int, int, int, int]] = set()
    keep, twins = [], []
    for coding in codings:
        key = (coding.code_id, coding.coder_id, coding.start, coding.end)
        (twins if key in seen else keep).append(coding)
        seen.add(key)
    if twins:
        audit_records(
            coding_event(c, actor=actor, action=Action.DELETE, before=snapshot)
            for c, snapshot in zip(
                twins, snapshot_codings_with_extras(twins), strict=True
            )
        )
        Coding.objects.filter(pk__in=[c.pk for c in twins]).delete()
    return keep


def _rewrite_document(
    document: Document,
    text: str,
    offsets: OffsetMap,
    replace: Callable[[str], str],
    actor,
) -> None:
    """Store the new text and carry turns and codings over. The database checks
    that no coding or turn ends past the text: when the text shrinks they move
    first, when it grows it grows first."""
    grows = len(text) >= document.length
    document.text = text
    document.length = len(text)
    document.word_count = len(_WORD.findall(text))
    document.checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    document.title = replace(document.title)[:300]
    document.source_name = replace(document.source_name)[:300]
    fields = ["text", "length", "word_count", "checksum", "title", "source_name"]
    if grows:
        document.save(update_fields=fields)
    turns = list(SpeakerTurn.objects.filter(document=document))
    for turn in turns:
        turn.start, turn.end = offsets.start(turn.start), offsets.end(turn.end)
        turn.speaker = replace(turn.speaker)[:200]
    SpeakerTurn.objects.bulk_update(turns, ["start", "end", "speaker"])
    codings = list(Coding.objects.filter(document=document).order_by("pk"))
    for coding in codings:
        coding.start, coding.end = offsets.start(coding.start), offsets.end(coding.end)
        coding.memo = replace(coding.memo)
        coding.word_count = len(_WORD.findall(text[coding.start : coding.end]))
        coding.revision += 1
    codings = _without_twins(codings, actor)
    Coding.objects.bulk_update(
        codings, ["start", "end", "memo", "word_count", "revision"]
    )
    if not grows:
        document.save(update_fields=fields)


def _moved(snapshot, offsets: OffsetMap):
    """A coding's snapshot with its offsets in the new text (so a coding brought
    back from the trail selects the same words)."""
    if isinstance(snapshot, dict) and {"start", "end"} <= snapshot.keys():
        start, end = snapshot["start"], snapshot["end"]
        if isinstance(start, int) and isinstance(end, int):
            return {**snapshot, "start": offsets.start(start), "end": offsets.end(end)}
    return snapshot


def _scrub_trail(
    document: Document, replace: Callable[[str], str], offsets: OffsetMap
) -> None:
    """The audit trail's copies of this transcript's title and memos, replaced;
    its codings' offsets carried into the new text."""
    events = AuditEvent.objects.filter(
        project_id=document.project_id, document_id=document.pk
    )
    changed = []
    for event in events:
        before = _moved(_scrub(event.before, replace), offsets)
        after = _moved(_scrub(event.after, replace), offsets)
        if before != event.before or after != event.after:
            event.before, event.after = before, after
            changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["before", "after"])


def memo_warnings(document: Document) -> list[int]:
    """Ids of the transcript's codings whose memo still looks personal, for a
    warning on the review page after confirmation.

    Runs in a request, so without deduce (its lookup structures live in workers
    only): the patterns and the project's list of names always to replace.
    """
    _protected, always = word_lists(document.project)
    return [
        coding.pk
        for coding in Coding.objects.filter(document=document).exclude(memo="")
        if detect(coding.memo, language="", always=always)
    ]
