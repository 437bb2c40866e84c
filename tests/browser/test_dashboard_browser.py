"""The dashboard in a real browser: log in, read the queue, watch it refresh, fit a desktop and a phone."""

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from rocky_scheduler.dashboard.views import NOT_STAFF
from tests.browser.conftest import NARROW, WIDE, log_in
from tests.dashboard.seeding import push_boefje, seed_busy_hours, seed_queue

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Longer than one refresh interval (5 s) plus a slow request.
REFRESH_TIMEOUT_MS = 15_000


def boefje_card(page):
    return page.locator('article[data-scheduler="boefje"]')


def test_an_operator_logs_in_and_reads_the_queue(page, js_errors, staff_user):
    seed_queue(queued=7, failed=2)
    page.goto("/dashboard")
    assert "/admin/login/" in page.url
    log_in(page)

    card = boefje_card(page)
    expect(card.locator('[data-kpi="queued"]')).to_have_text("7")
    expect(card.locator('li[data-status="queued"] .depth-count')).to_have_text("7")
    expect(card.locator('li[data-status="failed"] .depth-count')).to_have_text("2")
    expect(card.locator(".chart svg polyline")).to_have_count(2)
    expect(page.locator("#dash-failed tbody tr")).to_have_count(2)
    expect(page.locator("#dash-failed tbody")).to_contain_text("boefje crashed")
    expect(page.locator("#dash-organisations tbody tr").first).to_contain_text("acme")
    assert js_errors == []


def test_the_dashboard_follows_the_queue_without_a_reload(page, js_errors, staff_user):
    seed_queue(queued=7, failed=0)
    log_in(page)
    card = boefje_card(page)
    expect(card.locator('[data-kpi="queued"]')).to_have_text("7")
    # A marker on the document survives only if the page is updated in place.
    page.evaluate("window.stillTheSamePage = true")

    for _ in range(3):
        push_boefje(organisation="globex")

    expect(card.locator('[data-kpi="queued"]')).to_have_text("10", timeout=REFRESH_TIMEOUT_MS)
    expect(page.locator("#dash-organisations tbody tr")).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage") is True
    assert js_errors == []


# The first paint comes from the template, every refresh from the script: they must read the same.
SNAPSHOT_JS = """() => {
    const copy = document.querySelector('main').cloneNode(true);
    copy.querySelectorAll('.when, .chart, .readout, noscript').forEach(el => el.remove());
    copy.querySelectorAll('[data-kpi="oldest"]').forEach(el => { el.textContent = ''; });
    return copy.innerHTML.replace(/>\\s+</g, '><').replace(/\\s+/g, ' ').trim();
}"""


def test_a_refresh_renders_the_same_page_as_the_server(page, js_errors, staff_user):
    seed_queue(queued=4, failed=2)
    push_boefje(organisation="globex <b>&</b> co")
    log_in(page)
    first_paint = page.evaluate(SNAPSHOT_JS)
    updated = page.locator("#dash-updated").inner_text()
    expect(page.locator("#dash-updated")).not_to_have_text(updated, timeout=REFRESH_TIMEOUT_MS)
    assert page.evaluate(SNAPSHOT_JS) == first_paint
    expect(page.locator("#dash-organisations")).to_contain_text("globex <b>&</b> co")
    assert js_errors == []


def test_an_ended_session_is_reported_instead_of_showing_stale_numbers(page, staff_user):
    log_in(page)
    Session.objects.all().delete()
    expect(page.locator("#dash-state")).to_have_text(NOT_STAFF, timeout=REFRESH_TIMEOUT_MS)


def _assert_fits(page, width: int) -> None:
    # Nothing wider than the window, and no two labels of a chart axis on top of each other.
    too_wide = page.evaluate(
        f"""() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > {width} + 0.5)
            .map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""
    )
    assert too_wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    overlaps = page.evaluate(
        """() => [...document.querySelectorAll('.chart svg')].flatMap(svg => {
            const boxes = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
            return boxes.flatMap((a, i) => boxes.slice(i + 1).filter(b =>
                a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom).map(() => i));
        })"""
    )
    assert overlaps == []
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.kpi dd, .depth li, .list td, .card-head, .rates')]
            .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent.trim())"""
    )
    assert clipped == []


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "dashboard-1280.png"), (NARROW, "dashboard-390.png")])
def test_the_dashboard_fits_a_desktop_and_a_phone(page, js_errors, staff_user, screenshot_dir, viewport, name):
    seed_busy_hours(now=timezone.now())
    page.set_viewport_size(viewport)
    log_in(page)
    expect(page.locator(".chart svg")).to_have_count(3)
    _assert_fits(page, viewport["width"])
    page.screenshot(path=screenshot_dir / name, full_page=True)
    assert js_errors == []
