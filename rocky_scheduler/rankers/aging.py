import datetime

from rocky_scheduler.conf import app_settings
from rocky_scheduler.rankers.base import MAX_RANKED_PRIORITY, MIN_RANKED_PRIORITY, Ranker, RankRequest, clamp

# Overdue work reaches the best aging priority (3) after this long past its grace period.
AGING_HORIZON = datetime.timedelta(days=7)


class NewThenAgingRanker(Ranker):
    """Never-run work ranks 2. Work that ran before ranks 1000 until its grace period (the plugin
    interval, else GRACE_PERIOD_SECONDS: one day by default) has passed, then climbs linearly from
    1000 to 3 over the next 7 days:
    priority = 1000 - 997 * min(1, overdue / 7 days).
    """

    def rank(self, request: RankRequest) -> int:
        if request.last_run_at is None:
            return MIN_RANKED_PRIORITY
        # The same grace as the schedule deadlines use, so work is "overdue" here exactly when it is due there.
        grace = request.interval or datetime.timedelta(seconds=app_settings.GRACE_PERIOD_SECONDS)
        overdue = request.now - request.last_run_at - grace
        if overdue <= datetime.timedelta(0):
            return MAX_RANKED_PRIORITY
        fraction = min(1.0, overdue / AGING_HORIZON)
        return clamp(MAX_RANKED_PRIORITY - (MAX_RANKED_PRIORITY - MIN_RANKED_PRIORITY - 1) * fraction)
