"""The end of a benchmark run: raw figures to bench/results/, then the printed report and the total time."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def results_write_and_print(results: dict[str, Any], path: Path, print_report: Callable[[dict], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_report(results)
    print(f"\nTotal {results['total_seconds']:.0f} s; raw figures in {path.relative_to(ROOT)}")
