"""Telegram's doubled join report said once: RecentJoins, and JoinReports over events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.platforms.telegram.joins import JoinReports, RecentJoins
from core.events import (
    Chat,
    Event,
    JoinLink,
    MemberJoined,
    MemberLeft,
    Message,
    ServiceNotice,
    User,
)

GROUP = Chat(-1001234567890, "Group")
OTHER = Chat(-1009876543210, "Other")
ANN = User(7, "Ann")
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- RecentJoins --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ttl", "sightings", "expected"),
    [
        (300, [0], [True]),
        (300, [0, 1], [True, False]),
        (300, [0, 299], [True, False]),
        (300, [0, 300], [True, True]),
        (300, [0, 301], [True, True]),
        (300, [0, 200, 450], [True, False, False]),
        (300, [0, 200, 501], [True, False, True]),
        (10, [0, 5, 16, 17], [True, False, True, False]),
    ],
    ids=[
        "first",
        "twice-quickly",
        "just-inside-ttl",
        "at-ttl",
        "after-ttl",
        "ttl-counts-from-latest-sighting",
        "after-ttl-from-latest-sighting",
        "short-ttl",
    ],
)
def test_recent_joins_first_time(ttl: float, sightings: list[float], expected: list[bool]) -> None:
    recent = RecentJoins(ttl_seconds=ttl)
    assert [recent.first_time(GROUP.id, 7, at(t)) for t in sightings] == expected


def test_recent_joins_keys_by_chat_and_user() -> None:
    recent = RecentJoins(300)
    assert recent.first_time(GROUP.id, 1, at(0)) is True
    assert recent.first_time(GROUP.id, 2, at(1)) is True
    assert recent.first_time(OTHER.id, 1, at(2)) is True
    assert recent.first_time(GROUP.id, 1, at(3)) is False
    assert recent.first_time(OTHER.id, 1, at(4)) is False


def test_forget_allows_a_rejoin() -> None:
    recent = RecentJoins(300)
    assert recent.first_time(GROUP.id, 1, at(0)) is True
    assert recent.first_time(GROUP.id, 1, at(1)) is False
    recent.forget(GROUP.id, 1)
    assert recent.first_time(GROUP.id, 1, at(2)) is True
    assert recent.first_time(GROUP.id, 1, at(3)) is False
    recent.forget(OTHER.id, 99)  # forgetting an unknown join is harmless


def test_limit_drops_the_oldest() -> None:
    recent = RecentJoins(ttl_seconds=300, limit=2)
    for uid in (1, 2, 3):
        assert recent.first_time(GROUP.id, uid, at(uid)) is True
    assert recent.first_time(GROUP.id, 3, at(5)) is False, "the newest is kept"
    assert recent.first_time(GROUP.id, 1, at(6)) is True, "the oldest was dropped"


LINK = "https://t.me/+abc"


# --- JoinReports: what features see -------------------------------------------------------


def joined(
    seconds: float, service: int | None = None, chat: Chat = GROUP, link: str | None = None
) -> MemberJoined:
    return MemberJoined(chat, ANN, at(seconds), service_message_id=service, invite_link=link)


def left(seconds: float) -> MemberLeft:
    return MemberLeft(GROUP, ANN, at(seconds))


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        ([joined(0)], [joined(0)]),
        ([joined(0), joined(1, service=50)], [joined(0), ServiceNotice(GROUP, ANN, 50, at(1))]),
        ([joined(0, service=50), joined(1)], [joined(0, service=50)]),
        ([joined(0), joined(1)], [joined(0)]),
        (
            [joined(0), joined(1), left(2), joined(3)],
            [joined(0), left(2), joined(3)],
        ),
        ([joined(0), joined(1, chat=OTHER)], [joined(0), joined(1, chat=OTHER)]),
        ([joined(0), joined(400)], [joined(0), joined(400)]),
        (
            [joined(0, service=50), joined(1, link=LINK)],
            [joined(0, service=50), JoinLink(GROUP, ANN, LINK, at(1))],
        ),
        (
            [joined(0, link=LINK), joined(1, service=50)],
            [joined(0, link=LINK), ServiceNotice(GROUP, ANN, 50, at(1))],
        ),
    ],
    ids=[
        "one-report",
        "member-update-then-service-message",
        "service-message-then-member-update",
        "same-report-twice",
        "rejoin-after-leaving",
        "another-group",
        "long-after",
        "service-message-then-member-update-with-its-link",
        "member-update-with-a-link-then-service-message",
    ],
)
def test_one_member_joined_per_join(reports: list[Event], expected: list[Event]) -> None:
    """Each join reaches features once; a late service message is still there to tidy."""
    assert JoinReports().all(reports) == expected


def test_other_events_pass_unchanged() -> None:
    message = Message(GROUP, ANN, 1, "hi", T0)
    reports = JoinReports()
    assert reports.once(message) is message
