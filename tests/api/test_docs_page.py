"""The API's docs page: Swagger UI from the app's own static files, so it runs under a CSP of `script-src 'self'`
and loads nothing from another site; it reads the schema from where the API is mounted."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.test.utils import override_settings

from tests.support.api_clients import PREFIX
from tests.support.pages import external_references, inline_scripts, script_sources

pytestmark = pytest.mark.django_db


def docs_html(path: str = f"{PREFIX}/docs") -> str:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_the_docs_page_runs_no_inline_script_and_loads_nothing_from_another_site():
    html = docs_html()
    assert inline_scripts(html) == []
    assert external_references(html) == []
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_every_file_the_page_names_is_a_static_file_of_the_installed_apps():
    html = docs_html()
    sources = script_sources(html)
    assert any(source.endswith("swagger-ui-bundle.js") for source in sources)
    assert "/static/rocky_scheduler/api/docs.js" in sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), f"{source} is not served"


@pytest.mark.parametrize("path", [f"{PREFIX}/docs", f"{PREFIX}/docs/"])
def test_the_page_reads_the_schema_of_this_api(path):
    html = docs_html(path)
    assert f'data-schema-url="{PREFIX}/schema?format=json"' in html
    schema = Client().get(f"{PREFIX}/schema?format=json").json()
    assert f"{PREFIX}/schedulers/{{scheduler_id}}/pop" in schema["paths"]


@override_settings(
    ROCKY_SCHEDULER={**settings.ROCKY_SCHEDULER, "API_ALLOW_ANONYMOUS": False},
    REST_FRAMEWORK={"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"]},
)
def test_schema_and_docs_are_public_whatever_the_projects_drf_defaults():
    assert Client().get(f"{PREFIX}/schema?format=json").status_code == 200
    assert Client().get(f"{PREFIX}/docs").status_code == 200


def test_the_icons_that_replace_swagger_uis_data_urls_are_files_of_the_app():
    # Rocky's CSP (img-src 'self') blocks data: images; a missing file would also break Rocky's collectstatic.
    stylesheet = Path(finders.find("rocky_scheduler/api/docs.css")).read_text()
    icons = set(re.findall(r"url\(([^)]+)\)", stylesheet))
    assert icons and not any(icon.startswith("data:") for icon in icons)
    for icon in icons:
        assert finders.find(f"rocky_scheduler/api/{icon}"), icon
