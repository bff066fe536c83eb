"""Settings of invite attribution and invite points (``[invites]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class InvitesConfig(Section):
    """Invite links, invite rewards (/setinvite), /invites and /topinviters."""

    # How often the leading process pays inviters whose newcomers stayed and took part.
    check_seconds: Seconds = 600.0
    # Pending invites looked at per check (the rest wait for the next one).
    batch: int = Field(default=500, ge=1, le=10_000)
    # Days after the stay a newcomer has to post or check in before the invite stops counting.
    expire_days: int = Field(default=30, ge=1, le=365)
    # Upper bounds of /setinvite values.
    max_points: int = Field(default=10_000, ge=1)
    max_stay_days: int = Field(default=90, ge=0)
    max_daily_cap: int = Field(default=1_000, ge=1)
    # Rows of /invites and /topinviters.
    list_rows: int = Field(default=20, ge=1, le=100)
    top_rows: int = Field(default=10, ge=1, le=50)
