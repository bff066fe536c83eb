"""A small run of the stats benchmark: every figure reported, and the report's figures agree
with the generated history."""

from __future__ import annotations

from bench.stats import measure_stats, summary


async def test_stats_bench_reports_every_figure_and_checks_out() -> None:
    result = await measure_stats(members=300, days=40, repeats=1, postgres=False)
    found = result["sqlite"]
    for key in (
        "seed_s",
        "stats_90d_ms",
        "baseline_empty_chart_ms",
        "retention_ms",
        "topmembers_30d_ms",
    ):
        assert found[key] >= 0, key
    assert found["checks"] == dict.fromkeys(
        ("messages", "joins", "leaves", "checkins", "dau", "mau"), True
    )
    assert result["postgresql"] == {"skipped": "not asked"}
    assert "sqlite:" in summary(result) and "all figures match" in summary(result)
