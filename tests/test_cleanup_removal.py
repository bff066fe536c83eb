"""Removing members through a recording port: statuses, errors, a missing right, stopping."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.platforms.recording import RecordingPort
from core.chat import ChatActionError, MissingRight
from handlers.cleanup.removal import remove_members
from handlers.cleanup.rules import Member

CHAT = -100
WHEN = datetime(2026, 11, 1, tzinfo=UTC)


def removal_port(statuses: dict[int, str | None], errors: dict[int, Exception]) -> RecordingPort:
    """Answers member_status from a table (``member`` if not in it) and kicks unless an
    error is given for that member."""
    recording = RecordingPort(
        answers={"member_status": lambda call: statuses.get(call["user_id"], "member")}
    )
    recording.fail("kick", lambda call: errors.get(call["user_id"]))
    return recording


def kicked(port: RecordingPort) -> list[int]:
    """The members kicked (not those whose kick failed)."""
    return port.made("kick", "user_id")


def members(*ids: int) -> list[Member]:
    return [Member(i, f"M{i}", WHEN) for i in ids]


async def test_statuses_and_errors_are_reasons_not_failures_of_the_run() -> None:
    port = removal_port(
        {2: "left", 3: "banned", 4: "admin", 5: None},
        {6: ChatActionError("not_found", "user not found"), 7: ChatActionError("failed", "x")},
    )
    report = await remove_members(port, CHAT, members(1, 2, 3, 4, 5, 6, 7, 8), interval=0)
    assert kicked(port) == [1, 5, 8]
    assert [m.user_id for m in report.removed] == [1, 5, 8]
    assert {k: [m.user_id for m in v] for k, v in report.failed.items()} == {
        "gone": [2, 3, 6],
        "admin": [4],
        "failed": [7],
    }
    assert report.gone == [2, 3, 6] and report.failed_count == 5


async def test_a_missing_right_stops_the_run() -> None:
    port = removal_port({}, {2: MissingRight("restrict")})
    report = await remove_members(port, CHAT, members(1, 2, 3), interval=0)
    assert kicked(port) == [1]
    assert report.missing_right == "restrict"
    assert [m.user_id for m in report.failed["no_right"]] == [2, 3]


async def test_stopping_leaves_the_rest() -> None:
    port = removal_port({}, {})
    calls = iter([False, True])
    report = await remove_members(
        port,
        CHAT,
        members(1, 2, 3),
        interval=0.01,
        stopping=lambda: next(calls, True),
    )
    assert kicked(port) == [1]
    assert [m.user_id for m in report.failed["stopped"]] == [2, 3]


async def test_a_member_seen_since_the_list_was_made_is_kept() -> None:
    port = removal_port({}, {})

    async def still_silent(member: Member) -> bool:
        return member.user_id != 2

    report = await remove_members(
        port,
        CHAT,
        members(1, 2, 3),
        interval=0,
        still_silent=still_silent,
    )
    assert kicked(port) == [1, 3]
    assert [m.user_id for m in report.failed["active"]] == [2]
