import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations found changes without a migration:\n{out.getvalue()}")
        raise exit_


@pytest.mark.django_db
def test_the_three_schedulers_exist_after_migrating():
    from rocky_scheduler.models import Scheduler

    assert sorted(Scheduler.objects.values_list("id", "type")) == [
        ("boefje", "boefje"),
        ("normalizer", "normalizer"),
        ("report", "report"),
    ]
