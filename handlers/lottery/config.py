"""Settings of lotteries (``[lottery]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class LotteryConfig(Section):
    """Lotteries / giveaways: size limits, the claim window, the draw pass."""

    max_winners: int = Field(default=50, ge=1, le=1_000)
    max_prize_chars: int = Field(default=200, ge=10, le=1_000)
    # The furthest end a lottery may have, in days from its creation.
    max_days: int = Field(default=90, ge=1, le=3_650)
    max_entries: int = Field(default=100_000, ge=2, le=10_000_000)
    max_cost: int = Field(default=1_000_000, ge=0)
    max_open_per_chat: int = Field(default=10, ge=1, le=1_000)
    # How long a winner has to /claim before an admin may /reroll them.
    claim_seconds: float = Field(default=86_400.0, gt=0, le=30 * 86_400)
    # How often the leading process looks for due draws (created by other processes).
    sync_seconds: Seconds = 30.0
    # Up to this many entrants the draw message lists their ordering; past it, a CSV file.
    reveal_inline: int = Field(default=30, ge=0, le=200)
