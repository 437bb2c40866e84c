"""A catalogue whose plugin look-ups fail, as an HTTP KATalogus adapter does while KATalogus is down."""

from rocky_scheduler.catalogue import EmbeddedCatalogue, PluginInfo


class PluginLookupDown(EmbeddedCatalogue):
    def plugin(self, plugin_id: str) -> PluginInfo | None:
        raise ConnectionError("KATalogus is not answering")
