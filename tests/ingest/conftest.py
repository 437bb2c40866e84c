import subprocess
from dataclasses import dataclass

import pika
import pytest
from pika.exceptions import AMQPConnectionError

from rocky_scheduler.ingest.consumer import AmqpConsumer
from rocky_scheduler.services.demo_seed import demo_seed
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS
from tests.ingest.broker import (
    AMQP_URL,
    RABBITMQCTL,
    Broker,
    ConsumerThread,
    rabbitmqctl,
    unique_suffix,
    url_for_vhost,
)
from tests.support.openkat_fixtures import katalogus, octopoes, openkat_setting  # noqa: F401


@dataclass(frozen=True)
class IngestQueues:
    """Queue names of one test: OpenKAT's names with a suffix, so tests never see each other's messages."""

    mutations: str
    raw_files: str
    dead_letter: str

    @property
    def mapping(self) -> dict[str, str]:
        return {self.mutations: SCAN_PROFILE_MUTATIONS, self.raw_files: RAW_FILE_RECEIVED}


@pytest.fixture(scope="session")
def _rabbitmq_up() -> None:
    try:
        pika.BlockingConnection(pika.URLParameters(AMQP_URL)).close()
    except AMQPConnectionError as error:
        pytest.fail(f"RabbitMQ at {AMQP_URL} (TEST_AMQP_URL) is not reachable: {error!r}")


@pytest.fixture
def broker(_rabbitmq_up):
    broker = Broker()
    yield broker
    broker.close()


@pytest.fixture
def queues(broker):
    suffix = unique_suffix()
    names = IngestQueues(
        mutations=f"{SCAN_PROFILE_MUTATIONS}.test.{suffix}",
        raw_files=f"{RAW_FILE_RECEIVED}.test.{suffix}",
        dead_letter=f"rocky_scheduler.dead_letter.test.{suffix}",
    )
    yield names
    cleanup = Broker()
    cleanup.delete(names.mutations, names.raw_files, names.dead_letter)
    cleanup.close()


@pytest.fixture
def demo(db):
    demo_seed(username="ingest-admin", password="ingest-admin-password")


@pytest.fixture
def make_consumer(queues):
    """An AmqpConsumer on this test's queues; keyword arguments override the test defaults."""

    def make(**overrides) -> AmqpConsumer:
        options = {
            "queues": queues.mapping,
            "run_seconds": 120,
            "prefetch": 10,
            "dead_letter_queue": queues.dead_letter,
            "connection_name": f"rocky_scheduler test {unique_suffix()}",
            **overrides,
        }
        return AmqpConsumer(options.pop("url", AMQP_URL), **options)

    return make


@pytest.fixture
def consume(make_consumer):
    """Start a consumer thread; it is stopped (and must not have crashed) at the end of the test."""
    started: list[ConsumerThread] = []

    def start(**overrides) -> ConsumerThread:
        thread = ConsumerThread(make_consumer(**overrides))
        started.append(thread.__enter__())
        return thread

    yield start
    for thread in started:
        thread.stop()


@pytest.fixture
def rabbitmqctl_available() -> None:
    assert RABBITMQCTL is not None, "rabbitmqctl is not installed here (it comes with RabbitMQ)"


@pytest.fixture
def vhost(_rabbitmq_up):
    """A virtual host of our own, where OpenKAT's real queue names cannot meet anyone else's messages."""
    assert RABBITMQCTL is not None, "rabbitmqctl is needed to create a virtual host"
    name = f"rocky_scheduler_test_{unique_suffix()}"
    user = pika.URLParameters(AMQP_URL).credentials.username
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
    yield name, url_for_vhost(name)
    subprocess.run([RABBITMQCTL, "-q", "delete_vhost", name], capture_output=True, timeout=60, check=False)
