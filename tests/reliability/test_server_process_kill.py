"""SIGKILL of a gunicorn worker process in the middle of HTTP pops: nothing doubled, nothing lost.

Eight runners drain 2,000 tasks through a server with two worker processes and report each task
completed. Mid-run one worker is killed with SIGKILL while it serves a request, and one more runner
dies after sending its pop. A task can then be in three states only: completed by the one runner
that received it; dispatched, because its pop committed but the answer never reached anyone; never
queued twice. Lease expiry puts the dispatched ones back (attempts 1) and they are popped again.
"""

import datetime
import os
import signal

import psutil
import pytest
from django.utils import timezone

from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_expire_leases
from tests.factories import bulk_backlog
from tests.ingest.broker import wait_until
from tests.reliability.helpers import Popper, duplicates, join_all, run_poppers, superuser_token
from tests.support.http_recorder import gunicorn_workers, send_and_vanish
from tests.support.live_server import GunicornServer

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

BACKLOG = 2_000
POPPERS = 8
KILL_AFTER = 500
VANISHED_POP = 5


def _serving_a_request(pid: int, port: int) -> bool:
    """A sync gunicorn worker holds an accepted client connection only while it serves a request."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return False
    return any(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in connections)


def test_sigkill_of_a_server_process_mid_pop_doubles_and_loses_nothing(tmp_path):
    backlog = {str(task.id) for task in bulk_backlog(BACKLOG)}
    token = superuser_token("runner")
    vanishing_token = superuser_token("vanishing-runner")
    server = GunicornServer(workers=2, log_dir=tmp_path)
    try:
        poppers = [Popper(server.port, token) for _ in range(POPPERS)]
        for popper in poppers:
            popper.start()
        wait_until(lambda: sum(len(p.received) for p in poppers) >= KILL_AFTER, what=f"{KILL_AFTER} pops")
        victim, survivor = gunicorn_workers(server)
        wait_until(lambda: _serving_a_request(victim, server.port), timeout=10, what="the victim serving a request")
        os.kill(victim, signal.SIGKILL)
        # A runner that dies right after sending its pop: the server dispatches, nobody reads the answer.
        send_and_vanish(server.port, "POST", f"/api/v1/schedulers/boefje/pop?limit={VANISHED_POP}", vanishing_token)
        wait_until(
            lambda: len(gunicorn_workers(server)) == 2 and victim not in gunicorn_workers(server),
            what="gunicorn replacing the killed worker",
        )
        join_all(poppers, timeout=240)
        assert server.process.poll() is None, "the gunicorn master must survive a worker's death"
        wait_until(
            lambda: Task.objects.filter(lease_owner="user:vanishing-runner").count() == VANISHED_POP,
            what="the vanished runner's pop to be served",
        )

        # Nobody got a task twice; nothing but broken connections went wrong.
        assert [p.unexpected for p in poppers] == [[]] * POPPERS
        assert not any(p.timed_out for p in poppers)
        received = [p.received for p in poppers]
        assert duplicates(received) == []
        received_ids = {task_id for ids in received for task_id in ids}

        # Every task received was completed; every other task is dispatched (answer lost), none queued.
        by_status = _ids_by_status()
        assert by_status.pop(TaskStatus.COMPLETED) == received_ids
        lost_answers = by_status.pop(TaskStatus.DISPATCHED)
        assert by_status == {}, f"unexpected states: { {s: len(ids) for s, ids in by_status.items()} }"
        assert received_ids | lost_answers == backlog
        vanished = {
            str(i) for i in Task.objects.filter(lease_owner="user:vanishing-runner").values_list("id", flat=True)
        }
        assert vanished <= lost_answers

        # Lease expiry, driven with a clock past the dispatch timeout, puts exactly those back.
        timeout = Scheduler.objects.get(pk="boefje").dispatch_timeout_seconds
        later = timezone.now() + datetime.timedelta(seconds=timeout + 1)
        assert task_expire_leases(clock=lambda: later).requeued == len(lost_answers)
        requeued = Task.objects.filter(pk__in=lost_answers)
        assert {(t.status, t.attempts) for t in requeued} == {(TaskStatus.QUEUED, 1)}
        assert TaskEvent.objects.filter(task__in=requeued, kind=TaskEvent.Kind.LEASE_EXPIRED).count() == len(
            lost_answers
        )

        # ...and the server (with its replacement worker) hands them out again, once each.
        second_round = [Popper(server.port, token) for _ in range(2)]
        run_poppers(second_round)
        assert [p.unexpected for p in second_round] == [[], []]
        again = [p.received for p in second_round]
        assert duplicates(received + again) == []
        assert {task_id for ids in again for task_id in ids} == lost_answers
        assert Task.objects.filter(status=TaskStatus.COMPLETED).count() == BACKLOG
    finally:
        server.stop()

    unanswered = sum(p.unanswered_pops for p in poppers)
    print(
        f"\nkilled worker {victim} (survivor {survivor}); pops without an answer: {unanswered} "
        f"(+1 vanished runner); completions re-sent: {sum(p.completion_retries for p in poppers)}; "
        f"dispatched without a reader: {len(lost_answers)}; requeued by lease expiry and popped again"
    )


def _ids_by_status() -> dict[str, set[str]]:
    by_status: dict[str, set[str]] = {}
    for task_id, status in Task.objects.values_list("id", "status"):
        by_status.setdefault(status, set()).add(str(task_id))
    return by_status
