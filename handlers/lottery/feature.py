"""Lotteries / giveaways (抽奖): a committed seed, entries by button or keyword, a fair draw.

Admins: /lottery <prize> winners=N end=<when> [entries=N] [cost=N] [checkins=N]
[member_days=N] [nowarn] (``handlers.lottery.rules``), /reroll <lottery> <winner number>.
Members: the button under the announcement, the keyword 参与 or /join [lottery]; /claim or
领奖 for a prize won; /lotteries lists open and past ones. The draw itself is timed work
(``handlers.lottery.runner``); how anyone checks it is ``handlers.lottery.draw``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.args import clip
from core.buttons import Ack, Press
from core.chat import Button
from core.context import Context
from core.durations import format_duration
from core.events import Command, Event, Message, User
from core.feature import ButtonSpec, CommandSpec, Feature
from core.runtime import Runtime
from core.senders import sent_as_chat
from core.text import Text, as_lines, mention
from handlers.lottery import draw
from handlers.lottery.rules import (
    Conditions,
    Limits,
    LotteryError,
    Plan,
    Standing,
    is_over,
    may_reroll,
    parse_plan,
    refusal,
)
from handlers.lottery.runner import LotteryRunner
from storage.lottery import LotteryRepository
from storage.models import LotteryRow, LotteryWinnerRow, MemberRow
from storage.moderation import ModerationRepository
from storage.points import PointsRepository
from storage.repositories import ChatRepository

PREFIX = "lot"
JOIN_WORDS = frozenset({"参与", "參與", "参加抽奖"})
CLAIM_WORDS = frozenset({"领奖", "領獎"})
PAST_SHOWN = 5
_DEFAULT_EXPIRY = 30 * 86_400


class Lotteries(Feature):
    """Lotteries in groups: creation, entries, the draw, claims and rerolls."""

    name = "lottery"

    def __init__(self) -> None:
        self._runner: LotteryRunner | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """Member and admin commands of lotteries."""
        return (
            CommandSpec("join", self.join),
            CommandSpec("claim", self.claim),
            CommandSpec("lotteries", self.list_lotteries),
            CommandSpec("lottery", self.create, admin_only=True),
            CommandSpec("reroll", self.reroll, admin_only=True),
        )

    def buttons(self) -> Sequence[ButtonSpec]:
        """The entry button under a lottery's announcement."""
        return (ButtonSpec(PREFIX, self.on_press),)

    async def start(self, runtime: Runtime) -> None:
        """Register the draws as timed work."""
        self._runner = LotteryRunner(runtime)
        runtime.timed.add(self._runner)

    @property
    def runner(self) -> LotteryRunner:
        """The timed side (exists once the feature started)."""
        assert self._runner is not None, "the lottery feature has not started"
        return self._runner

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """参与 enters the open lottery; 领奖 claims a prize."""
        if not isinstance(event, Message) or not event.chat.is_group or event.edited:
            return False
        word = event.text.strip()
        if word not in JOIN_WORDS and word not in CLAIM_WORDS:
            return False
        # The bare words are common: they are only taken while there is something to do.
        if word in JOIN_WORDS and not await LotteryRepository(ctx.uow).open_in(ctx.chat.id):
            return False
        if word in CLAIM_WORDS and not await LotteryRepository(ctx.uow).unclaimed_wins(
            ctx.chat.id, event.sender.id
        ):
            return False
        if sent_as_chat(event) or event.sender.is_bot:
            await ctx.say("lottery.as_chat")
            return True
        if word in JOIN_WORDS:
            await ctx.reply(await self._enter(ctx, event.sender, None))
        else:
            await ctx.reply(await self._claim(ctx, event.sender))
        return True

    # ------------------------------------------------------------------ creating

    async def create(self, command: Command, ctx: Context) -> None:
        """/lottery <prize> winners=N end=<when> ...: create one and announce it."""
        if not command.arg_text.strip():
            await ctx.say("lottery.usage")
            return
        config = ctx.runtime.settings.lottery
        limits = Limits(
            config.max_winners,
            config.max_prize_chars,
            config.max_days,
            config.max_entries,
            config.max_cost,
        )
        now, tz = ctx.runtime.now(), await _zone(ctx)
        try:
            plan = parse_plan(command.arg_text, now, tz, limits)
        except LotteryError as error:
            await ctx.say(f"lottery.{error.key}", **error.values)
            return
        repo = LotteryRepository(ctx.uow)
        if len(await repo.open_in(ctx.chat.id)) >= config.max_open_per_chat:
            await ctx.say("lottery.too_many", limit=config.max_open_per_chat)
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        seed = draw.new_seed()
        lottery_id = await repo.create(**_row(plan, ctx.chat.id, command.sender.id, seed, now))
        await ctx.uow.commit()
        text = await self._announcement(ctx, lottery_id, plan, draw.commitment(seed), tz)
        label = await ctx.t("lottery.button")
        await ctx.reply(text, buttons=[[Button(label.plain(), f"{PREFIX}.join", (lottery_id,))]])
        if plan.ends_at is not None:
            self.runner.arm(lottery_id, plan.ends_at)

    async def _announcement(
        self, ctx: Context, lottery_id: int, plan: Plan, published: str, tz: ZoneInfo
    ) -> Text:
        lines = [
            await ctx.t("lottery.created", id=lottery_id, prize=plan.prize, winners=plan.winners)
        ]
        if plan.ends_at is not None:
            lines.append(await ctx.t("lottery.ends", at=_local(plan.ends_at, tz), tz=tz.key))
        if plan.max_entries is not None:
            lines.append(await ctx.t("lottery.ends_full", count=plan.max_entries))
        lines.extend(await _condition_lines(ctx, plan.conditions))
        lines.append(await ctx.t("lottery.how_to_enter", id=lottery_id))
        lines.append(await ctx.t("lottery.commitment", commitment=published))
        return as_lines(lines)

    # ------------------------------------------------------------------ entering

    async def join(self, command: Command, ctx: Context) -> None:
        """/join [lottery]: enter (the only open one, or the one named)."""
        wanted: int | None = None
        if command.args:
            word = command.args[0].lstrip("#")
            if not (word.isascii() and word.isdigit()) or len(word) > 9:
                await ctx.say("lottery.bad_id", value=clip(command.args[0]))
                return
            wanted = int(word)
        if sent_as_chat(command.message):
            await ctx.say("lottery.as_chat")
            return
        await ctx.reply(await self._enter(ctx, command.sender, wanted))

    async def on_press(self, press: Press, ctx: Context) -> Ack:
        """The entry button: a toast with the outcome."""
        press.expect(1)
        lottery_id = press.number(0, 1)
        return Ack(await self._enter(ctx, press.user, lottery_id), alert=not press.typed)

    async def _enter(self, ctx: Context, user: User, wanted: int | None) -> Text:
        """Enter a member; the answer. Refused or repeated entries change nothing."""
        repo = LotteryRepository(ctx.uow)
        lottery = await self._pick(ctx, wanted)
        if isinstance(lottery, Text):
            return lottery
        now = ctx.runtime.now()
        count = await repo.entry_count(lottery.id)
        if lottery.status != "open" or is_over(lottery.ends_at, lottery.max_entries, count, now):
            return await ctx.t("lottery.closed", id=lottery.id)
        why = refusal(_conditions(lottery), await self._standing(ctx, user.id), now)
        if why is not None:
            return await ctx.t(f"lottery.{why[0]}", **why[1])
        async with ctx.uow.alone():
            entered = await self._store_entry(ctx, lottery, user, now)
        if entered is not None:
            return entered
        count = await repo.entry_count(lottery.id)
        await ctx.uow.commit()
        if lottery.max_entries is not None and count >= lottery.max_entries:
            await self.runner.poke(lottery.id)
        return await ctx.t("lottery.entered", id=lottery.id, name=user.name, count=count)

    async def _store_entry(
        self, ctx: Context, lottery: LotteryRow, user: User, now: datetime
    ) -> Text | None:
        """The entry and its payment in one transaction; a refusal text, or None if entered."""
        repo, chat_id = LotteryRepository(ctx.uow), ctx.chat.id
        # Read again in the write transaction: the draw may have claimed it meanwhile.
        fresh = await repo.get(lottery.id, lock=True)
        count = await repo.entry_count(lottery.id)
        if (
            fresh is None
            or fresh.status != "open"
            or is_over(fresh.ends_at, fresh.max_entries, count, now)
        ):
            await ctx.uow.rollback()
            return await ctx.t("lottery.closed", id=lottery.id)
        if not await repo.enter(lottery.id, user.id, user.name, lottery.cost, now):
            await ctx.uow.rollback()
            return await ctx.t("lottery.already", id=lottery.id)
        if lottery.cost:
            points = PointsRepository(ctx.uow)
            left = await points.debit(
                chat_id, user.id, lottery.cost, "lottery", f"#{lottery.id}", user.id, now
            )
            if left is None:
                await ctx.uow.rollback()
                account = await points.account(chat_id, user.id)
                have = account.balance if account else 0
                return await ctx.t("lottery.need_points", need=lottery.cost, have=have)
        await ctx.uow.commit()
        return None

    async def _pick(self, ctx: Context, wanted: int | None) -> LotteryRow | Text:
        """The lottery meant: the one named (in this group), or the only open one."""
        repo = LotteryRepository(ctx.uow)
        if wanted is not None:
            lottery = await repo.get(wanted)
            if lottery is None or lottery.chat_id != ctx.chat.id:
                return await ctx.t("lottery.no_such", id=wanted)
            return lottery
        open_ones = await repo.open_in(ctx.chat.id)
        if not open_ones:
            return await ctx.t("lottery.none_open")
        if len(open_ones) > 1:
            ids = " ".join(f"#{row.id}" for row in open_ones)
            return await ctx.t("lottery.which", ids=ids)
        return open_ones[0]

    async def _standing(self, ctx: Context, user_id: int) -> Standing:
        """What the entry conditions look at, for one member."""
        chat_id, session = ctx.chat.id, await ctx.uow.session()
        account = await PointsRepository(ctx.uow).account(chat_id, user_id)
        member = await session.get(MemberRow, (chat_id, user_id))
        since = (member.joined_at or member.first_seen) if member is not None else None
        moderation = ModerationRepository(ctx.uow)
        expiry = (await moderation.settings(chat_id)).warn_expiry
        if expiry is None:
            days = ctx.runtime.settings.enforcement.warn_expiry_days
            expiry = days * 86_400 if days else _DEFAULT_EXPIRY
        after = ctx.runtime.now() - timedelta(seconds=expiry)
        return Standing(
            checkins=account.checkins if account else 0,
            member_since=since,
            active_warnings=await moderation.count_warnings(chat_id, user_id, after),
            balance=account.balance if account else 0,
        )

    # ------------------------------------------------------------------ after the draw

    async def claim(self, command: Command, ctx: Context) -> None:
        """/claim: claim the prizes you won (within the claim time)."""
        await ctx.reply(await self._claim(ctx, command.sender))

    async def _claim(self, ctx: Context, user: User) -> Text:
        repo, now = LotteryRepository(ctx.uow), ctx.runtime.now()
        window = timedelta(seconds=ctx.runtime.settings.lottery.claim_seconds)
        wins = await repo.unclaimed_wins(ctx.chat.id, user.id)
        if not wins:
            return await ctx.t("lottery.nothing_to_claim")
        claimed: list[str] = []
        late = 0
        for winner, lottery in wins:
            if now > winner.won_at + window:
                late += 1
            elif await repo.mark_claimed(winner.id, now):
                claimed.append(f"#{lottery.id} {lottery.prize}")
        await ctx.uow.commit()
        if not claimed:
            return await ctx.t("lottery.claim_late")
        return await ctx.t("lottery.claimed", who=mention(user), prizes="; ".join(claimed))

    async def reroll(self, command: Command, ctx: Context) -> None:
        """/reroll <lottery> <winner number>: replace a winner who did not claim in time."""
        if len(command.args) != 2 or not all(
            a.lstrip("#").isascii() and a.lstrip("#").isdigit() and len(a) < 10
            for a in command.args
        ):
            await ctx.say("lottery.reroll_usage")
            return
        lottery_id, slot = (int(a.lstrip("#")) for a in command.args)
        repo, now = LotteryRepository(ctx.uow), ctx.runtime.now()
        lottery = await repo.get(lottery_id)
        if lottery is None or lottery.chat_id != ctx.chat.id:
            await ctx.say("lottery.no_such", id=lottery_id)
            return
        if lottery.status != "drawn":
            await ctx.say("lottery.not_drawn", id=lottery_id)
            return
        current = {w.slot: w for w in await repo.winners(lottery_id)}
        winner = current.get(slot)
        if winner is None:
            await ctx.say("lottery.no_slot", id=lottery_id, slot=slot, count=len(current))
            return
        window = ctx.runtime.settings.lottery.claim_seconds
        why = may_reroll(winner.claimed_at is not None, winner.won_at, window, now)
        if why is not None:
            left = winner.won_at + timedelta(seconds=window) - now
            within = format_duration(int(left.total_seconds()), await ctx.language())
            await ctx.say(f"lottery.{why}", name=winner.name, within=within)
            return
        await self._replace(ctx, lottery, winner, now)

    async def _replace(
        self, ctx: Context, lottery: LotteryRow, winner: LotteryWinnerRow, now: datetime
    ) -> None:
        """Give the winner's slot to the next place of the lottery's shuffle."""
        repo, slot = LotteryRepository(ctx.uow), winner.slot
        async with ctx.uow.alone():
            entrants = await repo.entrants(lottery.id)
            taken = await repo.places_taken(lottery.id)
            if taken >= len(entrants):
                await ctx.uow.rollback()
                await ctx.say("lottery.no_one_left", id=lottery.id)
                return
            if not await repo.mark_replaced(winner.id, now):
                await ctx.uow.rollback()
                await ctx.say("lottery.reroll_claimed", name=winner.name)
                return
            order = draw.shuffled_prefix(lottery.seed, [e.user_id for e in entrants], taken + 1)
            chosen = next(e for e in entrants if e.user_id == order[taken])
            row = {
                "slot": slot,
                "place": taken,
                "user_id": chosen.user_id,
                "name": chosen.name,
                "won_at": now,
            }
            await repo.add_winners(lottery.id, [row])
            await ctx.uow.commit()
        await ctx.say(
            "lottery.rerolled",
            id=lottery.id,
            slot=slot,
            place=taken + 1,
            who=mention(User(chosen.user_id, chosen.name)),
        )

    async def list_lotteries(self, command: Command, ctx: Context) -> None:
        """/lotteries: the open ones, then the latest drawn."""
        repo, tz = LotteryRepository(ctx.uow), await _zone(ctx)
        open_ones = await repo.open_in(ctx.chat.id)
        past = await repo.past_in(ctx.chat.id, PAST_SHOWN)
        if not open_ones and not past:
            await ctx.say("lottery.list_empty")
            return
        lines: list[Text | str] = []
        if open_ones:
            lines.append(await ctx.t("lottery.list_open"))
        for row in open_ones:
            ends = _local(row.ends_at, tz) if row.ends_at else "—"
            count = await repo.entry_count(row.id)
            lines.append(
                await ctx.t("lottery.list_line", id=row.id, prize=row.prize, count=count, ends=ends)
            )
        if past:
            lines.append(await ctx.t("lottery.list_past"))
        for row in past:
            names = ", ".join(w.name or "?" for w in await repo.winners(row.id)) or "—"
            lines.append(
                await ctx.t("lottery.list_past_line", id=row.id, prize=row.prize, winners=names)
            )
        await ctx.reply(as_lines(lines))


