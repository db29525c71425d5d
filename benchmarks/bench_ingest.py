"""Time annotations.ingest.load_file on the real news pages in ../shared/data/news_html.

Usage:  .venv/bin/python benchmarks/bench_ingest.py [--runs 5] [--data DIR]

Prints, per page, its size and the median time of `runs` imports, then the overall median and
maximum. The first import in a process pays one-off warm-up costs (lxml, trafilatura and, for
pages without a machine-readable date, dateparser's locale tables); that cold time is shown
separately so the steady-state numbers are not blurred by it. Target: overall median <= 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from _support import DEFAULT_DATA, ROOT, real_pages

sys.path.insert(0, str(ROOT))  # ingest.py is pure Python: no Django setup needed

from annotations.lib import ingest  # noqa: E402

TARGET_MS = 300.0


def time_page(path: Path, runs: int) -> tuple[float, list[float]]:
    data = path.read_bytes()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        ingest.load_file(path.name, data, max_bytes=len(data) + 1)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="imports per page (default 5)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    options = parser.parse_args()

    pages = real_pages(options.data)

    rows = []
    cold_ms = []
    for path in pages:
        median_ms, timings = time_page(path, options.runs)
        rows.append((path.name, path.stat().st_size / 1024, median_ms, timings[0]))
        cold_ms.append(timings[0])

    width = max(len(name[:50]) for name, *_ in rows)
    print(f"{'page':<{width}}  {'size KB':>8}  {'median ms':>9}  {'first ms':>8}")
    print("-" * (width + 33))
    for name, size_kb, median_ms, first_ms in rows:
        print(f"{name[:50]:<{width}}  {size_kb:8.0f}  {median_ms:9.1f}  {first_ms:8.1f}")
    medians = [median_ms for _name, _size, median_ms, _first in rows]
    overall = statistics.median(medians)
    print("-" * (width + 33))
    print(f"pages: {len(rows)}, runs per page: {options.runs}")
    print(f"overall median: {overall:.1f} ms (target <= {TARGET_MS:.0f} ms)")
    print(f"max of page medians: {max(medians):.1f} ms")
    print(f"max first (cold) import: {max(cold_ms):.1f} ms")
    return 0 if overall <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
