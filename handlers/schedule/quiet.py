"""Quiet hours as /quiet takes them: the period of ``core.quiet_hours``, or schedule's error."""

from __future__ import annotations

from core.args import clip
from core.quiet_hours import QuietHours, read_quiet_hours
from handlers.schedule.when import WhenError


def parse_quiet(text: str) -> QuietHours:
    """Read a period such as ``23:00-07:00``; a bad one is WhenError ``bad_quiet``."""
    hours = read_quiet_hours(text)
    if hours is None:
        raise WhenError("bad_quiet", value=clip(text))
    return hours
