"""Settings for the service desk, read from the environment.

Every deployment knob is an environment variable (see README.md). With none set the
project runs on SQLite with an embedded job queue, which is what `make run` uses.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ITSM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"The environment variable {name} must be 1 or 0 (true or false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a whole number, not {value!r}."
        ) from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# The fallback key is only for development; a system check (itsm.checks) refuses it
# in a deployment with DEBUG off.
INSECURE_DEV_SECRET_KEY = "dev-insecure-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_DEV_SECRET_KEY
# Django's test setup adds "testserver" for the tests; a deployment answers to these.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "catalog",
    "itsm",
    "incidents",
    "service_requests",
    "knowledge",
    "problems",
    "changes",
    "metrics",
    "improvement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "itsm.urls"
WSGI_APPLICATION = "itsm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "itsm.context_processors.role_flags",
            ],
            # `itsm.base` is a layer, not an app: its template library is named here.
            "libraries": {"ui": "itsm.base.templatetags.ui"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the embedded worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "itsm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "itsm",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en"
# The founding documents' languages; each has a catalogue in locale/.
LANGUAGES = [("en", _("English")), ("sv", _("Swedish")), ("nl", _("Dutch")),
             ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates European style, 24-hour clock (itsm/formats/en).
FORMAT_MODULE_PATH = ["itsm.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission check
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security headers; TLS-only cookies when served behind HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_HTTPS = env_bool("SECURE_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_HTTPS
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)

# Request size limits: forms and JSON bodies; attachments have their own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
API_JSON_MAX_DEPTH = 32

# Email (console in development, SMTP when EMAIL_HOST is set).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "servicedesk@localhost")
# Where people reach the desk: the links in emails start with it.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")

# --- The service desk's own settings -------------------------------------------------
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Extension -> the content type the file is served with. Anything else is refused.
ATTACHMENT_TYPES = {
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
    "xml": "application/xml",
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
}
# Per-workflow settings (each workflow declares its own and their defaults): how many
# days a requester may reopen a resolved ticket, and after how many days resolved
# tickets close themselves (0: never).
WORKFLOWS = {
    "incident": {
        "reopen_window_days": env_int("INCIDENT_REOPEN_WINDOW_DAYS", 7),
        "auto_close_days": env_int("INCIDENT_AUTO_CLOSE_DAYS", 7),
    },
}
LOGIN_THROTTLE = os.environ.get("LOGIN_THROTTLE", "10/minute")  # per address and username
# Per address alone, against one password tried over many accounts; an office behind
# one NAT address shares it, hence the higher default.
LOGIN_ADDRESS_THROTTLE = os.environ.get("LOGIN_ADDRESS_THROTTLE", "50/minute")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "itsm.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "itsm.base.api.parsers.GuardedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "itsm.base.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    # What every list view filters with (views name no backends of their own).
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "itsm.base.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "itsm.base.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("TOKEN_THROTTLE", "10/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Proxies in front of the app whose X-Forwarded-For is trusted for throttling; with
    # 0 the client cannot choose the address it is throttled by.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Service desk API",
    "DESCRIPTION": "Tickets (incidents, requests, problems, changes), catalog and KPIs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Like every endpoint, the schema is for signed-in users and token holders only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI would otherwise send the schema URL to an online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Enums that share a field name or a choice set get one stable name each.
    "ENUM_NAME_OVERRIDES": {
        "TicketKindEnum": "itsm.choices.TicketKind",
        "EventKindEnum": "itsm.choices.EventKind",
        "LevelEnum": "itsm.api.serializers.LEVELS",
        "TaskStatusEnum": "itsm.models.TaskStatus",
        "IncidentStatusEnum": "incidents.choices.IncidentStatus",
        "IncidentOnHoldReasonEnum": "incidents.choices.OnHoldReason",
        "RequestStatusEnum": "service_requests.choices.RequestStatus",
        "RequestOnHoldReasonEnum": "service_requests.choices.OnHoldReason",
        "IncidentResolutionCodeEnum": "incidents.choices.ResolutionCode",
        "ProblemStatusEnum": "problems.choices.ProblemStatus",
        "ProblemResolutionCodeEnum": "problems.choices.ProblemResolution",
        "ArticleStateEnum": "knowledge.choices.ArticleState",
        "ChangeStatusEnum": "changes.choices.ChangeStatus",
        "ApprovalStageStateEnum": "itsm.choices.StageState",
        "CabMeetingStatusEnum": "changes.choices.MeetingStatus",
        "ReleaseStatusEnum": "changes.choices.ReleaseStatus",
    },
}

# --- Background jobs ------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    _queue_dir = VAR_DIR / "queue"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "store_processed": False,
        # Kombu's default is "control" in the working directory.
        "control_folder": str(_queue_dir / "control"),
    }
    CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# The KPI engine: how far back the nightly run recomputes, and how long a refresh
# waits after a write, so that a burst of writes costs one recompute.
KPI_RECOMPUTE_DAYS = env_int("KPI_RECOMPUTE_DAYS", 40)
KPI_REFRESH_DELAY = env_int("KPI_REFRESH_DELAY", 5)
# Satisfaction surveys: how many days after a ticket's resolution its requester may
# answer (a later answer within them replaces the earlier one).
CSAT_SURVEY_DAYS = env_int("CSAT_SURVEY_DAYS", 14)
# Approvals: how long an approval email's one-click link works, and how many hours
# before a step falls due its approvers are reminded (once).
APPROVAL_LINK_MAX_AGE_DAYS = env_int("APPROVAL_LINK_MAX_AGE_DAYS", 14)
APPROVAL_REMINDER_HOURS = env_int("APPROVAL_REMINDER_HOURS", 4)
# A requester who reads a suggested article and logs no ticket within this many minutes
# was helped by it: a deflection.
KB_DEFLECTION_MINUTES = env_int("KB_DEFLECTION_MINUTES", 60)
# Dashboards: how long the figures of now are kept, and how long a page's stored-value
# part is reused at most (in a shared cache a new value ends it at once).
DASHBOARD_NOW_SECONDS = env_int("DASHBOARD_NOW_SECONDS", 30)
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "sla-scan": {"task": "itsm.tasks.sla_scan_task", "schedule": 60.0},
    "auto-close-resolved": {
        "task": "itsm.tasks.auto_close_resolved_task",
        "schedule": crontab(minute="*/15"),
    },
    # Marks a refresh sent on commit did not take (a broker outage) wait at most this.
    "kpi-refresh": {"task": "metrics.tasks.refresh_kpis_task", "schedule": 60.0},
    "kpi-recompute-recent": {
        "task": "metrics.tasks.recompute_recent_kpis_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Each morning, the digests of periods that ended (weekly ones on Mondays, monthly
    # on the 1st; a missed morning catches up the next).
    "email-digests": {"task": "metrics.tasks.send_digests_task",
                      "schedule": crontab(hour=6, minute=30)},
    "approval-reminders": {"task": "service_requests.tasks.remind_approvers_task",
                           "schedule": crontab(minute="*/10")},
    "change-approval-reminders": {"task": "changes.tasks.remind_change_approvers_task",
                                  "schedule": crontab(minute="*/10")},
    "kb-deflections": {"task": "knowledge.tasks.settle_deflections_task",
                       "schedule": crontab(minute="*/10")},
    "kb-review-reminders": {"task": "knowledge.tasks.remind_reviews_task",
                            "schedule": crontab(hour=7, minute=0)},
    # The CAB's meetings four weeks ahead, and their agendas as changes are submitted.
    "cab-meetings": {"task": "changes.tasks.plan_cab_meetings_task",
                     "schedule": crontab(minute=20)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config adds a console handler of its own: print once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
