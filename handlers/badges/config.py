"""Settings of badges (``[badges]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class BadgesConfig(Section):
    """Badges: size limits and how often the leader looks for finished weeks."""

    max_name: int = Field(default=24, ge=1, le=32)
    max_reason: int = Field(default=200, ge=1, le=200)
    max_listed: int = Field(default=50, ge=1, le=500)
    weekly_seconds: Seconds = 600.0
