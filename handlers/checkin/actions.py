"""The points operations, each one transaction that can never lose or double-count a point.

These are the only places that change balances: the commands call them with the event's
unit of work and commit once they return.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.events import User
from handlers.checkin.activity import PendingAward
from handlers.checkin.rules import (
    PointsRules,
    capped_award,
    checkin_reward,
    current_streak,
    makeup_target,
    redemption_code,
    streak_after,
)
from storage.badges import BadgeRepository
from storage.points import ActivityCredit, CheckinState, PointsRepository
from storage.repositories import ChatRepository
from storage.unit import UnitOfWork


@dataclass(frozen=True, slots=True)
class CheckinResult:
    """What a check-in did: ``earned`` is 0 when the member had already checked in today."""

    done: bool
    earned: int
    streak: int
    balance: int
    earned_total: int
    rank: int
    earned_before: int
    # Streak badges this check-in earned (storage.badges.STREAK_BADGES).
    badges: tuple[str, ...] = ()


async def check_in(
    uow: UnitOfWork,
    chat_id: int,
    user: User,
    today: date,
    now: datetime,
    rules: PointsRules,
    stand_ins: Collection[int] = (),
) -> CheckinResult:
    """Check a member in for ``today`` (the group's calendar day) once; ``stand_ins`` are
    left out of the rank (``Runtime.stand_ins``)."""
    repo = PointsRepository(uow)
    # The upsert also locks the member's account (PostgreSQL) or the database (SQLite), so
    # what is read next stays true until this transaction ends.
    await repo.ensure_account(chat_id, user.id, user.name)
    account = await repo.account(chat_id, user.id)
    assert account is not None
    streak = streak_after(account.last_checkin, account.streak, today)
    earned = checkin_reward(streak, rules)
    if not await repo.claim_day(chat_id, user.id, today, earned, False, now):
        rank = await repo.rank(chat_id, account.earned, stand_ins)
        return CheckinResult(
            False, 0, account.streak, account.balance, account.earned, rank, account.earned
        )
    before = account.earned
    balance = await repo.credit(
        chat_id,
        user.id,
        earned,
        "checkin",
        None,
        user.id,
        now,
        checkin=CheckinState(streak, today),
    )
    total = before + earned
    rank = await repo.rank(chat_id, total, stand_ins)
    # In the check-in's transaction: a streak badge is granted exactly when the day is.
    badges = await BadgeRepository(uow).grant_streak(chat_id, user.id, streak - 1, streak, now)
    return CheckinResult(True, earned, streak, balance, total, rank, before, tuple(badges))


@dataclass(frozen=True, slots=True)
class MakeupResult:
    """What /makeup did: ``status`` is done, nothing_to_repair or too_poor."""

    status: str
    day: date | None = None
    streak: int = 0
    balance: int = 0
    cost: int = 0


async def make_up(
    uow: UnitOfWork, chat_id: int, user: User, today: date, now: datetime, rules: PointsRules
) -> MakeupResult:
    """Spend points to fill the most recent missed day in the window; recount the streak."""
    repo = PointsRepository(uow)
    await repo.ensure_account(chat_id, user.id, user.name)
    since = today - timedelta(days=rules.makeup_window)
    days = await repo.days_since(chat_id, user.id, since)
    if await repo.has_day_before(chat_id, user.id, since):
        # Stands for the check-ins before the window: a gap after them is worth repairing.
        days.add(since - timedelta(days=1))
    target = makeup_target(days, today, rules.makeup_window)
    if target is None:
        return MakeupResult("nothing_to_repair")
    balance = await repo.debit(
        chat_id, user.id, rules.makeup_cost, "makeup", target.isoformat(), user.id, now
    )
    if balance is None:
        account = await repo.account(chat_id, user.id)
        return MakeupResult(
            "too_poor", target, balance=account.balance if account else 0, cost=rules.makeup_cost
        )
    if not await repo.claim_day(chat_id, user.id, target, 0, True, now):
        await uow.rollback()
        return MakeupResult("nothing_to_repair")
    all_days = await repo.days_since(chat_id, user.id, today - timedelta(days=400))
    streak = current_streak(all_days, today)
    before = current_streak(all_days - {target}, today)
    await repo.set_checkin_state(chat_id, user.id, streak=streak, last_checkin=target, added=1)
    # A repaired streak may reach a streak badge too (granted without a notice).
    await BadgeRepository(uow).grant_streak(chat_id, user.id, before, streak, now)
    return MakeupResult("done", target, streak, balance, rules.makeup_cost)


@dataclass(frozen=True, slots=True)
class StoredAward:
    """What a flush stored for one member: lifetime points earned before and after."""

    award: PendingAward
    before: int
    after: int


async def store_awards(
    uow: UnitOfWork, awards: Sequence[PendingAward], rules_of: Mapping[int, PointsRules]
) -> list[StoredAward]:
    """Store buffered activity points in a few statements, within each day's cap as stored."""
    repo = PointsRepository(uow)
    await repo.ensure_accounts([(a.chat_id, a.user_id, a.name) for a in awards])
    accounts = await repo.accounts_of([(a.chat_id, a.user_id) for a in awards])
    credits: list[ActivityCredit] = []
    stored: list[StoredAward] = []
    # A member may have awards for two days in one batch: the later one sees the earlier.
    earned: dict[tuple[int, int], int] = {}
    today: dict[tuple[int, int], tuple[date | None, int]] = {}
    for award in sorted(awards, key=lambda a: a.day):
        key = (award.chat_id, award.user_id)
        account = accounts[key]
        before = earned.get(key, account.earned)
        day, total = today.get(key, (account.activity_day, account.activity_today))
        so_far = total if day == award.day else 0
        points = capped_award(award.points, so_far, rules_of[award.chat_id].activity_cap)
        stored.append(StoredAward(award, before, before + points))
        if points <= 0:
            continue
        earned[key] = before + points
        today[key] = (award.day, so_far + points)
        credits.append(
            ActivityCredit(
                award.chat_id, award.user_id, points, award.day, so_far + points, award.at
            )
        )
    await repo.credit_activity(credits)
    return stored


@dataclass(frozen=True, slots=True)
class AdjustResult:
    """An admin's change: the new balance (None if a take exceeded it) and the totals before."""

    balance: int | None
    before_balance: int
    earned_before: int


async def adjust(
    uow: UnitOfWork,
    chat_id: int,
    member: User,
    delta: int,
    reason: str | None,
    actor_id: int,
    now: datetime,
) -> AdjustResult:
    """Give (delta > 0) or take (delta < 0) points; a take never drives a balance below 0."""
    repo = PointsRepository(uow)
    await ChatRepository(uow).ensure_exists(chat_id)
    await repo.ensure_account(chat_id, member.id, member.name)
    account = await repo.account(chat_id, member.id)
    assert account is not None
    balance_before, earned_before = account.balance, account.earned
    if delta > 0:
        balance = await repo.credit(chat_id, member.id, delta, "give", reason, actor_id, now)
    else:
        balance = await repo.debit(chat_id, member.id, -delta, "take", reason, actor_id, now)
    return AdjustResult(balance, balance_before, earned_before)


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """What /redeem did: ``status`` is done, no_such_item, sold_out or too_poor."""

    status: str
    item: str = ""
    cost: int = 0
    balance: int = 0
    code: str = ""


async def redeem(
    uow: UnitOfWork, chat_id: int, user: User, name: str, now: datetime, rng: random.Random
) -> RedeemResult:
    """Buy one of an item: stock and balance change together or not at all."""
    repo = PointsRepository(uow)
    item = await repo.item(chat_id, name)
    if item is None:
        return RedeemResult("no_such_item", name)
    # Plain values: a rollback below expires the loaded row.
    item_id, item_name, cost = item.id, item.name, item.cost
    await repo.ensure_account(chat_id, user.id, user.name)
    if not await repo.take_stock(item_id):
        await uow.rollback()
        return RedeemResult("sold_out", item_name, cost)
    balance = await repo.debit(chat_id, user.id, cost, "redeem", item_name, user.id, now)
    if balance is None:
        await uow.rollback()
        account = await repo.account(chat_id, user.id)
        return RedeemResult("too_poor", item_name, cost, account.balance if account else 0)
    code = redemption_code(rng)
    await repo.add_redemption(
        chat_id=chat_id,
        user_id=user.id,
        item_name=item_name,
        cost=cost,
        code=code,
        created_at=now,
    )
    return RedeemResult("done", item_name, cost, balance, code)
