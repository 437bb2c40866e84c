"""`data.id` is the task's id on every boefje and normalizer task that leaves the scheduler.

The boefje runner parses `data` as BoefjeMeta/NormalizerMeta, whose `id` is a required UUID; Rocky's
run_boefje pushes `"id": null`. A task that came back with a null `data.id` could never run.
"""

import importlib
import uuid

import pytest
from django.apps import apps
from django.db import connection

from tests.factories import TaskFactory, boefje_data, normalizer_data
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("without", ["null", "missing"])
def test_a_boefje_task_without_data_id_gets_its_own_id_everywhere(worker_api, admin_api, without):
    data = boefje_data()
    if without == "missing":
        del data["id"]
    pushed = worker_api.post(f"{PREFIX}/schedulers/boefje/push", {"organisation": "acme", "data": data}, format="json")
    assert pushed.status_code == 201
    task_id = pushed.json()["id"]
    assert pushed.json()["data"]["id"] == task_id

    assert admin_api.get(f"{PREFIX}/tasks/{task_id}").json()["data"]["id"] == task_id
    [listed] = admin_api.get(f"{PREFIX}/tasks").json()["results"]
    assert listed["data"]["id"] == task_id
    [popped] = worker_api.post(f"{PREFIX}/schedulers/boefje/pop").json()["results"]
    assert popped["id"] == popped["data"]["id"] == task_id


def test_a_normalizer_task_gets_its_id_in_data_too(worker_api):
    pushed = worker_api.post(
        f"{PREFIX}/schedulers/normalizer/push", {"organisation": "acme", "data": normalizer_data()}, format="json"
    )
    assert pushed.status_code == 201
    assert pushed.json()["data"]["id"] == pushed.json()["id"]


def test_a_given_data_id_becomes_the_task_id(worker_api):
    given = str(uuid.uuid4())
    data = {**boefje_data(), "id": given}
    pushed = worker_api.post(f"{PREFIX}/schedulers/boefje/push", {"organisation": "acme", "data": data}, format="json")
    assert pushed.json()["id"] == pushed.json()["data"]["id"] == given


def test_report_tasks_keep_their_data_as_given(worker_api):
    data = {"report_recipe_id": str(uuid.uuid4()), "organisation_id": "acme"}
    pushed = worker_api.post(f"{PREFIX}/schedulers/report/push", {"organisation": "acme", "data": data}, format="json")
    assert pushed.status_code == 201
    assert pushed.json()["data"] == data


def test_the_data_migration_writes_the_task_id_into_rows_without_one():
    migration = importlib.import_module("rocky_scheduler.migrations.0008_task_data_id")
    null_id = TaskFactory(data={**boefje_data(), "id": None})
    missing = TaskFactory(data={key: value for key, value in boefje_data().items() if key != "id"})
    keyed = TaskFactory(data={**boefje_data(), "id": None, "deduplication_key": str(uuid.uuid4())})
    own = str(uuid.uuid4())
    kept = TaskFactory(data={**boefje_data(), "id": own})

    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)

    for task in (null_id, missing, keyed):
        task.refresh_from_db()
        assert task.data["id"] == str(task.pk)
    assert str(keyed.deduplication_key) == keyed.data["deduplication_key"]
    kept.refresh_from_db()
    assert kept.data["id"] == own
