"""Django's system checks in the Rocky-shaped host: the app adds no warning or error of its own."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def check_output(*args: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("check", *args, stdout=out, stderr=err)
    except SystemCheckError as error:  # raised for errors; the report is its message
        return str(error) + out.getvalue() + err.getvalue()
    return out.getvalue() + err.getvalue()


def test_check_is_clean():
    report = check_output()
    assert "System check identified no issues" in report, report


@pytest.mark.parametrize("ours", ["urls.", "rocky_scheduler", "drf_spectacular", "django_q", "csp."])
def test_check_deploy_reports_nothing_of_ours(ours):
    # Rocky's own deploy settings (HSTS, SSL redirect, ...) are Rocky's business; nothing may come from the app.
    report = check_output("--deploy")
    assert f"({ours}" not in report, report
