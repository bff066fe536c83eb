"""``python -m bot bench --quiz`` runs on a small batch and reports every figure."""

from __future__ import annotations

import json

import pytest

from bench.quiz import run_quiz_bench
from bot.settings import load_settings


async def test_quiz_bench_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    result = await run_quiz_bench(load_settings(None, {}), messages=50, repeats=1)
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == result
    assert result["messages"] == 50 and result["target_extra_share"] == 0.1
    for key in ("us_per_message_without_round", "us_feature_during_round", "us_matching_alone"):
        assert result[key] > 0
