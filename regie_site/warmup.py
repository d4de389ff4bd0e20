"""Load the whole app before gunicorn forks its workers (``--preload``).

Without it every worker imports views, compiles templates and reads the message
catalogues on its first request, which then took up to 1.7 s. Done once in the
master, the work is shared by all workers (copy-on-write). No database connection
survives it: a connection must never be shared by forked processes.
"""

from __future__ import annotations

import gc
import io
import logging
import sys

from django.conf import settings
from django.db import connections
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)

# The pages and fragments a coder meets first.
TEMPLATES = (
    "base.html",
    "registration/login.html",
    "coding/project_list.html",
    "coding/project_detail.html",
    "coding/workbench.html",
    "coding/partials/status.html",
    "coding/partials/coding_panel.html",
)
# Cheap requests that run the middleware, DRF and a template (no database).
REQUESTS = (("GET", "/api/v1/auth/token/"), ("GET", "/accounts/login/"))


def warm_up(application) -> None:
    """Import every view, compile the common templates, load the translations and
    answer a few requests in-process; never fails the start."""
    try:
        get_resolver().check()  # imports every URLconf and view module
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                translation.gettext("Regie")
        for name in TEMPLATES:
            try:
                get_template(name)
            except TemplateDoesNotExist:
                continue
        _schema_bits()
        # The token URL answers GET with 405; a host the settings refuse, 400.
        quiet = [logging.getLogger(n) for n in ("django.request", "django.security")]
        levels = [log.level for log in quiet]
        for log in quiet:
            log.setLevel(logging.CRITICAL)
        try:
            for method, path in REQUESTS:
                _request(application, method, path)
        finally:
            for log, level in zip(quiet, levels, strict=True):
                log.setLevel(level)
    except Exception:  # a warm-up problem must not stop the server
        logger.exception("warm-up before forking failed (the server still starts)")
    finally:
        connections.close_all()
        # What the app loaded lives as long as the process: out of the garbage
        # collector's way, so a full collection in a worker walks only what its
        # requests made (and the forked workers keep sharing those pages).
        gc.freeze()


def _schema_bits() -> None:
    """The API's serializer fields, built once (the apps' extras included)."""
    from coding.api import serializers

    for serializer in (
        serializers.CodingSerializer,
        serializers.CodingCreateSerializer,
    ):
        _ = serializer().fields


def _host() -> str:
    """A host name the settings allow (a request for another one is refused)."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*" and not host.startswith("."):
            return host
    return "127.0.0.1"


def _request(application, method: str, path: str) -> None:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": _host(),
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    response = application(environ, lambda status, headers, exc_info=None: None)
    try:
        for _chunk in response:
            pass
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
