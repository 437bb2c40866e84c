"""Priority edited in the task list: saved through task_set_priority, so the history names the
user and the next pop (through this process's heap cache) hands out the task that was moved."""

import pytest

from rocky_scheduler.models import Task, TaskEvent, TaskStatus
from rocky_scheduler.services import task_pop
from tests.admin.conftest import change, changelist, list_edit_payload, messages_of, push_tasks
from tests.factories import TaskFactory
from tests.support.users import actor

pytestmark = pytest.mark.django_db


def test_priority_set_to_1_in_the_list_is_what_the_next_pop_returns(analyst_client, django_capture_on_commit_callbacks):
    tasks = push_tasks(40, priority=50)
    # Warm the heap cache first: the list edit must reach it, not just the table.
    with django_capture_on_commit_callbacks(execute=True):
        [first] = task_pop(scheduler_id="boefje")
    assert first.pk == tasks[0].pk
    last = tasks[-1]

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(changelist("task"), list_edit_payload([(last, 1)]), follow=True)

    assert messages_of(response) == ["1 task was changed successfully."]
    event = TaskEvent.objects.get(task=last, kind="priority")
    assert (event.from_priority, event.to_priority, event.actor) == (50, 1, actor("ana"))
    [popped] = task_pop(scheduler_id="boefje")
    assert popped.pk == last.pk


def test_the_list_offers_priority_inputs_to_analysts_read_only_for_tasks_not_queued(analyst_client):
    queued = push_tasks(1)[0]
    running = TaskFactory(status=TaskStatus.RUNNING)

    page = analyst_client.get(changelist("task"))
    forms = {form.instance.pk: form for form in page.context["cl"].formset.forms}

    assert "readonly" not in forms[queued.pk]["priority"].field.widget.attrs
    assert forms[running.pk]["priority"].field.widget.attrs["readonly"] is True


def test_a_priority_edit_on_a_task_that_left_the_queue_is_refused_on_its_row(analyst_client):
    queued = push_tasks(2, priority=9)
    # The page was loaded while both were queued; one was popped before the user pressed save.
    Task.objects.filter(pk=queued[1].pk).update(status=TaskStatus.DISPATCHED)

    response = analyst_client.post(changelist("task"), list_edit_payload([(queued[0], 2), (queued[1], 3)]))

    assert response.status_code == 200
    errors = [form.errors for form in response.context["cl"].formset.forms]
    assert {"priority": ["Only queued tasks can be re-prioritised; this one is 'dispatched'."]} in errors
    # Nothing of the page was saved: the user sees the refusal and saves again.
    assert [Task.objects.get(pk=task.pk).priority for task in queued] == [9, 9]


def test_a_priority_below_1_is_refused(analyst_client):
    task = push_tasks(1, priority=9)[0]

    response = analyst_client.post(changelist("task"), list_edit_payload([(task, 0)]))

    assert response.context["cl"].formset.forms[0].errors["priority"]
    assert Task.objects.get(pk=task.pk).priority == 9


def test_the_change_form_saves_priority_through_the_service(analyst_client):
    task = push_tasks(1, priority=9)[0]
    page = analyst_client.get(change("task", task.pk))
    inline = page.context["inline_admin_formsets"][0].formset
    management = {
        f"{inline.prefix}-{key}": value for key, value in inline.management_form.initial.items() if value is not None
    }

    response = analyst_client.post(change("task", task.pk), {"priority": "3", **management}, follow=True)

    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).priority == 3
    assert TaskEvent.objects.get(task=task, kind="priority").actor == actor("ana")


def test_the_change_form_shows_data_pretty_printed_and_the_history(analyst_client):
    task = push_tasks(1, actor="user:someone")[0]

    page = analyst_client.get(change("task", task.pk)).content.decode()

    assert '<pre class="rocky-json"' in page
    assert "&quot;input_ooi&quot;: &quot;Hostname|internet|" in page
    assert "user:someone" in page  # the `created` history row, inline
    # What the scheduler owns is shown, never as an input.
    for owned in ("status", "hash", "type", "attempts", "lease_owner", "dispatched_at", "created_at"):
        assert f'name="{owned}"' not in page
    assert 'name="priority"' in page


def test_a_finished_task_has_a_view_only_page(analyst_client):
    task = TaskFactory(status=TaskStatus.COMPLETED)

    page = analyst_client.get(change("task", task.pk)).content.decode()

    assert 'name="priority"' not in page
    assert 'name="_save"' not in page
    assert analyst_client.post(change("task", task.pk), {"priority": "1"}).status_code == 403
