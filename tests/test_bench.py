"""The benchmark runs end to end and reports what it measured (no timing is asserted)."""

from __future__ import annotations

import json

import pytest

from bench.pipeline import StreamMix, measure, synthetic_updates
from bot.settings import load_settings


def test_stream_is_deterministic_and_mixed() -> None:
    first = synthetic_updates(500, 10)
    assert first == synthetic_updates(500, 10)
    assert first != synthetic_updates(500, 10, seed=1)
    kinds = {next(k for k in update if k != "update_id") for update in first}
    assert kinds == {"message", "chat_member"}
    joins = [u for u in first if "chat_member" in u or "new_chat_members" in u.get("message", {})]
    commands = [u for u in first if u.get("message", {}).get("entities")]
    assert joins and commands


def test_stream_without_joins_or_commands_is_all_plain_messages() -> None:
    updates = synthetic_updates(200, 5, mix=StreamMix(joins=0, commands=0))
    assert all(update["message"].get("text") for update in updates)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_measure_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(None, {}, require_token=False)
    result = await measure(settings, updates=600, chats=8, repeats=1)
    for key in ("updates_per_s", "baseline_updates_per_s", "ratio", "peak_rss_mb"):
        assert result[key] > 0, key
    assert result["errors"] == 0
    assert result["welcomes_sent"] > 0
    assert result["messages_recorded"] > 500
    # Messages are buffered (activity and activity points): a handful of commits for
    # 600 updates, not one per message.
    assert result["db_commits"] < 20
    json.dumps(result)


async def test_schedule_bench_reports_start_up_and_lateness() -> None:
    """A small schedule run fires every due occurrence once, on both sides."""
    from bench.schedule import measure_schedules

    result = await measure_schedules(
        load_settings(None, {}), schedules=300, groups=30, firing=40, peak=10, window=1, lead=1
    )
    for side in ("ours", "baseline"):
        figures = result[side]
        assert figures["fired"] == figures["expected"] == result["firing"] > 0
        assert figures["doubles"] == 0
        assert figures["late_p99_ms"] >= figures["late_median_ms"]
    assert result["ours"]["startup_s"] > 0
    assert json.dumps(result)


def test_autoreply_bench_reports_every_figure_and_agrees_with_brute_force() -> None:
    """A small auto-reply run: every figure present, and both matchers find what a plain
    ``keyword in text`` loop finds among the small set's keywords."""
    from bench.autoreply import measure_autoreply, workload
    from handlers.autoreply.matcher import Matcher
    from handlers.autoreply.normalize import fold

    result = measure_autoreply(rules=500, regexes=10, messages=2_000, repeats=1)
    for side in ("large", "small_mixed", "small_literal"):
        assert result[side]["compile_ms"] > 0, side
        assert result[side]["messages_per_s"] > 0, side
        assert 0 < result[side]["match_rate"] < 1, side
    assert result["large"]["contains"] + result["large"]["exact"] == 500
    assert result["large"]["regex"] == 10
    assert result["small_mixed"]["regex"] == 1 and result["small_literal"]["regex"] == 0
    assert result["slowdown"] > 0 and result["slowdown_vs_literal_only"] > 0
    assert result["naive"]["messages_per_s"] > 0
    assert result["naive"]["agrees"] and result["naive"]["regex_sets_agree"]
    assert result["large_memory"]["python_heap_mb"] >= 0
    assert set(result["targets"]) >= {"rate_at_least_50k", "slowdown_under_2x"}
    json.dumps(result)

    work = workload(500, 10, 2_000)
    small_ids = {rule.id: rule.match_key for rule in work.small_literal}
    large, small = Matcher(work.large), Matcher(work.small_literal)
    hits = 0
    for text in work.messages:
        expected = {rid for rid, key in small_ids.items() if key in fold(text)}
        hits += bool(expected)
        assert {rid for rid in large.candidates(text) if rid in small_ids} == expected, text
        assert {rid for rid in small.candidates(text) if rid in small_ids} == expected, text
    assert hits > 0


async def test_checkin_bench_credits_each_member_once() -> None:
    """A small check-in run on SQLite: one credit per member, duplicates credited nothing,
    balances equal the ledger, every figure present on both sides."""
    from bench.checkin import measure_checkin

    result = await measure_checkin(
        load_settings(None, {}), members=300, groups=6, postgres_url=None
    )
    assert result["duplicates"] > 0 and result["plain_word"] > 0
    assert result["events"] == 300 + result["duplicates"]
    found = result["sqlite"]
    checks = found["checks"]
    assert checks["members"] >= 300
    for key in ("one_checkin_each", "one_credit_each", "balances_match_ledger"):
        assert checks[key] == checks["members"], key
    assert checks["extra_checkins"] == checks["extra_credits"] == 0
    assert checks["baseline_rows_missing"] == checks["unanswered"] == 0
    assert found["errors"] == 0 and found["checks_pass"]
    for side in ("ours", "baseline"):
        for key in ("checkins_per_s", "p50_ms", "p99_ms", "max_ms", "wall_s"):
            assert found[side][key] > 0, (side, key)
        assert found[side]["p99_ms"] >= found[side]["p50_ms"]
    assert found["rate_ratio"] > 0 and found["p99_ratio"] > 0
    assert result["postgresql"] == {"skipped": "not asked for"}
    json.dumps(result)
