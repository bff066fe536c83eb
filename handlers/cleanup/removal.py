"""Removing members through the platform, one at a time and paced, collecting what failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from core.chat import ChatActionError, ChatPort, MissingRight
from handlers.cleanup.rules import Member

log = logging.getLogger(__name__)

# Why a removal did not happen, in the order reports list them.
REASONS = ("active", "gone", "admin", "no_right", "stopped", "failed")
StillSilent = Callable[[Member], Awaitable[bool]]


@dataclass(slots=True)
class RemovalReport:
    """Who was removed, and who was not and why."""

    removed: list[Member] = field(default_factory=list)
    failed: dict[str, list[Member]] = field(default_factory=dict)
    # The right the bot lacked, if that stopped the run.
    missing_right: str | None = None

    def fail(self, reason: str, member: Member) -> None:
        """Note a member who could not be removed."""
        self.failed.setdefault(reason, []).append(member)

    @property
    def gone(self) -> list[int]:
        """Ids of members who had left before the bot could remove them."""
        return [m.user_id for m in self.failed.get("gone", [])]

    @property
    def failed_count(self) -> int:
        """How many members were not removed."""
        return sum(len(members) for members in self.failed.values())


async def remove_members(
    port: ChatPort,
    chat_id: int,
    members: Sequence[Member],
    *,
    interval: float,
    stopping: Callable[[], bool] = lambda: False,
    still_silent: StillSilent | None = None,
) -> RemovalReport:
    """Kick (ban, then unban) each member, ``interval`` seconds apart.

    Removals take a while (Telegram's limits), so each member is checked right before:
    one who spoke since the list was made (``still_silent`` says no) is kept as ``active``,
    one who left already is reported as ``gone``, one promoted to admin is skipped. A
    missing right stops the run: every later call would fail too.
    """
    report = RemovalReport()
    for index, member in enumerate(members):
        if stopping():
            for rest in members[index:]:
                report.fail("stopped", rest)
            break
        if index and interval:
            await asyncio.sleep(interval)
        if still_silent is not None and not await still_silent(member):
            report.fail("active", member)
            continue
        try:
            reason = await _remove(port, chat_id, member)
        except MissingRight as error:
            report.missing_right = error.right
            for rest in members[index:]:
                report.fail("no_right", rest)
            break
        if reason is None:
            report.removed.append(member)
        else:
            report.fail(reason, member)
    return report


async def _remove(port: ChatPort, chat_id: int, member: Member) -> str | None:
    """Remove one member; None if done, else why not. MissingRight propagates."""
    status = await port.member_status(chat_id, member.user_id)
    if status in ("left", "banned"):
        return "gone"
    if status == "admin":
        return "admin"
    try:
        await port.kick(chat_id, member.user_id)
    except MissingRight:
        raise
    except ChatActionError as error:
        log.info("could not remove %s from %s: %s", member.user_id, chat_id, error)
        return "gone" if error.reason == "not_found" else "failed"
    return None
