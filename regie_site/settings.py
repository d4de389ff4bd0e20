"""Django settings for Regie.

Read from the environment (see ``regie_site/env.py`` and the README's configuration
table): ``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``, ``DEBUG``,
``ALLOWED_HOSTS``, ``REGIE_VAR_DIR``, the HTTPS switches (``REGIE_HTTPS``,
``SECURE_*``, ``*_COOKIE_SECURE``), login throttling (``REGIE_LOGIN_*``), API
tokens (``REGIE_API_TOKEN_TTL_HOURS``) and e-mail (``EMAIL_*``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from regie_site.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    filesystem_broker_folder,
    persistent_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("REGIE_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = persistent_secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "coding",
    "analysis",
    "agreement",
    "interop",
    "network",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "regie_site.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out user before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in user with a prepared statement.
    "regie_site.auth.ModelBackend",
]

ROOT_URLCONF = "regie_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "coding.views.help.help_link",
            ],
        },
    },
]

WSGI_APPLICATION = "regie_site.wsgi.application"
ASGI_APPLICATION = "regie_site.asgi.application"

# PostgreSQL only (the triggers in the migrations are plpgsql). Without DATABASE_URL:
# a local server with libpq's defaults (user PGUSER or the login name, no password);
# ``bootstrap.py`` starts an embedded one under var/ when none answers.
DEFAULT_DATABASE_URL = "postgres://127.0.0.1:5432/regie"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or DEFAULT_DATABASE_URL, conn_max_age=60
    )
}
# Server-side prepared statements, for the few hot statements that ask for them
# (``regie_site.sql.prepared_cursor``): psycopg prepares a statement only past this
# many runs, so only an explicit request does. ``REGIE_DB_PREPARE=0`` turns them off
# (behind a pooler in transaction mode, such as PgBouncer's, they cannot work).
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    2**31 - 1 if env_bool("REGIE_DB_PREPARE", default=True) else None
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL (postgres://user@host:port/name): "
        "Regie runs on PostgreSQL only. Leave it unset and run "
        "`python3 bootstrap.py serve` to use an embedded PostgreSQL under var/."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password reset links are valid this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("REGIE_PASSWORD_RESET_SECONDS", 60 * 60 * 24)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "coding:project_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# Day-month-year and a 24-hour clock in English too (regie_site/formats/en/).
FORMAT_MODULE_PATH = ["regie_site.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from static/ too, so a fresh checkout needs no collectstatic.
WHITENOISE_USE_FINDERS = True

# Uploads: transcripts are small, but a .zip of a whole study is not. Per-file and
# per-request limits are checked by the import code with a readable message.
REGIE_MAX_UPLOAD_FILE_BYTES = env_int("REGIE_MAX_UPLOAD_FILE_BYTES", 20 * 1024 * 1024)
REGIE_MAX_UPLOAD_REQUEST_BYTES = env_int(
    "REGIE_MAX_UPLOAD_REQUEST_BYTES", 100 * 1024 * 1024
)
# Bounded parsing (coding/importing/safexml.py): every XML document read from an
# upload (.qde, .qdc, .docx, .odt) and every archive member is refused beyond these.
REGIE_UPLOAD_MAX_XML_ELEMENTS = env_int("REGIE_UPLOAD_MAX_XML_ELEMENTS", 1_000_000)
REGIE_UPLOAD_MAX_XML_DEPTH = env_int("REGIE_UPLOAD_MAX_XML_DEPTH", 100)
REGIE_UPLOAD_MAX_XML_TEXT = env_int("REGIE_UPLOAD_MAX_XML_TEXT", 5 * 1024 * 1024)
REGIE_UPLOAD_MAX_MEMBER_BYTES = env_int(
    "REGIE_UPLOAD_MAX_MEMBER_BYTES", 100 * 1024 * 1024
)
REGIE_UPLOAD_MAX_MEMBER_RATIO = env_int("REGIE_UPLOAD_MAX_MEMBER_RATIO", 100)
# A project file (.qdpx, backup) up to this size is imported in the request; a larger
# one by a worker (interop.tasks.run_project_import_job), within
# REGIE_IMPORT_TIME_LIMIT_SECONDS; the API answers 202 with a status URL.
REGIE_IMPORT_INLINE_BYTES = env_int("REGIE_IMPORT_INLINE_BYTES", 2 * 1024 * 1024)
REGIE_IMPORT_TIME_LIMIT_SECONDS = env_int("REGIE_IMPORT_TIME_LIMIT_SECONDS", 1860)
# Transcript uploads (document import page and API) totalling more than this are
# imported by a worker (coding.tasks.run_document_import_job), within the time limit
# above and REGIE_IMPORT_MEMORY_LIMIT_MB more memory than the worker had at rest.
REGIE_DOCUMENT_IMPORT_INLINE_BYTES = env_int(
    "REGIE_DOCUMENT_IMPORT_INLINE_BYTES", 2 * 1024 * 1024
)
REGIE_IMPORT_MEMORY_LIMIT_MB = env_int("REGIE_IMPORT_MEMORY_LIMIT_MB", 1024)
# Each web process keeps the transcripts it read lately (coding/text_cache.py), checked
# against the row on every use: up to this many characters, each dropped after this
# many seconds unused. 0 characters: every request reads the text from PostgreSQL.
REGIE_TEXT_CACHE_CHARS = env_int("REGIE_TEXT_CACHE_CHARS", 4_000_000)
REGIE_TEXT_CACHE_IDLE_SECONDS = env_int("REGIE_TEXT_CACHE_IDLE_SECONDS", 900)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 500

# Celery: an embedded file-based broker unless a real one is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_folder = str(filesystem_broker_folder(VAR_DIR))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_folder,
        "data_folder_out": _broker_folder,
        "processed_folder": str(Path(_broker_folder) / "processed"),
        # Broadcast/control messages too, or kombu writes them to ./control.
        "control_folder": str(Path(_broker_folder) / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("REGIE_CELERY_QUEUE") or "regie"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task must not hang when the broker is down: try briefly,
# then give up (the work is caught up later; see coding/services/frequencies.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = TIME_ZONE
# Memory cap of a worker's pool child (KiB): a child whose resident memory grew past
# it (a large import, say) is replaced after its task. With the parse caps above,
# this bounds what one import costs without limiting the whole worker process.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int(
    "REGIE_WORKER_MAX_MEMORY_KIB", 2 * 1024 * 1024
)

# Pseudonymisation (privacy/detect/dutch.py): load deduce's lookup structures (about
# 1 GB per process) when a worker starts rather than with its first suggestion job.
REGIE_DEDUCE_PRELOAD = env_bool("REGIE_DEDUCE_PRELOAD", False)

# Background jobs (coding/jobs/services.py): a running job shows a sign of life every
# REGIE_JOB_HEARTBEAT_SECONDS; one silent for REGIE_JOB_DEAD_AFTER_SECONDS lost its
# worker and is resent (or failed after three tries). Each worker looks for such jobs
# every REGIE_JOB_REAP_SECONDS.
REGIE_JOB_HEARTBEAT_SECONDS = env_int("REGIE_JOB_HEARTBEAT_SECONDS", 15)
REGIE_JOB_DEAD_AFTER_SECONDS = env_int("REGIE_JOB_DEAD_AFTER_SECONDS", 60)
REGIE_JOB_REAP_SECONDS = env_int("REGIE_JOB_REAP_SECONDS", 30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "regie_site.auth_token.RegieTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "regie_site.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "coding.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coding.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Regie API",
    "DESCRIPTION": (
        "Projects, transcripts, codebooks and codings of the Regie qualitative "
        "coding workbench. Offsets count Unicode code points of the stored, "
        "NFC-normalised text with \\n line endings; end is exclusive."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: users may be offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "coding.models.AssignmentStatus",
        "FreshnessEnum": ["fresh", "computing", "stale"],
        "ImportStatusEnum": ["queued", "running"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "WARNING"},
}

# ------------------------------------------------------------------- sign-in
# Login throttling (django-axes) on the login page and POST /api/v1/auth/token/:
# after REGIE_LOGIN_FAILURE_LIMIT wrong passwords for one user name from one
# address, that pair is refused for REGIE_LOGIN_COOLOFF_MINUTES, even with the
# right password. The count is kept in the database (every worker sees it).
AXES_FAILURE_LIMIT = env_int("REGIE_LOGIN_FAILURE_LIMIT", 10)
_cool_off_minutes = env_int("REGIE_LOGIN_COOLOFF_MINUTES", 15)
# 0: locked until an administrator deletes the access attempt (admin, Axes).
AXES_COOLOFF_TIME = (
    dt.timedelta(minutes=_cool_off_minutes) if _cool_off_minutes else None
)
# "username+ip_address" counts per user name and address; add ",username" to also
# count per user name from anywhere (stops a distributed guess, but lets anyone
# lock a user out).
AXES_LOCKOUT_PARAMETERS = [
    group.split("+") if "+" in group else group
    for group in env_list("REGIE_LOGIN_LOCKOUT_BY", ["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "regie_site.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "regie_site.auth.client_ip"
AXES_VERBOSE = False
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0: none, the
# client is REMOTE_ADDR).
REGIE_PROXY_COUNT = env_int("REGIE_PROXY_COUNT", 0)

# API tokens (django-rest-knox): stored hashed, valid for REGIE_API_TOKEN_TTL_HOURS
# (0: until revoked), sent as "Authorization: Token <token>".
_token_ttl_hours = env_int("REGIE_API_TOKEN_TTL_HOURS", 24 * 7)
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=_token_ttl_hours) if _token_ttl_hours else None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# E-mail (password reset): printed to the console unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "regie@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ------------------------------------------------------------------- HTTPS
# REGIE_HTTPS=1 (behind HTTPS) turns on the redirect and Secure cookies; each can
# also be set on its own. HSTS only when REGIE_HSTS_SECONDS is given.
_https = env_bool("REGIE_HTTPS", default=False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_https)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=_https)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=_https)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# The header a TLS-terminating proxy sets, e.g. "X-Forwarded-Proto" (value https).
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_ssl_header.upper().replace("-", "_"),
        "https",
    )
SESSION_COOKIE_HTTPONLY = True
# One UPDATE per save, not BEGIN/UPDATE/COMMIT (see the module).
SESSION_ENGINE = "regie_site.sessions"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: scripts only from our own files (a nonce for any inline
# one), no inline event handlers. Inline style attributes stay allowed: colour
# swatches and heat-map cells carry their colour there.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
