import datetime
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from rocky_scheduler.dashboard.presentation import format_age
from rocky_scheduler.dashboard.selectors import chart_start, dashboard_snapshot
from rocky_scheduler.dashboard.views import NOT_STAFF
from rocky_scheduler.models import Scheduler, Task, TaskEvent, TaskStatus
from rocky_scheduler.services.task_lease import REASON_RUN_TIMEOUT, task_expire_leases
from rocky_scheduler.services.task_pop import task_pop
from rocky_scheduler.services.task_transition import task_transition
from tests.dashboard.seeding import push_boefje, seed_queue
from tests.factories import TaskFactory, bulk_backlog
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

# Wherever the host mounted the dashboard (the standalone project: /dashboard; Rocky: /en/scheduler/dashboard).
PAGE = reverse("rocky_scheduler_dashboard:index")
DATA = reverse("rocky_scheduler_dashboard:data")


def scheduler_json(data: dict, scheduler_id: str) -> dict:
    return next(item for item in data["schedulers"] if item["id"] == scheduler_id)


def depth(data: dict, scheduler_id: str) -> dict[str, int]:
    return {row["status"]: row["count"] for row in scheduler_json(data, scheduler_id)["statuses"]}


def admin_task_url(task_id) -> str | None:
    try:
        return reverse("admin:rocky_scheduler_task_change", args=[task_id])
    except NoReverseMatch:
        return None


# ---- Access


