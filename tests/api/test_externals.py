"""KATalogus and Octopoes as the scheduler's externals (the OpenKAT catalogue on the stand-ins): /health lists
them in OpenKAT's ServiceHealth shape, and a request that needs one of them while it is down is a 503 with
`detail` and Retry-After, never a 500 (issue 13, point 1)."""

import time

import pytest
from django.conf import settings
from django.test import override_settings

from rocky_scheduler.models import ProcessedMessage, Task
from tests.ingest.payloads import mutation
from tests.support.api_clients import PREFIX
from tests.support.openkat_models import ServiceHealth

pytestmark = pytest.mark.django_db

INGEST = f"{PREFIX}/ingest/scan_profile_mutations"


def with_settings(**keys):
    return override_settings(ROCKY_SCHEDULER=settings.ROCKY_SCHEDULER | keys)


def health(client) -> tuple[int, dict]:
    response = client.get(f"{PREFIX}/health")
    body = response.json()
    # Rocky parses the answer with OpenKAT's model, results included.
    ServiceHealth.model_validate(body)
    return response.status_code, body


def result(body: dict, service: str) -> dict:
    (entry,) = [entry for entry in body["results"] if entry["service"] == service]
    return entry


def test_the_embedded_catalogue_has_no_externals(anonymous_api):
    status, body = health(anonymous_api)
    assert status == 200
    assert body["externals"] == {"database": True}
    assert [entry["service"] for entry in body["results"]] == ["database"]


def test_katalogus_and_octopoes_are_listed_when_they_answer(anonymous_api, openkat_setting):
    status, body = health(anonymous_api)
    assert (status, body["healthy"]) == (200, True)
    assert body["externals"] == {"database": True, "katalogus": True, "octopoes": True}
    for service in ("katalogus", "octopoes"):
        assert result(body, service) == {
            "service": service,
            "healthy": True,
            "version": "stand-in",
            "additional": None,
            "results": [],
        }


@pytest.mark.parametrize("how", ["refused", "503", "garbage"])
def test_a_katalogus_that_is_down_is_unhealthy_while_the_scheduler_stays_healthy(
    anonymous_api, openkat_setting, katalogus, how
):
    katalogus.down(how)
    status, body = health(anonymous_api)
    # The scheduler still hands out and finishes queued work: healthy, as mula's own /health.
    assert (status, body["healthy"]) == (200, True)
    assert body["externals"] == {"database": True, "katalogus": False, "octopoes": True}
    entry = result(body, "katalogus")
    assert entry["healthy"] is False
    assert entry["additional"]["detail"]
    assert result(body, "octopoes")["healthy"] is True


def test_an_external_that_stopped_is_shown_unhealthy_once_the_short_cache_expires(
    anonymous_api, openkat_setting, octopoes
):
    with with_settings(HEALTH_CACHE_SECONDS=0.3):
        assert health(anonymous_api)[1]["externals"]["octopoes"] is True
        octopoes.down("refused")
        deadline = time.monotonic() + 5
        while health(anonymous_api)[1]["externals"]["octopoes"] is not False:
            assert time.monotonic() < deadline, "/health kept calling a stopped Octopoes healthy"
            time.sleep(0.05)


def test_a_hanging_external_is_unhealthy_within_the_health_timeout(anonymous_api, openkat_setting, katalogus):
    katalogus.delay = 5.0
    with with_settings(HEALTH_TIMEOUT_SECONDS=0.3):
        started = time.monotonic()
        status, body = health(anonymous_api)
        elapsed = time.monotonic() - started
    assert status == 200
    assert elapsed < 2.0
    assert body["externals"]["katalogus"] is False
    assert body["externals"]["octopoes"] is True
    # Whichever comes first at 0.3 s: the probe's own socket timeout or the overall wait giving up.
    detail = result(body, "katalogus")["additional"]["detail"]
    assert "no answer within 0.3 s" in detail or "TimeoutError" in detail


def test_health_asks_katalogus_at_most_once_per_cache_period(anonymous_api, openkat_setting, katalogus, octopoes):
    for _ in range(20):
        assert health(anonymous_api)[0] == 200
    assert katalogus.requests_to("/health") == 1
    assert octopoes.requests_to("/health") == 1


@pytest.mark.parametrize(("service", "how"), [("katalogus", "refused"), ("katalogus", "garbage"), ("octopoes", "503")])
def test_ingest_while_an_external_is_down_is_a_503_with_retry_after_and_changes_nothing(
    admin_api, openkat_setting, katalogus, octopoes, service, how
):
    {"katalogus": katalogus, "octopoes": octopoes}[service].down(how)
    response = admin_api.post(INGEST, mutation(level=1, organisation="acme"), format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["service"] == service
    assert {"katalogus": "KATalogus", "octopoes": "Octopoes"}[service] in body["detail"]
    assert not Task.objects.exists()
    assert not ProcessedMessage.objects.exists()


def test_ingest_of_an_object_octopoes_does_not_have_is_a_409_with_retry_after(admin_api, openkat_setting, octopoes):
    message = mutation(level=1, organisation="acme")
    with with_settings(OBJECT_CONFIRM_SECONDS=0.2):
        response = admin_api.post(INGEST, message, format="json")
    assert response.status_code == 409
    assert response["Retry-After"] == "5"
    assert "not in Octopoes" in response.json()["detail"]
    assert not Task.objects.exists()

    octopoes.put("acme", message["primary_key"], "Hostname", 1)
    response = admin_api.post(INGEST, message, format="json")
    assert response.status_code == 202
    assert response.json()["scheduled"] >= 1