def _row(plan: Plan, chat_id: int, creator_id: int, seed: str, now: datetime) -> dict[str, object]:
    """The lotteries row of a plan."""
    return {
        "chat_id": chat_id,
        "creator_id": creator_id,
        "prize": plan.prize,
        "winners": plan.winners,
        "ends_at": plan.ends_at,
        "max_entries": plan.max_entries,
        "cost": plan.conditions.cost,
        "min_checkins": plan.conditions.checkins,
        "min_member_days": plan.conditions.member_days,
        "no_warnings": plan.conditions.no_warnings,
        "seed": seed,
        "commitment": draw.commitment(seed),
        "status": "open",
        "created_at": now,
    }


def _conditions(row: LotteryRow) -> Conditions:
    return Conditions(row.cost, row.min_checkins, row.min_member_days, row.no_warnings)


async def _condition_lines(ctx: Context, conditions: Conditions) -> list[Text]:
    lines = []
    if conditions.cost:
        lines.append(await ctx.t("lottery.cond_cost", cost=conditions.cost))
    if conditions.checkins:
        lines.append(await ctx.t("lottery.cond_checkins", days=conditions.checkins))
    if conditions.member_days:
        lines.append(await ctx.t("lottery.cond_member_days", days=conditions.member_days))
    if conditions.no_warnings:
        lines.append(await ctx.t("lottery.cond_nowarn"))
    return lines


async def _zone(ctx: Context) -> ZoneInfo:
    return ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)


def _local(at: datetime, tz: ZoneInfo) -> str:
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M}"
