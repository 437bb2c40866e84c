from rocky_scheduler.rankers.base import MAX_RANKED_PRIORITY, MIN_RANKED_PRIORITY, Ranker, RankRequest, load_ranker

SHIPPED_RANKERS = (
    "rocky_scheduler.rankers.fifo.FifoRanker",
    "rocky_scheduler.rankers.user_first.UserFirstRanker",
    "rocky_scheduler.rankers.aging.NewThenAgingRanker",
    "rocky_scheduler.rankers.scan_level.ScanLevelRanker",
    "rocky_scheduler.rankers.fair_share.FairShareRanker",
)

__all__ = ["MAX_RANKED_PRIORITY", "MIN_RANKED_PRIORITY", "SHIPPED_RANKERS", "RankRequest", "Ranker", "load_ranker"]
