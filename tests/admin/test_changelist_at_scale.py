"""The task changelist at scale (issue 16 point 2): no full-table COUNT, and an estimate above the count bound
that the page calls one. The exact, indexed search is in test_search_and_filters.py."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.admin.conftest import changelist
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

VIEWS = [
    "",
    "?scheduler__id__exact=normalizer",
    "?status__exact=failed",
    "?organisation=acme",
    "?type__exact=normalizer",
    "?q=Hostname%7Cinternet%7Cexample.com",
    "?q=acme",
]
_COUNT = re.compile(r"COUNT\(", re.IGNORECASE)


def task_counts(sql_statements: list[str]) -> list[str]:
    return [sql for sql in sql_statements if _COUNT.search(sql) and "rocky_scheduler_task" in sql]


@pytest.mark.parametrize("query", VIEWS)
def test_no_view_of_the_task_list_counts_more_than_the_bound(admin_client, query):
    TaskFactory.create_batch(3)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(changelist("task") + query)

    assert response.status_code == 200
    counts = task_counts([entry["sql"] for entry in captured.captured_queries])
    assert counts, "the list counts its rows"
    # Each COUNT reads at most bound + 1 rows: SELECT COUNT(*) FROM (SELECT ... LIMIT n) subquery.
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_above_the_bound_the_count_is_an_estimate_and_the_page_says_so(admin_client, settings):
    settings.ROCKY_SCHEDULER = {**getattr(settings, "ROCKY_SCHEDULER", {}), "EXACT_COUNT_UP_TO": 2}
    TaskFactory.create_batch(5)

    response = admin_client.get(changelist("task"))

    assert len(response.context["cl"].result_list) == 5
    if connection.vendor == "postgresql":
        assert response.context["cl"].paginator.estimated
        assert "about " in response.content.decode()
    else:
        assert response.context["cl"].result_count == 5
