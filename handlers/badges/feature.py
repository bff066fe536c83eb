"""Badges (勋章): admin-awarded ones and automatic ones, held while not revoked.

Members: /badges (yours, or as a reply the member's, and the group's catalogue). Admins:
/award <badge> [reason] and /unaward <badge> [reason] as a reply, or /award <id> <badge>
[reason]. Automatic: check-in streaks of 7, 30 and 100 days (granted by the check-in
itself, ``handlers.checkin.actions``), the weekly top 3 (``handlers.badges.weekly``), and
through ``storage.badges.BadgeRepository.grant`` the codes other activities reserve.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.context import Context
from core.events import Command, User
from core.feature import CommandSpec, Feature
from core.ids import IdError, scoped
from core.names import look_up
from core.runtime import Runtime
from core.text import as_lines, mention
from handlers.badges.names import badge_list
from handlers.badges.rules import AwardArgs, BadgeError, parse_award
from handlers.badges.weekly import WeeklyTop
from storage.badges import RESERVED, BadgeRepository
from storage.repositories import ChatRepository

# Typed ids (a Telegram id, a QQ number) are positive and below 2**52.
MAX_USER_ID = 2**52


class Badges(Feature):
    """Badges in groups."""

    name = "badges"
    topic = "checkin"

    def commands(self) -> Sequence[CommandSpec]:
        """/badges for everyone, /award and /unaward for admins."""
        return (
            CommandSpec("badges", self.show),
            CommandSpec("award", self.award, admin_only=True),
            CommandSpec("unaward", self.unaward, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Register the weekly top 3 as timed work."""
        runtime.timed.add(WeeklyTop(runtime))

    async def show(self, command: Command, ctx: Context) -> None:
        """/badges: a member's badges and every badge given in the group."""
        reply = command.message.reply_to
        user = reply.sender if reply is not None and not reply.sender.is_bot else command.sender
        repo, limit = BadgeRepository(ctx.uow), ctx.runtime.settings.badges.max_listed
        held = (await repo.badges(ctx.chat.id, user.id))[:limit]
        given = await repo.catalogue(ctx.chat.id, limit)
        catalogue = list(dict.fromkeys([*RESERVED, *given]))
        t, language = ctx.runtime.translator, await ctx.language()
        mine = (
            await ctx.t("badges.member", name=user.name, badges=badge_list(t, language, held))
            if held
            else await ctx.t("badges.member_none", name=user.name)
        )
        shown = await ctx.t("badges.catalogue", badges=badge_list(t, language, catalogue))
        await ctx.reply(as_lines([mine, shown]))

    async def award(self, command: Command, ctx: Context) -> None:
        """/award: give a member a badge, with an optional reason."""
        await self._change(command, ctx, grant=True)

    async def unaward(self, command: Command, ctx: Context) -> None:
        """/unaward: take a badge back, with an optional reason (the history keeps both)."""
        await self._change(command, ctx, grant=False)

    async def _change(self, command: Command, ctx: Context, *, grant: bool) -> None:
        found = await _target(command, ctx)
        if found is None:
            return
        user, rest = found
        config = ctx.runtime.settings.badges
        try:
            args = parse_award(rest, command.name, config.max_name, config.max_reason)
        except BadgeError as error:
            await ctx.say(f"badges.{error.key}", **error.values)
            return
        changed = await _store(ctx, user, args, grant)
        t, language = ctx.runtime.translator, await ctx.language()
        badge = badge_list(t, language, [args.code])
        key = (
            ("badges.awarded" if changed else "badges.already")
            if grant
            else ("badges.unawarded" if changed else "badges.not_held")
        )
        await ctx.say(key, member=mention(user), badge=badge, reason=args.reason or "—")


async def _store(ctx: Context, user: User, args: AwardArgs, grant: bool) -> bool:
    actor = ctx.user.id if ctx.user else None
    async with ctx.uow.alone():
        await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
        repo, now = BadgeRepository(ctx.uow), ctx.runtime.now()
        change = repo.grant if grant else repo.revoke
        changed = await change(ctx.chat.id, user.id, args.code, actor, args.reason or None, now)
        await ctx.uow.commit()
    return changed


async def _target(command: Command, ctx: Context) -> tuple[User, str] | None:
    """The member replied to (the arguments are the badge), or the id typed first."""
    reply = command.message.reply_to
    if reply is not None:
        if reply.sender_chat_id is not None or reply.sender.is_bot:
            await ctx.say("badges.not_a_member")
            return None
        return reply.sender, command.arg_text
    parts = command.arg_text.split(maxsplit=1)
    first = parts[0] if parts else ""
    if not (first.isascii() and first.isdigit() and 0 < int(first) < MAX_USER_ID):
        await ctx.say("badges.target_usage", command=command.name)
        return None
    try:
        user_id = scoped(ctx.chat.platform, int(first))
    except IdError:
        await ctx.say("badges.target_usage", command=command.name)
        return None
    user = await look_up(ctx.runtime, ctx.uow, ctx.chat.id, user_id)
    return user or User(user_id, ""), parts[1] if len(parts) > 1 else ""
