"""The <when> of /schedule: reading it, storing it as a canonical spec, finding occurrences.

Pure logic, no I/O. Forms, read in the group's time zone:
``in 1h30m`` · ``at 2026-12-01 09:30`` · ``at 09:30`` · ``daily 09:00`` ·
``weekly mon,thu 20:00`` · ``monthly 1 10:00`` / ``monthly last 10:00`` · ``every 2h`` ·
``cron "0 9 * * 1-5"``.

DST rules, the same everywhere (``core.walltime``): a local time that a clock change skips
means the instant of the jump (the first moment the clock reads that time or later); a local
time that occurs twice means its first occurrence, and a recurring post never repeats in the
second pass (except a cron job whose minute or hour field is a wildcard, as in Vixie cron).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from core.args import clip
from core.clock import parse_clock
from core.durations import compact_duration, duration_parts, is_unit
from core.walltime import exists, jump_instant, local_instant

# One-offs may be at most this far ahead (five years, leap days included).
MAX_AHEAD = timedelta(days=1827)
MIN_INTERVAL = timedelta(minutes=1)
# How far ahead a calendar rule is searched: Feb 29 may be eight years away (2096 -> 2104).
_HORIZON = timedelta(days=366 * 30)
_MAX_DIGITS = 15
_ONCE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

KINDS = ("once", "daily", "weekly", "monthly", "every", "cron")


@dataclass(frozen=True, slots=True)
class Plan:
    """When a schedule posts, in canonical words that parse back to the same plan."""

    kind: str  # one of KINDS
    # Canonical text, stored: "daily 09:00", "weekly mon,thu 20:00", "monthly last 10:00",
    # "every 1h30m", "cron 0 9 * * 1-5"; a one-off its UTC instant: "once 2026-12-01T01:30:00Z".
    spec: str

    @property
    def recurring(self) -> bool:
        """True for every kind but a one-off."""
        return self.kind != "once"


class WhenError(ValueError):
    """Bad schedule input: `key` names a catalog entry under [schedule] (or in full, as
    ``errors.cron.minute``, for sentences shared with other features), `values` fill it."""

    key: str
    values: dict[str, str]

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values

    @property
    def catalog_key(self) -> str:
        """The full catalog key of the sentence."""
        return self.key if "." in self.key else f"schedule.{self.key}"

    def __str__(self) -> str:
        """The key and its values, for logs."""
        return f"{self.key} {self.values}" if self.values else self.key


# --- tokens, times, dates, durations ---------------------------------------------------------

_TOKEN = re.compile(r"\s*(\S+)")


def _token(text: str, pos: int) -> tuple[str, int]:
    """The whitespace-separated token at `pos` and the position after it ("" at the end)."""
    match = _TOKEN.match(text, pos)
    return (match.group(1), match.end()) if match else ("", len(text))


def parse_time(token: str) -> time:
    """Read a 24-hour ``9:00`` / ``09:00`` (``24:00`` is not a time)."""
    at = parse_clock(token)
    if at is None:
        raise WhenError("bad_time", value=clip(token))
    return at


def _looks_like_time(token: str) -> bool:
    return ":" in token or "：" in token


_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})[日号號]?")


def parse_date(token: str) -> date:
    """Read ``2026-12-01`` (also with ``/`` or ``.``, or ``2026年12月1日``)."""
    match = _DATE.fullmatch(token)
    if match is None:
        raise WhenError("bad_date", value=clip(token))
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return date(year, month, day)
    except ValueError:
        raise WhenError("bad_date", value=clip(token)) from None


def _duration_seconds(token: str) -> int:
    """Seconds in a compact duration token such as ``1h30m`` (a core.durations form)."""
    total = 0
    for digits, size in duration_parts(token) or ():
        if len(digits) > _MAX_DIGITS:
            raise WhenError("too_far")
        total += int(digits) * size
    return total


def _read_duration(text: str, pos: int) -> tuple[int, int]:
    """Read ``1h30m``, ``1h 30m``, ``10 minutes`` or ``2小时``; return seconds and the end."""
    first, _ = _token(text, pos)
    if not first:
        raise WhenError("bad_when")
    total, found = 0, False
    while True:
        token, end = _token(text, pos)
        if duration_parts(token) is not None:
            seconds = _duration_seconds(token)
        elif token.isdecimal() and is_unit(unit := _token(text, end)[0]):
            seconds, end = _duration_seconds(token + unit), _token(text, end)[1]
        else:
            break
        total, pos, found = total + seconds, end, True
        if total > MAX_AHEAD.total_seconds():
            raise WhenError("too_far")
    if not found:
        raise WhenError("bad_duration", value=clip(first))
    return total, pos


# --- local wall times and DST ------------------------------------------------------------------


def _second_pass(instant: datetime, tz: ZoneInfo) -> bool:
    """Whether `instant` is the repeat of a local time that a DST fall-back shows twice."""
    local = instant.astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


# --- one-offs -------------------------------------------------------------------------------


def _once(instant: datetime) -> Plan:
    return Plan("once", f"once {instant.astimezone(UTC).strftime(_ONCE_FORMAT)}")


def once_instant(plan: Plan) -> datetime:
    """The UTC instant of a one-off plan."""
    text = plan.spec.removeprefix("once ")
    try:
        return datetime.strptime(text, _ONCE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise WhenError("bad_when") from None


def _read_in(text: str, pos: int, now: datetime, tz: ZoneInfo) -> tuple[Plan, int]:
    """``in <duration>``: a one-off that long from now, to the second."""
    first = _token(text, pos)[0]
    seconds, end = _read_duration(text, pos)
    if seconds == 0:
        raise WhenError("bad_duration", value=clip(first))
    instant = now.astimezone(UTC) + timedelta(seconds=seconds)
    return _once(instant.replace(microsecond=0)), end


def _read_at(text: str, pos: int, now: datetime, tz: ZoneInfo) -> tuple[Plan, int]:
    """``at HH:MM`` (the next such local time) or ``at YYYY-MM-DD HH:MM``."""
    token, end = _token(text, pos)
    if not token:
        raise WhenError("bad_when")
    if _looks_like_time(token) and "T" not in token:
        return _next_local(parse_time(token), now, tz), end
    if not token[0].isdigit():
        raise WhenError("bad_when")
    day_text, _, time_text = token.partition("T")
    if not time_text:
        time_text, end = _token(text, end)
        if not time_text:
            raise WhenError("bad_when")
    return _at_day(parse_date(day_text), parse_time(time_text), now, tz), end


def _next_local(at: time, now: datetime, tz: ZoneInfo) -> Plan:
    """The next time the local clock reads `at`: today, or tomorrow if that has passed."""
    today = now.astimezone(tz).date()
    instant = local_instant(today, at, tz)
    if instant <= now:
        instant = local_instant(today + timedelta(days=1), at, tz)
    return _once(instant)


def _at_day(day: date, at: time, now: datetime, tz: ZoneInfo) -> Plan:
    """A one-off on a local date and time, which must be in the future and not too far."""
    words = f"{day.isoformat()} {at:%H:%M}"
    today = now.astimezone(tz).date()
    # Settle far-off dates before converting them: year 1 or 9999 would overflow in UTC.
    if day < today - timedelta(days=2):
        raise WhenError("past", when=words)
    if (day - today).days > MAX_AHEAD.days + 2:
        raise WhenError("too_far")
    instant = local_instant(day, at, tz)
    if instant <= now:
        raise WhenError("past", when=words)
    if instant - now > MAX_AHEAD:
        raise WhenError("too_far")
    return _once(instant)


# --- recurring forms -----------------------------------------------------------------------

_DAY_NAMES: dict[str, int] = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
_DAY_NAMES.update(
    {
        prefix + digit: min(index, 6)
        for prefix in ("周", "週", "星期", "礼拜", "禮拜")
        for index, digit in enumerate("一二三四五六日天")
    }
)
_DAY_GROUPS: dict[str, range | tuple[int, ...]] = {
    **dict.fromkeys(("weekdays", "workdays", "工作日"), range(5)),
    **dict.fromkeys(("weekend", "weekends", "周末", "週末"), (5, 6)),
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LIST_SEPARATORS = re.compile(r"[,，、]")
_RANGE_SEPARATORS = re.compile(r"[-–~～至到]")


def _parse_day_part(part: str) -> set[int]:
    """One day, group or range of days (``fri-mon`` wraps past Sunday); 0 is Monday."""
    if part in _DAY_GROUPS:
        return set(_DAY_GROUPS[part])
    ends = _RANGE_SEPARATORS.split(part)
    if len(ends) > 2 or any(end not in _DAY_NAMES for end in ends):
        raise WhenError("bad_day", value=clip(part))
    first, last = _DAY_NAMES[ends[0]], _DAY_NAMES[ends[-1]]
    return {(first + step) % 7 for step in range((last - first) % 7 + 1)}


def _parse_days(token: str) -> set[int]:
    days: set[int] = set()
    for part in _LIST_SEPARATORS.split(token.lower()):
        if part:
            days |= _parse_day_part(part)
    return days


def _format_days(days: set[int]) -> str:
    """Canonical day list, Monday first, runs of three or more as ranges: ``mon-fri,sun``."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    words: list[str] = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{_WEEKDAYS[run[0]]}-{_WEEKDAYS[run[-1]]}")
        else:
            words.extend(_WEEKDAYS[day] for day in run)
    return ",".join(words)


