"""The dashboard in Dutch, in a real browser whose language is Dutch (Accept-Language: nl-NL)."""

from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import WIDE, log_in
from tests.dashboard.seeding import seed_busy_hours

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def dutch_page(browser, site) -> Iterator:
    context = browser.new_context(viewport=WIDE, base_url=site.base_url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    try:
        yield page
    finally:
        context.close()


def test_a_dutch_operator_reads_the_dashboard_in_dutch(dutch_page, staff_user, screenshot_dir):
    seed_busy_hours(now=timezone.now())
    log_in(dutch_page)
    expect(dutch_page.locator("html")).to_have_attribute("lang", "nl")
    expect(dutch_page.locator("#queues-heading")).to_have_text("Wachtrijen")
    expect(dutch_page.locator("#orgs-heading")).to_have_text("Organisaties met de grootste achterstand")
    expect(dutch_page.locator("#failed-heading")).to_have_text("Recent mislukt")
    expect(dutch_page.locator('article[data-scheduler="boefje"] dt').first).to_have_text("In wachtrij")
    expect(dutch_page.locator("body")).not_to_contain_text("Recently failed")
    expect(dutch_page.locator(".chart svg")).to_have_count(3)
    # A refresh rebuilds the cards and tables in the browser; they must stay Dutch.
    before = dutch_page.locator("#dash-updated").inner_text()
    expect(dutch_page.locator("#dash-updated")).not_to_have_text(before, timeout=15_000)
    expect(dutch_page.locator('article[data-scheduler="boefje"] dt').first).to_have_text("In wachtrij")
    expect(dutch_page.locator('#dash-failed tbody td[data-label="Mislukt"]').first).to_contain_text("geleden")
    expect(dutch_page.locator(".legend-push").first).to_contain_text("toegevoegd")
    dutch_page.screenshot(path=screenshot_dir / "dashboard-nl-1280.png", full_page=True)
    assert dutch_page.errors == []
