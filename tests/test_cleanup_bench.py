"""The cleanup benchmark runs end to end on a small workload (no timing is asserted)."""

from __future__ import annotations

from bench.cleanup import Workload, measure_cleanup
from bot.settings import Settings


def test_workload_puts_the_big_group_first() -> None:
    sizes = Workload(1_000_000, 1_000).sizes()
    assert sizes[0] == 50_000 and len(sizes) == 1_000 and sum(sizes) == 1_000_000
    assert Workload(10, 1).sizes() == [10]


async def test_cleanup_bench_reports_every_figure() -> None:
    result = await measure_cleanup(Settings(), members=3_000, groups=5, postgres_url=None)
    sqlite = result["sqlite"]
    assert sqlite["members"] == 3_000 and sqlite["groups"] == 5
    for key in ("insert_s", "baseline_ms", "inactive_ms", "select_big_ms", "daily_s", "db_mb"):
        assert sqlite[key] > 0, key
    # The four small groups run the daily cleanup in its steady state: some members are
    # newly warned, some removed, more wait out their warning.
    assert sqlite["daily_groups"] == 4
    assert sqlite["daily_warn"] > 0 and sqlite["daily_remove"] > 0
    assert sqlite["daily_waiting"] > sqlite["daily_warn"]
    assert result["postgresql"] == {"skipped": "not asked for"}
