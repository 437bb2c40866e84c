"""What the scheduler asks Octopoes and KATalogus, behind one interface.

`Catalogue` is the interface; `EmbeddedCatalogue` (model-backed, admin-editable) is the default.
`openkat.OpenKATCatalogue` reads a real KATalogus and Octopoes over HTTP; either is chosen with
ROCKY_SCHEDULER["CATALOGUE"] (a dotted path).
"""

from functools import lru_cache

from django.utils.module_loading import import_string

from rocky_scheduler.catalogue.base import Catalogue, CatalogueUnavailable, OOIInfo, PluginInfo
from rocky_scheduler.catalogue.embedded import EmbeddedCatalogue
from rocky_scheduler.conf import app_settings

__all__ = ["Catalogue", "CatalogueUnavailable", "EmbeddedCatalogue", "OOIInfo", "PluginInfo", "get_catalogue"]


@lru_cache(maxsize=4)
def _load(dotted_path: str) -> Catalogue:
    return import_string(dotted_path)()


def get_catalogue() -> Catalogue:
    return _load(app_settings.CATALOGUE)
