"""The browser side: admin and dashboard need a staff login, admin actions check permissions,
and every session-authenticated unsafe request needs its CSRF token (API included)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from rocky_scheduler.models import OOI, Organisation, Task, TaskStatus
from rocky_scheduler.services.ingest import SCAN_PROFILE_MUTATIONS, ingest_message
from tests.ingest.payloads import mutation
from tests.security.browser import LOGIN, OUR_ADMINS, changelist, staff_client, superuser_client
from tests.security.conftest import assert_unchanged, rolled_back
from tests.security.endpoints import ENDPOINTS
from tests.security.snapshot import changed_tables, database_snapshot
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_world(world):
    """The world plus an object projection row, so every admin list has something to select."""
    ingest_message(queue=SCAN_PROFILE_MUTATIONS, payload=mutation(level=1))
    assert OOI.objects.exists() and Organisation.objects.exists()
    return world


def action_names(model_admin) -> list[str]:
    return [*model_admin.actions, "delete_selected"]


# --- login required -------------------------------------------------------------------------------------

BROWSER_PAGES = ["/dashboard", "/dashboard/", "/admin/", *[changelist(model) for model, _ in OUR_ADMINS]]


@pytest.mark.parametrize("who", ["anonymous", "not-staff", "api-token"])
def test_admin_and_dashboard_send_everyone_but_staff_to_the_login(full_world, who):
    client = Client()
    headers = {}
    if who == "not-staff":
        client = staff_client("outsider", "scheduler-workers", "scheduler-analysts", is_staff=False)
    elif who == "api-token":
        # A token is for the API: the browser pages answer to a session only.
        from rocky_scheduler.services.tokens import token_issue

        token = token_issue(user=User.objects.create_superuser("machine", "", "pw-machine-long"))
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    for page in BROWSER_PAGES:
        response = client.get(page, **headers)
        assert response.status_code == 302, page
        assert response["Location"].startswith(LOGIN), page
    data = client.get("/dashboard/data", **headers)
    assert data.status_code == 403 and data.json()["detail"]


def test_the_dashboard_takes_no_writes(full_world):
    client = superuser_client()
    before = database_snapshot()
    for page in ("/dashboard", "/dashboard/data"):
        assert client.post(page, {"anything": "1"}).status_code == 405
    assert_unchanged(before, "POST to the dashboard")


# --- admin actions and forms check permissions -----------------------------------------------------------


def post_action(client: Client, model, name: str):
    pks = [str(pk) for pk in model._default_manager.values_list("pk", flat=True)]
    assert pks, f"nothing to select in {model._meta.model_name}"
    return client.post(changelist(model), {"action": name, "_selected_action": pks, "post": "yes", "confirm": "yes"})


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=lambda value: getattr(value, "__name__", ""))
def test_a_readonly_staff_user_runs_no_action_and_saves_no_form(full_world, model, model_admin):
    client = staff_client("reader", "scheduler-readonly")
    first = model._default_manager.order_by("pk").first()
    before = database_snapshot()

    for name in action_names(model_admin):
        assert post_action(client, model, name).status_code < 500, name
    opts = model._meta
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[first.pk])
    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert client.post(change_url, {"priority": "1", "enabled": "", "paused": "on"}).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.post(add_url, {"code": "evil", "name": "evil"}).status_code == 403

    assert_unchanged(before, f"reader on the {opts.model_name} admin")


# Actions the analysts' permissions (reprioritise_task, cancel_task) do not cover.
NOT_FOR_ANALYSTS = {
    "task": ["retry", "delete_selected"],
    "schedule": ["enable", "disable", "run_now", "delete_selected"],
    "scheduler": ["pause", "resume", "delete_selected"],
    "pluginenablement": ["enable", "disable", "delete_selected"],
}


@pytest.mark.parametrize(("model_name", "actions"), NOT_FOR_ANALYSTS.items())
def test_an_analyst_cannot_run_actions_outside_their_permissions(full_world, model_name, actions):
    model = next(model for model, _ in OUR_ADMINS if model._meta.model_name == model_name)
    client = staff_client("ana", "scheduler-analysts")
    Task.objects.filter(pk=full_world.task.pk).update(status=TaskStatus.FAILED)  # retry's precondition
    before = database_snapshot()

    for name in actions:
        assert post_action(client, model, name).status_code < 500, name

    assert_unchanged(before, f"analyst actions on {model_name}")


@pytest.mark.parametrize(
    ("role", "model_name", "action"),
    [
        ("superuser", "task", "cancel"),
        ("superuser", "scheduler", "pause"),
        ("superuser", "schedule", "disable"),
        ("superuser", "pluginenablement", "disable"),
        ("analyst", "task", "move_to_front"),
    ],
)
def test_the_same_action_posts_do_work_for_whoever_may_run_them(full_world, role, model_name, action):
    # The control for the refusals above: the form they post is one the admin acts on.
    model = next(model for model, _ in OUR_ADMINS if model._meta.model_name == model_name)
    client = superuser_client() if role == "superuser" else staff_client("ana", "scheduler-analysts")
    before = database_snapshot()

    post_action(client, model, action)

    assert changed_tables(before, database_snapshot()), f"{role} {model_name}.{action} changed nothing"


def test_a_non_staff_user_with_every_group_changes_nothing_in_the_admin(full_world):
    client = staff_client("insider", "scheduler-readonly", "scheduler-analysts", "scheduler-workers", is_staff=False)
    before = database_snapshot()
    for model, model_admin in OUR_ADMINS:
        for name in action_names(model_admin):
            response = post_action(client, model, name)
            assert response.status_code == 302 and response["Location"].startswith(LOGIN), (model, name)
    assert_unchanged(before, "non-staff admin actions")


def test_the_scheduler_form_refuses_a_ranker_path_that_is_no_ranker(world):
    from django.forms.models import model_to_dict

    from rocky_scheduler.models import Scheduler

    client = superuser_client()
    scheduler = Scheduler.objects.get(pk="boefje")
    url = reverse("admin:rocky_scheduler_scheduler_change", args=[scheduler.pk])
    form = {key: value for key, value in model_to_dict(scheduler).items() if value is not None}
    before = database_snapshot()
    for ranker in ("..x", ".x", "os.path"):
        response = client.post(url, {**form, "ranker": ranker})
        assert response.status_code == 200 and response.context["adminform"].form.errors["ranker"], ranker
    assert_unchanged(before, "scheduler form with a bad ranker")


# --- CSRF ---------------------------------------------------------------------------------------------

UNSAFE = [endpoint for endpoint in ENDPOINTS if endpoint.method != "get"]


def csrf_token(client: Client) -> str:
    """The token a page gives its forms: the login form for a visitor, the admin index (logout form) for staff."""
    client.get("/admin/" if client.session.get("_auth_user_id") else LOGIN)
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("endpoint", UNSAFE, ids=lambda endpoint: endpoint.id)
def test_a_session_authenticated_api_write_without_csrf_token_is_refused(world, endpoint):
    client = superuser_client(enforce_csrf=True, api=True)
    path = PREFIX + world.fill(endpoint.path)
    body = endpoint.body() if endpoint.body else None
    before = database_snapshot()

    response = getattr(client, endpoint.method)(path, body, format="json")

    assert response.status_code == 403, response.content[:300]
    assert "CSRF" in response.json()["detail"]
    assert_unchanged(before, f"{endpoint.id} without CSRF token")
    # The same request with the token goes through: the 403 above was the CSRF check, not a permission.
    with rolled_back():
        response = getattr(client, endpoint.method)(
            path, endpoint.body() if endpoint.body else None, format="json", HTTP_X_CSRFTOKEN=csrf_token(client)
        )
        assert response.status_code == endpoint.ok, response.content[:300]


def test_an_admin_action_without_csrf_token_is_refused(world):
    client = superuser_client(enforce_csrf=True)
    form = {"action": "cancel", "_selected_action": [str(world.task.pk)], "index": "0"}
    before = database_snapshot()

    assert client.post(changelist(Task), form).status_code == 403
    assert_unchanged(before, "admin cancel without CSRF token")

    # With the token (and the confirmation page answered) the same action goes through.
    client.post(changelist(Task), {**form, "confirm": "yes", "csrfmiddlewaretoken": csrf_token(client)})
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.CANCELLED


def test_an_admin_change_form_without_csrf_token_is_refused(world):
    client = superuser_client(enforce_csrf=True)
    url = reverse("admin:rocky_scheduler_task_change", args=[world.task.pk])
    before = database_snapshot()

    assert client.post(url, {"priority": "1"}).status_code == 403
    assert_unchanged(before, "task change form without CSRF token")


def test_the_admin_login_form_without_csrf_token_logs_nobody_in(world):
    User.objects.create_superuser("person", "", "pw-person-long")
    client = Client(enforce_csrf_checks=True)
    credentials = {"username": "person", "password": "pw-person-long", "next": "/admin/"}
    before = database_snapshot()

    assert client.post(LOGIN, credentials).status_code == 403
    assert_unchanged(before, "login without CSRF token")  # no session row, no last_login

    response = client.post(LOGIN, {**credentials, "csrfmiddlewaretoken": csrf_token(client)})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_the_admin_logout_without_csrf_token_keeps_the_session(world):
    client = superuser_client(enforce_csrf=True)
    before = database_snapshot()

    assert client.post("/admin/logout/").status_code == 403
    assert_unchanged(before, "logout without CSRF token")
    assert client.get("/admin/").status_code == 200
