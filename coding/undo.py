"""The document page's undo stack: the last changes of one member in one document.

Kept in the session, per document, at most ``UNDO_DEPTH`` deep. An action is a
JSON-ready dict: ``{"kind": "created", "id": coding_id}``, ``{"kind": "deleted",
"snapshot": ...}`` (from ``coding_delete``) or ``{"kind": "memo", "id": ...,
"memo": old_memo, "revision": ...}``. Apps that create codings on that page (the
network's relation form) push ``created`` actions so Ctrl+Z takes them back too.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

UNDO_DEPTH = 30


def _key(document_id: int) -> str:
    return f"undo-{document_id}"


def undo_push(
    session: MutableMapping[str, Any], *, document_id: int, action: dict
) -> None:
    """Remember ``action`` as the newest change to undo in this document."""
    stack = session.get(_key(document_id), [])
    stack.append(action)
    session[_key(document_id)] = stack[-UNDO_DEPTH:]


def undo_pop(session: MutableMapping[str, Any], *, document_id: int) -> dict | None:
    """Take the newest change to undo in this document, or ``None``."""
    stack = session.get(_key(document_id), [])
    if not stack:
        return None
    action = stack.pop()
    session[_key(document_id)] = stack
    return action
