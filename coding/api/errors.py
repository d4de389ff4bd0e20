"""JSON errors a researcher can read: ``{"detail": "...", "errors": {...}}``.

Domain rules raise Django's ``ValidationError`` in services; here it becomes a 400
like DRF's own validation errors, so no user input ever ends in a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from coding.api.serializers import CodingSerializer
from coding.services.codings import CodingConflict


def _first_message(errors) -> str:
    if isinstance(errors, dict):
        for value in errors.values():
            found = _first_message(value)
            if found:
                return found
        return ""
    if isinstance(errors, list):
        for value in errors:
            found = _first_message(value)
            if found:
                return found
        return ""
    return str(errors)


def exception_handler(exc, context):
    if isinstance(exc, CodingConflict):
        return Response(
            {"detail": str(exc), "current": CodingSerializer(exc.coding).data},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(errors)
    elif isinstance(exc, PermissionDenied) and not exc.args:
        exc = PermissionDenied(_("You do not have permission to do this."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = {
            "detail": _first_message(response.data) or _("The request is not valid."),
            "errors": response.data,
        }
    elif isinstance(exc, Http404):
        response.data = {"detail": _("Not found.")}
    return response
