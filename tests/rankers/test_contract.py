"""The ranker contract every shipped ranker passes, and the fair-share promise."""

import datetime
import itertools
import random

import pytest
from django.utils import timezone

from rocky_scheduler.models import Scheduler
from rocky_scheduler.rankers import MAX_RANKED_PRIORITY, MIN_RANKED_PRIORITY, SHIPPED_RANKERS, RankRequest, load_ranker
from rocky_scheduler.rankers.aging import NewThenAgingRanker
from rocky_scheduler.services import task_pop, task_push
from tests.factories import boefje_data

NOW = timezone.now()


def requests():
    rng = random.Random(3)
    ages = [
        None,
        datetime.timedelta(0),
        datetime.timedelta(hours=1),
        datetime.timedelta(days=3),
        datetime.timedelta(days=400),
    ]
    intervals = [None, datetime.timedelta(minutes=1), datetime.timedelta(days=7)]
    for age, interval, level, plugin_level, queued in itertools.product(
        ages, intervals, [None, 0, 1, 4], [None, 0, 2, 4], [0, 5, 10_000]
    ):
        yield RankRequest(
            scheduler_id="boefje",
            task_type="boefje",
            organisation="acme",
            data={"user_id": rng.choice([None, 7])},
            now=NOW,
            last_run_at=None if age is None else NOW - age,
            interval=interval,
            ooi_level=level,
            plugin_scan_level=plugin_level,
            queued_for_organisation=lambda q=queued: q,
        )


@pytest.mark.parametrize("path", SHIPPED_RANKERS)
def test_every_ranker_answers_an_int_in_range_and_is_deterministic(path):
    ranker = load_ranker(path)
    for request in requests():
        priority = ranker.rank(request)
        assert type(priority) is int
        assert MIN_RANKED_PRIORITY <= priority <= MAX_RANKED_PRIORITY
        assert ranker.rank(request) == priority


@pytest.mark.parametrize("path", SHIPPED_RANKERS)
@pytest.mark.django_db
def test_user_pushes_go_before_anything_a_ranker_gives(path):
    Scheduler.objects.filter(pk="boefje").update(ranker=path)
    for _ in range(5):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data())
    user = task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(), priority=1)
    assert task_pop(scheduler_id="boefje")[0].id == user.id


def test_aging_ranks_never_run_first_and_overdue_work_before_recent_work():
    ranker = NewThenAgingRanker()

    def rank(age):
        return ranker.rank(
            RankRequest("boefje", "boefje", "acme", {}, NOW, last_run_at=None if age is None else NOW - age)
        )

    assert rank(None) == 2
    assert rank(datetime.timedelta(hours=1)) == 1000
    assert rank(datetime.timedelta(days=2)) < rank(datetime.timedelta(days=1, hours=1)) < 1000
    assert rank(datetime.timedelta(days=30)) == 3


def jain(values: list[int]) -> float:
    return sum(values) ** 2 / (len(values) * sum(v * v for v in values))


@pytest.mark.slow
@pytest.mark.django_db
def test_fair_share_pops_alternate_over_the_first_1000_pops():
    Scheduler.objects.filter(pk="boefje").update(ranker="rocky_scheduler.rankers.fair_share.FairShareRanker")
    # acme holds 90% of a 10,000-task backlog, and pushed all of it before globex pushed anything.
    for _ in range(9000):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(organisation="acme"))
    for _ in range(1000):
        task_push(scheduler_id="boefje", organisation="globex", data=boefje_data(organisation="globex"))
    popped: list[str] = []
    while len(popped) < 1000:
        popped.extend(task.organisation for task in task_pop(scheduler_id="boefje", limit=50))
    first = popped[:1000]
    assert jain([first.count("acme"), first.count("globex")]) >= 0.95, (first.count("acme"), first.count("globex"))
    # Not only the totals: they take turns all the way through.
    assert all(0.4 <= first[i : i + 100].count("globex") / 100 <= 0.6 for i in range(0, 1000, 100))


@pytest.mark.django_db
def test_fifo_starves_the_small_organisation_that_fair_share_serves():
    # The baseline the fair-share test is measured against: FIFO gives globex nothing early on.
    for _ in range(450):
        task_push(scheduler_id="boefje", organisation="acme", data=boefje_data(organisation="acme"))
    for _ in range(50):
        task_push(scheduler_id="boefje", organisation="globex", data=boefje_data(organisation="globex"))
    first = [task.organisation for task in task_pop(scheduler_id="boefje", limit=100)]
    assert jain([first.count("acme"), first.count("globex")]) < 0.6
