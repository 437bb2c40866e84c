"""A consumer killed between commit and ack: the broker redelivers, and nothing is scheduled twice."""

import datetime
import json
import os
import select
import signal
import subprocess
import sys

import pytest
from django.db.models import Count
from django.utils import timezone

from rocky_scheduler.models import ProcessedMessage, Task, TaskStatus
from tests.ingest.broker import AMQP_URL, WAIT_SECONDS, needs_rabbitmqctl, queue_info, unique_suffix, wait_until
from tests.ingest.payloads import mutation, raw_file
from tests.support import processes as support_processes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def read_line(process: subprocess.Popen, *, timeout: float = WAIT_SECONDS) -> dict:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"no line from the consumer process within {timeout} s"
    line = process.stdout.readline()
    assert line, f"the consumer process exited with {process.wait()}"
    return json.loads(line)


@pytest.fixture
def killable_consumer(queues):
    processes: list[subprocess.Popen] = []

    def start(*, prefetch: int) -> subprocess.Popen:
        options = {
            "url": AMQP_URL,
            "queues": queues.mapping,
            "run_seconds": 120,
            "prefetch": prefetch,
            "dead_letter_queue": queues.dead_letter,
            "connection_name": f"rocky_scheduler test killable {unique_suffix()}",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.ingest.consumer_process", json.dumps(options)],
            cwd=support_processes.ROOT,
            env={**os.environ, "DATABASE_URL": support_processes.test_database_url()},
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT_SECONDS)
        process.stdout.close()


# prefetch 1: the copy is delivered fresh after the kill (hash dedup refuses it);
# prefetch 10: both copies were in flight and both come back redelivered (the digest skips them).
@pytest.mark.parametrize("prefetch", [1, 10])
@needs_rabbitmqctl
def test_kill_between_commit_and_ack_schedules_each_hash_once(
    demo, broker, queues, consume, killable_consumer, prefetch
):
    host = mutation(level=1)
    raw = raw_file(mime_types=["boefje/dns-records"])
    for message in (host, host):
        broker.publish(queues.mutations, message)
    for message in (raw, raw):
        broker.publish(queues.raw_files, message)

    process = killable_consumer(prefetch=prefetch)
    assert "committed" in read_line(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=WAIT_SECONDS)

    # The killed consumer committed one batch (one message, or with prefetch 10 both queues' messages may have
    # been in it) but acked nothing: all four are back.
    assert ProcessedMessage.objects.count() in (1, 2)
    wait_until(
        lambda: all(queue_info(queue)["messages"] == 2 for queue in (queues.mutations, queues.raw_files)),
        what="the broker to requeue the killed consumer's messages",
    )

    drainer = consume()
    drainer.wait_handled(4)
    stats = drainer.stop()

    assert (stats.processed, stats.dead_lettered) == (4, 0)
    assert set(Task.objects.values_list("type", "data__boefje__id", "data__normalizer__id")) == {
        ("boefje", "dns-records", None),
        ("normalizer", None, "kat_dns_normalize"),
    }
    per_hash = Task.objects.values("scheduler_id", "hash").annotate(tasks=Count("id"))
    assert [row["tasks"] for row in per_hash] == [1, 1]
    for queue in (queues.mutations, queues.raw_files):
        assert queue_info(queue)["messages"] == 0


class ConnectionDiesBeforeAck(Exception):
    """What the consumer sees when its connection breaks between the commit and the ack."""


def test_redelivery_of_a_committed_message_schedules_nothing_even_after_its_task_finished(
    demo, broker, queues, consume
):
    """The message digest, not the queued-task dedup, refuses the redelivered copy: its task is long done."""
    host = mutation(level=1)
    deliveries: list[bytes] = []

    def finish_task_then_break(queue: str, body: bytes) -> None:
        deliveries.append(body)
        if len(deliveries) == 1:
            # The task ran and completed a month ago, beyond every interval, so rules alone would re-queue it.
            month_ago = timezone.now() - datetime.timedelta(days=30)
            Task.objects.update(status=TaskStatus.COMPLETED, modified_at=month_ago)
            raise ConnectionDiesBeforeAck

    broker.publish(queues.mutations, host)
    consumer = consume(after_commit_before_ack=finish_task_then_break)
    consumer.wait_handled(1)
    stats = consumer.stop()

    assert len(deliveries) == 2, "the unacked message was delivered again"
    assert (stats.processed, stats.reconnects) == (1, 1)
    assert list(Task.objects.values_list("status", flat=True)) == [TaskStatus.COMPLETED]
    assert queue_info(queues.mutations)["messages"] == 0


def test_end_of_a_run_processes_what_was_delivered_instead_of_handing_it_back(demo, broker, queues, consume):
    """Runs end every minute; a message handed back then would return flagged `redelivered` for nothing."""
    messages = [mutation(level=1) for _ in range(300)]
    for message in messages:
        broker.publish(queues.mutations, message)

    consumer = consume(prefetch=50)
    consumer.wait_handled(30)
    stats = consumer.stop()

    left = []
    while True:
        method, _, _ = broker.channel.basic_get(queue=queues.mutations, auto_ack=False)
        if method is None:
            break
        left.append(method.redelivered)
    broker.channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
    assert stats.processed < len(messages), "the run ended although a backlog was waiting"
    assert stats.processed + len(left) == len(messages)
    assert left.count(True) == 0, "no message went back to the queue after being delivered"
    assert Task.objects.count() == stats.processed
