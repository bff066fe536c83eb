"""The pure rules of invite rewards: settings, attribution of a join, and the payment verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.invites.rules import (
    Attribution,
    Candidate,
    InviteError,
    InviteSettings,
    JoinFacts,
    Limits,
    attribute,
    parse_settings,
    verdict,
)

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
ON = InviteSettings(enabled=True, points=20, stay_days=3, daily_cap=2, require="message")
LINK = "https://t.me/+abc"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("off",), InviteSettings(enabled=False)),
        (("on",), InviteSettings(enabled=True)),
        (("points=5",), InviteSettings(enabled=True, points=5)),
        (
            ("points=30", "stay_days=0", "daily_cap=1", "require=checkin"),
            InviteSettings(True, 30, 0, 1, "checkin"),
        ),
        (("REQUIRE=None",), InviteSettings(enabled=True, require="none")),
    ],
)
def test_parse_settings(args: tuple[str, ...], expected: InviteSettings) -> None:
    assert parse_settings(args, InviteSettings(), Limits()) == expected


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("points",), "invites.bad_pair"),
        (("=5",), "invites.bad_pair"),
        (("colour=red",), "invites.bad_key"),
        (("points=0",), "invites.bad_number"),
        (("points=-3",), "invites.bad_number"),
        (("points=10001",), "invites.bad_number"),
        (("stay_days=91",), "invites.bad_number"),
        (("daily_cap=x",), "invites.bad_number"),
        (("require=dance",), "invites.bad_require"),
    ],
)
def test_bad_settings_name_the_problem(args: tuple[str, ...], key: str) -> None:
    with pytest.raises(InviteError) as caught:
        parse_settings(args, InviteSettings(), Limits())
    assert caught.value.key == key


def join(**changes: object) -> JoinFacts:
    facts: dict[str, object] = {
        "invitee_id": 50,
        "invitee_is_bot": False,
        "added_by": None,
        "by_request": False,
        "link_owner": None,
        "link": None,
        "known_before": False,
    }
    facts.update(changes)
    return JoinFacts(**facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (join(link=LINK, link_owner=7), Attribution(7, "link")),
        (join(link=LINK, link_owner=None), Attribution(None, "link")),
        (join(added_by=8), Attribution(8, "added")),
        (join(added_by=8, by_request=True), Attribution(None, "unknown")),
        (join(), Attribution(None, "unknown")),
        # self-invite: own link, or the platform naming the newcomer as adder
        (join(link=LINK, link_owner=50), Attribution(None, "link")),
        (join(added_by=50), Attribution(None, "added")),
        # the bot itself adding someone credits nobody
        (join(added_by=1, inviter_is_bot=True), Attribution(None, "added")),
        # bots and people seen before are no first joins at all
        (join(added_by=8, invitee_is_bot=True), None),
        (join(link=LINK, link_owner=7, known_before=True), None),
    ],
)
def test_attribute(facts: JoinFacts, expected: Attribution | None) -> None:
    assert attribute(facts) == expected


def candidate(**changes: object) -> Candidate:
    values: dict[str, object] = {
        "joined_at": NOW - timedelta(days=4),
        "left": False,
        "removed": False,
        "took_part": True,
        "paid_today": 0,
    }
    values.update(changes)
    return Candidate(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "settings", "expected"),
    [
        (candidate(), ON, "pay"),
        (candidate(joined_at=NOW - timedelta(days=3)), ON, "pay"),
        (candidate(joined_at=NOW - timedelta(days=2, hours=23)), ON, "wait"),
        (candidate(left=True), ON, "left"),
        (candidate(removed=True), ON, "removed"),
        (candidate(removed=True, left=True), ON, "removed"),
        (candidate(took_part=False), ON, "wait"),
        (candidate(took_part=False), InviteSettings(True, 20, 3, 2, "none"), "pay"),
        (candidate(took_part=False, joined_at=NOW - timedelta(days=40)), ON, "expired"),
        (candidate(paid_today=1), ON, "pay"),
        (candidate(paid_today=2), ON, "cap"),
        (candidate(joined_at=NOW), InviteSettings(True, 20, 0, 2, "none"), "pay"),
    ],
)
def test_verdict(case: Candidate, settings: InviteSettings, expected: str) -> None:
    assert verdict(case, settings, NOW, expire_days=30) == expected
