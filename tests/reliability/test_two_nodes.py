"""Two whole nodes on one PostgreSQL and one RabbitMQ: each message once, a lost node taken over, a rolling restart.

Each node is a gunicorn server and a django-q2 cluster (`manage.py qcluster`) whose jobs consume the AMQP
queues, reschedule and expire leases, exactly as `make run` starts them. The test publishes scan-profile
mutations as Octopoes does, to a RabbitMQ node of its own, and watches the database:
1. with both nodes up, every mutation becomes one task;
2. after kill -9 of one node's cluster, the other consumes what follows and queues the schedules that fall
   due, within two minutes;
3. a rolling restart of both nodes while mutations keep coming loses none and doubles none;
then boefje runners on both servers pop everything: no task reaches two of them.
It runs once straight against PostgreSQL and once through PgBouncer in transaction mode (prepared
statements and server-side cursors off, DATABASE_POOL_MODE=transaction).
"""

import json
import threading
import time

import pytest
from django.db.models import Count

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Task
from rocky_scheduler.services.background import background_schedules_declare
from rocky_scheduler.services.demo_seed import demo_seed
from tests.ingest.broker import wait_until
from tests.ingest.payloads import hostname, mutation
from tests.ingest.publisher import ConfirmingPublisher
from tests.reliability.helpers import Popper, due_schedules, duplicates, run_poppers, superuser_token
from tests.reliability.nodes import Node
from tests.support import processes
from tests.support.pgbouncer import PgBouncer
from tests.support.private_services import RabbitNode

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.slow,
    pytest.mark.timeout(900),
]

PER_PHASE = 300
DUE = 200
TAKEOVER_SECONDS = 120.0
# A cluster takes up to a minute to start its first ingest run (django-q2 checks its schedules every 30 s,
# the consumer job starts once a minute), and two clusters share two cores with two servers.
FIRST_CONSUMPTION_SECONDS = 180.0


@pytest.fixture
def rabbit():
    node = RabbitNode()
    yield node
    node.close()


@pytest.fixture(params=["postgresql", "pgbouncer"])
def database_route(request):
    """How the nodes reach the test database: straight, or through a PgBouncer in transaction mode."""
    if request.param == "postgresql":
        yield processes.test_database_url(), "session"
        return
    bouncer = PgBouncer()
    yield bouncer.url_for(processes.test_database_url()), "transaction"
    bouncer.close()


def mutation_hashes(publisher: ConfirmingPublisher, count: int, *, pause: float = 0.0) -> set[str]:
    """Publish `count` level-1 hostname mutations for acme; the hashes of the tasks they must become."""
    hashes = set()
    for _ in range(count):
        message = mutation(primary_key=hostname(), level=1)
        publisher.publish(json.dumps(message).encode())
        hashes.add(digest(f"{message['primary_key']}-dns-records-acme"))
        if pause:
            time.sleep(pause)
    return hashes


def tasks_for(hashes: set[str]) -> int:
    return Task.objects.filter(hash__in=hashes).count()


def test_two_nodes_share_the_work_survive_a_lost_node_and_a_rolling_restart(tmp_path, rabbit, database_route):
    database_url, pool_mode = database_route
    demo_seed(username="demo", password="demo-pw")
    background_schedules_declare()
    token = superuser_token("runner")
    publisher = ConfirmingPublisher(rabbit.url)
    nodes: list[Node] = []
    try:
        for name in ("a", "b"):
            nodes.append(
                Node(name, database_url=database_url, amqp_url=rabbit.url, log_dir=tmp_path, pool_mode=pool_mode)
            )
        a, b = nodes

        # 1. Both nodes up: every mutation once.
        first = mutation_hashes(publisher, PER_PHASE)
        wait_until(lambda: tasks_for(first) == PER_PHASE, timeout=FIRST_CONSUMPTION_SECONDS, what="the first tasks")

        # 2. Node a is lost; b must consume what comes next and reschedule what falls due, within two minutes.
        a.kill_cluster()
        lost_at = time.monotonic()
        second = mutation_hashes(publisher, PER_PHASE)
        due = {schedule.pk for schedule in due_schedules(DUE, prefix="takeover")}

        def taken_over() -> bool:
            queued_due = Task.objects.filter(schedule_id__in=due).values("schedule_id").distinct().count()
            return tasks_for(second) == PER_PHASE and queued_due == DUE

        wait_until(taken_over, timeout=TAKEOVER_SECONDS + 60, what="node b to take over")
        takeover = time.monotonic() - lost_at
        assert takeover <= TAKEOVER_SECONDS, f"node b took {takeover:.0f} s to take over"
        a.start_cluster()

        # 3. A rolling restart of both while mutations keep coming.
        third: set[str] = set()
        publishing = threading.Thread(
            target=lambda: third.update(mutation_hashes(publisher, PER_PHASE, pause=0.1)), daemon=True
        )
        publishing.start()
        for node in nodes:
            node.restart()
        publishing.join(timeout=120)
        assert not publishing.is_alive(), "publishing did not finish"
        wait_until(lambda: tasks_for(third) == PER_PHASE, timeout=TAKEOVER_SECONDS, what="the tasks after restarts")

        # Boefje runners on both servers take everything that is queued.
        poppers = [Popper(node.port, token, limit=3, seconds=300) for node in nodes for _ in range(3)]
        run_poppers(poppers, timeout=330)
    except BaseException:
        print("\n".join(node.logs() for node in nodes))
        raise
    finally:
        for node in nodes:
            node.stop()
        publisher.close()

    expected = first | second | third
    per_hash = dict(Task.objects.filter(hash__in=expected).values_list("hash").annotate(tasks=Count("id")))
    assert {h: n for h, n in per_hash.items() if n > 1} == {}, "a mutation was scheduled twice"
    assert set(per_hash) == expected, f"{len(expected - set(per_hash))} mutations were lost"
    received = [popper.received for popper in poppers]
    assert duplicates(received) == [], "a task reached two runners"
    wanted = set(map(str, Task.objects.filter(hash__in=expected).values_list("id", flat=True)))
    wanted |= set(map(str, Task.objects.filter(schedule_id__in=due).values_list("id", flat=True)))
    got = {task_id for ids in received for task_id in ids}
    assert wanted <= got, f"{len(wanted - got)} queued tasks were never handed out"
    assert all(not popper.unexpected and not popper.timed_out for popper in poppers)
    print(
        f"\n{pool_mode} pooling: {len(expected)} mutations, {DUE} due schedules; takeover after the lost "
        f"cluster {takeover:.0f} s; {len(got)} tasks popped on two servers, none twice"
    )
