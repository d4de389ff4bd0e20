"""Sign-in plumbing for django-axes: the lockout answer and the client's address.

A locked-out sign-in gets one translated message: as JSON ``{"detail": ...}`` on the
API (``POST /api/v1/auth/token/``), as the login page's lockout template elsewhere,
both with status 429 (Too Many Requests), never a 500.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext

LOCKOUT_STATUS = 429


def lockout_message() -> str:
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    if not minutes:
        return gettext(
            "Too many failed sign-in attempts: this account is locked. Ask an "
            "administrator to unlock it."
        )
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the answer to a sign-in while locked out."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=LOCKOUT_STATUS)
    response = TemplateResponse(
        request,
        "registration/lockout.html",
        {"message": message},
        status=LOCKOUT_STATUS,
    )
    return response.render()


def client_ip(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: ``REMOTE_ADDR``, or behind ``REGIE_PROXY_COUNT``
    trusted proxies the address the outermost of them saw in ``X-Forwarded-For``."""
    proxies = settings.REGIE_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
