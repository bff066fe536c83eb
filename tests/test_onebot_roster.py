"""QQ's member list as a neutral roster: the pure mapping of get_group_member_list records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.platforms.onebot.port import roster_entry, roster_of, unix_time
from core.chat import ChatActionError, RosterEntry
from core.events import User
from core.ids import ONEBOT, scoped

JOINED = 1_760_000_000
SPOKE = 1_764_000_000


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (JOINED, at(JOINED)),
        (float(JOINED), at(JOINED)),
        (0, None),
        (None, None),
        (-5, None),
        (True, None),
        ("1760000000", None),
        (JOINED * 1000, None),  # milliseconds by mistake
    ],
)
def test_unix_time(value: object, found: datetime | None) -> None:
    assert unix_time(value) == found


def qq(n: int) -> int:
    return scoped(ONEBOT, n)


@pytest.mark.parametrize(
    ("record", "entry"),
    [
        (
            {
                "user_id": 42,
                "nickname": "nick",
                "card": "Card",
                "role": "member",
                "join_time": JOINED,
                "last_sent_time": SPOKE,
            },
            RosterEntry(User(qq(42), "Card"), at(JOINED), at(SPOKE), is_admin=False),
        ),
        (
            {"user_id": 43, "nickname": "nick", "card": "", "role": "owner", "join_time": 0},
            RosterEntry(User(qq(43), "nick"), None, None, is_admin=True),
        ),
        (
            {"user_id": "44", "role": "admin", "last_sent_time": SPOKE, "is_robot": True},
            RosterEntry(User(qq(44), "44", is_bot=True), None, at(SPOKE), is_admin=True),
        ),
        ({"user_id": 45, "role": "weird"}, RosterEntry(User(qq(45), "45"))),
        ({"nickname": "no id"}, None),
        ({"user_id": None}, None),
        ({"user_id": True}, None),
        ({"user_id": "4x"}, None),
        ({"user_id": -1}, None),
        ({"user_id": 1 << 60}, None),
        ("not a record", None),
        (None, None),
    ],
)
def test_roster_entry(record: Any, entry: RosterEntry | None) -> None:
    assert roster_entry(record) == entry


def test_a_list_skips_malformed_records() -> None:
    data = [{"user_id": 1, "nickname": "a"}, "junk", {"user_id": "x"}, {"user_id": 2}]
    assert [e.user.id for e in roster_of(data)] == [qq(1), qq(2)]
    assert roster_of([]) == []


@pytest.mark.parametrize("data", [None, {"user_id": 1}, "[]"])
def test_no_list_is_a_failure(data: object) -> None:
    with pytest.raises(ChatActionError):
        roster_of(data)
