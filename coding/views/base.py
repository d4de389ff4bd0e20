"""Small helpers every page module uses."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def error_messages(error: ValidationError) -> list[str]:
    """A ValidationError's messages as plain strings, for a page's error box."""
    if hasattr(error, "error_dict"):
        return [str(m) for messages in error.message_dict.values() for m in messages]
    return [str(m) for m in error.messages]
