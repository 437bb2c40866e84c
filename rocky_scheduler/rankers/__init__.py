from rocky_scheduler.rankers.base import RankRequest, Ranker, load_ranker

__all__ = ["RankRequest", "Ranker", "load_ranker"]
