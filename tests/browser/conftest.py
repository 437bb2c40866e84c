"""Browser tests: Debian's chromium driven by Playwright against a real gunicorn server on the test database.

Never `playwright install`: the browser is the distribution's, so CI needs no download.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connections
from playwright import sync_api

from tests.support.live_server import GunicornServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STAFF_USERNAME = "operator"
STAFF_PASSWORD = "pw-operator-browser"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


# .ci/run installs Debian's chromium; without it these tests fail loudly rather than skip quietly.
if not Path(CHROMIUM).exists():
    raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")


@dataclass
class LiveSite:
    base_url: str
    port: int


@pytest.fixture
def site(tmp_path) -> Iterator[LiveSite]:
    server = GunicornServer(workers=2, log_dir=tmp_path)
    try:
        yield LiveSite(base_url=f"http://127.0.0.1:{server.port}", port=server.port)
    finally:
        server.stop()


@pytest.fixture
def staff_user() -> User:
    return User.objects.create_superuser(STAFF_USERNAME, "operator@example.com", STAFF_PASSWORD)


@pytest.fixture
def browser(monkeypatch) -> Iterator:
    # Playwright's sync API keeps an asyncio loop running in this thread; the ORM calls the tests make
    # meanwhile are still plain synchronous code, so Django's async-safety check does not apply.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
            # While that loop runs, Django keeps database connections apart from the test's own (asgiref's
            # thread-critical Local switches to a context variable); close them here, where they are
            # visible, or they outlive the test and block dropping the test database.
            connections.close_all()


@pytest.fixture
def page(browser, site) -> Iterator:
    context = browser.new_context(viewport=WIDE, base_url=site.base_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def js_errors(page) -> list[str]:
    """Script errors and console errors of `page`; a test ends by asserting there were none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Failed requests are reported with their address by the response event; the console's copy of
    # them has none, and Chromium's own favicon probe of admin pages is no error of ours.
    page.on("console", lambda message: errors.append(message.text) if _is_script_error(message) else None)
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    return errors


def _is_script_error(message) -> bool:
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def log_in(page, next_path: str = "/dashboard") -> None:
    """Through the admin login form, as an operator would."""
    page.goto(f"/admin/login/?next={next_path}")
    page.fill("#id_username", STAFF_USERNAME)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    # DASHBOARD_SCREENSHOTS=docs/screenshots refreshes the committed pictures; otherwise they go to tmp.
    target = os.environ.get("DASHBOARD_SCREENSHOTS")
    path = Path(target) if target else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
