"""Services shared by all features for the life of the process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.chat import ChatPort
from bot.config import Settings
from bot.i18n import Translator
from bot.permissions import AdminCache
from bot.rights import RightsNotices
from bot.scheduling import Scheduler
from storage.unit import Store


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The settings, storage, platform port and helpers every feature may use."""

    settings: Settings
    store: Store
    port: ChatPort
    translator: Translator
    admins: AdminCache
    scheduler: Scheduler
    bot_id: int = 0
    bot_username: str | None = None
    clock: Callable[[], datetime] = _utcnow
    rights: RightsNotices = field(default_factory=RightsNotices)

    def now(self) -> datetime:
        """The current time in UTC (controllable in tests)."""
        return self.clock()
