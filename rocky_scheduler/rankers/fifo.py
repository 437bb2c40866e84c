from rocky_scheduler.rankers.base import MIN_RANKED_PRIORITY, Ranker, RankRequest


class FifoRanker(Ranker):
    """Every ranked task gets priority 2: first in, first out, behind user pushes (priority 1)."""

    def rank(self, request: RankRequest) -> int:
        return MIN_RANKED_PRIORITY
