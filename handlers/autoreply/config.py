"""Settings of keyword auto-replies (``[autoreply]``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Seconds, Section


class AutoReplyConfig(Section):
    """Keyword auto-replies."""

    cooldown_seconds: int = Field(default=30, ge=0, le=86_400)
    max_rules: int = Field(default=5_000, ge=1, le=100_000)
    max_keyword_chars: int = Field(default=200, ge=1, le=600)
    max_pattern_chars: int = Field(default=500, ge=1, le=600)
    max_import_bytes: int = Field(default=2_000_000, ge=1_000, le=20_000_000)
    recheck_seconds: Seconds = 30.0
    cached_groups: int = Field(default=1_000, ge=1, le=1_000_000)
