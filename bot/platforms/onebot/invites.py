"""Invitations of the bot's QQ account into a group (``request.group.invite``).

QQ asks the invited account to accept; the bot answers by ``[onebot] invites``: ``owners``
(the default) accepts the bot's owners' invitations and declines the rest, so strangers
cannot pull the bot into their groups; ``anyone`` accepts every one; ``ignore`` leaves them
for the account's holder to answer in QQ. A member's request to join is no invitation: it
becomes a ``JoinRequest`` (``events.to_event``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.platforms.onebot.message import as_int
from core.ids import ONEBOT, IdError, scoped, scoped_group

Policy = Literal["owners", "anyone", "ignore"]


@dataclass(frozen=True, slots=True)
class Invitation:
    """Someone invited the bot's account into a group."""

    group_id: int  # platform-qualified
    inviter: int  # platform-qualified
    flag: str

    @property
    def reference(self) -> str:
        """The handle ``OneBotPort.approve_join`` / ``decline_join`` answer it by."""
        return f"invite:{self.flag}"


def invitation(payload: Mapping[str, Any]) -> Invitation | None:
    """The invitation an event is, or None for any other event (or a malformed one)."""
    if payload.get("post_type") != "request" or payload.get("request_type") != "group":
        return None
    if payload.get("sub_type") != "invite":
        return None
    group, inviter, flag = (
        as_int(payload.get("group_id")),
        as_int(payload.get("user_id")),
        payload.get("flag"),
    )
    if group is None or inviter is None or not isinstance(flag, str) or not flag:
        return None
    try:
        return Invitation(scoped_group(ONEBOT, group), scoped(ONEBOT, inviter), flag)
    except IdError:
        return None


def accepts(invite: Invitation, policy: Policy, owners: frozenset[int]) -> bool | None:
    """Whether to accept an invitation: True, False, or None to leave it unanswered."""
    if policy == "ignore":
        return None
    return policy == "anyone" or invite.inviter in owners
