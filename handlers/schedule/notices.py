"""Telling the admins that a scheduled post failed for good: where, in which order.

The notice goes to the group's moderation log chat (set with /setlog) when it has one:
that is where admins read what the bot did. Without one (or if the log chat refuses it),
it goes to the group itself, where the post was due, with the command that sends it
again; and if even the group cannot be posted to, to the schedule's creator in private
(Telegram delivers that only if they have started the bot).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.runtime import Runtime
from core.text import Text


@dataclass(frozen=True, slots=True)
class FailureNotice:
    """A notice of a failed post and the chats to try, in order, until one takes it."""

    text: Text
    targets: tuple[int, ...]


def notice_targets(log_chat: int | None, group: int, creator: int | None) -> tuple[int, ...]:
    """Where a failure notice is tried: the log chat, the group, then the creator."""
    ordered = [chat for chat in (log_chat, group, creator) if chat is not None]
    return tuple(dict.fromkeys(ordered))


async def tell_failure(runtime: Runtime, notice: FailureNotice) -> int | None:
    """Send the notice to the first chat that takes it; that chat, or None if none did."""
    for chat_id in notice.targets:
        if await runtime.port.send(chat_id, notice.text) is not None:
            return chat_id
    return None
