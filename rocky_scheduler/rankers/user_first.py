from rocky_scheduler.rankers.base import MIN_RANKED_PRIORITY, Ranker, RankRequest

USER_KEYS = ("user_id", "requested_by")


class UserFirstRanker(Ranker):
    """Work that names a user (`data.user_id` or `data.requested_by`) ranks 2, all other work 3.

    Pushes with an explicit priority 1 (Rocky's scans) never reach a ranker and stay ahead of both.
    """

    def rank(self, request: RankRequest) -> int:
        if any(request.data.get(key) for key in USER_KEYS):
            return MIN_RANKED_PRIORITY
        return MIN_RANKED_PRIORITY + 1
