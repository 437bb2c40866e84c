"""What a page's HTML asks the browser to run and fetch, for tests of pages that must work under a CSP of
`script-src 'self'` (Rocky's) and load nothing from another site."""

import re

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.urls import reverse
from django.utils import translation

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_SOURCE = re.compile(r'\bsrc="([^"]+)"')
_REFERENCE = re.compile(r'\b(?:href|src)="([^"]+)"')


def inline_scripts(html: str) -> list[str]:
    """Bodies of script elements that would run (json_script data is never run, so CSP allows it)."""
    return [
        body.strip()
        for attributes, body in _SCRIPT.findall(html)
        if body.strip() and 'type="application/json"' not in attributes
    ]


def script_sources(html: str) -> list[str]:
    return [match.group(1) for attributes, _ in _SCRIPT.findall(html) if (match := _SOURCE.search(attributes))]


def external_references(html: str) -> list[str]:
    """href and src values that point at another site (`https://...`, `//cdn...`)."""
    return [url for url in _REFERENCE.findall(html) if re.match(r"(https?:)?//", url)]


def page_url(name: str, *args) -> str:
    """The page's path without a language prefix. In a host with i18n_patterns (Rocky) the prefix decides the
    language before Accept-Language and LANGUAGE_CODE do, so a test of those requests the bare path and follows
    LocaleMiddleware's redirect to the chosen prefix; the standalone project has no prefix at all."""
    with translation.override(settings.LANGUAGE_CODE):
        url = reverse(name, args=args)
    prefixed, _ = is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    return url.removeprefix(f"/{settings.LANGUAGE_CODE}") if prefixed else url
