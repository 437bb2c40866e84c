"""The task admin in a real browser: what an operator does to steer the queue, checked from a worker's side."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services.tokens import token_issue
from tests.browser.conftest import NARROW, WIDE, log_in
from tests.dashboard.seeding import seed_busy_hours, seed_queue
from tests.support.live_server import Client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUEUED_BOEFJES = "/admin/rocky_scheduler/task/?scheduler__id__exact=boefje&status__exact=queued"


@pytest.fixture
def worker_token() -> str:
    worker = User.objects.create_user("boefje-runner", password="pw-runner")
    worker.groups.add(Group.objects.get(name="scheduler-workers"))
    return token_issue(user=worker)


def pop(site, token: str, limit: int = 1) -> list[dict]:
    client = Client(site.port, token)
    try:
        status, body = client.request("POST", f"/api/v1/schedulers/boefje/pop?limit={limit}")
    finally:
        client.close()
    assert status == 200, body
    return body["results"]


def row_prefix(page, task: Task) -> str:
    """The formset prefix (`form-3`) of the change-list row that edits `task`."""
    name = page.locator(f'#changelist-form input[name$="-id"][value="{task.pk}"]').get_attribute("name")
    return name.removesuffix("-id")


def test_a_priority_set_in_the_task_list_decides_the_next_pop(page, js_errors, staff_user, site, worker_token):
    tasks = seed_queue(queued=7, failed=0)
    last_in_line = tasks[-1]
    log_in(page, next_path="/admin/rocky_scheduler/task/")
    page.goto(QUEUED_BOEFJES)
    expect(page.locator("#result_list tbody tr")).to_have_count(7)

    page.fill(f'input[name="{row_prefix(page, last_in_line)}-priority"]', "1")
    page.click('input[name="_save"]')

    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    (popped,) = pop(site, worker_token)
    assert (popped["id"], popped["priority"], popped["status"]) == (str(last_in_line.pk), 1, "dispatched")
    assert js_errors == []


def test_the_cancel_action_takes_the_selected_tasks_out_of_the_queue(page, js_errors, staff_user, site, worker_token):
    tasks = seed_queue(queued=7, failed=0)
    chosen = tasks[1:4]
    log_in(page, next_path="/admin/rocky_scheduler/task/")
    page.goto(QUEUED_BOEFJES)

    for task in chosen:
        page.check(f'input.action-select[value="{task.pk}"]')
    page.select_option('select[name="action"]', "cancel")
    page.click('button[name="index"]')
    # Nothing changes until the confirmation page is confirmed.
    expect(page.locator(".rocky-confirm-objects li")).to_have_count(3)
    assert Task.objects.filter(pk__in=[task.pk for task in chosen], status=TaskStatus.CANCELLED).count() == 0
    page.click('.rocky-confirmation input[type="submit"]')

    expect(page.locator(".messagelist")).to_contain_text("Cancelled 3 tasks")
    chosen_ids = {str(task.pk) for task in chosen}
    statuses = dict(Task.objects.filter(pk__in=chosen_ids).values_list("pk", "status"))
    assert set(statuses.values()) == {TaskStatus.CANCELLED}
    # The filtered list now shows only what is still queued, and workers get only that.
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    popped = {task["id"] for task in pop(site, worker_token, limit=10)}
    assert popped == {str(task.pk) for task in tasks} - chosen_ids
    # The dashboard agrees.
    page.goto("/dashboard")
    card = page.locator('article[data-scheduler="boefje"]')
    expect(card.locator('li[data-status="cancelled"] .depth-count')).to_have_text("3")
    expect(card.locator('[data-kpi="queued"]')).to_have_text("0")
    assert js_errors == []


def test_the_dashboard_links_lead_to_those_tasks_in_the_admin(page, js_errors, staff_user):
    seed_queue(queued=7, failed=2)
    failed = set(Task.objects.filter(status=TaskStatus.FAILED).values_list("pk", flat=True))
    log_in(page)

    page.click('article[data-scheduler="boefje"] li[data-status="failed"] a')
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.go_back()
    page.click('#dash-organisations a:text-is("acme")')
    expect(page.locator("#result_list tbody tr")).to_have_count(7)
    page.go_back()
    first_failed = page.locator("#dash-failed tbody tr a.mono").first
    task_id = first_failed.get_attribute("title")
    first_failed.click()
    expect(page).to_have_url(f"/admin/rocky_scheduler/task/{task_id}/change/")
    assert task_id in {str(pk) for pk in failed}
    assert js_errors == []


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "tasks-1280.png"), (NARROW, "tasks-390.png")])
def test_pictures_of_the_task_list(page, js_errors, staff_user, screenshot_dir, viewport, name):
    seed_busy_hours(now=timezone.now())
    page.set_viewport_size(viewport)
    log_in(page, next_path="/admin/rocky_scheduler/task/")
    expect(page.locator("#result_list tbody tr").first).to_be_visible()
    # A hundred rows make a very long page; the first screenful is what a person judges it by.
    page.screenshot(path=screenshot_dir / name)
    assert js_errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/rocky_scheduler/task/",
        "/admin/rocky_scheduler/taskevent/",
        "/admin/rocky_scheduler/schedule/",
        "/admin/rocky_scheduler/scheduler/",
    ],
)
def test_the_lists_fit_1280_pixels_without_scrolling_sideways(page, js_errors, staff_user, path):
    seed_busy_hours(now=timezone.now())
    page.set_viewport_size(WIDE)
    log_in(page, next_path=path)
    expect(page.locator("#result_list tbody tr").first).to_be_visible()
    widths = page.evaluate(
        """() => {
            const results = document.querySelector('#changelist-form .results');
            return [results.scrollWidth, results.clientWidth, document.documentElement.scrollWidth, window.innerWidth];
        }"""
    )
    table, box, document_width, window_width = widths
    assert table <= box, f"{path}: the list is {table} px in a {box} px box"
    assert document_width <= window_width, f"{path}: the page is {document_width} px wide"
    assert js_errors == []


def test_a_short_id_finds_the_task_and_its_history_is_to_the_second(page, js_errors, staff_user, screenshot_dir):
    tasks = seed_queue(queued=5, failed=1)
    wanted = tasks[2]
    page.set_viewport_size(WIDE)
    log_in(page, next_path="/admin/rocky_scheduler/task/")
    page.fill("#searchbar", str(wanted.pk)[:8])
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody tr a").first.click()
    page.click("a.historylink")
    expect(page).to_have_url(re.compile(f"/admin/rocky_scheduler/task/{wanted.pk}/history/"))
    expect(page.locator("body")).to_contain_text("queued")
    expect(page.locator("body")).to_contain_text(wanted.created_at.strftime("%H:%M:%S"))
    page.screenshot(path=screenshot_dir / "admin-task-history-1280.png")
    assert js_errors == []


def test_picture_of_the_cancel_confirmation(page, js_errors, staff_user, screenshot_dir):
    tasks = seed_queue(queued=4, failed=0)
    page.set_viewport_size(WIDE)
    log_in(page, next_path="/admin/rocky_scheduler/task/")
    page.goto(QUEUED_BOEFJES)
    for task in tasks[:2]:
        page.check(f'input.action-select[value="{task.pk}"]')
    page.select_option('select[name="action"]', "cancel")
    page.click('button[name="index"]')
    expect(page.locator(".rocky-confirm-objects li")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "admin-confirm-cancel-1280.png")
    assert Task.objects.filter(status=TaskStatus.CANCELLED).count() == 0
    assert js_errors == []
