from rocky_scheduler.rankers.base import Ranker, RankRequest, load_ranker

__all__ = ["RankRequest", "Ranker", "load_ranker"]