def login_redirect(response) -> tuple[str, str | None]:
    """A redirect's login page and `next`. The admin's login page, or the host's own: Rocky's login-required
    middleware answers an anonymous visitor before the dashboard does."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path in {reverse("admin:login"), resolve_url(settings.LOGIN_URL)}, location.path
    return location.path, parse_qs(location.query).get("next", [None])[0]


def test_anonymous_visitors_are_sent_to_a_login_page_that_leads_back():
    assert login_redirect(Client().get(PAGE))[1] == PAGE


def test_users_without_staff_status_are_sent_to_the_admin_login():
    client = Client()
    client.force_login(make_user("viewer"))
    assert login_redirect(client.get(PAGE)) == (reverse("admin:login"), PAGE)


@pytest.mark.standalone  # inside Rocky, its login-required middleware redirects anonymous requests first
def test_the_data_endpoint_refuses_anonymous_scripts_with_a_reason():
    response = Client().get(DATA)
    assert response.status_code == 403
    assert response.json() == {"detail": NOT_STAFF}


def test_both_addresses_answer_with_and_without_a_trailing_slash(staff_client):
    for address in (PAGE, DATA):
        for path in {address.rstrip("/"), address.rstrip("/") + "/"}:
            response = staff_client.get(path)
            # Mounted with a slash (Rocky's `scheduler/dashboard/`), Django's APPEND_SLASH redirects the other.
            if response.status_code == 301:
                response = staff_client.get(response["Location"])
            assert response.status_code == 200, path
            assert response.request["PATH_INFO"].rstrip("/") == address.rstrip("/")


# ---- What the page shows


def test_the_page_shows_depth_by_status_and_links_into_the_admin(staff_client):
    seed_queue(queued=7, failed=2)
    response = staff_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    card = html[html.index('data-scheduler="boefje"') :]
    assert re.search(r'data-kpi="queued">7<', card)
    assert re.search(r'data-status="failed" class="alert">.*?<span class="depth-count">2</span>', card)
    assert re.search(r'data-status="queued">.*?<span class="depth-count">7</span>', card)
    assert "boefje crashed" in html
    for task in Task.objects.filter(status=TaskStatus.FAILED):
        assert str(task.id)[:8] in html
        if url := admin_task_url(task.id):
            assert f'href="{url}"' in html


def test_the_json_matches_the_page(staff_client):
    seed_queue(queued=7, failed=2)
    data = staff_client.get(DATA).json()
    assert depth(data, "boefje")["queued"] == 7
    assert depth(data, "boefje")["failed"] == 2
    assert depth(data, "normalizer") == dict.fromkeys(depth(data, "normalizer"), 0)
    boefje = scheduler_json(data, "boefje")
    assert sum(boefje["pushes"]) == 9
    assert sum(boefje["pops"]) == 2
    assert [task["reason"] for task in data["failed"]] == ["boefje crashed", "boefje crashed"]
    page = staff_client.get(PAGE).content.decode()
    embedded = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S)
    assert scheduler_json(json.loads(embedded.group(1)), "boefje")["statuses"] == boefje["statuses"]


def test_oldest_queued_age_is_the_age_of_the_oldest_queued_task(staff_client):
    now = timezone.now()
    push_boefje(at=now - datetime.timedelta(hours=2, minutes=5))
    push_boefje(at=now - datetime.timedelta(minutes=3))
    boefje = scheduler_json(staff_client.get(DATA).json(), "boefje")
    assert 2 * 3600 + 5 * 60 <= boefje["oldest_queued_seconds"] < 2 * 3600 + 6 * 60
    assert boefje["oldest_queued_age"] == "2 h 05 min"
    assert scheduler_json(staff_client.get(DATA).json(), "normalizer")["oldest_queued_age"] == "–"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "–"), (0, "0 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (3660, "1 h 01 min"), (90000, "1 d 1 h")],
)
def test_ages_read_as_a_person_would_say_them(seconds, shown):
    assert format_age(seconds) == shown


def test_pushes_and_pops_are_counted_in_the_minute_they_happened():
    now = timezone.now().replace(second=30, microsecond=0)
    ten_minutes_ago = now - datetime.timedelta(minutes=10)
    for _ in range(3):
        push_boefje(at=ten_minutes_ago)
    push_boefje(at=now - datetime.timedelta(hours=5))  # outside a 3-hour window
    task_pop(scheduler_id="boefje", limit=2, clock=lambda: now - datetime.timedelta(minutes=1))

    snapshot = dashboard_snapshot(now=now, hours=3)
    boefje = next(summary for summary in snapshot.schedulers if summary.id == "boefje")
    assert len(boefje.pushes) == len(boefje.pops) == 180
    assert snapshot.chart_start == chart_start(now=now, hours=3)
    # The last bucket is the current minute.
    assert boefje.pushes[-11] == 3
    assert boefje.pops[-2] == 2
    assert sum(boefje.pushes) == 3
    assert sum(boefje.pops) == 2


def test_requeued_and_cancelled_tasks_are_neither_pushes_nor_pops():
    now = timezone.now()
    task = push_boefje(at=now - datetime.timedelta(minutes=5))
    task_pop(scheduler_id="boefje", clock=lambda: now - datetime.timedelta(minutes=4))
    task_transition(task_id=task.id, status="queued", actor="runner", clock=lambda: now - datetime.timedelta(minutes=3))
    task_transition(task_id=task.id, status="cancelled", clock=lambda: now - datetime.timedelta(minutes=2))
    boefje = next(summary for summary in dashboard_snapshot(now=now).schedulers if summary.id == "boefje")
    assert (sum(boefje.pushes), sum(boefje.pops)) == (1, 1)


def test_the_window_can_be_chosen_and_is_kept_within_a_day(staff_client):
    assert staff_client.get(DATA, {"hours": "1"}).json()["chart"]["minutes"] == 60
    assert staff_client.get(DATA, {"hours": "999"}).json()["chart"]["minutes"] == 24 * 60
    assert staff_client.get(DATA, {"hours": "soon"}).json()["chart"]["minutes"] == 3 * 60
    assert 'aria-current="true">12 h<' in staff_client.get(PAGE, {"hours": "12"}).content.decode()


def test_top_organisations_are_ordered_by_queued_backlog_with_their_split(staff_client):
    for _ in range(3):
        push_boefje(organisation="globex")
    push_boefje(organisation="acme")
    TaskFactory(scheduler_id="normalizer", type="normalizer", organisation="acme", status=TaskStatus.QUEUED)
    TaskFactory(scheduler_id="normalizer", type="normalizer", organisation="initech", status=TaskStatus.COMPLETED)
    organisations = staff_client.get(DATA).json()["organisations"]
    assert [(row["organisation"], row["queued"]) for row in organisations] == [("globex", 3), ("acme", 2)]
    assert organisations[1]["split"] == [
        {"scheduler_id": "boefje", "count_display": "1"},
        {"scheduler_id": "normalizer", "count_display": "1"},
    ]


def test_stuck_tasks_are_leases_that_ran_out_and_link_to_the_admin(staff_client):
    past = timezone.now() - datetime.timedelta(minutes=20)
    stuck = TaskFactory(status=TaskStatus.RUNNING, lease_owner="runner-7", lease_expires_at=past)
    TaskFactory(status=TaskStatus.DISPATCHED, lease_expires_at=timezone.now() + datetime.timedelta(minutes=5))
    data = staff_client.get(DATA).json()
    assert [task["id"] for task in data["stuck"]] == [str(stuck.id)]
    row = data["stuck"][0]
    assert (row["lease_owner"], row["ago"], row["plugin"]) == ("runner-7", "20 min", "dns-records")
    assert row["input_ooi"] == stuck.data["input_ooi"]
    assert row["url"] == admin_task_url(stuck.id)
    assert scheduler_json(data, "boefje")["stuck"] == 1
    assert data["stuck_total"] == "1"


def test_failed_tasks_show_why_they_failed():
    task = push_boefje()
    task_pop(scheduler_id="boefje")
    task_transition(task_id=task.id, status="running", actor="runner")
    Scheduler.objects.filter(pk="boefje").update(requeue_on_run_timeout=False)
    task_expire_leases(clock=lambda: timezone.now() + datetime.timedelta(hours=2))
    (row,) = dashboard_snapshot(now=timezone.now()).failed
    assert row.id == task.id
    assert row.reason == REASON_RUN_TIMEOUT


def test_a_paused_scheduler_says_so(staff_client):
    Scheduler.objects.filter(pk="report").update(paused=True)
    html = staff_client.get(PAGE).content.decode()
    report_card = html[html.index('data-scheduler="report"') :]
    assert report_card.index("paused") < report_card.index("</article>")
    assert scheduler_json(staff_client.get(DATA).json(), "report")["paused"] is True


def test_organisation_names_and_ooi_are_shown_as_text_never_as_markup(staff_client):
    hostile = "<script>alert(1)</script>"
    TaskFactory(organisation=hostile)
    TaskFactory(organisation="acme", status=TaskStatus.FAILED, data={"input_ooi": hostile, "boefje": {"id": "x"}})
    html = staff_client.get(PAGE).content.decode()
    assert hostile not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_assets_are_served_by_the_project_without_a_cdn(staff_client):
    html = staff_client.get(PAGE).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets and all(asset.startswith("/static/") for asset in assets)
    assert "//" not in " ".join(assets)


# ---- Cost


def _seed_history(count: int) -> None:
    tasks = bulk_backlog(count, start=timezone.now() - datetime.timedelta(hours=1))
    now = timezone.now()
    TaskEvent.objects.bulk_create(
        [TaskEvent(task=task, at=task.created_at, kind=TaskEvent.Kind.CREATED, to_status="queued") for task in tasks]
    )
    finished = [
        Task(
            scheduler_id="boefje",
            organisation=f"org-{index % 37}",
            priority=5,
            status=status,
            type="boefje",
            data={"input_ooi": f"Hostname|internet|h{index}", "boefje": {"id": "nmap"}},
            hash=f"h-{count}-{index}",
            lease_expires_at=now - datetime.timedelta(minutes=1) if status == TaskStatus.RUNNING else None,
        )
        for index, status in enumerate([TaskStatus.FAILED, TaskStatus.RUNNING, TaskStatus.COMPLETED] * (count // 3))
    ]
    Task.objects.bulk_create(finished)
    TaskEvent.objects.bulk_create(
        [TaskEvent(task=task, kind=TaskEvent.Kind.STATUS, to_status=task.status, reason="r") for task in finished]
    )


def _queries(client: Client, path: str) -> tuple[int, int]:
    """All queries of one request, and those of them on the scheduler's own tables."""
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    ours = [query for query in context.captured_queries if '"rocky_scheduler_' in query["sql"]]
    return len(context.captured_queries), len(ours)


@pytest.mark.parametrize("path", [PAGE, DATA])
def test_the_query_count_does_not_grow_with_the_number_of_tasks(staff_client, path):
    _seed_history(10)
    small = _queries(staff_client, path)
    _seed_history(1000)
    assert Task.objects.count() > 2000
    assert _queries(staff_client, path) == small
    # One query each: schedulers, depth, throughput, organisations, stuck, failed (the rest is the host's:
    # session and user, and in Rocky its onboarding check).
    assert small[1] == 6
