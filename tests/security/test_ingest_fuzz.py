"""HTTP ingest with generated messages, near-valid and garbage: never a 5xx; a refused body changes nothing;
an accepted one schedules what the demo catalogue says it must."""

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.security.conftest import api_client_for, assert_unchanged
from tests.security.ingest_checks import assert_left_no_trace, assert_scheduled_as_expected
from tests.security.snapshot import database_snapshot
from tests.security.strategies import ANY_SPEC, MUTATIONS, Spec, every_defect
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

PATHS = {MUTATIONS: "/ingest/scan_profile_mutations", "raw_files": "/ingest/raw_file_received"}
FUZZ = dict(
    deadline=None,
    database=None,
    # Shrinking re-runs requests by the hundred; the failing body is in the assertion message instead.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.large_base_example],
)


@pytest.fixture
def worker(world):
    return api_client_for("worker")


def post(client, queue: str, body: bytes):
    return client.post(PREFIX + PATHS[queue], data=body, content_type="application/json")


def test_every_named_defect_is_refused_with_a_reason(worker):
    before = database_snapshot()
    for spec in every_defect():
        message = spec.build()

        response = post(worker, spec.queue, message.body)

        what = f"{spec.queue} {spec.kind} -> {response.status_code} {response.content[:300]!r}"
        assert response.status_code == 400 and response.json()["detail"], what
    assert_unchanged(before, "named defects")


@settings(max_examples=120, **FUZZ)
@given(spec=ANY_SPEC)
def test_one_generated_message(worker, spec: Spec):
    message = spec.build()
    before = database_snapshot()

    response = post(worker, spec.queue, message.body)

    what = f"{spec.kind}: {message.body[:200]!r} -> {response.status_code} {response.content[:300]!r}"
    if spec.valid_over_http:
        assert response.status_code == 202, what
        assert_scheduled_as_expected(message)
    else:
        assert response.status_code == 400, what
        assert response.json()["detail"], what
        assert_unchanged(before, what)
        assert_left_no_trace(message)


@settings(max_examples=40, **FUZZ)
@given(specs=st.lists(ANY_SPEC, min_size=2, max_size=6), queue=st.sampled_from(list(PATHS)))
def test_a_batch_is_all_or_nothing(worker, specs: list[Spec], queue: str):
    # One endpoint per batch: a message of the other kind in it is just another malformed one.
    messages = [spec.build() for spec in specs]
    body = b"[" + b",".join(message.body for message in messages) + b"]"
    acceptable = all(spec.valid and spec.queue == queue for spec in specs)
    before = database_snapshot()

    response = post(worker, queue, body)

    what = f"{[spec.kind for spec in specs]} -> {response.status_code} {response.content[:300]!r}"
    if acceptable:
        assert response.status_code == 202, what
        for message in messages:
            assert_scheduled_as_expected(message)
    else:
        assert response.status_code == 400, what
        assert_unchanged(before, what)
