"""Deduplication groups: tasks that share `data.deduplication_key` are one boefje run for several organisations.

DESIGN.md "HTTP API": a pop whose best task has a key returns that key's queued group (up to `limit`), all
dispatched in one claim; a pop whose best task has no key returns only keyless tasks.
"""

import collections
import random
import time
import uuid

import pytest
from django.db.models import Q
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop, task_push
from tests.factories import boefje_data
from tests.support.processes import Workers

_ORGANISATIONS = ("acme", "globex", "initech", "umbrella")


def push(*, priority: int, key: uuid.UUID | None = None, organisation: str = "acme", ooi: str | None = None) -> Task:
    data = boefje_data(ooi=ooi, organisation=organisation)
    if key is not None:
        data["deduplication_key"] = str(key)
    return task_push(scheduler_id="boefje", organisation=organisation, data=data, priority=priority)


def push_group(*, priorities: list[int], key: uuid.UUID | None = None) -> list[Task]:
    """One object held by several organisations: the same work for each, under one key."""
    key = key or uuid.uuid4()
    ooi = f"Hostname|internet|{key.hex[:12]}.example.com"
    return [
        push(priority=priority, key=key, organisation=organisation, ooi=ooi)
        for priority, organisation in zip(priorities, _ORGANISATIONS, strict=False)
    ]


def ids(tasks) -> set[str]:
    return {str(task.id) for task in tasks}


@pytest.mark.django_db
class TestOnePop:
    def test_the_best_tasks_group_comes_back_whole_and_alone(self):
        keyless = [push(priority=5) for _ in range(3)]
        group = push_group(priorities=[2, 9, 20])
        other_group = push_group(priorities=[3, 3])

        popped = task_pop(scheduler_id="boefje", limit=10)

        assert ids(popped) == ids(group)
        assert [task.priority for task in popped] == [2, 9, 20], "best first"
        assert all(task.status == TaskStatus.DISPATCHED for task in popped)
        still_queued = Task.objects.filter(status=TaskStatus.QUEUED)
        assert set(map(str, still_queued.values_list("id", flat=True))) == ids(keyless) | ids(other_group)
        # Each member has its own history row of the claim.
        assert TaskEvent.objects.filter(task__in=group, to_status=TaskStatus.DISPATCHED).count() == 3

    def test_a_keyless_best_task_brings_only_keyless_work(self):
        first = push(priority=2)
        push_group(priorities=[3, 3])
        later = [push(priority=4), push(priority=7)]

        popped = task_pop(scheduler_id="boefje", limit=10)

        assert ids(popped) == ids([first, *later])
        assert Task.objects.filter(status=TaskStatus.QUEUED, deduplication_key__isnull=False).count() == 2

    def test_limit_below_the_group_size_takes_its_best_members(self):
        group = push_group(priorities=[4, 2, 3])
        popped = task_pop(scheduler_id="boefje", limit=2)
        assert [task.priority for task in popped] == [2, 3]
        rest = task_pop(scheduler_id="boefje", limit=5)
        assert ids(rest) == ids(group) - ids(popped)

    def test_a_filtered_pop_takes_only_the_members_that_match(self):
        group = push_group(priorities=[2, 2, 2])
        push(priority=1)
        popped = task_pop(
            scheduler_id="boefje", limit=10, filters=Q(organisation__in=["acme", "globex"], priority__gte=2)
        )
        assert ids(popped) == ids(group[:2])

    def test_members_outside_the_heap_window_come_along(self, settings):
        settings.ROCKY_SCHEDULER = {"HEAP_WINDOW": 4, "HEAP_LOW_WATER": 1}
        key = uuid.uuid4()
        leader = push_group(priorities=[2], key=key)
        for _ in range(10):
            push(priority=5)
        # Pushed after the others at a worse priority: far outside a window of four.
        straggler = push(priority=900, key=key, organisation="globex", ooi=leader[0].data["input_ooi"])
        popped = task_pop(scheduler_id="boefje", limit=5)
        assert ids(popped) == ids([*leader, straggler])


@pytest.mark.django_db
def test_the_key_must_be_a_uuid(worker_api):
    data = {**boefje_data(), "deduplication_key": "not-a-uuid"}
    response = worker_api.post("/api/v1/schedulers/boefje/push", {"organisation": "acme", "data": data}, format="json")
    assert response.status_code == 400
    assert "deduplication_key" in response.json()["detail"]


