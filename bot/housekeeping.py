"""Keep shared caches true: admin lists and what the bot may do in each chat."""

from __future__ import annotations

from core.context import Context
from core.events import AdminsChanged, BotStatusChanged, Event
from core.feature import Feature


class Housekeeping(Feature):
    """Drops a chat's cached admins when they change, and rights notices when ours do."""

    name = "housekeeping"

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Refresh caches; AdminsChanged stops here, BotStatusChanged goes on to features."""
        if isinstance(event, AdminsChanged):
            ctx.runtime.admins.invalidate(event.chat.id)
        elif isinstance(event, BotStatusChanged):
            ctx.runtime.admins.invalidate(event.chat.id)
            ctx.runtime.rights.reset(event.chat.id)
        return isinstance(event, AdminsChanged)
