"""What a page's HTML asks the browser to run and fetch, for tests of pages that must work under a CSP of
`script-src 'self'` (Rocky's) and load nothing from another site."""

import re

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