_LAST_DAY = ("last", "最后一天", "最後一天", "月底", "月末")


def _parse_month_days(token: str) -> list[str]:
    """Days of the month, ``1``..``31`` or ``last``, in canonical order."""
    numbers: set[int] = set()
    last = False
    for part in _LIST_SEPARATORS.split(token.lower()):
        if not part:
            continue
        if part in _LAST_DAY:
            last = True
            continue
        bare = part.rstrip("号日號")
        if not (bare.isascii() and bare.isdigit() and len(bare) <= 2 and 1 <= int(bare) <= 31):
            raise WhenError("bad_day", value=clip(part))
        numbers.add(int(bare))
    if not numbers and not last:
        raise WhenError("bad_day", value=clip(token))
    return [str(n) for n in sorted(numbers)] + (["last"] if last else [])


def _required(text: str, pos: int) -> tuple[str, int]:
    token, end = _token(text, pos)
    if not token:
        raise WhenError("bad_when")
    return token, end


def _read_daily(text: str, pos: int) -> tuple[Plan, int]:
    token, end = _required(text, pos)
    return Plan("daily", f"daily {parse_time(token):%H:%M}"), end


def _read_weekly(text: str, pos: int) -> tuple[Plan, int]:
    days: set[int] = set()
    token, end = _required(text, pos)
    while not _looks_like_time(token):
        days |= _parse_days(token)
        token, end = _required(text, end)
    if not days:
        raise WhenError("bad_when")
    return Plan("weekly", f"weekly {_format_days(days)} {parse_time(token):%H:%M}"), end


