"""Pure rules of invite rewards: the /setinvite settings, who a join is credited to, and
whether a pending invite is paid now, waits, or is closed. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from core.args import clip, parse_switch

REQUIREMENTS = ("message", "checkin", "none")
Source = Literal["link", "added", "unknown"]
Verdict = Literal["pay", "wait", "cap", "left", "removed", "expired"]


class InviteError(Exception):
    """A bad /setinvite argument: a catalog key and its placeholders."""

    def __init__(self, catalog_key: str, **values: object) -> None:
        super().__init__(catalog_key)
        self.key, self.values = catalog_key, values


@dataclass(frozen=True, slots=True)
class InviteSettings:
    """A group's invite rewards."""

    enabled: bool = False
    points: int = 20
    stay_days: int = 3
    daily_cap: int = 10
    require: str = "message"


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds of the settings (from ``[invites]``)."""

    max_points: int = 10_000
    max_stay_days: int = 90
    max_daily_cap: int = 1_000


def parse_settings(
    args: tuple[str, ...], current: InviteSettings, limits: Limits
) -> InviteSettings:
    """``off`` / ``on`` / ``key=value ...`` applied to the current settings (turning them on)."""
    if len(args) == 1 and (switch := parse_switch(args[0])) is not None:
        return replace(current, enabled=switch)
    changes: dict[str, object] = {"enabled": True}
    for arg in args:
        key, sep, value = arg.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if not sep or not key:
            raise InviteError("invites.bad_pair", arg=clip(arg))
        if key == "require":
            if value not in REQUIREMENTS:
                raise InviteError("invites.bad_require", value=clip(value))
            changes[key] = value
            continue
        bounds = {
            "points": (1, limits.max_points),
            "stay_days": (0, limits.max_stay_days),
            "daily_cap": (1, limits.max_daily_cap),
        }
        if key not in bounds:
            raise InviteError("invites.bad_key", setting=clip(key))
        low, high = bounds[key]
        if not value.isdigit() or not low <= int(value) <= high:
            raise InviteError(
                "invites.bad_number", setting=key, value=clip(value), low=low, high=high
            )
        changes[key] = int(value)
    return replace(current, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class JoinFacts:
    """What is known of one join when it happens."""

    invitee_id: int
    invitee_is_bot: bool
    added_by: int | None
    by_request: bool
    link_owner: int | None
    link: str | None
    known_before: bool
    inviter_is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a first join is credited to (None: nobody) and how the member came in."""

    inviter_id: int | None
    source: Source


def attribute(join: JoinFacts) -> Attribution | None:
    """The credit of a join; None when it is no first join of a person (a bot, or someone
    the group has seen before): such a join is not recorded at all."""
    if join.invitee_is_bot or join.known_before:
        return None
    if join.link is not None:
        inviter = join.link_owner
        source: Source = "link"
    elif join.added_by is not None and not join.by_request:
        inviter, source = join.added_by, "added"
    else:
        return Attribution(None, "unknown")
    if inviter == join.invitee_id or join.inviter_is_bot:
        # Inviting oneself, or the bot adding someone, credits nobody.
        inviter = None
    return Attribution(inviter, source)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pending invite as the payment check sees it."""

    joined_at: datetime
    left: bool
    removed: bool
    took_part: bool
    paid_today: int


def verdict(
    candidate: Candidate, settings: InviteSettings, now: datetime, expire_days: int = 30
) -> Verdict:
    """Pay now, wait (too early, or no message/check-in yet), wait for a later day (cap),
    or close the invite: the newcomer left, was removed, or did not take part within
    ``expire_days`` after the stay (so waiting invites do not pile up for ever)."""
    if candidate.removed:
        return "removed"
    if candidate.left:
        return "left"
    if now - candidate.joined_at < timedelta(days=settings.stay_days):
        return "wait"
    if settings.require != "none" and not candidate.took_part:
        late = now - candidate.joined_at >= timedelta(days=settings.stay_days + expire_days)
        return "expired" if late else "wait"
    if candidate.paid_today >= settings.daily_cap:
        return "cap"
    return "pay"
