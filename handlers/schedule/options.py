"""Options of /schedule: ``--pin``, ``--replace``, ``--until DATE`` and ``--count N``.

Pure logic, no I/O. Options are the whitespace-separated tokens at the start of the text;
the post's text starts at the first token that is not one. Phones often turn ``--`` into a
dash (``—``), so a dash prefix works too, but only for known names: a post may well start
with "—Hello". A lone ``--`` ends the options (for a post that starts with ``--pin``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.args import clip
from core.walltime import local_instant
from handlers.schedule.when import WhenError, parse_date

MAX_COUNT = 10_000

_FLAGS = ("pin", "replace")
_VALUED = {"until": "until", "count": "count", "times": "count"}
_OPTION = re.compile(r"(--|—|–)([A-Za-z][\w-]*)(?:=(.*))?", re.DOTALL)
_TOKEN = re.compile(r"\s*(\S+)")


@dataclass(frozen=True, slots=True)
class Options:
    """How a scheduled post is made and when the schedule stops."""

    pin: bool = False
    replace: bool = False
    until: date | None = None  # last local date on which it may post (inclusive)
    count: int | None = None  # stop after this many posts


def _token(text: str, pos: int) -> tuple[str, int]:
    match = _TOKEN.match(text, pos)
    return (match.group(1), match.end()) if match else ("", len(text))


def parse_options(text: str, today: date) -> tuple[Options, str]:
    """Read leading options from `text`; return them and the rest, formatting kept."""
    options, pos = Options(), 0
    while True:
        token, end = _token(text, pos)
        if token == "--":
            return options, text[end:].lstrip()  # a lone "--" ends the options
        read = _read_option(token, text, end, options, today)
        if read is None:
            return options, text[pos:].lstrip()
        options, pos = read


def _read_option(
    token: str, text: str, end: int, options: Options, today: date
) -> tuple[Options, int] | None:
    """Apply the option `token` (its value may be the next token); None if it is not one."""
    match = _OPTION.fullmatch(token)
    if match is None:
        return None
    prefix, name, inline = match.groups()
    name = name.lower()
    if name in _FLAGS and inline is None:
        return replace(options, **{name: True}), end
    if name in _VALUED:
        if inline is None:
            inline, end = _token(text, end)
        return _with_value(options, _VALUED[name], inline, today), end
    if prefix != "--" and name not in _FLAGS:
        return None  # "—Hello": a dash that starts the post, not an option
    raise WhenError("bad_option", name=clip(token if name in _FLAGS else token.partition("=")[0]))


def _with_value(options: Options, field: str, value: str, today: date) -> Options:
    """`options` with ``until`` or ``count`` set from the text `value`."""
    if field == "until":
        return replace(options, until=_until(value, today))
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        raise WhenError("bad_count", value=clip(value))
    count = int(value)
    if not 1 <= count <= MAX_COUNT:
        raise WhenError("bad_count", value=clip(value))
    return replace(options, count=count)


def _until(value: str, today: date) -> date:
    try:
        until = parse_date(value)
    except WhenError:
        raise WhenError("bad_until", value=clip(value)) from None
    if until < today:
        raise WhenError("until_past", value=until.isoformat())
    return until


def merge_options(first: Options, second: Options) -> Options:
    """Options read in two places (before and after the <when>); the second wins."""
    return Options(
        pin=first.pin or second.pin,
        replace=first.replace or second.replace,
        until=second.until if second.until is not None else first.until,
        count=second.count if second.count is not None else first.count,
    )


def until_instant(until: date, tz: ZoneInfo) -> datetime:
    """The UTC instant the local day `until` ends (the start of the next local day)."""
    if until >= date.max - timedelta(days=2):
        return datetime.max.replace(tzinfo=UTC)  # no practical end; avoids an overflow
    return local_instant(until + timedelta(days=1), time(0), tz)


def options_summary(options: Options) -> str:
    """The canonical option tokens: ``--pin --until 2026-12-31 --count 5`` ("" for none)."""
    words = [f"--{name}" for name in _FLAGS if getattr(options, name)]
    if options.until is not None:
        words.append(f"--until {options.until.isoformat()}")
    if options.count is not None:
        words.append(f"--count {options.count}")
    return " ".join(words)
