"""Services shared by all features for the life of the process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.chat import ChatPort
from core.config import CoreSettings
from core.i18n import Translator
from core.ids import IdError, platform_of
from core.permissions import AdminCache
from core.rights import RightsNotices
from core.scheduling import Scheduler
from core.timed_work import TimedWork
from storage.unit import Store

# The shell's whole Settings (bot/settings.py): core names only the sections it reads itself.
SettingsT = TypeVar("SettingsT", bound=CoreSettings)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime(Generic[SettingsT]):
    """The settings, storage, platform port and helpers every feature may use.

    Generic in the settings so core need not import the shell: the shell builds a
    ``Runtime[Settings]``; features read ``runtime.settings.<their section>``, which
    ``tests/test_layout.py`` checks against the composed ``Settings``.
    """

    settings: SettingsT
    store: Store
    port: ChatPort
    translator: Translator
    admins: AdminCache
    scheduler: Scheduler
    bot_id: int = 0
    # The bot's further accounts (a QQ account beside Telegram, several QQ accounts): the
    # platforms add them as they learn them; ``is_bot`` knows them all.
    accounts: set[int] = field(default_factory=set)
    bot_username: str | None = None
    clock: Callable[[], datetime] = _utcnow
    rights: RightsNotices = field(default_factory=RightsNotices)
    timed: TimedWork = field(default_factory=TimedWork)
    # Accounts the platforms post as when a chat speaks (never a person): records stored
    # before messages sent as a chat were refused may carry them; boards leave them off.
    stand_ins: frozenset[int] = frozenset()

    def is_bot(self, user_id: int | None) -> bool:
        """Whether an id is one of the bot's own accounts, on any platform."""
        return user_id is not None and (user_id == self.bot_id or user_id in self.accounts)

    @property
    def own_ids(self) -> frozenset[int]:
        """Every id the bot itself posts as."""
        return frozenset({self.bot_id, *self.accounts})

    def own_ids_on(self, chat_id: int) -> frozenset[int]:
        """The bot's ids on the platform a chat is on (the ones that may be its members)."""
        try:
            platform = platform_of(chat_id)
            return frozenset(i for i in self.own_ids if platform_of(i) == platform)
        except IdError:
            return self.own_ids

    def now(self) -> datetime:
        """The current time in UTC (controllable in tests)."""
        return self.clock()

    async def is_admin_of(self, chat_id: int, user_id: int) -> bool:
        """Whether a user is an admin of a group (the bot's owners are, everywhere)."""
        if user_id in self.settings.bot.all_owner_ids:
            return True
        admins = await self.admins.lookup(chat_id)
        if admins is None:
            # The admin list cannot be had now: one getChatMember about this person instead.
            return await self.port.member_status(chat_id, user_id) == "admin"
        return user_id in admins

    def timezone(self, name: str | None) -> ZoneInfo:
        """A group's time zone by name, or the configured default."""
        try:
            return zone(name or self.settings.bot.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return zone(self.settings.bot.timezone)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name (ZoneInfo objects are looked up once)."""
    return ZoneInfo(name)
