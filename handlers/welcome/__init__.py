"""Welcome messages: greet newcomers once, in one message per burst of joins.

Admin commands: /setwelcome <text> (or as a reply), /welcome [on|off], /resetwelcome,
/cleanwelcome on|off, /cleanservice on|off. Templates may use {name}, {mention},
{group}, {count} and {rules}; the rest of a template is shown literally.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from core.args import parse_switch, text_or_reply
from core.chat import MissingRight
from core.context import Context, chat_language, tell_missing_right
from core.events import Chat, Command, Event, MemberJoined, MemberLeft, ServiceNotice, User
from core.feature import CommandSpec, Feature
from core.runtime import Runtime
from core.template import TemplateError, check_template, render_template, used_placeholders
from core.text import Text, mention
from handlers.welcome.batching import JoinBatcher, PendingWelcome
from storage.captcha import awaiting_captcha
from storage.repositories import ChatRepository, WelcomeRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

PLACEHOLDERS = ("name", "mention", "group", "count", "rules")
MAX_TEMPLATE_LENGTH = 2000


class Welcome(Feature):
    """Greets newcomers and lets admins shape the greeting."""

    name = "welcome"

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self._batcher = JoinBatcher(2.0, 10.0)

    def commands(self) -> Sequence[CommandSpec]:
        """The welcome commands, all for admins."""
        return (
            CommandSpec("welcome", self.show_or_toggle, admin_only=True),
            CommandSpec("setwelcome", self.set_template, admin_only=True),
            CommandSpec("resetwelcome", self.reset_template, admin_only=True),
            CommandSpec("cleanwelcome", self.set_clean_welcome, admin_only=True),
            CommandSpec("cleanservice", self.set_clean_service, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Take the batching windows from the settings."""
        self._runtime = runtime
        cfg = runtime.settings.welcome
        self._batcher = JoinBatcher(cfg.batch_quiet_seconds, cfg.batch_max_seconds)

    async def stop(self) -> None:
        """Post the welcomes still waiting, so no newcomer is left out at shutdown."""
        for chat_id in self._batcher.chats():
            if self._runtime is not None:
                self._runtime.scheduler.cancel(_job_id(chat_id))
            await self.flush(chat_id)

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Queue newcomers for a welcome and tidy service messages."""
        if isinstance(event, MemberJoined):
            await self._on_join(event, ctx)
        elif isinstance(event, ServiceNotice):
            # The platform's later notice of a join already welcomed: only to tidy away.
            if not ctx.runtime.is_bot(event.user.id) and event.chat.is_group:
                await self._clean_service(ctx, event.message_id)
        elif isinstance(event, MemberLeft):
            await self._clean_service(ctx, event.service_message_id)
        return False

    async def _on_join(self, event: MemberJoined, ctx: Context) -> None:
        runtime = ctx.runtime
        if runtime.is_bot(event.user.id) or not event.chat.is_group:
            return
        settings = await WelcomeRepository(ctx.uow).settings(event.chat.id)
        # A newcomer with a captcha to answer is welcomed once they pass (see ``greet``).
        if settings.enabled and not await awaiting_captcha(ctx.uow, event.chat.id, event.user.id):
            self._queue(runtime, event.chat, event.user)
        if event.service_message_id is not None and settings.clean_service:
            await ctx.port.delete(event.chat.id, event.service_message_id)

    def _queue(self, runtime: Runtime, chat: Chat, user: User) -> None:
        armed = chat.id in self._batcher
        due = self._batcher.add(chat, user, runtime.now())
        if not armed:
            self._arm(runtime, chat.id, due)

    async def greet(self, chat: Chat, user: User) -> None:
        """Welcome a member who just passed the captcha (if the group welcomes newcomers)."""
        runtime = self._runtime
        if runtime is None:
            return
        async with runtime.store.unit() as uow:
            enabled = (await WelcomeRepository(uow).settings(chat.id)).enabled
        if enabled:
            self._queue(runtime, chat, user)

    async def _clean_service(self, ctx: Context, message_id: int | None) -> None:
        if message_id is None:
            return
        if (await WelcomeRepository(ctx.uow).settings(ctx.chat.id)).clean_service:
            await ctx.port.delete(ctx.chat.id, message_id)

    def _arm(self, runtime: Runtime, chat_id: int, due: datetime) -> None:
        runtime.scheduler.call_at(_job_id(chat_id), due, self._on_timer, chat_id, due)

    async def _on_timer(self, chat_id: int, armed_for: datetime) -> None:
        """Post the chat's welcome, unless later joins moved it: then wait for those.

        One timer per burst, moved only when it fires, costs far less than re-arming on
        every join of a raid.
        """
        if chat_id not in self._batcher or self._runtime is None:
            return
        due = self._batcher.due(chat_id)
        if due > armed_for:
            self._arm(self._runtime, chat_id, due)
            return
        await self.flush(chat_id)

    async def flush(self, chat_id: int) -> None:
        """Post the combined welcome for a chat's waiting newcomers."""
        pending = self._batcher.take(chat_id)
        runtime = self._runtime
        if pending is None or runtime is None or not pending.users:
            return
        async with runtime.store.unit() as uow:
            await self._post(runtime, uow, pending)

    async def _post(self, runtime: Runtime, uow: UnitOfWork, pending: PendingWelcome) -> None:
        chat = pending.chat
        settings = await WelcomeRepository(uow).settings(chat.id)
        if not settings.enabled:
            return
        language = await chat_language(uow, chat.id, runtime.settings.bot.default_language)
        template = settings.template or runtime.translator.plain(language, "welcome.default")
        text = await self._render(runtime, uow, language, template, chat, pending.users)
        message_id = await runtime.port.send(chat.id, text)
        if message_id is None or not settings.clean_welcome:
            return
        # Only groups that clean up old welcomes need the last one remembered.
        row = await WelcomeRepository(uow).ensure(chat.id, chat.title)
        previous, row.last_message_id = row.last_message_id, message_id
        if previous:
            await _delete_quietly(runtime, chat.id, previous, language)

    async def _render(
        self,
        runtime: Runtime,
        uow: UnitOfWork,
        language: str,
        template: str,
        chat: Chat,
        users: Sequence[User],
    ) -> Text:
        used = used_placeholders(template)
        values: dict[str, Text | str] = {
            "name": self._names(runtime, language, [u.name for u in users]),
            "mention": self._names(runtime, language, [mention(u) for u in users]),
            "group": chat.title,
        }
        if "count" in used:
            count = await runtime.port.member_count(chat.id)
            values["count"] = str(count) if count is not None else "?"
        if "rules" in used:
            rules = (await ChatRepository(uow).settings(chat.id)).rules
            values["rules"] = rules or runtime.translator(language, "welcome.no_rules")
        return render_template(template, values)

    def _names(self, runtime: Runtime, language: str, names: list[Text | str]) -> Text:
        limit = runtime.settings.welcome.max_names
        shown = Text(runtime.translator.plain(language, "welcome.separator")).join(names[:limit])
        if len(names) <= limit:
            return shown
        more = len(names) - limit
        return runtime.translator(language, "welcome.and_more", names=shown, count=more)

    async def show_or_toggle(self, command: Command, ctx: Context) -> None:
        """/welcome shows the template and a preview; /welcome on|off switches it."""
        if command.args:
            switch = parse_switch(command.args[0])
            if switch is None:
                await ctx.say("common.on_off", command=command.name)
                return
            row = await WelcomeRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
            row.enabled = switch
            await ctx.say("welcome.enabled" if switch else "welcome.disabled")
            return
        settings = await WelcomeRepository(ctx.uow).settings(ctx.chat.id)
        await self._show(ctx, settings.template, settings.enabled, command.sender)

    async def set_template(self, command: Command, ctx: Context) -> None:
        """/setwelcome <text>: check the template, store it, show a preview."""
        template = text_or_reply(command)
        if not template:
            await ctx.say("welcome.usage")
            return
        if len(template) > MAX_TEMPLATE_LENGTH:
            await ctx.say("common.too_long", length=len(template), limit=MAX_TEMPLATE_LENGTH)
            return
        try:
            check_template(template, PLACEHOLDERS)
        except TemplateError as error:
            if error.kind == "braces":
                await ctx.say("welcome.bad_braces")
            else:
                await ctx.say("welcome.unknown_placeholders", names=" ".join(error.names))
            return
        row = await WelcomeRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.template = template
        preview = await self._preview(ctx, template, command.sender)
        await ctx.reply(await ctx.t("welcome.set") + "\n\n" + preview)

    async def reset_template(self, command: Command, ctx: Context) -> None:
        """/resetwelcome: back to the built-in welcome."""
        row = await WelcomeRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.template = None
        await ctx.say("welcome.reset")

    async def set_clean_welcome(self, command: Command, ctx: Context) -> None:
        """/cleanwelcome on|off."""
        switch = parse_switch(command.args[0]) if command.args else None
        if switch is None:
            await ctx.say("common.on_off", command=command.name)
            return
        row = await WelcomeRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.clean_welcome = switch
        await ctx.say("welcome.clean_on" if switch else "welcome.clean_off")

    async def set_clean_service(self, command: Command, ctx: Context) -> None:
        """/cleanservice on|off."""
        switch = parse_switch(command.args[0]) if command.args else None
        if switch is None:
            await ctx.say("common.on_off", command=command.name)
            return
        row = await WelcomeRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.clean_service = switch
        await ctx.say("welcome.service_on" if switch else "welcome.service_off")

    async def _show(self, ctx: Context, template: str | None, enabled: bool, user: User) -> None:
        language = await ctx.language()
        state = await ctx.t("welcome.state_on" if enabled else "welcome.state_off")
        shown = template or ctx.runtime.translator.plain(language, "welcome.default")
        header = await ctx.t("welcome.show", state=state, template=shown)
        preview = await self._preview(ctx, shown, user)
        await ctx.reply(header + "\n" + preview)

    async def _preview(self, ctx: Context, template: str, user: User) -> Text:
        language = await ctx.language()
        return await self._render(ctx.runtime, ctx.uow, language, template, ctx.chat, [user])


def _job_id(chat_id: int) -> str:
    return f"welcome:{chat_id}"


async def _delete_quietly(runtime: Runtime, chat_id: int, message_id: int, language: str) -> None:
    """Delete an old welcome; if the bot may not, tell the admins once and go on."""
    try:
        await runtime.port.delete(chat_id, message_id)
    except MissingRight as error:
        await tell_missing_right(runtime, chat_id, language, error)
