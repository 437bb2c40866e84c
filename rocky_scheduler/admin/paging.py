"""The changelists of the big tables (tasks, their history, schedules) page without counting the whole table.

Django's changelist asks its paginator for `count`, a `COUNT(*)` of the (filtered) table: about a second for
11 million tasks (docs/benchmarks/scale.md). This paginator counts exactly up to the count bound and takes
PostgreSQL's estimate above it (rocky_scheduler.counting); the page says "about" then
(templates/admin/rocky_scheduler/pagination.html). `show_full_result_count = False` on those admins saves
the second, unfiltered count a filtered list would otherwise make.
"""

from functools import cached_property
from typing import cast

from django.core.paginator import Paginator
from django.db.models import QuerySet

from rocky_scheduler.counting import Counted, bounded_count


class EstimatingPaginator(Paginator):
    @cached_property
    def counted(self) -> Counted:
        # The admins that use this paginator page querysets (their changelists); Paginator's type allows any list.
        return bounded_count(cast(QuerySet, self.object_list))

    @cached_property
    def count(self) -> int:
        return self.counted.value

    @property
    def estimated(self) -> bool:
        return self.counted.estimated
