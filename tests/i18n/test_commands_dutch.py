"""The management commands speak the site's language (LANGUAGE_CODE, or translation.override around call_command)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from rocky_scheduler.management.commands.scheduler_token import Command as ScheduleTokenCommand

pytestmark = pytest.mark.django_db


def test_a_command_error_in_dutch(settings):
    settings.ROCKY_SCHEDULER = {**getattr(settings, "ROCKY_SCHEDULER", {}), "AMQP_URL": ""}
    with translation.override("nl"), pytest.raises(CommandError) as raised:
        call_command("ingest", seconds=0)
    assert str(raised.value) == "AMQP_URL is niet ingesteld; er is geen RabbitMQ om berichten van te lezen."


def test_command_output_in_dutch():
    out = io.StringIO()
    with translation.override("nl"):
        call_command("scheduler_user", "runner", role="analyst", stdout=out)
    assert re.match(r"runner (aangemaakt|bijgewerkt) in scheduler-analysts$", out.getvalue(), re.M)


def test_command_output_in_english_by_default():
    out = io.StringIO()
    call_command("scheduler_user", "runner", role="analyst", stdout=out)
    assert re.match(r"(created|updated) runner in scheduler-analysts$", out.getvalue(), re.M)


def test_a_service_refusal_in_dutch_under_language_code_nl(settings):
    settings.LANGUAGE_CODE = "nl"
    # As manage.py runs: no language activated, so LANGUAGE_CODE decides.
    previous = translation.get_language()
    translation.deactivate()
    try:
        with pytest.raises(CommandError) as raised:
            call_command("scheduler_token", "nobody")
    finally:
        translation.activate(previous)
    # The login field is the user model's: username here, Rocky's e-mail in the host.
    assert re.fullmatch(r"Geen gebruiker met \w+ 'nobody'\.", str(raised.value))


def test_the_help_text_in_dutch(capsys):
    with translation.override("nl"):
        ScheduleTokenCommand().print_help("manage.py", "scheduler_token")
    help_text = capsys.readouterr().out
    assert "Toont een nieuwe API-sleutel" in help_text
    assert "onderscheidt de tokens van een gebruiker (standaard: default)" in " ".join(help_text.split())
