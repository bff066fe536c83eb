"""A small run of ``python -m bot bench --burst``: it completes and reports every figure."""

from __future__ import annotations

import json

import pytest

from bench.burst import run_burst_bench
from bot.settings import load_settings

FIGURES = {
    "ad_deleted_s",
    "captcha_s",
    "all_acknowledged_s",
    "replies_sent",
    "checkins_credited",
    "replies_lost",
    "merged_replies",
    "answers_429",
    "measured_s",
}


async def test_small_burst_bench_run(capsys: pytest.CaptureFixture[str]) -> None:
    """10 check-ins against 4 messages per 2 s: all credited and acknowledged, fewer messages."""
    result = await run_burst_bench(
        load_settings(None, {}), members=10, limit=4, window=2.0, cap=2.0, reserve=1
    )
    ours, baseline = result["ours"], result["baseline"]
    assert set(ours) == set(baseline) == FIGURES
    assert ours["checkins_credited"] == baseline["checkins_credited"] == 10
    assert ours["replies_lost"] == 0 and ours["answers_429"] == 0
    # Three replies fit the first window; the rest came merged, in fewer messages.
    assert ours["merged_replies"] > 0 and ours["replies_sent"] < 10
    assert isinstance(ours["ad_deleted_s"], float) and isinstance(ours["captcha_s"], float)
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == result
