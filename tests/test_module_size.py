"""No module of the app grows past 300 lines (STYLE.md: a module past ~300 lines becomes a package)."""

from pathlib import Path

import rocky_scheduler

APP = Path(rocky_scheduler.__file__).parent
MAX_LINES = 300


def test_no_module_is_over_300_lines():
    too_long = {}
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[str(path.relative_to(APP.parent))] = lines
    assert not too_long, f"split these by responsibility (at most {MAX_LINES} lines each): {too_long}"
