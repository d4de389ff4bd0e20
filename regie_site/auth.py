"""Sign-in plumbing: the session's user in one prepared statement, and for
django-axes the lockout answer and the client's address.

A locked-out sign-in gets one translated message: as JSON ``{"detail": ...}`` on the
API (``POST /api/v1/auth/token/``), as the login page's lockout template elsewhere,
both with status 429 (Too Many Requests), never a 500.
"""

from __future__ import annotations

import math
from functools import cache

from django.conf import settings
from django.contrib.auth import backends, get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext

from regie_site import sql

LOCKOUT_STATUS = 429


@cache
def _user_query() -> str:
    model = get_user_model()
    return f"SELECT {sql.columns(model, 'u')} FROM {sql.table(model)} u WHERE u.id = %s"


class ModelBackend(backends.ModelBackend):
    """Django's backend, reading a signed-in user (every page request) with a
    prepared statement instead of a query compiled each time."""

    def get_user(self, user_id):
        user_id = sql.row_id(user_id)
        if user_id is None:
            return None
        with sql.prepared_cursor() as cursor:
            cursor.execute(_user_query(), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = sql.instance(get_user_model(), row)
        return user if self.user_can_authenticate(user) else None


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
