"""What the busiest-hours panel costs the /stats chart: render times with and without it.

    python -m bench.hours_chart [--repeats 15]

Renders the 90-day activity chart (Chinese labels) as /stats draws it, once with the two
daily panels only (what digests send) and once with the busiest-hours panel, and prints the
fastest and the median time of each and the PNG size. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from bot.app import build_translator
from handlers.stats.metrics import period_ending
from handlers.stats.report import chart_labels, hour_labels
from storage.stats import DayFigures

DAYS = 90


def _timed(repeats: int, draw: Callable[[], bytes]) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        size = len(draw())
        times.append((time.perf_counter() - start) * 1000)
    return times, size


def run(repeats: int) -> dict[str, float | int]:
    """Render both charts ``repeats`` times each; their fastest and median ms and sizes."""
    from handlers.stats.charts import render_activity

    t = build_translator()
    start = date(2026, 9, 1)
    days = [
        DayFigures(start + timedelta(days=i), i % 4, i % 3, 50 + i, 10 + i % 5, i % 2, 900 + i)
        for i in range(DAYS)
    ]
    hours = [(h * 7) % 40 for h in range(24)]
    labels = chart_labels(t, "zh", period_ending(days[-1].day, DAYS), "Bench 基准群")
    words = hour_labels(t, "zh", "Asia/Shanghai")
    render_activity(days, labels, hours, words)  # fonts and caches warm
    result: dict[str, float | int] = {}
    for name, draw in (
        ("two_panels", lambda: render_activity(days, labels)),
        ("with_hours", lambda: render_activity(days, labels, hours, words)),
    ):
        times, size = _timed(repeats, draw)
        result[f"{name}_min_ms"] = round(min(times), 1)
        result[f"{name}_median_ms"] = round(statistics.median(times), 1)
        result[f"{name}_bytes"] = size
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    result = run(max(1, args.repeats))
    for name in ("two_panels", "with_hours"):
        print(
            f"{name}: fastest {result[f'{name}_min_ms']} ms, "
            f"median {result[f'{name}_median_ms']} ms, {result[f'{name}_bytes']} bytes"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
