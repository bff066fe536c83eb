"""Settings of the learning spam filter (``[spam]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config import Seconds, Section


class SpamConfig(Section):
    """The learning spam filter; groups change their own threshold, scope and action."""

    # Score (0..1) from which the spam action is taken; the grey band below it is reported.
    threshold: float = Field(default=0.9, gt=0, lt=1)
    grey_band: float = Field(default=0.3, ge=0, lt=1)
    # Whose messages are scored by default: newcomers ("new") or every non-admin ("all").
    scope: Literal["new", "all"] = "new"
    new_member_days: int = Field(default=7, ge=0, le=3_650)
    first_messages: int = Field(default=5, ge=0, le=1_000)
    # The spam action: delete, warn, mute[:duration], kick, ban[:duration], report.
    actions: str = Field(
        default="delete mute:1d report",
        pattern=r"^\s*(?:(?:delete|warn|report|kick|mute(?::\S+)?|ban(?::\S+)?)\s*)+$",
    )
    # How often samples learned by other processes are picked up.
    refresh_seconds: Seconds = 60.0
    # Newcomers tracked in memory per process (joins and message counts), oldest dropped.
    tracked_members: int = Field(default=20_000, ge=10, le=1_000_000)
    # Combot Anti-Spam (CAS) look-ups for newcomers: off by default.
    cas: bool = False
    cas_url: str = "https://api.cas.chat/check"
    cas_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    cas_cache_seconds: Seconds = 3_600.0
