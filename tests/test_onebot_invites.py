"""Invitations of the bot's QQ account: read from the event, answered by policy."""

from __future__ import annotations

from typing import Any

import pytest

from bot.platforms.onebot.invites import Invitation, accepts, invitation
from bot.platforms.onebot.port import request_of
from core.ids import scoped, scoped_group

OWNER, STRANGER, GROUP = 334_455, 99_999, 700_000_001


def request(**fields: Any) -> dict[str, Any]:
    """A group request event, an invitation unless ``fields`` say otherwise."""
    event = {
        "post_type": "request",
        "request_type": "group",
        "sub_type": "invite",
        "group_id": GROUP,
        "user_id": OWNER,
        "flag": "f-1",
        "self_id": 10_000,
        "time": 1_760_000_000,
    }
    return {**event, **fields}


def test_an_invitation_is_read_with_platform_ids_and_its_reference() -> None:
    found = invitation(request())
    assert found == Invitation(scoped_group("onebot", GROUP), scoped("onebot", OWNER), "f-1")
    assert request_of(found.reference) == ("invite", "f-1")


@pytest.mark.parametrize(
    "payload",
    [
        request(sub_type="add"),  # a member asking to join: a JoinRequest, not this
        request(request_type="friend"),
        request(post_type="notice"),
        request(flag=""),
        request(flag=None),
        request(group_id="x"),
        request(user_id=None),
        request(group_id=1 << 60),  # beyond the platform's id band
    ],
)
def test_anything_else_is_no_invitation(payload: dict[str, Any]) -> None:
    assert invitation(payload) is None


OWNERS = frozenset({scoped("onebot", OWNER)})


@pytest.mark.parametrize(
    ("inviter", "policy", "expected"),
    [
        (OWNER, "owners", True),
        (STRANGER, "owners", False),
        (STRANGER, "anyone", True),
        (OWNER, "ignore", None),
        (STRANGER, "ignore", None),
    ],
)
def test_the_policy_decides(inviter: int, policy: Any, expected: bool | None) -> None:
    invite = Invitation(scoped_group("onebot", GROUP), scoped("onebot", inviter), "f")
    assert accepts(invite, policy, OWNERS) is expected
