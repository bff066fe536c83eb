"""Settings of challenges (``[challenges]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class ChallengesConfig(Section):
    """Challenges: size limits, and how often the leader pays rewards and closes windows."""

    max_active: int = Field(default=10, ge=1, le=100)
    max_days: int = Field(default=92, ge=1, le=366)
    max_target: int = Field(default=100_000, ge=1, le=10_000_000)
    max_points: int = Field(default=100_000, ge=0, le=10_000_000)
    pass_seconds: Seconds = 60.0
    # After a window's last day, wait this long for buffered message counts before the summary.
    settle_seconds: float = Field(default=300.0, ge=0, le=86_400)
