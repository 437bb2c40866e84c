"""Factories and payload builders shared by the tests."""

import itertools
import uuid

import factory
from django.utils import timezone

from rocky_scheduler.hashing import digest
from rocky_scheduler.models import Task, TaskStatus

_counter = itertools.count()


def boefje_data(*, ooi: str | None = None, boefje_id: str = "dns-records", organisation: str = "acme") -> dict:
    """A BoefjeTask payload as OpenKAT's Rocky sends it."""
    if ooi is None:
        ooi = f"Hostname|internet|host{next(_counter)}.example.com"
    return {
        "id": None,
        "boefje": {"id": boefje_id, "name": boefje_id, "version": None},
        "input_ooi": ooi,
        "organization": organisation,
        "dispatches": [],
    }


def normalizer_data(*, normalizer_id: str = "kat_dns_normalize", organisation: str = "acme") -> dict:
    return {
        "normalizer": {"id": normalizer_id, "version": None},
        "raw_data": {
            "id": str(uuid.uuid4()),
            "boefje_meta": {
                "id": str(uuid.uuid4()),
                "boefje": {"id": "dns-records", "version": None},
                "input_ooi": "Hostname|internet|example.com",
                "arguments": {},
                "organization": organisation,
            },
            "mime_types": [{"value": "boefje/dns-records"}],
        },
    }


class TaskFactory(factory.django.DjangoModelFactory):
    """A queued boefje task written straight to the table (no service), for bulk backlogs.

    As push would store it: `data.id` is the task's id.
    """

    class Meta:
        model = Task

    id = factory.LazyFunction(uuid.uuid4)
    scheduler_id = "boefje"
    organisation = "acme"
    priority = 5
    status = TaskStatus.QUEUED
    type = "boefje"
    data = factory.LazyAttribute(lambda task: {**boefje_data(), "id": str(task.id)})
    hash = factory.LazyAttribute(lambda task: digest(f"{task.data['input_ooi']}-dns-records-acme"))
    created_at = factory.LazyFunction(timezone.now)
    modified_at = factory.LazyFunction(timezone.now)


def bulk_backlog(count: int, *, scheduler_id: str = "boefje", priorities=None, start=None) -> list[Task]:
    """Insert `count` queued tasks with strictly increasing created_at, in batches."""
    start = start or timezone.now() - timezone.timedelta(days=1)
    tasks = []
    for index in range(count):
        task_id = uuid.uuid4()
        data = {**boefje_data(), "id": str(task_id)}
        tasks.append(
            Task(
                id=task_id,
                scheduler_id=scheduler_id,
                organisation="acme",
                priority=priorities[index] if priorities else 5,
                status=TaskStatus.QUEUED,
                type="boefje",
                data=data,
                hash=digest(f"{data['input_ooi']}-dns-records-acme"),
                created_at=start + timezone.timedelta(milliseconds=index),
                modified_at=start,
            )
        )
    return Task.objects.bulk_create(tasks, batch_size=2000)
