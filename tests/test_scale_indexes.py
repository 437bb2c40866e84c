"""The read paths' SQL matches the indexes migrations 0016 and 0017 built for them (issue 16 point 2).

With sequential scans priced out (`enable_seqscan = off`), PostgreSQL still only uses an index whose expression
and predicate the query's own SQL matches: a filter written another way than the index (`->>` for `->`, a path
for a key) would plan a scan of another index or the table, and these tests fail. docs/benchmarks/scale.md has
the same plans on 11 million tasks.
"""

import re

import pytest
from django.db import connection, transaction

from rocky_scheduler import selectors
from rocky_scheduler.admin.tasks import task_search_q
from rocky_scheduler.api.pagination import _page_rows
from rocky_scheduler.models import Task

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(reason="plans of PostgreSQL indexes (an expression index, EXPLAIN, enable_seqscan)"),
]

OOI = "Hostname|internet|example.com"


def plan(queryset) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def test_the_api_input_ooi_filter_uses_the_expression_index():
    assert "task_input_ooi" in plan(selectors.task_list(params={"input_ooi": OOI}))


def test_the_admin_search_by_ooi_uses_both_ooi_indexes():
    found = plan(Task.objects.filter(task_search_q(OOI)))

    assert "task_input_ooi" in found
    assert "task_normalizer_input_ooi" in found


def test_stats_read_the_changes_of_the_last_day_from_an_index():
    stats_sql = Task.objects.filter(modified_at__gte="2026-01-01T00:00:00Z").values("status")
    assert "task_modified_at" in plan(stats_sql)


def test_schedules_of_an_organisation_and_disabled_ones_come_newest_first_from_indexes():
    by_organisation = plan(selectors.schedule_list(params={"organisation": "acme"})[:10])
    disabled = plan(selectors.schedule_list(params={"enabled": "false"})[:10])

    assert "schedule_organisation" in by_organisation
    assert "schedule_disabled" in disabled


def test_a_status_page_picks_its_tasks_newest_first_from_one_index_without_sorting():
    page = _page_rows(selectors.task_list(params={"status": "failed"}), limit=10, offset=0)

    # The keys' LIMIT reads straight from the index, in the page's order: no sort of the status's tasks under it.
    assert re.search(r"Limit .*\n\s*->  Index Only Scan Backward using task_status_newest", plan(page))
