"""One ``MemberJoined`` per join: Telegram reports a join twice, and the platform says it once.

Telegram sends both a ``chat_member`` update and a "new members" service message for one
join, in either order. The first report becomes the ``MemberJoined``; the second is dropped,
or (when it is the service message) becomes a ``ServiceNotice``, so a group that tidies
service messages can still delete it, or (when it is the member update naming an invite
link) becomes a ``JoinLink``, so the link's owner is still credited. No I/O: the time is
the events' own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import Event, JoinLink, MemberJoined, MemberLeft, ServiceNotice
from core.recent import RecentKeys


class RecentJoins:
    """Remembers joins for a while, so one join reported twice is seen once."""

    def __init__(self, ttl_seconds: float = 300.0, limit: int = 100_000) -> None:
        self._seen: RecentKeys[tuple[int, int]] = RecentKeys(timedelta(seconds=ttl_seconds), limit)

    def first_time(self, chat_id: int, user_id: int, now: datetime) -> bool:
        """True if this join was not seen within the TTL; records it either way."""
        return self._seen.see((chat_id, user_id), now)

    def forget(self, chat_id: int, user_id: int) -> None:
        """Drop a member (they left), so a later rejoin is seen again."""
        self._seen.forget((chat_id, user_id))


class JoinReports:
    """Turns Telegram's two reports of a join into one ``MemberJoined``."""

    def __init__(self, recent: RecentJoins | None = None) -> None:
        self._recent = recent or RecentJoins()

    def once(self, event: Event) -> Event | None:
        """The event as features should see it: None for a repeated join with nothing to
        tidy, a ``ServiceNotice`` for a repeated join's service message."""
        if isinstance(event, MemberLeft):
            self._recent.forget(event.chat.id, event.user.id)
            return event
        if not isinstance(event, MemberJoined):
            return event
        if self._recent.first_time(event.chat.id, event.user.id, event.date):
            return event
        if event.service_message_id is None:
            # The member update after the service message: only the link it names is news.
            if event.invite_link:
                return JoinLink(
                    event.chat, event.user, event.invite_link, event.date, event.update_id
                )
            return None
        return ServiceNotice(
            event.chat, event.user, event.service_message_id, event.date, event.update_id
        )

    def all(self, events: list[Event]) -> list[Event]:
        """``once`` over a list of events, the dropped ones left out."""
        return [kept for event in events if (kept := self.once(event)) is not None]
