"""What to do when a schedule's timer fires: post, wait, skip or finish (pure logic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.quiet_hours import QuietHours
from handlers.schedule.when import Plan, next_run

# At most this many passed-over occurrences are listed one by one (as missed runs).
MISSED_LISTED = 100
# After a long outage, jump to this long before now instead of walking every occurrence.
CATCH_UP_WINDOW = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Due:
    """A schedule at the moment its timer fires, with everything the decision needs."""

    plan: Plan
    planned: datetime
    anchor: datetime
    tz: ZoneInfo
    quiet: QuietHours | None = None
    grace: timedelta = timedelta(minutes=10)
    until: datetime | None = None
    posts: int = 0
    max_posts: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """``action`` is post, wait, miss or end; ``occurrence`` is the one it is about."""

    action: str
    occurrence: datetime
    missed: list[datetime] = field(default_factory=list)
    # The planned time of the next occurrence (None: the schedule is done).
    next_at: datetime | None = None
    # For ``wait``: when to look again.
    wait_until: datetime | None = None


def decide(due: Due, now: datetime) -> Decision:
    """Decide about the latest occurrence due by ``now``; earlier ones are passed over."""
    passed, latest = _occurrences(due, now)
    missed = passed[-MISSED_LISTED:]
    if due.until is not None and latest >= due.until:
        return Decision("end", latest, missed)
    release = _release(due, latest)
    if release > now:
        return Decision("wait", latest, missed, next_at=latest, wait_until=release)
    post_at = _release(due, now)
    following = _following(due, latest)
    if post_at - release > due.grace:
        return Decision("miss", latest, missed, next_at=following)
    if post_at > now:
        return Decision("wait", latest, missed, next_at=latest, wait_until=post_at)
    last_post = due.max_posts is not None and due.posts + 1 >= due.max_posts
    return Decision("post", latest, missed, next_at=None if last_post else following)


def _release(due: Due, at: datetime) -> datetime:
    return due.quiet.release(at, due.tz) if due.quiet is not None else at


def _following(due: Due, occurrence: datetime) -> datetime | None:
    """The next occurrence after ``occurrence``, unless the schedule ends before it."""
    following = next_run(due.plan, occurrence, due.tz, due.anchor)
    if following is None or (due.until is not None and following >= due.until):
        return None
    return following


def _occurrences(due: Due, now: datetime) -> tuple[list[datetime], datetime]:
    """The occurrences from the planned one up to ``now``: those passed over, and the latest."""
    passed: list[datetime] = []
    latest = due.planned
    following = next_run(due.plan, latest, due.tz, due.anchor)
    while following is not None and following <= now:
        passed.append(latest)
        latest = following
        if len(passed) == MISSED_LISTED:
            # A long outage: skip ahead rather than walk every minute of it.
            jump = next_run(due.plan, now - CATCH_UP_WINDOW, due.tz, due.anchor)
            if jump is not None and jump > latest:
                latest = jump
        following = next_run(due.plan, latest, due.tz, due.anchor)
    return passed, latest
