"""Who counts as inactive, who is exempt, and what an automatic run does: no I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from core.durations import parse_day_count

MAX_DAYS = 3_650
# Button data carries a Unix time; anything beyond this is no time we issued.
MAX_EPOCH = 10**11
# A daily run fires at a slightly different time each day: a warning this much younger
# than the window still counts as old enough, so removal does not slip by a whole day.
RUN_SLACK = timedelta(hours=1)
_OFF = {"off", "stop", "关", "关闭"}
_TEST = {"test", "preview", "预览", "测试"}
_DRY = {"dry", "dryrun", "dry-run", "演练"}
_WARN = {"warn", "warning", "预警", "警告"}


class CleanupError(Exception):
    """Bad input: ``key`` is the catalog sentence that explains it, with its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class Member(NamedTuple):
    """What the rules need to know of one known member.

    A named tuple: the daily job makes one per silent member of every group, and a tuple is
    several times cheaper to build than a frozen dataclass.
    """

    user_id: int
    name: str
    last_seen: datetime
    messages: int = 0
    joined_at: datetime | None = None
    is_bot: bool = False
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Exemptions:
    """Who is never removed in one group."""

    admins: frozenset[int] = frozenset()
    approved: frozenset[int] = frozenset()
    exempted: frozenset[int] = frozenset()
    new_member_days: int = 7

    @property
    def ids(self) -> frozenset[int]:
        """Every member exempt by id."""
        return self.admins | self.approved | self.exempted


def exemption(member: Member, exempt: Exemptions, now: datetime) -> str | None:
    """Why a member may not be removed (``bot``, ``admin``, ``approved``, ``exempted``,
    ``new``), or None."""
    if member.is_bot:
        return "bot"
    if member.user_id in exempt.admins:
        return "admin"
    if member.user_id in exempt.approved:
        return "approved"
    if member.user_id in exempt.exempted:
        return "exempted"
    if member.joined_at is not None and member.joined_at > joined_cutoff(now, exempt):
        return "new"
    return None


def joined_cutoff(now: datetime, exempt: Exemptions) -> datetime:
    """Members who joined after this are new and exempt."""
    return now - timedelta(days=exempt.new_member_days)


def silence_cutoff(now: datetime, days: int) -> datetime:
    """Members last seen at or before this have been silent at least ``days`` days."""
    return now - timedelta(days=days)


def is_silent(member: Member, now: datetime, days: int) -> bool:
    """Whether a member has been silent at least ``days`` days."""
    return member.last_seen <= silence_cutoff(now, days)


def select_inactive(
    members: Iterable[Member], exempt: Exemptions, now: datetime, days: int
) -> list[Member]:
    """The members silent at least ``days`` days and not exempt, oldest silence first.

    The same rules as ``exemption`` and ``is_silent``, with the cutoffs worked out once:
    the daily job runs this over every silent member of every group.
    """
    cutoff, ids, joined = silence_cutoff(now, days), exempt.ids, joined_cutoff(now, exempt)
    chosen = [
        m
        for m in members
        if m.last_seen <= cutoff
        and not m.is_bot
        and m.user_id not in ids
        and (m.joined_at is None or m.joined_at <= joined)
    ]
    chosen.sort(key=_silence_order)
    return chosen


def _silence_order(member: Member) -> tuple[datetime, int]:
    return member.last_seen, member.user_id


def never_seen(member_count: int | None, known_present: int, unknown_admins: int) -> int:
    """Members the platform counts but the bot has never seen.

    ``unknown_admins`` are the admins (and the bot itself) missing from the known members:
    they are in the count but are not silent members.
    """
    if member_count is None:
        return 0
    return max(member_count - known_present - unknown_admins, 0)


def never_seen_are_silent(
    bot_joined_at: datetime | None, now: datetime, days: int, grace_days: int | None
) -> bool:
    """Whether never-seen members count as silent ``days`` days.

    They have been silent since the bot joined at least; by default the bot must have been
    in the group ``days`` days for that to mean anything, or ``grace_days`` if configured.
    """
    if bot_joined_at is None:
        return False
    needed = days if grace_days is None else grace_days
    return now - bot_joined_at >= timedelta(days=needed)


# ---------------------------------------------------------------- automatic runs


@dataclass(frozen=True, slots=True)
class AutoPolicy:
    """A group's automatic cleanup: remove after ``days`` of silence, warned ``warn_days``
    before."""

    days: int
    warn_days: int

    @property
    def watch_days(self) -> int:
        """Silence after which a member enters the warning window."""
        return self.days - self.warn_days


@dataclass(slots=True)
class RunPlan:
    """What one automatic run does in one group."""

    warn: list[Member] = field(default_factory=list)
    remove: list[Member] = field(default_factory=list)
    # Warned before, and active (or exempt) since: their warnings are dropped.
    spared: list[int] = field(default_factory=list)
    # Warned, still silent, but their window has not passed yet.
    waiting: int = 0


