"""The words of a chart, in the group's language (kept apart so matplotlib loads on first use)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ActivityLabels:
    """The words of the activity chart, in the group's language."""

    title: str
    messages: str
    active: str
    joins: str
    leaves: str
    members: str
    date: str
    count: str


@dataclass(frozen=True, slots=True)
class HourLabels:
    """The words of the busiest-hours panel, in the group's language."""

    title: str
    hour: str
    count: str