def _backlog(groups: int, keyless: int, seed: int = 7) -> tuple[dict[str, str], set[str]]:
    """Queued tasks written straight to the table: `groups` groups of 2-4 members and `keyless` others."""
    rng = random.Random(seed)
    start = timezone.now() - timezone.timedelta(hours=1)
    tasks, key_of = [], {}
    for index in range(groups + keyless):
        key = uuid.uuid4() if index < groups else None
        for member in range(rng.randint(2, 4) if key else 1):
            data = boefje_data(organisation=_ORGANISATIONS[member])
            if key:
                data["deduplication_key"] = str(key)
            task_id = uuid.uuid4()
            data["id"] = str(task_id)
            tasks.append(
                Task(
                    id=task_id,
                    scheduler_id="boefje",
                    organisation=_ORGANISATIONS[member],
                    priority=rng.randint(2, 30),
                    status=TaskStatus.QUEUED,
                    type="boefje",
                    data=data,
                    hash=digest(f"{data['input_ooi']}-dns-records-{_ORGANISATIONS[member]}"),
                    deduplication_key=key,
                    created_at=start + timezone.timedelta(milliseconds=len(tasks)),
                    modified_at=start,
                )
            )
            if key:
                key_of[str(task_id)] = str(key)
    Task.objects.bulk_create(tasks, batch_size=2000)
    return key_of, {str(task.id) for task in tasks}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_processes_never_split_a_group_nor_get_a_task_twice():
    key_of, backlog = _backlog(groups=1_000, keyless=200)
    workers = Workers(8)
    try:
        start_at = time.time() + 0.5
        for worker in workers:
            worker.send(op="drain_pops", limit=4, start_at=start_at)
        pops = [pop for worker in workers for pop in worker.receive()["pops"]]
    finally:
        workers.close()

    counts = collections.Counter(task_id for pop in pops for task_id in pop)
    assert [task_id for task_id, n in counts.items() if n > 1] == [], "a task was dispatched twice"
    assert set(counts) == backlog, f"lost {len(backlog - set(counts))} tasks"
    members = collections.Counter(key_of.values())
    for pop in pops:
        keys = {key_of.get(task_id) for task_id in pop}
        assert len(keys) == 1, f"a pop mixed a group with other work: {keys}"
        (key,) = keys
        if key is not None:
            # Every group has at most four members and every pop asks for four: the whole group, in one answer.
            assert len(pop) == members[key], f"group {key} was split"
    assert not Task.objects.filter(status=TaskStatus.QUEUED).exists()


@pytest.mark.django_db
class TestDeduplicateFlag:
    """With `deduplicate` on, a boefje push also queues siblings for the other organisations holding the object."""

    OOI = "Hostname|internet|shared.example.com"

    @pytest.fixture
    def shared_object(self, db):
        from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement, Scheduler

        Scheduler.objects.filter(pk="boefje").update(deduplicate=True)
        plugin = Plugin.objects.create(id="dns-records", type="boefje", name="DNS", scan_level=1, consumes=["Hostname"])
        for code, level, enabled in [
            ("acme", 1, True),
            ("globex", 2, True),
            ("initech", 0, True),
            ("umbrella", 3, False),
        ]:
            organisation = Organisation.objects.create(code=code, name=code)
            OOI.objects.create(
                organisation=organisation, primary_key=self.OOI, object_type="Hostname", scan_level=level
            )
            PluginEnablement.objects.create(organisation=organisation, plugin=plugin, enabled=enabled)

    def test_a_push_queues_the_work_for_every_organisation_cleared_for_it_under_one_key(
        self, shared_object, worker_api
    ):
        response = worker_api.post(
            "/api/v1/schedulers/boefje/push",
            {"organisation": "acme", "priority": 1, "data": boefje_data(ooi=self.OOI, organisation="acme")},
            format="json",
        )
        assert response.status_code == 201
        key = response.json()["data"]["deduplication_key"]
        queued = Task.objects.filter(status=TaskStatus.QUEUED)
        # initech holds the object at level 0 (never scanned), umbrella has the boefje disabled.
        assert sorted(queued.values_list("organisation", flat=True)) == ["acme", "globex"]
        sibling = queued.get(organisation="globex")
        assert sibling.data["deduplication_key"] == key and str(sibling.deduplication_key) == key
        assert sibling.data["organization"] == "globex" and sibling.data["id"] == str(sibling.pk)

        popped = worker_api.post("/api/v1/schedulers/boefje/pop?limit=5").json()["results"]
        assert sorted(task["organisation"] for task in popped) == ["acme", "globex"]

    def test_a_push_that_carries_a_key_gets_no_siblings(self, shared_object):
        push(priority=3, key=uuid.uuid4(), ooi=self.OOI)
        assert Task.objects.count() == 1

    def test_without_the_flag_nothing_is_added(self, shared_object):
        from rocky_scheduler.models import Scheduler

        Scheduler.objects.filter(pk="boefje").update(deduplicate=False)
        task = push(priority=3, ooi=self.OOI)
        assert Task.objects.count() == 1 and "deduplication_key" not in task.data

    def test_staff_switch_it_with_patch(self, admin_api, worker_api):
        response = admin_api.patch("/api/v1/schedulers/boefje", {"deduplicate": True}, format="json")
        assert response.status_code == 200 and response.json()["deduplicate"] is True
        assert worker_api.patch("/api/v1/schedulers/boefje", {"deduplicate": False}, format="json").status_code == 403
