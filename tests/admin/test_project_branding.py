"""The standalone project's own templates/ and static/: its admin says what it is and leads to the dashboard."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.admin.conftest import staff_client

pytestmark = pytest.mark.standalone  # a host (Rocky) brings its own admin templates and root page


def test_the_admin_names_the_scheduler_and_links_the_dashboard(db):
    page = staff_client("rita", groups=("scheduler-readonly",)).get(reverse("admin:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "rocky_scheduler administration" in html
    assert f'href="{reverse("rocky_scheduler_dashboard:index")}"' in html
    assert "scheduler_project/favicon.svg" in html


def test_the_login_page_has_the_branding_but_no_dashboard_link(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert "rocky_scheduler administration" in html
    assert "Queue dashboard" not in html


def test_the_project_icon_is_served_from_the_project_static_folder():
    found = finders.find("scheduler_project/favicon.svg")
    assert found is not None and found.endswith("static/scheduler_project/favicon.svg")


def test_the_server_root_leads_to_the_dashboard(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("rocky_scheduler_dashboard:index")
