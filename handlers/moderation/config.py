"""Settings of the moderation engine (``[moderation]``) and of warnings (``[enforcement]``)."""

from __future__ import annotations

from typing import Protocol

from pydantic import Field, field_validator

from core.config import Seconds, Section
from handlers.moderation.warnings import LadderError, ladder_spec, parse_ladder


class ModerationConfig(Section):
    """The moderation engine: limits of per-group rules and in-memory tracking."""

    max_bad_words: int = Field(default=1_000, ge=1, le=100_000)
    max_word_chars: int = Field(default=200, ge=1, le=600)
    max_pattern_chars: int = Field(default=500, ge=1, le=600)
    max_domains: int = Field(default=200, ge=1, le=10_000)
    # How long a group's settings are trusted before they are read again (other processes
    # may have changed them), and how many groups' compiled rules are kept.
    recheck_seconds: Seconds = 30.0
    cached_groups: int = Field(default=1_000, ge=1, le=1_000_000)
    # Repeats: how long a text is remembered, and how many new members posting the same
    # text make a wave.
    repeat_window_seconds: Seconds = 600.0
    repeat_new_members: int = Field(default=3, ge=2, le=100)
    # Members whose recent messages are remembered per group (flood/repeat), oldest dropped.
    tracked_members: int = Field(default=5_000, ge=10, le=1_000_000)
    # Starting samples of the spam classifier, loaded at start-up: files with one sample
    # a line, or CSV "target,input" (1 = spam; then both lists may name it).
    spam_samples: list[str] = Field(default_factory=list)
    ham_samples: list[str] = Field(default_factory=list)


class EnforcementConfig(Section):
    """Warnings, escalation, temporary mutes and bans, and reports (/warn, /mute, /report)."""

    # Days a warning counts, unless a group says otherwise with /warnexpiry.
    warn_expiry_days: int = Field(default=30, ge=1, le=3_650)
    # The escalation ladder of groups that never set one with /warnladder ("" for none).
    warn_ladder: str = "3:mute:1h 5:mute:1d 7:ban"
    # How many /report a member may send per window, per group.
    report_limit: int = Field(default=3, ge=1, le=100)
    report_window_seconds: int = Field(default=600, ge=1, le=86_400)
    # How often the leading process looks for temporary mutes and bans ending soon.
    lift_check_seconds: Seconds = 30.0

    @field_validator("warn_ladder")
    @classmethod
    def _ladder(cls, value: str) -> str:
        try:
            return ladder_spec(parse_ladder(value))
        except LadderError as error:
            raise ValueError(f"bad rung {error.rung!r} ({error.key})") from error


class HasModeration(Protocol):
    """Settings with a ``[moderation]`` section (what the spam filter's samples come from)."""

    @property
    def moderation(self) -> ModerationConfig:
        """The moderation engine's section."""
        ...