def plan_run(
    candidates: Sequence[Member],
    warnings: Mapping[int, datetime],
    policy: AutoPolicy,
    now: datetime,
) -> RunPlan:
    """Decide warnings and removals from the non-exempt members silent ``watch_days``.

    A member is removed only once silent ``days`` days and, if warnings are on, warned at
    least ``warn_days`` days ago without a sign of life since. A member warned earlier who
    was seen after the warning starts over: the old warning no longer counts.
    """
    plan = RunPlan()
    seen: set[int] = set()
    window_end = now - (timedelta(days=policy.warn_days) - RUN_SLACK)
    watch, removal = silence_cutoff(now, policy.watch_days), silence_cutoff(now, policy.days)
    for member in sorted(candidates, key=_silence_order):
        if member.last_seen > watch:
            continue
        seen.add(member.user_id)
        warned = warnings.get(member.user_id)
        if warned is not None and member.last_seen > warned:
            warned = None  # seen since, silent again: warned afresh below
        due = member.last_seen <= removal
        if policy.warn_days == 0:
            if due:
                plan.remove.append(member)
        elif warned is None:
            plan.warn.append(member)
        elif due and warned <= window_end:
            plan.remove.append(member)
        else:
            plan.waiting += 1
    plan.spared.extend(uid for uid in warnings if uid not in seen)
    return plan


# ---------------------------------------------------------------- arguments


def parse_days(text: str) -> int:
    """``30``, ``30d``, ``30天`` or ``4w`` as a number of days in 1..MAX_DAYS; else CleanupError."""
    days = parse_day_count(text)
    if days is None or not 1 <= days <= MAX_DAYS:
        raise CleanupError("cleanup.bad_days", text=text[:20], max=MAX_DAYS)
    return days


def parse_inactive(args: Sequence[str], default_days: int) -> tuple[int, int]:
    """``/inactive [days] [page]``: the days and the (1-based) page asked for."""
    if len(args) > 2:
        raise CleanupError("cleanup.inactive_usage")
    days = parse_days(args[0]) if args else default_days
    page = 1
    if len(args) == 2:
        if not args[1].isascii() or not args[1].isdigit() or len(args[1]) > 6:
            raise CleanupError("cleanup.inactive_usage")
        page = max(int(args[1]), 1)
    return days, page


@dataclass(frozen=True, slots=True)
class AutoRequest:
    """What an ``/autoclean`` command asks for."""

    kind: str  # show | off | test | set
    days: int = 0
    warn_days: int = 0
    dry_run: bool = False


def parse_autoclean(args: Sequence[str], default_warn: int) -> AutoRequest:
    """``/autoclean``, ``/autoclean off``, ``/autoclean test`` or
    ``/autoclean <days> [warn <days>] [dry]``."""
    words = [a.lower() for a in args]
    if not words:
        return AutoRequest("show")
    if len(words) == 1 and words[0] in _OFF:
        return AutoRequest("off")
    if len(words) == 1 and words[0] in _TEST:
        return AutoRequest("test")
    days = parse_days(args[0])
    warn: int | None = None
    dry = False
    rest = list(zip(words[1:], args[1:], strict=True))
    while rest:
        word, _ = rest.pop(0)
        if word in _DRY:
            dry = True
        elif word in _WARN and rest and warn is None:
            warn = _parse_warn(rest.pop(0)[1])
        else:
            raise CleanupError("cleanup.autoclean_usage")
    if warn is None:
        warn = min(default_warn, days - 1)
    if warn >= days:
        raise CleanupError("cleanup.warn_too_long", warn=warn, days=days)
    return AutoRequest("set", days, warn, dry)


def _parse_warn(text: str) -> int:
    if text.strip() in ("0", "0d", "0天"):
        return 0
    return parse_days(text)


# The cleanup's buttons: actions ``cln.ok`` / ``cln.no`` (days, admin, epoch) and
# ``cln.page`` (days, page).
PREFIX = "cln"


def confirm_args(days: int, admin_id: int, issued: datetime) -> tuple[int, int, int]:
    """The arguments of a /cleanup confirm or cancel button."""
    return (days, admin_id, int(issued.timestamp()))


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded cleanup button."""

    verb: str  # ok | no | page
    days: int
    owner: int  # the admin who asked (ok/no); the page number (page)
    issued: int = 0


def parse_press(verb: str, args: Sequence[str]) -> Press | None:
    """A cleanup button's verb and arguments, or None if malformed."""
    if verb not in ("ok", "no", "page") or not args:
        return None
    if not all(p.isascii() and p.isdigit() and len(p) < 20 for p in args):
        return None
    values = [int(p) for p in args]
    if not 1 <= values[0] <= MAX_DAYS:
        return None
    if verb == "page":
        return Press("page", values[0], values[1]) if len(values) == 2 else None
    if len(values) != 3 or values[2] > MAX_EPOCH:
        return None
    return Press(verb, values[0], values[1], values[2])


def page_args(days: int, page: int) -> tuple[int, int]:
    """The arguments of an /inactive page button."""
    return (days, page)


def pages_for(items: int, size: int) -> int:
    """How many pages ``items`` fill (at least one)."""
    return max((items + size - 1) // size, 1)


def clip(name: str, limit: int) -> str:
    """A name cut to ``limit`` characters (with an ellipsis) so list pages stay short."""
    name = " ".join(name.split()) or "?"
    return name if len(name) <= limit else name[: limit - 1] + "…"
