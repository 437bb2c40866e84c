"""The AMQP consumer fed generated bodies on queues of its own: it never crashes, every malformed message
lands in a dead-letter queue of this test unchanged, valid ones schedule what they must, and a phase of
only malformed messages leaves every table as it was."""

import collections

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rocky_scheduler.ingest.consumer import AmqpConsumer
from rocky_scheduler.ingest.dead_letter import REASON_HEADER, SOURCE_QUEUE_HEADER
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS
from tests.ingest.broker import AMQP_URL, Broker, ConsumerThread, unique_suffix
from tests.security.conftest import assert_unchanged
from tests.security.ingest_checks import assert_left_no_trace, assert_scheduled_as_expected
from tests.security.snapshot import database_snapshot
from tests.security.strategies import MALFORMED_OVER_AMQP, MUTATIONS, VALID, Message, Spec, every_defect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Each example starts a consumer and waits for it to handle a batch: a few seconds, so only a few.
EXAMPLES = 3
HANDLE_TIMEOUT = 60.0


@pytest.fixture
def names() -> dict[str, str]:
    suffix = unique_suffix()
    names = {
        "mutations": f"{SCAN_PROFILE_MUTATIONS}.security.{suffix}",
        "raw_files": f"{RAW_FILE_RECEIVED}.security.{suffix}",
        "dead_letter": f"rocky_scheduler.dead_letter.security.{suffix}",
    }
    yield names
    cleanup = Broker()
    cleanup.delete(*names.values())
    cleanup.close()


@pytest.fixture
def broker(names):
    broker = Broker(AMQP_URL)
    yield broker
    broker.close()


@pytest.fixture
def demo(db) -> None:
    demo_seed(username="consumer-fuzz", password="consumer-fuzz-password")


def consumer_for(names: dict[str, str]) -> ConsumerThread:
    consumer = AmqpConsumer(
        AMQP_URL,
        queues={names["mutations"]: SCAN_PROFILE_MUTATIONS, names["raw_files"]: RAW_FILE_RECEIVED},
        run_seconds=HANDLE_TIMEOUT * 2,
        prefetch=10,
        dead_letter_queue=names["dead_letter"],
        connection_name=f"rocky_scheduler security fuzz {unique_suffix()}",
    )
    return ConsumerThread(consumer)


def queue_of(message: Message, names: dict[str, str]) -> str:
    return names["mutations"] if message.queue == MUTATIONS else names["raw_files"]


def feed(broker: Broker, names: dict[str, str], messages: list[Message]) -> ConsumerThread:
    """Publish `messages`, run a consumer until it handled them all, stop it; it must not have crashed."""
    for message in messages:
        broker.publish(queue_of(message, names), message.body)
    with consumer_for(names) as consumer:
        consumer.wait_handled(len(messages), timeout=HANDLE_TIMEOUT)
    stats = consumer.stop()
    assert (stats.database_errors, stats.reconnects) == (0, 0), stats
    return consumer


def assert_dead_lettered_exactly(broker: Broker, names: dict[str, str], malformed: list[Message]) -> None:
    dead = broker.get_all(names["dead_letter"])
    # Pairs, not a body -> queue map: the generator may send one and the same body to both queues.
    expected = collections.Counter((message.body, queue_of(message, names)) for message in malformed)
    assert collections.Counter((body, properties.headers[SOURCE_QUEUE_HEADER]) for properties, body in dead) == expected
    for properties, body in dead:
        assert properties.headers[REASON_HEADER], body[:200]


def test_every_named_defect_is_dead_lettered_and_changes_nothing(demo, broker, names):
    malformed = [spec.build() for spec in every_defect()]
    before = database_snapshot()

    consumer = feed(broker, names, malformed)

    assert (consumer.stats.processed, consumer.stats.dead_lettered) == (0, len(malformed))
    assert_dead_lettered_exactly(broker, names, malformed)
    assert_unchanged(before, "named defects over AMQP")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    malformed=st.lists(MALFORMED_OVER_AMQP, min_size=5, max_size=15),
    mixed=st.lists(VALID | MALFORMED_OVER_AMQP, min_size=5, max_size=15),
)
def test_generated_bodies(demo, broker, names, malformed: list[Spec], mixed: list[Spec]):
    # Phase 1, only malformed messages: all dead-lettered, not one table changed.
    refused = [spec.build() for spec in malformed]
    before = database_snapshot()
    consumer = feed(broker, names, refused)
    assert consumer.stats.dead_lettered == len(refused), [spec.kind for spec in malformed]
    assert_dead_lettered_exactly(broker, names, refused)
    assert_unchanged(before, f"malformed over AMQP: {[spec.kind for spec in malformed]}")

    # Phase 2, valid and malformed interleaved: each valid one scheduled what it must, the rest left no trace.
    messages = [spec.build() for spec in mixed]
    valid = [message for spec, message in zip(mixed, messages, strict=True) if spec.valid]
    invalid = [message for spec, message in zip(mixed, messages, strict=True) if not spec.valid]
    consumer = feed(broker, names, messages)
    assert (consumer.stats.processed, consumer.stats.dead_lettered) == (len(valid), len(invalid))
    assert_dead_lettered_exactly(broker, names, invalid)
    for message in valid:
        assert_scheduled_as_expected(message)
    for message in invalid:
        assert_left_no_trace(message)
