"""Settings of group statistics (``[stats]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config import Seconds, Section


class StatsConfig(Section):
    """Group statistics (/stats, /retention, /topmembers, digests, activity alerts)."""

    # Who may use /stats, /retention and /topmembers in groups that never chose (/statsaccess).
    default_access: Literal["admins", "all"] = "all"
    # Rows of /topmembers.
    top_rows: int = Field(default=10, ge=1, le=50)
    # How often the leading process closes finished days (member counts, activity alerts).
    check_seconds: Seconds = 600.0