def _read_monthly(text: str, pos: int) -> tuple[Plan, int]:
    token, end = _required(text, pos)
    days = _parse_month_days(token)
    token, end = _required(text, end)
    return Plan("monthly", f"monthly {','.join(days)} {parse_time(token):%H:%M}"), end


def _read_every(text: str, pos: int) -> tuple[Plan, int]:
    seconds, end = _read_duration(text, pos)
    if seconds < MIN_INTERVAL.total_seconds():
        raise WhenError("too_frequent")
    return Plan("every", f"every {compact_duration(seconds, weeks=False)}"), end


# --- cron --------------------------------------------------------------------------------------

_OPEN_QUOTE = re.compile(r"\s*([\"'“”‘’「『])")
_CLOSE_QUOTE = re.compile(r"[\"'“”‘’」』]")
_CRON_DAY_NUMBERS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_CRON_ERRORS = (ValueError, TypeError, OverflowError)
_CRON_DOW_PART = re.compile(r"(\*|[0-7]|[a-z]{3})(?:-([0-7]|[a-z]{3}))?(?:/(\d{1,2}))?")


def _read_cron(text: str, pos: int) -> tuple[Plan, int]:
    """``cron "m h dom mon dow"``: five fields, quoted (any kind of quotes) or not."""
    quote = _OPEN_QUOTE.match(text, pos)
    if quote:
        close = _CLOSE_QUOTE.search(text, quote.end())
        if close is None:
            raise WhenError("errors.cron.quote")
        fields, end = text[quote.end() : close.start()].split(), close.end()
    else:
        fields, end = [], pos
        while len(fields) < 5 and (token := _token(text, end))[0]:
            fields.append(token[0])
            end = token[1]
        if not fields:
            raise WhenError("bad_when")
    plan = Plan("cron", "cron " + " ".join(field.lower() for field in fields))
    _cron_triggers(plan.spec, UTC, _EPOCH)  # checks the fields
    return plan, end


