"""API tokens: the key is shown once and then nowhere — not in the database, str()/repr(), the admin or the logs.

Rocky logs every model save as `str(instance)` (its post_save logger); DRF's token put its key there in clear.
"""

import datetime
import hashlib
import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.test import Client
from django.urls import reverse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from rocky_scheduler.api.authentication import INVALID_TOKEN, CachedTokenAuthentication
from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.tokens import (
    LAST_USED_INTERVAL,
    token_authenticate,
    token_issue,
    token_replace,
    token_revoke,
)
from tests.support.api_clients import PREFIX, ContractClient
from tests.support.users import login_of, make_superuser, user_in

pytestmark = pytest.mark.django_db

save_logger = logging.getLogger("tests.rocky_save_logger")


def log_like_rocky(sender, instance, **kwargs) -> None:
    save_logger.info("%s %s saved: %s %r", sender.__name__, instance.pk, instance, instance)


@pytest.fixture
def rockys_save_logger(caplog):
    caplog.set_level(logging.INFO, logger=save_logger.name)
    post_save.connect(log_like_rocky, dispatch_uid="tests_rocky_save_logger")
    post_delete.connect(log_like_rocky, dispatch_uid="tests_rocky_delete_logger")
    yield caplog
    post_save.disconnect(dispatch_uid="tests_rocky_save_logger")
    post_delete.disconnect(dispatch_uid="tests_rocky_delete_logger")


def api(key: str) -> ContractClient:
    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def queues(key: str):
    return api(key).get(f"{PREFIX}/queues")


def worker(name: str = "runner"):
    return user_in("scheduler-workers", name)


def test_a_key_is_the_schedulers_and_only_its_digest_is_stored():
    key = token_issue(user=worker())

    assert key.startswith("rks_") and len(key) >= 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM rocky_scheduler_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored and key[4:] not in stored
    assert hashlib.sha256(key.encode()).hexdigest() in stored
    assert queues(key).status_code == 200


def test_str_and_repr_show_the_user_and_name_only():
    user = worker()
    key = token_issue(user=user, name="runner-host-1")
    token = ApiToken.objects.get()

    for shown in (str(token), repr(token)):
        assert str(user) in shown and "runner-host-1" in shown
        assert key not in shown and token.digest not in shown


def test_no_log_record_of_a_save_logger_reveals_a_key(rockys_save_logger):
    user = worker()
    keys = [token_issue(user=user), token_replace(user=user), token_issue(user=user, name="second")]
    out = io.StringIO()
    call_command("scheduler_token", login_of("runner"), "--replace", stdout=out, stderr=io.StringIO())
    keys.append(out.getvalue().strip())
    token_revoke(user=user, name="second")

    logged = rockys_save_logger.text
    assert "ApiToken" in logged  # the logger did see every save and delete
    for key in keys:
        assert key.startswith("rks_") and key not in logged and key[4:] not in logged


def test_the_admin_lists_tokens_without_key_or_digest_and_deleting_one_revokes_it():
    user = worker()
    key = token_issue(user=user, name="runner-host-1")
    token = ApiToken.objects.get()
    assert queues(key).status_code == 200
    admin = Client()
    admin.force_login(make_superuser("operator"))
    pages = {
        "list": reverse("admin:rocky_scheduler_apitoken_changelist"),
        "view": reverse("admin:rocky_scheduler_apitoken_change", args=[token.pk]),
        "delete": reverse("admin:rocky_scheduler_apitoken_delete", args=[token.pk]),
    }

    for what, url in pages.items():
        page = admin.get(url)
        assert page.status_code == 200, what
        assert "runner-host-1" in page.content.decode(), what
        assert key not in page.content.decode() and token.digest not in page.content.decode(), what
    assert admin.get(reverse("admin:rocky_scheduler_apitoken_add")).status_code == 403
    assert admin.post(pages["view"], {"name": "renamed"}).status_code == 403

    assert admin.post(pages["delete"], {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.exists()
    response = queues(key)
    assert response.status_code == 401 and response.json()["detail"] == INVALID_TOKEN


def test_a_revoked_or_replaced_key_is_refused_at_once_and_the_new_one_works():
    user = worker()
    old = token_issue(user=user)
    other = token_issue(user=user, name="other")
    assert queues(old).status_code == 200

    new = token_replace(user=user)

    assert queues(old).status_code == 401
    assert queues(new).status_code == 200
    token_revoke(user=user, name="other")
    refused = queues(other)
    assert refused.status_code == 401 and refused.json()["detail"] == INVALID_TOKEN


def test_an_unknown_key_and_an_inactive_users_key_are_401():
    user = worker()
    key = token_issue(user=user)
    assert queues("rks_" + "A" * 43).status_code == 401
    assert queues("not-a-scheduler-key").status_code == 401

    user.is_active = False
    user.save()

    assert queues(key).status_code == 401


def test_last_used_is_written_at_most_every_five_minutes():
    key = token_issue(user=worker())
    start = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)

    def used_at(at: datetime.datetime) -> datetime.datetime:
        token_authenticate(key, clock=lambda: at)
        return ApiToken.objects.get().last_used

    assert ApiToken.objects.get().last_used is None
    assert used_at(start) == start
    assert used_at(start + LAST_USED_INTERVAL - datetime.timedelta(seconds=1)) == start
    assert used_at(start + LAST_USED_INTERVAL) == start + LAST_USED_INTERVAL


def test_a_request_records_the_last_use():
    key = token_issue(user=worker())
    assert queues(key).status_code == 200
    assert ApiToken.objects.get().last_used is not None


def authenticate(key: str):
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}"))
    return CachedTokenAuthentication().authenticate(request)


def test_with_host_classes_configured_a_key_that_is_not_ours_goes_to_the_next_class(settings):
    user = worker()
    key = token_issue(user=user)
    settings.ROCKY_SCHEDULER = {"API_AUTHENTICATION_CLASSES": ["knox.auth.TokenAuthentication"]}

    # Knox reads the same `Token` keyword: its keys have no rks_ prefix, and the next class decides.
    assert authenticate("0" * 64) is None
    assert authenticate(key)[0] == user
    with pytest.raises(AuthenticationFailed):
        authenticate("rks_" + "A" * 43)


def test_alone_the_schedulers_class_refuses_any_unknown_key(settings):
    settings.ROCKY_SCHEDULER = {"API_AUTHENTICATION_CLASSES": []}
    with pytest.raises(AuthenticationFailed):
        authenticate("0" * 64)
