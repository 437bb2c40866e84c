"""The API's docs page in a real browser under Rocky's CSP (`script-src 'self'`, nothing from other sites):
Swagger UI starts, shows the API's operations, and the browser reports no policy violation; "Try it out" on push
queues the example as it stands."""

import pytest
from playwright.sync_api import expect

from rocky_scheduler.models import Task
from rocky_scheduler.services.demo_seed import demo_seed
from tests.browser.conftest import LiveSite
from tests.support.live_server import GunicornServer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Every violation the browser sees, recorded before the page's own scripts run.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def site(tmp_path):
    # Overrides the plain standalone site of tests/browser/conftest.py: the same project with django-csp.
    server = GunicornServer(
        workers=2, extra_env={"DJANGO_SETTINGS_MODULE": "tests.browser.csp_settings"}, log_dir=tmp_path
    )
    try:
        yield LiveSite(base_url=f"http://127.0.0.1:{server.port}", port=server.port)
    finally:
        server.stop()


def test_the_docs_page_shows_the_operations_under_a_strict_csp(page, js_errors, screenshot_dir):
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("rocky_scheduler API")
    # The security schemes came through: the scheduler's token and the session.
    expect(page.locator(".swagger-ui .auth-wrapper .authorize")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "api-docs-top.png"))
    pop = page.locator(".opblock", has_text="/api/v1/schedulers/{scheduler_id}/pop")
    expect(pop).to_have_count(1)
    expect(page.locator(".opblock", has_text="/api/v1/tasks/{task_id}").first).to_be_visible()
    pop.locator(".opblock-summary").click()
    expect(pop.locator(".opblock-body")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "api-docs.png"))
    # The schemas at the bottom, whose expand arrows are icons too.
    model = page.locator(".models .model-container").first
    model.scroll_into_view_if_needed()
    model.locator(".model-box-control").first.click()
    expect(model.locator(".model-toggle")).not_to_have_count(0)

    assert page.evaluate("window.cspViolations") == []
    assert [line for line in console if "Content Security Policy" in line] == []
    assert js_errors == []


def test_try_it_out_pushes_the_first_example_as_it_stands(page, js_errors):
    # A worker author's first push: authorize with the worker token `make run` prints, then Try it out, Execute.
    token = demo_seed(username="admin", password="rocky-admin").worker_token
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .auth-wrapper .authorize").click()
    scheme = page.locator(".auth-container", has_text="tokenAuth")
    scheme.locator("input").fill(f"Token {token}")
    scheme.locator("button.authorize").click()
    page.locator(".dialog-ux .close-modal").click()

    push = page.locator(".opblock", has_text="/api/v1/schedulers/{scheduler_id}/push")
    push.locator(".opblock-summary").click()
    push.locator(".try-out__btn").click()
    push.locator(".execute").click()

    status = push.locator(".live-responses-table tbody .response-col_status")
    expect(status).to_have_text("201")
    expect(push.locator(".live-responses-table tbody .response-col_description")).to_contain_text('"queued"')
    task = Task.objects.get()
    assert (task.scheduler_id, task.organisation, task.data["boefje"]["id"]) == ("boefje", "acme", "dns-records")
    assert js_errors == []
