"""A small run of ``python -m bot bench --captcha``: it completes and its checks hold."""

from __future__ import annotations

from bench.captcha import run_captcha_bench
from bot.settings import load_settings


async def test_small_captcha_bench_run() -> None:
    result = await run_captcha_bench(load_settings(None, {}), newcomers=20, groups=2)
    assert result["checks_passed"] is True
    assert result["answers"] == 10 and result["expired_at_start"] == 10
    assert result["calls"]["mute"] == 20 and result["calls"]["kick"] == 10
    assert result["captcha_joins_per_s"] > 0 and result["baseline_joins_per_s"] > 0
