"""Invite attribution and invite points (邀请裂变).

Members: /invitelink (their own link of the group; Telegram only), /revokelink, /invites,
/topinviters [week|month|all]. Admins: /setinvite [points=.. stay_days=.. daily_cap=..
require=message|checkin|none | off]. Every first join of a person is recorded with its
source (their link's owner, the member who added them, or unknown); the payment is timed
work (``handlers.invites.payer``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from core.chat import ChatActionError, MissingRight
from core.context import Context
from core.events import Command, Event, JoinLink, MemberJoined, MemberLeft
from core.feature import CommandSpec, Feature
from core.ids import shown_id
from core.runtime import Runtime
from core.senders import sent_as_chat
from core.text import Text, as_lines
from handlers.invites.payer import InvitePayer
from handlers.invites.rules import (
    InviteError,
    InviteSettings,
    JoinFacts,
    Limits,
    attribute,
    parse_settings,
)
from storage.invites import InviteRepository
from storage.repositories import ChatRepository, MemberRepository

log = logging.getLogger(__name__)
PERIODS = {"week": 7, "month": 30, "all": None, "周": 7, "月": 30, "全部": None}
NAME_LIMIT = 32


class Invites(Feature):
    """Who brought whom into a group, and the points for it."""

    name = "invites"

    def __init__(self) -> None:
        self._payer: InvitePayer | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """Member commands, and /setinvite for admins."""
        return (
            CommandSpec("invitelink", self.invitelink),
            CommandSpec("revokelink", self.revokelink),
            CommandSpec("invites", self.invites),
            CommandSpec("topinviters", self.topinviters),
            CommandSpec("setinvite", self.setinvite, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Load which groups set invites up; register the payments as timed work."""
        self._payer = InvitePayer(runtime)
        runtime.timed.add(self._payer)
        async with runtime.store.unit() as uow:
            await InviteRepository(uow).load_known()

    @property
    def payer(self) -> InvitePayer:
        """The timed side (exists once the feature started)."""
        assert self._payer is not None, "the invites feature has not started"
        return self._payer

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Record first joins with their source; a pending newcomer leaving pays nothing.

        Only in a group whose admins set invites up (``/setinvite``, on or off): elsewhere a
        join costs one read and no write (no commit per join for groups that never asked).
        """
        if not isinstance(event, MemberJoined | JoinLink | MemberLeft) or not event.chat.is_group:
            return False
        if await InviteRepository(ctx.uow).settings(event.chat.id) is None:
            return False
        if isinstance(event, MemberJoined):
            await self._record(event, ctx)
        elif isinstance(event, JoinLink):
            await self._relink(event, ctx)
        else:
            await InviteRepository(ctx.uow).mark_left(event.chat.id, event.user.id)
        return False

    async def _record(self, event: MemberJoined, ctx: Context) -> None:
        repo, chat_id = InviteRepository(ctx.uow), event.chat.id
        # Stays are measured on the bot's clock (the one the payer reads); a sighting counts
        # as earlier only if it came before both the platform's and the bot's time of the join.
        now = ctx.runtime.now()
        seen_before = min(event.date, now)
        owner = await repo.owner_of(chat_id, event.invite_link) if event.invite_link else None
        facts = JoinFacts(
            invitee_id=event.user.id,
            invitee_is_bot=event.user.is_bot,
            added_by=event.added_by,
            by_request=event.by_request,
            link_owner=owner,
            link=event.invite_link,
            known_before=await repo.known(chat_id, event.user.id, seen_before),
            inviter_is_bot=ctx.runtime.is_bot(event.added_by) if event.added_by else False,
        )
        credit = attribute(facts)
        if credit is None:
            return
        settings = await self._settings(ctx)
        inviter = credit.inviter_id
        status = "void" if inviter is None else "pending" if settings.enabled else "off"
        await ChatRepository(ctx.uow).ensure_exists(chat_id)
        await repo.record_join(
            {
                "chat_id": chat_id,
                "invitee_id": event.user.id,
                "invitee_name": event.user.name[:255],
                "inviter_id": inviter,
                "inviter_name": (await _name_of(ctx, inviter))[:255] if inviter else "",
                "source": credit.source,
                "link": event.invite_link[:255] if event.invite_link else None,
                "status": status,
                "joined_at": now,
                "points": 0,
                "paid_at": None,
            }
        )

    async def _relink(self, event: JoinLink, ctx: Context) -> None:
        """A join recorded without its source learns the link it came by: the link's owner
        is credited as if the link had come with the join."""
        repo, chat_id = InviteRepository(ctx.uow), event.chat.id
        owner = await repo.owner_of(chat_id, event.invite_link)
        if owner is None or owner == event.user.id or ctx.runtime.is_bot(owner):
            return
        settings = await self._settings(ctx)
        values = {
            "inviter_id": owner,
            "inviter_name": (await _name_of(ctx, owner))[:255],
            "source": "link",
            "link": event.invite_link[:255],
            "status": "pending" if settings.enabled else "off",
        }
        await repo.relink(chat_id, event.user.id, values)

    async def _settings(self, ctx: Context) -> InviteSettings:
        row = await InviteRepository(ctx.uow).settings(ctx.chat.id)
        if row is None:
            return InviteSettings()
        return InviteSettings(row.enabled, row.points, row.stay_days, row.daily_cap, row.require)

    # ------------------------------------------------------------------ members

    async def invitelink(self, command: Command, ctx: Context) -> None:
        """/invitelink: the member's own link, made once and reused."""
        if sent_as_chat(command.message):
            await ctx.say("invites.as_chat")
            return
        user, repo = command.sender, InviteRepository(ctx.uow)
        known = await repo.link_of(ctx.chat.id, user.id)
        if known is not None:
            await ctx.say("invites.link_reused", name=user.name, link=known)
            return
        try:
            link = await ctx.port.create_invite_link(ctx.chat.id, user.name[:NAME_LIMIT])
        except ChatActionError as error:
            unsupported = error.reason == "unsupported"
            await ctx.say("invites.qq_no_links" if unsupported else "invites.link_failed")
            return
        await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
        await repo.save_link(ctx.chat.id, user.id, link, ctx.runtime.now())
        await ctx.uow.commit()
        await ctx.say("invites.link", name=user.name, link=link)

    async def revokelink(self, command: Command, ctx: Context) -> None:
        """/revokelink: revoke the member's link and forget it."""
        user, repo = command.sender, InviteRepository(ctx.uow)
        link = await repo.link_of(ctx.chat.id, user.id)
        if link is None:
            await ctx.say("invites.no_link")
            return
        try:
            await ctx.port.revoke_invite_link(ctx.chat.id, link)
        except MissingRight:
            await ctx.say("invites.revoke_failed")
            return
        except ChatActionError as error:
            # Telegram no longer knows the link (revoked elsewhere, expired): forget it too.
            log.info("invites: revoking %s failed (%s); forgotten", ctx.chat.id, error)
        await repo.drop_link(ctx.chat.id, user.id)
        await ctx.uow.commit()
        await ctx.say("invites.revoked")

    async def invites(self, command: Command, ctx: Context) -> None:
        """/invites: the asking member's invitees, newest first."""
        rows_limit = ctx.runtime.settings.invites.list_rows
        rows = await InviteRepository(ctx.uow).of_inviter(
            ctx.chat.id, command.sender.id, rows_limit
        )
        if not rows:
            await ctx.say("invites.none_yet")
            return
        paid = [row for row in rows if row.status == "paid"]
        lines: list[Text | str] = [
            await ctx.t(
                "invites.mine_header",
                count=len(rows),
                paid=len(paid),
                earned=sum(row.points for row in paid),
            )
        ]
        for row in rows:
            status = await ctx.t(f"invites.status_{row.status}", points=row.points)
            name = row.invitee_name or shown_id(row.invitee_id)
            lines.append(await ctx.t("invites.line", name=name, status=status))
        await ctx.reply(as_lines(lines))

    async def topinviters(self, command: Command, ctx: Context) -> None:
        """/topinviters [week|month|all]: inviters by invitees who stayed."""
        word = command.args[0].lower() if command.args else "all"
        if word not in PERIODS:
            await ctx.say("invites.top_usage")
            return
        days = PERIODS[word]
        since = ctx.runtime.now() - timedelta(days=days) if days else None
        limit = ctx.runtime.settings.invites.top_rows
        board = await InviteRepository(ctx.uow).top(ctx.chat.id, since, limit)
        if not board:
            await ctx.say("invites.top_empty")
            return
        header = {7: "week", 30: "month", None: "all"}[days]
        lines: list[Text | str] = [await ctx.t(f"invites.top_header_{header}")]
        for rank, (user_id, name, count, paid) in enumerate(board, 1):
            shown = name or shown_id(user_id)
            lines.append(
                await ctx.t("invites.top_line", rank=rank, name=shown, count=count, paid=paid)
            )
        await ctx.reply(as_lines(lines))

    # ------------------------------------------------------------------ admins

    async def setinvite(self, command: Command, ctx: Context) -> None:
        """/setinvite alone shows the rewards; with key=value pairs (or off) changes them."""
        current = await self._settings(ctx)
        if not command.args:
            await self._show(ctx, current, "")
            return
        config = ctx.runtime.settings.invites
        limits = Limits(config.max_points, config.max_stay_days, config.max_daily_cap)
        try:
            chosen = parse_settings(command.args, current, limits)
        except InviteError as error:
            await ctx.say(error.key, **error.values)
            return
        await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
        await InviteRepository(ctx.uow).save_settings(
            ctx.chat.id,
            {
                "enabled": chosen.enabled,
                "points": chosen.points,
                "stay_days": chosen.stay_days,
                "daily_cap": chosen.daily_cap,
                "require": chosen.require,
            },
        )
        await ctx.uow.commit()
        if chosen.enabled:
            await self._show(ctx, chosen, "invites.saved_on")
        else:
            await ctx.say("invites.saved_off")

    async def _show(self, ctx: Context, settings: InviteSettings, wrapper: str) -> None:
        if not settings.enabled:
            await ctx.say("invites.settings_off")
            return
        text = await ctx.t(
            "invites.settings",
            points=settings.points,
            stay_days=settings.stay_days,
            daily_cap=settings.daily_cap,
            require=await ctx.t(f"invites.require_{settings.require}"),
        )
        if wrapper:
            await ctx.say(wrapper, settings=text)
        else:
            await ctx.reply(text)


async def _name_of(ctx: Context, user_id: int) -> str:
    """The inviter's name as the group's members table knows it (else their id)."""
    member = await MemberRepository(ctx.uow).get(ctx.chat.id, user_id)
    return member.name if member is not None and member.name else shown_id(user_id)
