"""A host project shaped like Rocky (OpenKAT's web UI), with the scheduler added exactly as
docs/rocky-integration.md says: the doc's settings block is executed at the end of this module.

What is Rocky's here, from its settings: an e-mail user model (`account.KATUser`), i18n URL prefixes,
a login-required middleware that lets only /api/ through (and refuses any token knox does not know), an
onboarding redirect, CSP `script-src 'self'` through django-csp, knox tokens as DRF's default
authentication and staff-only as DRF's default permission, Rocky's languages.
"""

import os

import dj_database_url

from tests.support.doc_snippets import snippet


def env(name: str, default: str | None = None) -> str | None:
    """Rocky reads its environment through django-environ's `env`; the doc's settings block uses it too."""
    return os.environ.get(name, default)


SECRET_KEY = "rocky-host-test-only"  # noqa: S105 - a test project
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
ROOT_URLCONF = "tests.rocky_host.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "account.KATUser"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing_page"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/rocky_host", conn_max_age=0
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tests.rocky_host.account",
    "tests.rocky_host.tools",
    "rest_framework",
    "knox",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tests.rocky_host.middleware.auth_required",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tests.rocky_host.middleware.onboarding",
    "csp.middleware.CSPMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# As Rocky's settings: English by default, its languages, its cookie name for the language picker (i18n/setlang/).
# Its pages are under i18n_patterns (urls.py), so their language comes from the /nl/ prefix first.
LANGUAGE_CODE = "en"
LANGUAGE_COOKIE_NAME = "language"
LANGUAGES = [("en", "en"), ("nl", "nl"), ("pap", "pap"), ("it", "it"), ("fy", "fy"), ("pl", "pl")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "style-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["knox.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# Rocky documents its own API with drf-spectacular; the scheduler's schema must neither take nor change these.
SPECTACULAR_SETTINGS = {"TITLE": "OpenKAT", "SCHEMA_PATH_PREFIX": "/api/v1"}

# The scheduler, as docs/rocky-integration.md tells Rocky to add it.
exec(snippet("settings"))  # noqa: S102 - the doc's own block, so the doc cannot drift from what works
