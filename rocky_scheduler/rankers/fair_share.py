from rocky_scheduler.rankers.base import MIN_RANKED_PRIORITY, Ranker, RankRequest, clamp


class FairShareRanker(Ranker):
    """Per-organisation fair share: the n-th task an organisation has queued ranks 2 + n (to 1000).

    Each organisation's first task competes with every other organisation's first, its second with
    their seconds, so pops take turns between organisations however large one backlog is.
    """

    def rank(self, request: RankRequest) -> int:
        return clamp(MIN_RANKED_PRIORITY + request.queued_for_organisation())
