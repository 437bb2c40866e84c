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


@pytest.mark.django_db
def test_keys_of_drfs_token_table_keep_working_after_migrating():
    # A database that had rest_framework.authtoken (the scheduler's tokens before 0010): its keys are copied
    # as digests, so runners keep working until their keys are replaced (docs/security.md, "Tokens").
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from rocky_scheduler.models import ApiToken
    from rocky_scheduler.services.tokens import token_authenticate
    from tests.support.users import make_user

    user = make_user("old-runner")
    drf_key = "3f1a9c0e5b7d2a4c6e8f0a1b3c5d7e9f1a3b5c7d"  # DRF's shape: 40 hex characters
    executor = MigrationExecutor(connection)
    executor.migrate([("rocky_scheduler", "0009_ooi_primary_key")])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone NOT NULL,"
            " user_id integer NOT NULL UNIQUE)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [drf_key, user.pk])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("rocky_scheduler"))

    token = ApiToken.objects.get(user=user)
    assert token.name == "drf-authtoken" and drf_key not in token.digest
    assert token_authenticate(drf_key) == (user, token)
