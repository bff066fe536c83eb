"""Check-in points (签到积分): daily check-ins, streaks, activity points, levels, the shop.

Members: /checkin (or the plain words 签到 / 打卡), /makeup, /points, /top [week], /shop,
/redeem <item>. Admins: /checkinconfig, /setcheckin key=value ..., /givepoints and
/takepoints <amount> [reason] as a reply, /additem <name> <cost> <stock>, /delitem <name>,
/redemptions, /pointslog [page] and /exportledger (as a reply, or for the group), /exportpoints.
Messages sent as a chat (anonymous admins, channels) earn nothing and check nobody in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from core.context import Context, chat_language
from core.csvfiles import Cell, export_stem, send_csv
from core.events import Command, Event, Message, User
from core.feature import CommandSpec, Feature
from core.ids import shown_id
from core.outbound import reply_later
from core.runtime import Runtime
from core.senders import sent_as_chat
from core.text import as_lines, code, mention
from handlers.badges.names import badge_list
from handlers.checkin import ledger
from handlers.checkin.actions import adjust, check_in, make_up, redeem, store_awards
from handlers.checkin.activity import ActivityPoints, PendingAward
from handlers.checkin.burst import CheckedIn, already_merge, done_merge, level_up_merge
from handlers.checkin.rules import (
    PointsError,
    PointsRules,
    level_index,
    parse_amount,
    parse_setting_changes,
    rules_from_dict,
    rules_to_dict,
    week_start,
)
from storage.badges import BadgeRepository
from storage.points import PointsRepository
from storage.repositories import ChatRepository

CHECKIN_WORDS = frozenset({"签到", "打卡", "簽到"})
BOARD_ROWS = 10
MAX_ITEM_NAME = 64
MAX_STOCK = 1_000_000
POINTS_HEADER = (
    "user_id",
    "name",
    "balance",
    "earned",
    "streak",
    "last_checkin",
    "checkins",
    "level",
    "title",
)


class Points(Feature):
    """The group's points economy."""

    name = "checkin"

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.SystemRandom()
        self.activity = ActivityPoints()
        self._runtime: Runtime | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """Member and admin commands of the points economy."""
        return (
            CommandSpec("checkin", self.checkin),
            CommandSpec("makeup", self.makeup),
            CommandSpec("points", self.points),
            CommandSpec("top", self.top),
            CommandSpec("shop", self.shop),
            CommandSpec("redeem", self.redeem),
            CommandSpec("checkinconfig", self.show_config, admin_only=True),
            CommandSpec("setcheckin", self.set_config, admin_only=True),
            CommandSpec("givepoints", self.give, admin_only=True),
            CommandSpec("takepoints", self.take, admin_only=True),
            CommandSpec("additem", self.add_item, admin_only=True),
            CommandSpec("delitem", self.delete_item, admin_only=True),
            CommandSpec("redemptions", self.show_redemptions, admin_only=True),
            CommandSpec("pointslog", self.show_log, admin_only=True),
            CommandSpec("exportpoints", self.export, admin_only=True),
            CommandSpec("exportledger", ledger.export_ledger, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Store buffered activity points on the activity-tracking interval."""
        self._runtime = runtime
        runtime.scheduler.every(
            "checkin:activity", runtime.settings.bot.activity_flush_seconds, self.flush
        )

    async def stop(self) -> None:
        """Store what is still buffered."""
        if self._runtime is not None:
            self._runtime.scheduler.cancel("checkin:activity")
        await self.flush()

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """签到/打卡 check in; other messages may earn activity points."""
        if not isinstance(event, Message) or not event.chat.is_group or event.edited:
            return False
        if sent_as_chat(event):
            # Points belong to people: a chat speaking earns none and checks nobody in.
            if event.text.strip() in CHECKIN_WORDS:
                await ctx.say("checkin.as_chat")
                return True
            return False
        if event.sender.is_bot:
            return False
        if event.text.strip() in CHECKIN_WORDS:
            await self._check_in(event.sender, ctx)
            return True
        await self._activity(event, ctx)
        return False

    # ------------------------------------------------------------------ members

    async def checkin(self, command: Command, ctx: Context) -> None:
        """/checkin: once a day in the group's time zone."""
        if await _refuse_chat_sender(command, ctx):
            return
        await self._check_in(command.sender, ctx)

    async def _check_in(self, user: User, ctx: Context) -> None:
        rules, today = await self._rules(ctx), await _today(ctx)
        async with ctx.uow.alone():
            await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
            now, stand_ins = ctx.runtime.now(), ctx.runtime.stand_ins
            result = await check_in(ctx.uow, ctx.chat.id, user, today, now, rules, stand_ins)
            await ctx.uow.commit()
        # Queued replies: in a burst, the queue merges them into one message per kind.
        t, language = ctx.runtime.translator, await ctx.language()
        if not result.done:
            await ctx.say(
                "checkin.already",
                streak=result.streak,
                total=result.balance,
                rank=result.rank,
                merge=already_merge(t, language, user.name),
            )
            return
        await ctx.say(
            "checkin.done",
            name=user.name,
            earned=result.earned,
            streak=result.streak,
            total=result.balance,
            rank=result.rank,
            merge=done_merge(t, language, CheckedIn(user.name, result.earned, result.streak)),
        )
        await self._level_up(ctx, user, rules, result.earned_before, result.earned_total)
        for badge in result.badges:
            await ctx.say(
                "badges.earned", member=mention(user), badge=badge_list(t, language, [badge])
            )

    async def _activity(self, message: Message, ctx: Context) -> None:
        chars = len(message.text.strip())
        rules = await self._rules(ctx)
        if chars >= rules.activity_chars and rules.activity_points > 0:
            today = await _today(ctx)
            self.activity.offer(
                message.chat.id, message.sender, chars, today, ctx.runtime.now(), rules
            )

    async def flush(self) -> None:
        """Store buffered activity points in one transaction; announce level-ups."""
        runtime = self._runtime
        batch = self.activity.drain()
        if runtime is None or not batch:
            return
        async with runtime.store.unit() as uow, uow.alone():
            rules_of: dict[int, PointsRules] = {}
            for chat_id in {award.chat_id for award in batch}:
                await ChatRepository(uow).ensure_exists(chat_id)
                rules_of[chat_id] = rules_from_dict(await PointsRepository(uow).rules(chat_id))
            stored = await store_awards(uow, batch, rules_of)
            await uow.commit()
        for item in stored:
            levels = rules_of[item.award.chat_id].levels
            if level_index(item.after, levels) > level_index(item.before, levels):
                await self._announce(runtime, item.award, rules_of[item.award.chat_id], item.after)

    async def _announce(
        self, runtime: Runtime, award: PendingAward, rules: PointsRules, earned: int
    ) -> None:
        async with runtime.store.unit() as uow:
            language = await chat_language(
                uow, award.chat_id, runtime.settings.bot.default_language
            )
        level = level_index(earned, rules.levels)
        who = mention(User(award.user_id, award.name))
        text = runtime.translator(
            language,
            "checkin.level_up",
            mention=who,
            level=level + 1,
            title=rules.levels[level].name(language),
        )
        await reply_later(runtime.port, award.chat_id, text, merge=level_up_merge(language))

    async def _level_up(
        self, ctx: Context, user: User, rules: PointsRules, before: int, after: int
    ) -> None:
        old, new = level_index(before, rules.levels), level_index(after, rules.levels)
        if new > old:
            title = rules.levels[new].name(await ctx.language())
            await ctx.say(
                "checkin.level_up",
                mention=mention(user),
                level=new + 1,
                title=title,
                merge=level_up_merge(await ctx.language()),
            )

    async def makeup(self, command: Command, ctx: Context) -> None:
        """/makeup: spend points to repair the most recent missed day."""
        if await _refuse_chat_sender(command, ctx):
            return
        rules, today = await self._rules(ctx), await _today(ctx)
        async with ctx.uow.alone():
            await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
            result = await make_up(
                ctx.uow, ctx.chat.id, command.sender, today, ctx.runtime.now(), rules
            )
            await ctx.uow.commit()
        if result.status == "done":
            await ctx.say(
                "checkin.makeup_done",
                day=str(result.day),
                cost=result.cost,
                streak=result.streak,
                total=result.balance,
            )
        elif result.status == "too_poor":
            await ctx.say("checkin.makeup_poor", cost=result.cost, total=result.balance)
        else:
            await ctx.say("checkin.makeup_nothing", days=rules.makeup_window)

    async def points(self, command: Command, ctx: Context) -> None:
        """/points: your points, or (as a reply) those of the member replied to."""
        reply = command.message.reply_to
        if reply is None and await _refuse_chat_sender(command, ctx):
            return
        user = reply.sender if reply is not None and not reply.sender.is_bot else command.sender
        repo = PointsRepository(ctx.uow)
        account = await repo.account(ctx.chat.id, user.id)
        rules = await self._rules(ctx)
        earned = account.earned if account else 0
        level = level_index(earned, rules.levels)
        following = rules.levels[level + 1].threshold if level + 1 < len(rules.levels) else None
        shown = await ctx.t(
            "checkin.points",
            name=user.name,
            total=account.balance if account else 0,
            earned=earned,
            streak=account.streak if account else 0,
            rank=await repo.rank(ctx.chat.id, earned, ctx.runtime.stand_ins),
            level=level + 1,
            title=rules.levels[level].name(await ctx.language()),
            next=await ctx.t("checkin.next_level", points=following - earned)
            if following is not None
            else "",
        )
        badges = await BadgeRepository(ctx.uow).badges(ctx.chat.id, user.id)
        if badges:
            t, language = ctx.runtime.translator, await ctx.language()
            line = await ctx.t("checkin.points_badges", badges=badge_list(t, language, badges))
            shown = as_lines([shown, line])
        await ctx.reply(shown)

    async def top(self, command: Command, ctx: Context) -> None:
        """/top: the all-time board; /top week: this week's earnings."""
        repo = PointsRepository(ctx.uow)
        weekly = bool(command.args) and command.args[0].lower() in ("week", "周", "本周", "w")
        if weekly:
            tz = await _zone(ctx)
            monday = week_start(ctx.runtime.now().astimezone(tz).date())
            since = datetime.combine(monday, clock_time(), tzinfo=tz)
            hidden = ctx.runtime.stand_ins
            rows = await repo.top_since(ctx.chat.id, since, BOARD_ROWS, hidden)
            header = await ctx.t("checkin.top_week", since=str(monday))
        else:
            # Accounts a chat got before messages sent as a chat were refused stay off boards.
            board = await repo.top(ctx.chat.id, BOARD_ROWS, ctx.runtime.stand_ins)
            rows = [(a.name, a.earned) for a in board]
            header = await ctx.t("checkin.top_all")
        if not rows:
            await ctx.say("checkin.top_empty")
            return
        lines = [header] + [
            f"{_medal(i)} {name or '?'} — {points}" for i, (name, points) in enumerate(rows)
        ]
        await ctx.reply(as_lines(lines))

    async def shop(self, command: Command, ctx: Context) -> None:
        """/shop: what can be bought, with cost and stock."""
        items = await PointsRepository(ctx.uow).items(ctx.chat.id)
        if not items:
            await ctx.say("checkin.shop_empty")
            return
        lines = [await ctx.t("checkin.shop_header")]
        for item in items:
            stock = item.stock if item.stock > 0 else await ctx.t("checkin.sold_out_short")
            lines.append(
                await ctx.t("checkin.shop_line", item=item.name, cost=item.cost, stock=stock)
            )
        await ctx.reply(as_lines(lines))

    async def redeem(self, command: Command, ctx: Context) -> None:
        """/redeem <item>: buy one; stock and balance change together; admins are told."""
        if await _refuse_chat_sender(command, ctx):
            return
        name = command.arg_text.strip()
        if not name:
            await ctx.say("checkin.redeem_usage")
            return
        async with ctx.uow.alone():
            await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
            result = await redeem(
                ctx.uow,
                ctx.chat.id,
                command.sender,
                name[:MAX_ITEM_NAME],
                ctx.runtime.now(),
                self.rng,
            )
            await ctx.uow.commit()
        if result.status != "done":
            await ctx.say(
                f"checkin.redeem_{result.status}",
                item=result.item or name[:MAX_ITEM_NAME],
                cost=result.cost,
                total=result.balance,
            )
            return
        await ctx.say(
            "checkin.redeemed",
            item=result.item,
            cost=result.cost,
            total=result.balance,
            code=code(result.code),
        )
        await self._tell_admins(ctx, command.sender, result.item, result.code)

    async def _tell_admins(self, ctx: Context, buyer: User, item: str, redemption: str) -> None:
        """A private note to each admin who has started the bot (others are skipped)."""
        text = await ctx.t(
            "checkin.admin_notice",
            who=mention(buyer),
            item=item,
            group=ctx.chat.title,
            code=code(redemption),
        )
        for admin_id in await ctx.runtime.admins.get(ctx.chat.id):
            if not ctx.runtime.is_bot(admin_id):
                await reply_later(ctx.port, admin_id, text)

    # ------------------------------------------------------------------ admins

    async def show_config(self, command: Command, ctx: Context) -> None:
        """/checkinconfig: the group's points rules."""
        rules = await self._rules(ctx)
        language = await ctx.language()
        levels = ", ".join(f"{lv.threshold}:{lv.name(language)}" for lv in rules.levels)
        await ctx.say(
            "checkin.config",
            base=rules.base,
            streak_bonus=rules.streak_bonus,
            streak_cap=rules.streak_cap,
            makeup_cost=rules.makeup_cost,
            makeup_window=rules.makeup_window,
            activity_chars=rules.activity_chars,
            activity_cooldown=rules.activity_cooldown,
            activity_points=rules.activity_points,
            activity_cap=rules.activity_cap,
            levels=levels,
        )

    async def set_config(self, command: Command, ctx: Context) -> None:
        """/setcheckin key=value ...: change the rules; every value is checked first."""
        try:
            rules = parse_setting_changes(command.arg_text, await self._rules(ctx))
        except PointsError as error:
            await _say_error(ctx, error)
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        await PointsRepository(ctx.uow).set_rules(ctx.chat.id, rules_to_dict(rules))
        await ctx.uow.commit()
        await self.show_config(command, ctx)

    async def give(self, command: Command, ctx: Context) -> None:
        """/givepoints <amount> [reason], as a reply to a member."""
        await self._adjust(command, ctx, give=True)

    async def take(self, command: Command, ctx: Context) -> None:
        """/takepoints <amount> [reason], as a reply to a member."""
        await self._adjust(command, ctx, give=False)

    async def _adjust(self, command: Command, ctx: Context, *, give: bool) -> None:
        verb = "givepoints" if give else "takepoints"
        reply = command.message.reply_to
        if reply is not None and sent_as_chat(reply):
            await ctx.say("checkin.adjust_chat")
            return
        if reply is None or reply.sender.is_bot:
            await ctx.say("checkin.adjust_usage", command=verb)
            return
        try:
            amount = parse_amount(command.args[0] if command.args else None)
        except PointsError as error:
            await _say_error(ctx, error)
            return
        reason = command.arg_text.split(maxsplit=1)[1] if len(command.args) > 1 else None
        member = reply.sender
        async with ctx.uow.alone():
            result = await adjust(
                ctx.uow,
                ctx.chat.id,
                member,
                amount if give else -amount,
                reason,
                command.sender.id,
                ctx.runtime.now(),
            )
            await ctx.uow.commit()
        if result.balance is None:
            await ctx.say("checkin.take_too_much", name=member.name, total=result.before_balance)
            return
        before, balance = result.earned_before, result.balance
        key = "checkin.given" if give else "checkin.taken"
        await ctx.say(key, name=member.name, amount=amount, total=balance)
        if give:
            rules = await self._rules(ctx)
            await self._level_up(ctx, member, rules, before, before + amount)

    async def add_item(self, command: Command, ctx: Context) -> None:
        """/additem <name> <cost> <stock>: the name may have spaces; cost and stock come last."""
        words = command.args
        if len(words) < 3:
            await ctx.say("checkin.additem_usage")
            return
        name = " ".join(words[:-2])[:MAX_ITEM_NAME]
        try:
            cost = parse_amount(words[-2])
            stock = parse_amount(words[-1], MAX_STOCK)
        except PointsError as error:
            await _say_error(ctx, error)
            return
        repo = PointsRepository(ctx.uow)
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        if await repo.item(ctx.chat.id, name) is not None:
            await ctx.say("checkin.item_exists", item=name)
            return
        await repo.add_item(ctx.chat.id, name, cost, stock, ctx.runtime.now())
        await ctx.uow.commit()
        await ctx.say("checkin.item_added", item=name, cost=cost, stock=stock)

    async def delete_item(self, command: Command, ctx: Context) -> None:
        """/delitem <name>: take an item out of the shop."""
        repo = PointsRepository(ctx.uow)
        item = await repo.item(ctx.chat.id, command.arg_text.strip()) if command.arg_text else None
        if item is None:
            await ctx.say("checkin.redeem_no_such_item", item=command.arg_text.strip()[:64] or "?")
            return
        name = item.name
        await repo.remove_item(item.id)
        await ctx.uow.commit()
        await ctx.say("checkin.item_deleted", item=name)

    async def show_redemptions(self, command: Command, ctx: Context) -> None:
        """/redemptions: who bought what, newest first."""
        repo = PointsRepository(ctx.uow)
        rows = await repo.redemptions(ctx.chat.id, 30)
        if not rows:
            await ctx.say("checkin.redemptions_empty")
            return
        names = await repo.names(ctx.chat.id, [r.user_id for r in rows])
        tz = await _zone(ctx)
        lines = [await ctx.t("checkin.redemptions_header")]
        for row in rows:
            who = names.get(row.user_id, shown_id(row.user_id))
            lines.append(
                f"{row.created_at.astimezone(tz):%m-%d %H:%M} · {who}"
                f" · {row.item_name} · {row.cost} · " + code(row.code)
            )
        await ctx.reply(as_lines(lines))

    async def show_log(self, command: Command, ctx: Context) -> None:
        """/pointslog [page]: the ledger of the member replied to, or of the whole group."""
        await ledger.show_log(command, ctx)

    async def export(self, command: Command, ctx: Context) -> None:
        """/exportpoints: a CSV of members, balances, streaks and levels."""
        repo = PointsRepository(ctx.uow)
        accounts = await repo.accounts(ctx.chat.id)
        if not accounts:
            await ctx.say("checkin.top_empty")
            return
        rules, language = await self._rules(ctx), await ctx.language()
        rows: list[tuple[Cell, ...]] = []
        for a in accounts:
            level = level_index(a.earned, rules.levels)
            rows.append(
                (
                    a.user_id,
                    a.name,
                    a.balance,
                    a.earned,
                    a.streak,
                    a.last_checkin,
                    a.checkins,
                    level + 1,
                    rules.levels[level].name(language),
                )
            )
        sent = await send_csv(
            ctx.port,
            ctx.chat.id,
            export_stem("points", ctx.chat.id),
            POINTS_HEADER,
            rows,
            await ctx.t("checkin.exported", count=len(accounts)),
            reply_to=command.message.message_id,
        )
        if not sent:
            await ctx.say("autoreply.export_failed")

    async def _rules(self, ctx: Context) -> PointsRules:
        return rules_from_dict(await PointsRepository(ctx.uow).rules(ctx.chat.id))


def _medal(index: int) -> str:
    return ("🥇", "🥈", "🥉")[index] if index < 3 else f"{index + 1}."


async def _zone(ctx: Context) -> ZoneInfo:
    return ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)


async def _today(ctx: Context) -> date:
    """The group's calendar day now."""
    return ctx.runtime.now().astimezone(await _zone(ctx)).date()


async def _refuse_chat_sender(command: Command, ctx: Context) -> bool:
    """True (after explaining) when the command was sent as a chat: points belong to people."""
    if not sent_as_chat(command.message):
        return False
    await ctx.say("checkin.as_chat")
    return True


async def _say_error(ctx: Context, error: PointsError) -> None:
    await ctx.say(f"checkin.{error.key}", **{k: str(v) for k, v in error.values.items()})
