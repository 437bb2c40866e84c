"""Settings of a host project that is not ours (Rocky's shape): its own apps and URLs, plus exactly what
docs/rocky-integration.md tells Rocky to add. Used by tests/reuse_project/test_mounted_elsewhere.py."""

SECRET_KEY = "reuse-project-test-only"  # noqa: S105 - a test project
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
ROOT_URLCONF = "tests.reuse_project.urls"
# Rocky's own choice; the app pins its own default_auto_field, so no migration depends on this.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Added for the scheduler:
    "rest_framework",
    "django_q",
    "drf_spectacular_sidecar",
    "rocky_scheduler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rocky_scheduler.client.RequestUserMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

# An in-memory database: enough for `check` and `migrate` in a subprocess.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
STATIC_URL = "static/"

ROCKY_SCHEDULER = {
    "AMQP_URL": None,
    "API_ALLOW_ANONYMOUS": False,
}


Q_CLUSTER = {"name": "rocky", "orm": "default", "workers": 2, "timeout": 300, "retry": 360, "max_attempts": 1}
