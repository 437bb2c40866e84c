"""Catalogues that answer less than the embedded one: as an HTTP KATalogus adapter may."""

import datetime
from collections.abc import Mapping

from rocky_scheduler.catalogue import EmbeddedCatalogue, PluginInfo


class PluginLookupDown(EmbeddedCatalogue):
    """KATalogus is down: no plugin can be read."""

    def plugin(self, plugin_id: str) -> PluginInfo | None:
        raise ConnectionError("KATalogus is not answering")

    def plugin_intervals(self) -> Mapping[str, datetime.timedelta] | None:
        raise ConnectionError("KATalogus is not answering")


class NoIntervalList(EmbeddedCatalogue):
    """Answers per plugin but cannot list every plugin's interval (the interface's default)."""

    def plugin_intervals(self) -> Mapping[str, datetime.timedelta] | None:
        return None
