"""The dashboard in a real browser for a person scoped to one organisation: every count, chart, list and the top
organisations are of that organisation alone, on the first paint and after the script refreshes."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services.task_pop import task_pop
from rocky_scheduler.services.task_transition import task_transition
from tests.browser.conftest import STAFF_PASSWORD, STAFF_USERNAME, LiveSite, log_in
from tests.dashboard.seeding import push_boefje, seed_busy_hours
from tests.support.access import VIEW_PREFIX
from tests.support.live_server import GunicornServer
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OWN = "acme"
REFRESH_TIMEOUT_MS = 15_000


@pytest.fixture
def site(tmp_path) -> Iterator[LiveSite]:
    # The conftest's site, under settings that choose the tests' group policy.
    server = GunicornServer(
        workers=2, log_dir=tmp_path, extra_env={"DJANGO_SETTINGS_MODULE": "tests.browser.scoped_settings"}
    )
    try:
        yield LiveSite(base_url=f"http://127.0.0.1:{server.port}", port=server.port)
    finally:
        server.stop()


@pytest.fixture
def scoped_operator():
    user = make_user(STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=f"{VIEW_PREFIX}{OWN}")[0])
    return user


def queued(organisation: str | None = None) -> int:
    tasks = Task.objects.filter(scheduler_id="boefje", status=TaskStatus.QUEUED)
    return (tasks.filter(organisation=organisation) if organisation else tasks).count()


def test_a_person_scoped_to_one_organisation_sees_only_its_queue(page, js_errors, scoped_operator, screenshot_dir):
    seed_busy_hours(now=timezone.now())
    # The seed's failures go to whichever tasks its pops meet first, and tasks pushed in the same minute tie:
    # one failure of the viewer's own and one of another organisation's, whatever the seed gave.
    for organisation in (OWN, "globex"):
        push_boefje(organisation=organisation, priority=1)
        (task,) = task_pop(scheduler_id="boefje", worker="boefje-runner-2")
        task_transition(task_id=task.id, status="failed", reason="connection refused")
    assert queued() > queued(OWN) > 0
    log_in(page)

    card = page.locator('article[data-scheduler="boefje"]')
    expect(card.locator('[data-kpi="queued"]')).to_have_text(f"{queued(OWN):,}")
    expect(page.locator("#dash-organisations tbody tr")).to_have_count(1)
    expect(page.locator("#dash-organisations tbody tr").first).to_contain_text(OWN)
    failed_here = Task.objects.filter(organisation=OWN, status=TaskStatus.FAILED).count()
    assert Task.objects.filter(status=TaskStatus.FAILED).count() > failed_here > 0
    expect(page.locator("#dash-failed tbody tr:not(.empty-row)")).to_have_count(min(failed_here, 10))
    for table in ("#dash-failed", "#dash-stuck"):
        cells = page.locator(f'{table} td[data-label="Organisation"]').all_inner_texts()
        assert set(cells) <= {OWN}, (table, cells)
    page.screenshot(path=screenshot_dir / "dashboard-scoped-1280.png", full_page=True)

    # Another organisation's new work changes nothing here; the viewer's own does, without a reload.
    for _ in range(3):
        push_boefje(organisation="globex")
    push_boefje(organisation=OWN)
    expect(card.locator('[data-kpi="queued"]')).to_have_text(f"{queued(OWN):,}", timeout=REFRESH_TIMEOUT_MS)
    expect(page.locator("#dash-organisations tbody tr")).to_have_count(1)
    assert js_errors == []
