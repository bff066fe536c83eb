"""The moderation benchmark (a small run: every figure there, nothing timed) and a sandbox
session in which the real guard deletes an ad."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.platforms.console import run_sandbox
from bot.settings import load_settings


def test_bench_reports_every_figure_and_catches_the_ads(capsys: object) -> None:
    from bench.moderation import run_moderation_bench

    result = run_moderation_bench(messages=3_000, repeats=1)
    for key in ("messages_per_s", "cpu_messages_per_s", "baseline_messages_per_s", "p99_ms"):
        assert result[key] > 0, key  # type: ignore[operator]
    assert result["banned_words"] == 220
    shares = result["acted_on_share"]
    assert isinstance(shares, dict)
    # Generated ads, banned words, channel forwards and emoji walls are all acted on;
    # ordinary chat almost never.
    assert shares["ad"] == 1.0 and shares["banned"] == 1.0 and shares["forward"] == 1.0
    assert shares["emoji"] == 1.0
    assert shares["ordinary"] < 0.01
    decisions = result["decisions"]
    assert isinstance(decisions, dict) and decisions["flood"] > 0
    json.dumps(result)


async def test_sandbox_deletes_an_ad(tmp_path: Path) -> None:
    """In the sandbox an obfuscated ad is deleted and its author warned; chat goes on."""
    settings = load_settings(None, {})
    out = io.StringIO()
    script = (
        "/as admin\n/lang en\n/antilink on\n/as Bob\n"
        "加\u200bＶ：ａｂｃ１２３ 领福利\nsee https://evil.io\nhello everyone\n"
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, io.StringIO(script), out, db_url=url)
    output = out.getvalue()
    assert "[deleted message 5]" in output and "[deleted message 7]" in output
    assert "Bob has been warned" in output
    assert "[deleted message 9]" not in output
