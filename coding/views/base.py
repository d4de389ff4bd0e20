"""Small helpers every page module uses."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from coding.access import ProjectAccess
from coding.forms import coder_pair, posted_coder_ids
from coding.models import Document
from coding.selectors_team import document_coders


def error_messages(error: ValidationError) -> list[str]:
    """A ValidationError's messages as plain strings, for a page's error box."""
    if hasattr(error, "error_dict"):
        return [str(m) for messages in error.message_dict.values() for m in messages]
    return [str(m) for m in error.messages]


def pair_context(
    request: HttpRequest, access: ProjectAccess, document: Document, *, missing: str
) -> dict:
    """The page context every two-coder page starts from (``?a=&b=`` chosen)."""
    coders = document_coders(access, document)
    pair = coder_pair(request.GET, coders)
    errors = list(pair.errors)
    if (pair.coder_a is None or pair.coder_b is None) and not errors:
        errors.append(missing)
    return {
        "access": access,
        "project": access.project,
        "document": document,
        "coders": coders,
        "coder_a": pair.coder_a,
        "coder_b": pair.coder_b,
        "errors": errors,
    }


def posted_pair(request: HttpRequest, access: ProjectAccess, document: Document):
    """Coders A and B named in a POST, as users; ``None`` unless both coded here."""
    ids = posted_coder_ids(request.POST, document_coders(access, document))
    if ids is None:
        return None
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    return users[ids[0]], users[ids[1]]
