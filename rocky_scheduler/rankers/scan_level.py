from rocky_scheduler.rankers.aging import NewThenAgingRanker
from rocky_scheduler.rankers.base import Ranker, RankRequest, clamp

LEVEL_STEP = 50


class ScanLevelRanker(Ranker):
    """New-then-aging, shifted by how intrusive the boefje is: priority = aging + 50 * plugin scan
    level - 25 * (OOI level - plugin level), clamped to [2, 1000]. Light scans, and objects cleared
    well above what the boefje needs, go first.
    """

    def __init__(self) -> None:
        self.aging = NewThenAgingRanker()

    def rank(self, request: RankRequest) -> int:
        base = self.aging.rank(request)
        plugin_level = request.plugin_scan_level or 0
        headroom = max(0, (request.ooi_level or plugin_level) - plugin_level)
        return clamp(base + LEVEL_STEP * plugin_level - (LEVEL_STEP // 2) * headroom)
