"""Settings of inactivity cleanup (``[cleanup]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class CleanupConfig(Section):
    """Inactivity cleanup (/inactive, /cleanup, /autoclean)."""

    default_days: int = Field(default=30, ge=1, le=3_650)
    # Days between the automatic warning and the removal, unless /autoclean says otherwise.
    warn_days: int = Field(default=3, ge=0, le=365)
    # Members who joined within this many days are never removed.
    new_member_days: int = Field(default=7, ge=0, le=3_650)
    # Never-seen members count as silent once the bot has been in the group this long
    # (None: at least the asked number of days).
    never_seen_grace_days: int | None = Field(default=None, ge=0, le=3_650)
    # The pause between two removals (Telegram's own limits are applied on top).
    removal_interval_seconds: float = Field(default=1.0, ge=0, le=600)
    # How often the leading process looks for groups due for their daily automatic run.
    check_seconds: Seconds = 600.0
    # How long the confirm buttons of /cleanup stay valid.
    confirm_seconds: Seconds = 600.0
    # On platforms that list every member (QQ), how often the members table is seeded from
    # that list before the silent are chosen (0: every time).
    roster_refresh_hours: float = Field(default=6.0, ge=0, le=720)
