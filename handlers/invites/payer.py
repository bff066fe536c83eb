"""The timed side of invite points: pay inviters whose newcomers stayed and took part.

Run by the leading process only, every ``invites.check_seconds`` (and once on taking the
lead, catching up after downtime). Payment is timed rather than triggered by the newcomer's
message: messages reach the members table in batches anyway, stay_days is measured in days,
and one payer means one place that decides. Each payment claims its invite row
(pending -> paid) in the transaction that writes the ledger, so two processes, a restart or
a retry cannot pay for one invitee twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from core.context import chat_language
from core.events import User
from core.ids import shown_id
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import mention
from handlers.invites.rules import Candidate, InviteSettings, Verdict, verdict
from storage.badges import INVITES10, BadgeRepository
from storage.invites import Due, InviteRepository
from storage.points import PointsRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

# The paid invite that earns the inviter the "10 invites" badge (storage.badges.INVITES10).
INVITES_FOR_BADGE = 10
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PAY_JOB = "invites:pay"


class InvitePayer:
    """Timed work: the invite payments."""

    name = "invites"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.leading = False

    async def lead(self) -> None:
        """Pay what is due now, then check on the interval."""
        self.leading = True
        await self.pay()
        self.runtime.scheduler.every(PAY_JOB, self.runtime.settings.invites.check_seconds, self.pay)

    async def unlead(self) -> None:
        """Stop checking."""
        self.leading = False
        self.runtime.scheduler.cancel(PAY_JOB)

    async def pay(self) -> int:
        """Decide every pending invite of the batch; pay, close or leave each; the number paid."""
        config, now = self.runtime.settings.invites, self.runtime.now()
        paid: list[tuple[Due, str]] = []
        async with self.runtime.store.unit() as uow, uow.alone():
            repo = InviteRepository(uow)
            for due in await repo.due(now, config.batch):
                outcome = await _decide(repo, due, now, config.expire_days)
                if outcome == "pay" and await _credit(uow, repo, due, now):
                    paid.append((due, due.invitee_name or shown_id(due.invitee_id)))
                elif outcome in ("left", "removed", "expired"):
                    await repo.close(due.id, outcome)
            await uow.commit()
        for due, name in paid:
            await self._announce(due, name)
        if paid:
            log.info("invites: paid %d inviters", len(paid))
        return len(paid)

    async def _announce(self, due: Due, invitee: str) -> None:
        async with self.runtime.store.unit() as uow:
            language = await chat_language(
                uow, due.chat_id, self.runtime.settings.bot.default_language
            )
        who = mention(User(due.inviter_id, due.inviter_name))
        text = self.runtime.translator(
            language, "invites.paid", mention=who, points=due.points, name=invitee
        )
        await reply_later(self.runtime.port, due.chat_id, text)


async def _decide(repo: InviteRepository, due: Due, now: datetime, expire_days: int) -> Verdict:
    settings = InviteSettings(True, due.points, due.stay_days, due.daily_cap, due.require)
    joined = due.joined_at
    midnight = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    took_part = {
        "message": lambda: repo.posted(due.chat_id, due.invitee_id),
        "checkin": lambda: repo.checked_in(due.chat_id, due.invitee_id, joined.date()),
    }.get(due.require)
    candidate = Candidate(
        joined_at=joined,
        left=await repo.left_since(due.chat_id, due.invitee_id, joined),
        removed=await repo.removed(due.chat_id, due.invitee_id, joined),
        took_part=await took_part() if took_part is not None else True,
        paid_today=await repo.paid_since(due.chat_id, due.inviter_id, midnight),
    )
    return verdict(candidate, settings, now, expire_days)


async def _credit(uow: UnitOfWork, repo: InviteRepository, due: Due, now: datetime) -> bool:
    """Claim the invite and credit the inviter; False if another payer claimed it first."""
    if not await repo.claim(due.id, due.points, now):
        return False
    points = PointsRepository(uow)
    if await points.account(due.chat_id, due.inviter_id) is None:
        name = due.inviter_name or shown_id(due.inviter_id)
        await points.ensure_accounts([(due.chat_id, due.inviter_id, name)])
    reason = f"invitee {shown_id(due.invitee_id)}"
    await points.credit(due.chat_id, due.inviter_id, due.points, "invite", reason, None, now)
    if await repo.paid_since(due.chat_id, due.inviter_id, EPOCH) == INVITES_FOR_BADGE:
        why = f"{INVITES_FOR_BADGE} paid invites"
        await BadgeRepository(uow).grant(due.chat_id, due.inviter_id, INVITES10, None, why, now)
    return True
