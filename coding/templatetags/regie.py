"""Template tags of the workbench.

``document_block`` writes a text block's HTML in Python: a long transcript has
thousands of pieces, and the template engine's per-node cost made the page slow.
Every piece of transcript text goes through ``escape``; attribute values are
integers or colours validated as ``#rrggbb`` by the model.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coding.highlight import highlight_for
from coding.selectors import Block

register = template.Library()


@register.filter
def timestamp(milliseconds: int | None) -> str:
    """Milliseconds as ``[hh:]mm:ss``, the way transcribers write them."""
    if milliseconds is None:
        return ""
    seconds = int(milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return (
        f"{hours:02d}:{minutes:02d}:{secs:02d}"
        if hours
        else f"{minutes:02d}:{secs:02d}"
    )


@register.simple_tag
def document_block(
    block: Block, can_code: bool = False, oob: bool = False
) -> SafeString:
    classes = "block"
    if block.turn_number:
        classes += " turn"
    if block.is_gap:
        classes += " gap"
    swap = ' hx-swap-oob="true"' if oob else ""
    parts = [
        f'<section class="{classes}" id="block-{block.number}" data-start="{block.start}"'
        f' data-end="{block.end}"{swap}><div class="gutter" contenteditable="false">'
    ]
    if block.turn_number:
        if block.started_at_ms is not None:
            parts.append(
                f'<span class="timestamp">{timestamp(block.started_at_ms)}</span>'
            )
        if can_code:
            label = escape(
                _("Code the whole turn of %(speaker)s")
                % {"speaker": block.speaker or "—"}
            )
            title = escape(_("Code this whole turn"))
            parts.append(
                f'<button type="button" class="code-turn" data-start="{block.content_start}"'
                f' data-end="{block.end}" title="{title}" aria-label="{label}">+</button>'
            )
    parts.append(f'</div><div class="text" data-start="{block.start}">')
    for piece in block.pieces:
        if piece.marks:
            kind = f" k-{piece.kind}" if piece.kind else ""
            parts.append(
                f'<span data-s="{piece.start}" class="hl{kind}" data-c="{piece.coding_ids}"'
                f' style="{piece.style}">{escape(piece.text)}</span>'
            )
        else:
            parts.append(f'<span data-s="{piece.start}">{escape(piece.text)}</span>')
    parts.append("</div></section>")
    return mark_safe("".join(parts))


@register.filter
def highlight_fill(color: str) -> str:
    """The readable highlight colour of a code's stored colour."""
    return highlight_for(color).fill


def _escape_text(text: str) -> str:
    """Escape for element content (quotes need no escaping there: fewer bytes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_blocks_html(text: str, blocks: list[Block], *, can_code: bool) -> SafeString:
    """The document page's blocks as bare text (its script builds the rest).

    Lean on purpose (issue 13: HTML ≤ 2.5× the text): ``<section class="block"
    data-s>`` around the escaped text, ``data-t`` a turn's timestamp and ``data-cs``
    where its words start (after "Speaker:"), for the "code this whole turn" button.
    The script wraps the text in ``<div class="text"><span data-s>`` and adds the
    gutter; without script the text still reads.
    """
    parts = []
    for block in blocks:
        classes = "block turn" if block.turn_number else "block"
        if block.is_gap:
            classes += " gap"
        extra = ""
        if block.turn_number and can_code:
            extra += f' data-cs="{block.content_start}"'
        if block.turn_number and block.started_at_ms is not None:
            extra += f' data-t="{timestamp(block.started_at_ms)}"'
        parts.append(
            f'<section class="{classes}" data-s="{block.start}"{extra}>'
            f"{_escape_text(text[block.start : block.end])}</section>"
        )
    return mark_safe("".join(parts))
