"""The welcome's settings: how joins are batched into one welcome (``[welcome]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class WelcomeConfig(Section):
    """How joins are batched into one welcome."""

    batch_quiet_seconds: Seconds = 2.0
    batch_max_seconds: Seconds = 10.0
    max_names: int = Field(default=20, ge=1, le=200)
