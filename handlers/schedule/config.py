"""Settings of scheduled posts (``[schedule]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class ScheduleConfig(Section):
    """Scheduled posts."""

    grace_seconds: float = Field(default=600.0, ge=0, le=7 * 86_400)
    max_per_chat: int = Field(default=100, ge=1, le=10_000)
    sync_seconds: Seconds = 30.0
