"""Paying a challenge's reward to the members who reached its target, once each.

Within the caller's transaction: the completion row, the points (ledger kind
``challenge``) and the badges are written together, and a completion noted already (by
another process, an earlier pass, a member's /challenges) pays nothing again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from handlers.challenges.rules import CHECKIN_STREAK, longest_run
from storage.badges import CHALLENGE, BadgeRepository
from storage.challenges import ChallengeRepository
from storage.models import ChallengeRow
from storage.points import PointsRepository
from storage.stats import StatsRepository
from storage.unit import UnitOfWork


async def scores(
    uow: UnitOfWork, challenge: ChallengeRow, today: date, user_id: int | None = None
) -> dict[int, int]:
    """Each member's progress so far (one member's with ``user_id``)."""
    repo = ChallengeRepository(uow)
    ends = min(challenge.ends, today)
    if ends < challenge.starts:
        return {}
    if challenge.kind == CHECKIN_STREAK:
        days = await repo.checkin_days(challenge.chat_id, challenge.starts, ends, user_id)
        return {member: longest_run(d, challenge.starts, ends) for member, d in days.items()}
    return await repo.message_counts(challenge.chat_id, challenge.starts, ends, user_id)


async def settle(
    uow: UnitOfWork,
    challenge: ChallengeRow,
    today: date,
    now: datetime,
    user_id: int | None = None,
    exclude: Collection[int] = (),
) -> list[int]:
    """Pay everyone (or one member) who reached the target and was not paid; those paid now.

    ``exclude``: accounts that are not people (``Runtime.stand_ins``), never paid.
    """
    progress = await scores(uow, challenge, today, user_id)
    reached = sorted(
        member for member, n in progress.items() if n >= challenge.target and member not in exclude
    )
    if not reached:
        return []
    repo, points, badges = ChallengeRepository(uow), PointsRepository(uow), BadgeRepository(uow)
    chat_id, reason = challenge.chat_id, f"#{challenge.id}"
    names = {
        **await StatsRepository(uow).names(chat_id, reached),
        **await points.names(chat_id, reached),
    }
    paid: list[int] = []
    for member in reached:
        if not await repo.complete(challenge.id, member, now):
            continue
        if challenge.reward_points:
            await points.ensure_account(chat_id, member, names.get(member, ""))
            await points.credit(
                chat_id, member, challenge.reward_points, "challenge", reason, None, now
            )
        await badges.grant(chat_id, member, CHALLENGE, None, reason, now)
        if challenge.badge:
            await badges.grant(chat_id, member, challenge.badge, None, reason, now)
        paid.append(member)
    return paid
