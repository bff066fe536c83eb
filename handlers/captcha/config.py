"""Settings of the newcomer captcha (``[captcha]``)."""

from __future__ import annotations

from pydantic import Field, model_validator

from core.config import Seconds, Section


class CaptchaConfig(Section):
    """The newcomer captcha (each group switches it on and sets its time itself)."""

    # Answers a newcomer may give to a sum: each wrong one but the last brings a new sum.
    attempts: int = Field(default=2, ge=1, le=5)
    # The captcha time of a group that never set one, and the range /captchatime allows.
    default_seconds: int = Field(default=120, ge=1, le=86_400)
    min_seconds: int = Field(default=30, ge=1, le=86_400)
    max_seconds: int = Field(default=3_600, ge=1, le=86_400)
    # How often the leading process looks for captchas started by other processes.
    sync_seconds: Seconds = 10.0

    @model_validator(mode="after")
    def _range(self) -> CaptchaConfig:
        if not self.min_seconds <= self.default_seconds <= self.max_seconds:
            raise ValueError("default_seconds must lie between min_seconds and max_seconds")
        return self
