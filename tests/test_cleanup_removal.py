"""Removing members through a recording port: statuses, errors, a missing right, stopping."""

from __future__ import annotations

from datetime import UTC, datetime

from core.chat import ChatActionError, MissingRight
from handlers.cleanup.removal import remove_members
from handlers.cleanup.rules import Member

CHAT = -100
WHEN = datetime(2026, 11, 1, tzinfo=UTC)


class Port:
    """Answers member_status from a table and kicks unless told to fail."""

    def __init__(self, statuses: dict[int, str | None], errors: dict[int, Exception]) -> None:
        self.statuses = statuses
        self.errors = errors
        self.kicked: list[int] = []

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        return self.statuses.get(user_id, "member")

    async def kick(self, chat_id: int, user_id: int) -> None:
        if user_id in self.errors:
            raise self.errors[user_id]
        self.kicked.append(user_id)


def members(*ids: int) -> list[Member]:
    return [Member(i, f"M{i}", WHEN) for i in ids]


async def test_statuses_and_errors_are_reasons_not_failures_of_the_run() -> None:
    port = Port(
        {2: "left", 3: "banned", 4: "admin", 5: None},
        {6: ChatActionError("not_found", "user not found"), 7: ChatActionError("failed", "x")},
    )
    report = await remove_members(port, CHAT, members(1, 2, 3, 4, 5, 6, 7, 8), interval=0)  # type: ignore[arg-type]
    assert port.kicked == [1, 5, 8]
    assert [m.user_id for m in report.removed] == [1, 5, 8]
    assert {k: [m.user_id for m in v] for k, v in report.failed.items()} == {
        "gone": [2, 3, 6],
        "admin": [4],
        "failed": [7],
    }
    assert report.gone == [2, 3, 6] and report.failed_count == 5


async def test_a_missing_right_stops_the_run() -> None:
    port = Port({}, {2: MissingRight("restrict")})
    report = await remove_members(port, CHAT, members(1, 2, 3), interval=0)  # type: ignore[arg-type]
    assert port.kicked == [1]
    assert report.missing_right == "restrict"
    assert [m.user_id for m in report.failed["no_right"]] == [2, 3]


async def test_stopping_leaves_the_rest() -> None:
    port = Port({}, {})
    calls = iter([False, True])
    report = await remove_members(
        port,  # type: ignore[arg-type]
        CHAT,
        members(1, 2, 3),
        interval=0.01,
        stopping=lambda: next(calls, True),
    )
    assert port.kicked == [1]
    assert [m.user_id for m in report.failed["stopped"]] == [2, 3]


async def test_a_member_seen_since_the_list_was_made_is_kept() -> None:
    port = Port({}, {})

    async def still_silent(member: Member) -> bool:
        return member.user_id != 2

    report = await remove_members(
        port,  # type: ignore[arg-type]
        CHAT,
        members(1, 2, 3),
        interval=0,
        still_silent=still_silent,
    )
    assert port.kicked == [1, 3]
    assert [m.user_id for m in report.failed["active"]] == [2]
