"""Which authentication classes the API's views use: the app's own list, never the host's DRF defaults.

The list is the scheduler's tokens, then the host's classes named in
`ROCKY_SCHEDULER["API_AUTHENTICATION_CLASSES"]` (Rocky: knox tokens), then the browser session. It is
read per request, so `override_settings` and a host's settings change it without a restart.
"""

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from django.utils.module_loading import import_string
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from rocky_scheduler.api.authentication import CachedTokenAuthentication
from rocky_scheduler.conf import app_settings


@lru_cache(maxsize=16)
def _imported(paths: tuple[str, ...]) -> tuple[type[BaseAuthentication], ...]:
    return tuple(import_string(path) for path in paths)


def api_authentication_classes() -> list[type[BaseAuthentication]]:
    """The scheduler's tokens, the host's own classes, the session: in the order they are tried."""
    host = _imported(tuple(app_settings.API_AUTHENTICATION_CLASSES or ()))
    return [CachedTokenAuthentication, *host, SessionAuthentication]


class _AppAuthenticationClasses(Sequence[type[BaseAuthentication]]):
    """`api_authentication_classes()` as a class attribute that is read afresh whenever it is used."""

    def __getitem__(self, index: Any) -> Any:  # an int gives a class, a slice a list of them
        return api_authentication_classes()[index]

    def __len__(self) -> int:
        return len(api_authentication_classes())

    def __iter__(self) -> Iterator[type[BaseAuthentication]]:
        return iter(api_authentication_classes())

    def __repr__(self) -> str:
        return f"<the scheduler API's authentication classes: {api_authentication_classes()!r}>"


APP_AUTHENTICATION_CLASSES = _AppAuthenticationClasses()
