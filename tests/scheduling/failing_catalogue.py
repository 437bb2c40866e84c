"""Catalogues that answer less than the embedded one: as an HTTP KATalogus adapter may."""

from rocky_scheduler.catalogue import EmbeddedCatalogue, PluginInfo


class PluginLookupDown(EmbeddedCatalogue):
    """KATalogus is down: no plugin can be read."""

    def plugin(self, plugin_id: str) -> PluginInfo | None:
        raise ConnectionError("KATalogus is not answering")
