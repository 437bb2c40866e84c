"""Settings of the standalone rocky_scheduler project.

This is the only module that reads the environment; the reusable app reads its
own `ROCKY_SCHEDULER_*` settings through `rocky_scheduler.conf.app_settings`.
"""

import logging
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

logger = logging.getLogger(__name__)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG")
# A fixed development key is fine for the embedded default; production sets SECRET_KEY. The
# "django-insecure-" prefix makes `manage.py check --deploy` flag it (security.W009) if it is left in place.
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-rocky-scheduler-development-key-change-me")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

# HTTPS in production (docs/security.md). All off by default, so `make run` over plain http://127.0.0.1
# keeps its admin login working; a deployment behind TLS turns them on.
# Origins (scheme://host[:port]) whose browser POSTs the admin accepts, e.g. the public https:// address
# when TLS ends at a proxy that Django cannot otherwise tell about.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# Session and CSRF cookies only over HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
# Trust the proxy's X-Forwarded-Proto; only when the proxy always sets it (and strips a client's own).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _env_bool("SECURE_PROXY_SSL_HEADER") else None
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0") or 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    # Swagger UI's files for the API's docs page (the app's own view and template; drf_spectacular itself
    # needs no entry here).
    "drf_spectacular_sidecar",
    "django_q",
    "rocky_scheduler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware: picks nl/en from Accept-Language for the admin and dashboard.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "scheduler_project.urls"
WSGI_APPLICATION = "scheduler_project.wsgi.application"

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
            ],
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, else an SQLite file (the embedded default).
SQLITE_PATH = os.environ.get("SCHEDULER_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}
# Behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction) one server session serves many clients
# in turn: nothing may outlive a transaction there, so no server-side cursors and no prepared statements.
DATABASE_POOL_MODE = os.environ.get("DATABASE_POOL_MODE", "session").strip().lower()
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured(f"DATABASE_POOL_MODE is {DATABASE_POOL_MODE!r}: use 'session' or 'transaction'")
if DATABASE_POOL_MODE == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # behind each other instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests on SQLite use a file beside the configured one, not Django's default in-memory database: worker
    # processes and live servers started by the tests must share it.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", f"{DATABASES['default']['NAME']}.test")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Serve app and project static files straight from their folders too, so a run without
# collectstatic (tests, a quick start) still has the admin's and the dashboard's assets.
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/admin/login/"

AMQP_URL = os.environ.get("AMQP_URL", "").strip()
SCHEDULER_API_ALLOW_ANONYMOUS = _env_bool("SCHEDULER_API_ALLOW_ANONYMOUS")

ROCKY_SCHEDULER = {
    "AMQP_URL": AMQP_URL or None,
    "API_ALLOW_ANONYMOUS": SCHEDULER_API_ALLOW_ANONYMOUS,
    "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
    "PREPARED_STATEMENTS": DATABASE_POOL_MODE == "session",
}

# OpenKAT's own variable names: with both set, KATalogus and Octopoes are the catalogue.
KATALOGUS_API = os.environ.get("KATALOGUS_API", "").strip()
OCTOPOES_API = os.environ.get("OCTOPOES_API", "").strip()
if KATALOGUS_API and OCTOPOES_API:
    ROCKY_SCHEDULER |= {
        "CATALOGUE": "rocky_scheduler.catalogue.openkat.OpenKATCatalogue",
        "KATALOGUS_API": KATALOGUS_API,
        "OCTOPOES_API": OCTOPOES_API,
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rocky_scheduler.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# django-q2 runs background work on the same database (ORM broker).
Q_CLUSTER = {
    "name": "rocky_scheduler",
    "orm": "default",
    "workers": int(os.environ.get("Q_WORKERS", "4")),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "poll": 0.5,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-q2 says at INFO each time it queues or runs a job (every 30 s): its warnings and errors are what
    # an operator needs; the scheduler's own loggers say what changed or failed.
    "loggers": {"django-q": {"level": os.environ.get("Q_LOG_LEVEL", "WARNING")}},
}
