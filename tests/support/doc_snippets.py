"""Code blocks of docs/ that tests run as they are written.

A block is marked by an HTML comment on the line before its fence, `<!-- snippet: NAME -->`, invisible when
the page is rendered. A test (or the Rocky-shaped host's settings and URLs) takes the block by name, so a
doc that drifts from what works fails the suite.
"""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The README's blocks: `snippets(README)`; a page of docs/ by its name.
README = DOCS.parent / "README.md"
_BLOCK = re.compile(r"<!-- snippet: (?P<name>[\w./-]+) -->\n```[\w-]*\n(?P<body>.*?)\n```", re.DOTALL)


def snippets(page: str | Path = "rocky-integration.md") -> dict[str, str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in _BLOCK.finditer(text):
        if match["name"] in found:
            raise ValueError(f"{page}: snippet {match['name']!r} is marked twice")
        found[match["name"]] = match["body"]
    return found


def snippet(name: str, page: str = "rocky-integration.md") -> str:
    try:
        return snippets(page)[name]
    except KeyError:
        raise LookupError(f"docs/{page} has no block marked <!-- snippet: {name} -->") from None
