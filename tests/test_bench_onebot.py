"""``bench --onebot`` runs end to end over a real WebSocket and loses no event (no timing
is asserted)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.onebot import CHECKIN_WORDS, SELF_ID, EventMix, measure, synthetic_events
from bot.platforms.onebot.events import quoted_id, to_event
from bot.platforms.onebot.message import parse_cq, segments
from bot.settings import load_settings
from core.events import Message


def _kind(event: dict) -> str:
    first = event["message"][0]
    if first["type"] == "text" and first["data"]["text"] in CHECKIN_WORDS:
        return "checkin"
    if first["type"] == "at" and first["data"]["qq"] == str(SELF_ID):
        return "at_bot"
    return first["type"]


def _written(parts: list[dict]) -> list[dict]:
    """Segments with every value as CQ codes write it: a string (NapCat sends some numbers)."""
    return [{**part, "data": {k: str(v) for k, v in part["data"].items()}} for part in parts]


def test_stream_is_deterministic_and_mixed() -> None:
    stream = synthetic_events(2_000, 12)
    assert stream.events == synthetic_events(2_000, 12).events
    assert stream.events != synthetic_events(2_000, 12, seed=1).events
    kinds = Counter(_kind(event) for event in stream.events)
    assert set(kinds) == {"text", "checkin", "at", "at_bot", "reply", "image"}
    assert len({event["group_id"] for event in stream.events}) == 12
    assert len({event["user_id"] for event in stream.events}) > 200
    assert len({event["message_id"] for event in stream.events}) == 2_000


def test_events_read_as_the_platform_reads_them() -> None:
    """Every event is a group Message of its group; raw_message says what message does;
    a quote names an earlier message of the same group."""
    stream = synthetic_events(600, 6)
    known = stream.messages()
    for event in stream.events:
        neutral = to_event(event)
        assert isinstance(neutral, Message), event
        assert _written(segments(event["message"])) == parse_cq(event["raw_message"])
        quoted = quoted_id(event)
        if quoted is not None:
            assert known[quoted]["group_id"] == event["group_id"]
            assert quoted < event["message_id"]


def test_plain_only_mix_has_no_segments_but_text() -> None:
    mix = EventMix(checkins=0, ats=0, at_bot=0, replies=0, images=0)
    stream = synthetic_events(300, 4, mix=mix)
    assert {_kind(event) for event in stream.events} == {"text"}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_measure_reports_every_figure_and_loses_nothing() -> None:
    settings = load_settings(None, {}, require_token=False)
    result = await measure(settings, messages=50, groups=4, repeats=1, answer_ms=1)
    for key in (
        "messages_per_s",
        "baseline_messages_per_s",
        "platform_messages_per_s",
        "ratio",
        "platform_ratio",
        "peak_rss_mb",
    ):
        assert result[key] > 0, key
    assert result["messages"] == 50
    assert result["lost"] == result["baseline_lost"] == result["platform_lost"] == 0
    assert result["errors"] == 0
    assert result["answer_ms"] == 1
    assert result["messages_recorded"] == 50
    json.dumps(result)
