"""The standalone project's production settings, read from the environment as docs/security.md says."""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.support.processes import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!" + "k" * 40 + "Qz9-random-enough-for-the-check",
    "ALLOWED_HOSTS": "scheduler.example",
    "CSRF_TRUSTED_ORIGINS": "https://scheduler.example, https://rocky.example",
    "SECURE_COOKIES": "1",
    "SECURE_PROXY_SSL_HEADER": "1",
    "SECURE_HSTS_SECONDS": "31536000",
}
# What check --deploy may still say about a production set-up, and why that is the site's call:
# W005/W021 HSTS for subdomains and preloading; W008 redirecting http to https (the proxy's job, and a
# load balancer's health check of /api/v1/health may be plain http).
ACCEPTED_DEPLOY_WARNINGS = {"security.W005", "security.W008", "security.W021"}
SETTINGS = [
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_HTTPONLY",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "MIDDLEWARE",
]


def project_env(**overrides: str) -> dict[str, str]:
    names = {*PRODUCTION, "SCHEDULER_API_ALLOW_ANONYMOUS"}
    env = {key: value for key, value in os.environ.items() if key not in names}
    env["DJANGO_SETTINGS_MODULE"] = "scheduler_project.settings"
    return {**env, **overrides}


def settings_under(env: dict[str, str]) -> dict:
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def deploy_warnings(env: dict[str, str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return set(re.findall(r"security\.[WE]\d+", result.stdout + result.stderr))


def test_production_environment_turns_on_https_protections():
    values = settings_under(project_env(**PRODUCTION))
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["scheduler.example"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://scheduler.example", "https://rocky.example"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 31536000


def test_defaults_suit_a_local_http_run_and_keep_the_browser_protections():
    values = settings_under(project_env())
    assert values["DEBUG"] is False, "DEBUG is opt-in"
    assert values["SESSION_COOKIE_SECURE"] is False and values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    for middleware in ("CsrfViewMiddleware", "XFrameOptionsMiddleware", "SecurityMiddleware"):
        assert any(path.endswith(middleware) for path in values["MIDDLEWARE"]), middleware


@pytest.mark.parametrize(
    ("env", "must_warn"),
    [
        # The development key, DEBUG, and cookies over http are exactly what check --deploy should flag.
        (project_env(), {"security.W009", "security.W012", "security.W016", "security.W004"}),
        (project_env(**PRODUCTION), set()),
    ],
    ids=["defaults", "production"],
)
def test_check_deploy_flags_the_defaults_and_passes_production(env, must_warn):
    warnings = deploy_warnings(env)
    assert must_warn <= warnings
    if not must_warn:
        assert warnings <= ACCEPTED_DEPLOY_WARNINGS, warnings - ACCEPTED_DEPLOY_WARNINGS