def _cron_day(token: str) -> int:
    """A crontab day-of-week value: 0 or 7 is Sunday, 1 Monday; names too."""
    return int(token) if token.isdigit() else _CRON_DAY_NUMBERS[token]


def crontab_day_of_week(field: str) -> str:
    """Translate a crontab day-of-week field into APScheduler 3 terms (its 0 is Monday)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        days |= _cron_day_part(part, field)
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _cron_day_part(part: str, field: str) -> set[int]:
    """One piece of a crontab day-of-week list (``1-5``, ``*/2``, ``sun``), 0 = Monday."""
    bad = WhenError("errors.cron.weekday", value=clip(field))
    match = _CRON_DOW_PART.fullmatch(part)
    if match is None:
        raise bad
    first, last, step = match.groups()
    if (first == "*" and last is not None) or (step and last is None and first != "*"):
        raise bad
    try:
        low, high = (0, 6) if first == "*" else (_cron_day(first), _cron_day(last or first))
    except KeyError:
        raise bad from None
    if high == 0 and low > 0:
        high = 7  # "fri-sun": Sunday closes the range
    if high < low or int(step or 1) == 0:
        raise bad
    return {(day - 1) % 7 for day in range(low, high + 1, int(step or 1))}


def _cron_triggers(spec: str, tz: tzinfo, after: datetime) -> list[CronTrigger]:
    """Triggers for a ``cron m h dom mon dow`` spec, searching no further than _HORIZON."""
    fields = spec.split()[1:]
    if len(fields) != 5:
        raise WhenError("errors.cron.fields", count=str(len(fields)))
    minute, hour, day, month, weekday = fields
    try:
        weekdays = crontab_day_of_week(weekday)
    except WhenError as error:
        # Tell of the first bad field, in the order they are written.
        raise _cron_field_error(minute, hour, day, month) or error from None
    common = {"minute": minute, "hour": hour, "month": month, "second": "0", "timezone": tz}
    common["end_date"] = _horizon(after)
    # Standard cron: when both day fields are restricted, a day matching either one matches.
    if day.startswith("*") or weekday.startswith("*"):
        days = [{"day": day, "day_of_week": weekdays}]
    else:
        days = [{"day": day}, {"day_of_week": weekdays}]
    try:
        return [CronTrigger(**common, **choice) for choice in days]
    except _CRON_ERRORS:
        raise _cron_field_error(minute, hour, day, month) or WhenError("bad_cron") from None


def _cron_field_error(minute: str, hour: str, day: str, month: str) -> WhenError | None:
    """The first field APScheduler refuses, tried one by one (its English message is not
    shown: the admin gets the field, the value and the allowed range in their language)."""
    for name, value in (("minute", minute), ("hour", hour), ("day", day), ("month", month)):
        try:
            CronTrigger(**{name: value}, timezone=UTC)
        except _CRON_ERRORS:
            return WhenError(f"errors.cron.{name}", value=clip(value))
    return None


def _horizon(after: datetime) -> datetime:
    try:
        return after + _HORIZON
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


# --- reading and rebuilding plans --------------------------------------------------------------

_RECURRING: dict[str, Callable[[str, int], tuple[Plan, int]]] = {
    "daily": _read_daily,
    "weekly": _read_weekly,
    "monthly": _read_monthly,
    "every": _read_every,
    "cron": _read_cron,
}
_ONCE: dict[str, Callable[[str, int, datetime, ZoneInfo], tuple[Plan, int]]] = {
    "in": _read_in,
    "at": _read_at,
}


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> tuple[Plan, str]:
    """Read the <when> at the start of `text`; return the plan and the rest of the text."""
    keyword, pos = _token(text, 0)
    keyword = keyword.lower()
    if keyword in _ONCE:
        plan, end = _ONCE[keyword](text, pos, now, tz)
    elif keyword in _RECURRING:
        plan, end = _RECURRING[keyword](text, pos)
        if plan.kind == "cron" and next_run(plan, now, tz, now) is None:
            raise WhenError("errors.cron.never")
    else:
        raise WhenError("bad_when")
    return plan, text[end:].lstrip()


def plan_from_spec(spec: str) -> Plan:
    """Rebuild a Plan from its stored canonical spec (raises WhenError on a corrupt spec)."""
    keyword, pos = _token(spec, 0)
    if keyword == "once":
        return _once(once_instant(Plan("once", spec.strip())))
    if keyword not in _RECURRING:
        raise WhenError("bad_when")
    plan, end = _RECURRING[keyword](spec, pos)
    if spec[end:].strip():
        raise WhenError("bad_when")
    return plan


# --- occurrences -------------------------------------------------------------------------------


def next_run(plan: Plan, after: datetime, tz: ZoneInfo, anchor: datetime) -> datetime | None:
    """The first occurrence strictly after `after` (aware UTC), or None if there is none.

    `anchor` starts an ``every`` interval (occurrences at anchor + k*interval, k >= 1).
    """
    after = after.astimezone(UTC)
    plan = plan_from_spec(plan.spec)
    if plan.kind == "once":
        instant = once_instant(plan)
        return instant if instant > after else None
    if plan.kind == "every":
        return _next_every(plan, after, anchor)
    triggers, keep_repeats = _calendar_triggers(plan, tz, after)
    return _next_calendar(triggers, after, tz, keep_repeats)


def _next_every(plan: Plan, after: datetime, anchor: datetime) -> datetime | None:
    """Interval arithmetic in absolute time: a day is 24 hours, even across a DST change."""
    interval = timedelta(seconds=_duration_seconds(plan.spec.split()[1]))
    start = anchor.astimezone(UTC).replace(microsecond=0)
    steps = max(1, (after - start) // interval + 1)
    try:
        return start + steps * interval
    except OverflowError:
        return None


def _calendar_triggers(plan: Plan, tz: ZoneInfo, after: datetime) -> tuple[list[CronTrigger], bool]:
    """APScheduler triggers for a calendar plan, and whether DST repeats fire again."""
    if plan.kind == "cron":
        minute, hour = plan.spec.split()[1:3]
        keep_repeats = minute.startswith("*") or hour.startswith("*")
        return _cron_triggers(plan.spec, tz, after), keep_repeats
    words = plan.spec.split()
    at = parse_time(words[-1])
    fields = {"hour": str(at.hour), "minute": str(at.minute), "second": "0"}
    if plan.kind == "weekly":
        fields["day_of_week"] = words[1]
    elif plan.kind == "monthly":
        fields["day"] = words[1]
    return [CronTrigger(**fields, timezone=tz, end_date=_horizon(after))], False


def _next_calendar(
    triggers: list[CronTrigger], after: datetime, tz: ZoneInfo, keep_repeats: bool
) -> datetime | None:
    """The earliest trigger time strictly after `after`, settled for DST."""
    start = after
    for _ in range(16):
        # get_next_fire_time returns times at or after its start: nudge past `start`.
        fires = [t.get_next_fire_time(None, start + timedelta(microseconds=1)) for t in triggers]
        found = [fire for fire in fires if fire is not None]
        if not found:
            return None
        raw = min(found, key=lambda fire: fire.astimezone(UTC))
        instant = raw.astimezone(UTC)
        if not exists(raw):
            # APScheduler reads a skipped time with the old offset; settle on the jump itself.
            instant = jump_instant(raw.replace(tzinfo=None), tz)
        if instant > after and (keep_repeats or not _second_pass(instant, tz)):
            return instant
        start = max(start, raw.astimezone(UTC))
    return None
