"""The policy with a controlled clock: flood, repeats, waves, newcomers, merged actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.newcomers import Newcomers
from core.normalize import normalize
from handlers.moderation.actions import Action
from handlers.moderation.checks import Subject
from handlers.moderation.compiled import CompiledRules
from handlers.moderation.policy import Policy, Sender, merge_actions
from handlers.moderation.rules import (
    CHECKS,
    CheckRule,
    GroupRules,
    Limits,
    SettingError,
    build_rules,
    default_checks,
    format_actions,
    parse_actions,
    stored_checks,
    stored_limits,
)
from handlers.moderation.tracker import Tracker

CHAT = -100


def rules(**changes: object) -> CompiledRules:
    """Rules with every check off except the ones named (name=actions text)."""
    checks = {name: CheckRule(False, (Action("delete"),)) for name in CHECKS}
    limits = changes.pop("limits", Limits())
    mode = str(changes.pop("mode", "on"))
    for name, actions in changes.items():
        checks[name] = CheckRule(True, parse_actions(str(actions)))
    return CompiledRules(GroupRules(mode, checks, limits))  # type: ignore[arg-type]


def say(policy: Policy, compiled: CompiledRules, user: int, text: str, now: float, **kw: object):
    newcomer = bool(kw.pop("newcomer", False))
    subject = Subject(text, normalize(text), newcomer=newcomer)
    return policy.decide(compiled, subject, Sender(CHAT, user, newcomer), now, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ flood


def test_flood_fires_past_the_limit_within_the_window() -> None:
    policy = Policy()
    compiled = rules(flood="delete,mute:10m", limits=Limits(flood_messages=3, flood_seconds=10))
    results = [say(policy, compiled, 1, f"msg {i}", 100.0 + i) for i in range(5)]
    assert [r is not None for r in results] == [False, False, False, True, True]
    decision = results[3]
    assert decision is not None
    assert decision.reason == "flood"
    assert decision.actions == (Action("delete"), Action("mute", 600))
    assert decision.deletes


def test_flood_window_slides() -> None:
    policy = Policy()
    compiled = rules(flood="delete", limits=Limits(flood_messages=3, flood_seconds=10))
    times = [0.0, 5.0, 10.0, 15.0, 20.0]  # never more than 3 in any 10 s
    assert all(say(policy, compiled, 1, f"m{t}", t) is None for t in times)
    assert say(policy, compiled, 1, "burst", 20.5) is None
    assert say(policy, compiled, 1, "burst 2", 21.0) is not None


def test_flood_counts_members_apart_and_ignores_edits() -> None:
    policy = Policy()
    compiled = rules(flood="delete", limits=Limits(flood_messages=2, flood_seconds=10))
    assert say(policy, compiled, 1, "a", 1.0) is None
    assert say(policy, compiled, 2, "b", 1.1) is None
    assert say(policy, compiled, 1, "c", 1.2) is None
    assert say(policy, compiled, 1, "c edited", 1.3, counted=False) is None
    assert say(policy, compiled, 2, "d", 1.4) is None
    assert say(policy, compiled, 1, "e", 1.5) is not None


# ------------------------------------------------------------------ repeats


def test_the_same_text_again_and_again() -> None:
    policy = Policy(Tracker(repeat_window=600))
    compiled = rules(repeat="delete", limits=Limits(repeat=3))
    text = "便宜出售二手手机，欢迎咨询"
    assert say(policy, compiled, 1, text, 0) is None
    assert say(policy, compiled, 1, text, 10) is None
    decision = say(policy, compiled, 1, text.replace("，", " , ") + "!!🔥", 20)  # no way out
    assert decision is not None and decision.reason == "repeat"
    # other members and other texts are counted apart
    assert say(policy, compiled, 2, text, 21) is None
    assert say(policy, compiled, 1, "今天天气真不错呀", 22) is None


def test_repeats_are_forgotten_after_the_window() -> None:
    policy = Policy(Tracker(repeat_window=60))
    compiled = rules(repeat="delete", limits=Limits(repeat=2))
    text = "hello everyone here"
    assert say(policy, compiled, 1, text, 0) is None
    assert say(policy, compiled, 1, text, 61) is None
    assert say(policy, compiled, 1, text, 62) is not None


def test_short_texts_are_not_repeats() -> None:
    policy = Policy()
    compiled = rules(repeat="delete", limits=Limits(repeat=2))
    assert all(say(policy, compiled, 1, "好的", float(t)) is None for t in range(5))


def test_the_same_text_from_several_new_members_is_a_wave() -> None:
    policy = Policy(Tracker(repeat_window=600), wave_members=3)
    compiled = rules(repeat="delete")
    text = "加入我们的投资群，每天收益百分之十"
    assert say(policy, compiled, 11, text, 0, newcomer=True) is None
    assert say(policy, compiled, 12, text, 5, newcomer=True) is None
    # an old member saying the same is not part of the wave
    assert say(policy, compiled, 99, text, 6) is None
    decision = say(policy, compiled, 13, text, 7, newcomer=True)
    assert decision is not None and decision.reason == "repeat"
    assert "3 new members" in decision.detail


# ------------------------------------------------------------------ newcomers with a clock


def at(seconds: float) -> datetime:
    """The instant ``seconds`` after the Unix epoch."""
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("seconds", "messages", "after", "posted", "new"),
    [
        (3600, 0, 10, 0, True),
        (3600, 0, 3599, 50, True),
        (3600, 0, 3600, 0, False),
        (0, 5, 99_999, 4, True),
        (0, 5, 10, 5, False),
        (3600, 5, 4000, 2, True),  # time is up but too few messages yet
        (3600, 5, 100, 9, True),  # enough messages but still young
        (3600, 5, 4000, 9, False),
        (0, 0, 10, 0, False),
    ],
)
def test_newcomer_window(seconds: int, messages: int, after: int, posted: int, new: bool) -> None:
    newcomers = Newcomers()
    newcomers.joined(CHAT, 1, at(1000.0))
    for _ in range(posted):
        newcomers.posted(CHAT, 1)
    assert newcomers.is_new(CHAT, 1, at(1000.0 + after), seconds, messages) is new


def test_unknown_members_are_not_new_and_stored_records_count() -> None:
    newcomers = Newcomers()
    assert not newcomers.is_new(CHAT, 1, at(10.0), 3600, 0)
    newcomers.remember(CHAT, 1, joined=at(5.0), messages=0)
    assert newcomers.is_new(CHAT, 1, at(10.0), 3600, 0)
    newcomers.remember(CHAT, 2, joined=None, messages=3)
    assert not newcomers.is_new(CHAT, 2, at(10.0), 3600, 10)


def test_newcomer_check_in_the_policy() -> None:
    policy = Policy()
    compiled = rules(newcomer="delete")
    assert say(policy, compiled, 1, "see evil.io", 0, newcomer=True) is not None
    assert say(policy, compiled, 2, "see evil.io", 0) is None


# ------------------------------------------------------------------ several verdicts, modes


def test_verdicts_merge_into_one_action_list() -> None:
    policy = Policy()
    compiled = rules(contact="delete,warn,mute:1h", link="delete,ban:1d", mentions="report")
    decision = say(policy, compiled, 1, "加V abc123 see evil.io @a1234 @b1234 @c1234 " * 3, 0)
    assert decision is not None
    assert [v.reason for v in decision.verdicts] == ["contact", "link", "mentions"]
    assert decision.reason == "contact"
    assert decision.actions == (
        Action("delete"),
        Action("warn"),
        Action("ban", 86_400),
        Action("report"),
    )


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        ([[Action("mute", 60)], [Action("mute", 3600)]], [Action("mute", 3600)]),
        ([[Action("mute", 60)], [Action("mute")]], [Action("mute")]),
        ([[Action("mute")], [Action("kick")]], [Action("kick")]),
        ([[Action("ban", 60)], [Action("kick")]], [Action("ban", 60)]),
        (
            [[Action("warn"), Action("delete")], [Action("warn")]],
            [Action("delete"), Action("warn")],
        ),
        ([], []),
    ],
)
def test_merge_actions(lists: list[list[Action]], expected: list[Action]) -> None:
    assert list(merge_actions(lists)) == expected


def test_mode_off_checks_nothing() -> None:
    policy = Policy()
    assert say(policy, rules(contact="delete", mode="off"), 1, "加V abc123", 0) is None


def test_disabled_checks_do_not_fire() -> None:
    policy = Policy()
    assert say(policy, rules(), 1, "加V abc123 t.me/+x", 0) is None


# ------------------------------------------------------------------ rules and their syntax


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("delete", (Action("delete"),)),
        ("delete,warn", (Action("delete"), Action("warn"))),
        ("Delete, Mute:10m", (Action("delete"), Action("mute", 600))),
        ("ban:1d，report", (Action("ban", 86_400), Action("report"))),
        ("mute", (Action("mute"),)),
        ("kick", (Action("kick"),)),
    ],
)
def test_parse_actions(text: str, expected: tuple[Action, ...]) -> None:
    assert parse_actions(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "moderation.bad_actions"),
        (",", "moderation.bad_actions"),
        ("explode", "moderation.bad_action"),
        ("mute:soon", "moderation.bad_action"),
        ("warn:1h", "moderation.no_duration"),
        ("mute:5s", "moderation.duration_range"),
        ("ban:400d", "moderation.duration_range"),
        ("delete,delete", "moderation.duplicate_action"),
        ("mute:1h,ban", "moderation.one_punishment"),
    ],
)
def test_parse_actions_refuses(text: str, key: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_actions(text)
    assert caught.value.key == key


def test_format_actions() -> None:
    actions = parse_actions("delete,mute:90m")
    assert format_actions(actions, "en") == "delete,mute:1h 30m"
    assert format_actions(actions, "zh") == "delete,mute:1小时30分钟"


def test_stored_form_round_trips_and_keeps_only_changes() -> None:
    changed = replace(
        GroupRules(),
        mode="dryrun",
        checks={**default_checks(), "link": CheckRule(True, parse_actions("delete,ban:1d"))},
        limits=Limits(flood_messages=5),
    )
    checks, limits = stored_checks(changed), stored_limits(changed.limits)
    assert checks == {"link": {"on": True, "actions": "delete,ban:86400s"}}
    assert limits == {"flood_messages": 5}
    assert build_rules("dryrun", checks, limits) == changed


def test_unreadable_stored_values_fall_back_to_defaults() -> None:
    rebuilt = build_rules(
        "sideways",
        {"link": {"on": True, "actions": "explode"}, "nope": {}, "flood": "x"},
        {"flood_messages": 0, "emoji": "many", "repeat": True, "mentions": 20},
    )
    assert rebuilt.mode == "on"
    assert rebuilt.check("link") == CheckRule(True, default_checks()["link"].actions)
    assert rebuilt.limits == Limits(mentions=20)


def test_no_text_crashes_the_decision() -> None:
    """Random text from every Unicode plane (surrogates aside) goes through every check."""
    import random

    from handlers.moderation.compiled import literal_key
    from handlers.moderation.rules import BadWord

    rng = random.Random(7)
    words = (BadWord(1, "赌场", literal_key("赌场"), False), BadWord(2, "re:a+b", "a+b", True))
    everything = {name: "delete" for name in CHECKS}
    compiled = rules(**everything, limits=Limits(flood_messages=50))
    compiled = CompiledRules(replace(compiled.rules, bad_words=words, domains=frozenset({"x.io"})))
    policy = Policy()
    alphabet = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for index in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        text += rng.choice(
            ["", " 加V 13800138000", " t.me/+x", " @abcde", "🎉" * 12, " http://[x", " a.com:99999"]
        )
        decision = say(policy, compiled, index % 7, text, float(index), newcomer=index % 2 == 0)
        assert decision is None or decision.verdicts
