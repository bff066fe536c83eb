"""The newcomer captcha feature: commands, joins, join requests and button presses."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from core.buttons import Ack, Press, StaleButton
from core.chat import Button, ChatActionError, Keyboard, MissingRight
from core.context import Context
from core.durations import format_duration
from core.events import Event, JoinRequest, MemberJoined, MemberLeft, User
from core.feature import ButtonSpec, CommandSpec, Feature
from core.runtime import Runtime
from core.text import Text, bold, mention
from handlers.captcha.commands import captcha_seconds, configure, set_fail_action, set_time
from handlers.captcha.resolve import Greeter, Resolver
from handlers.captcha.rules import (
    ANSWER,
    PREFIX,
    Approvals,
    Challenge,
    Joiner,
    Pending,
    button_args,
    choices,
    deadline,
    judge,
    make_challenge,
    needs_captcha,
    read_press,
)
from handlers.captcha.timers import CaptchaTimers
from storage.captcha import CaptchaRepository, NewCaptcha, PendingCaptcha, StoredSettings

log = logging.getLogger(__name__)


class Captcha(Feature):
    """Asks newcomers (and join requesters) to prove they are human before they may post."""

    name = "captcha"

    def __init__(self, greet: Greeter | None = None, rng: random.Random | None = None) -> None:
        self.rng = rng or random.SystemRandom()
        self._greet = greet
        self._timers: CaptchaTimers | None = None
        self._resolver: Resolver | None = None
        # A member the bot let in from a join request must not be asked again when their
        # join arrives.
        self._approved = Approvals()

    def commands(self) -> Sequence[CommandSpec]:
        """The captcha settings commands, all for admins."""
        return (
            CommandSpec("captcha", configure, admin_only=True),
            CommandSpec("captchatime", set_time, admin_only=True),
            CommandSpec("captchafail", set_fail_action, admin_only=True),
        )

    def buttons(self) -> Sequence[ButtonSpec]:
        """The answer buttons, for the newcomer they were shown to (checked on press)."""
        return (ButtonSpec(PREFIX, self.on_press),)

    async def start(self, runtime: Runtime) -> None:
        """Load which groups have settings; register the deadline timers as timed work."""
        self._resolver = Resolver(runtime, self._greet)
        self._timers = CaptchaTimers(runtime, self._resolver)
        runtime.timed.add(self._timers)
        async with runtime.store.unit() as uow:
            await CaptchaRepository(uow).load_known()

    @property
    def timers(self) -> CaptchaTimers:
        """The deadline timers (exist once the feature started)."""
        assert self._timers is not None, "the captcha feature has not started"
        return self._timers

    @property
    def resolver(self) -> Resolver:
        """What carries out outcomes (exists once the feature started)."""
        assert self._resolver is not None, "the captcha feature has not started"
        return self._resolver

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Start captchas for joins and join requests (answers come through ``on_press``)."""
        if isinstance(event, MemberJoined) and event.chat.is_group:
            await self._on_join(event, ctx)
        elif isinstance(event, MemberLeft) and event.chat.is_group:
            await self._on_leave(event, ctx)
        elif isinstance(event, JoinRequest) and event.chat.is_group:
            await self._on_request(event, ctx)
        return False

    # ------------------------------------------------------------------ joins

    async def _on_join(self, event: MemberJoined, ctx: Context) -> None:
        runtime, chat, user = ctx.runtime, event.chat, event.user
        if runtime.is_bot(user.id):
            return
        settings = await CaptchaRepository(ctx.uow).settings(chat.id)
        if not settings.enabled:
            return
        if not needs_captcha(settings.enabled, await self._joiner(event, ctx)):
            return
        pending_id, challenge, due = await self._store(ctx, settings, user, "join", chat.id)
        if pending_id is None:
            return
        try:
            await ctx.port.mute(chat.id, user.id, None)
        except MissingRight as error:
            # Without the right to restrict, a captcha could neither hold nor remove anyone.
            await self._drop(ctx, pending_id)
            await ctx.tell_missing_right(error)
            return
        except ChatActionError as error:
            log.info("could not mute newcomer %s in %s: %s", user.id, chat.id, error)
            await self._drop(ctx, pending_id)
            return
        text = await self._question(ctx, settings, challenge, mention(user), request=False)
        buttons = _keyboard(pending_id, challenge, await self._human(ctx), user.id)
        message_id = await ctx.port.send(chat.id, text, buttons=buttons)
        if message_id is None:
            # Nobody can answer a challenge that was never shown: let the newcomer be.
            await self._drop(ctx, pending_id)
            await self.resolver.unrestrict(chat.id, user.id)
            return
        await self._shown(ctx, pending_id, message_id, due)

    async def _joiner(self, event: MemberJoined, ctx: Context) -> Joiner:
        chat, user, added_by, runtime = event.chat, event.user, event.added_by, ctx.runtime
        by_admin = added_by is not None and await ctx.is_admin(User(added_by, ""))
        # The join after an approval may come as a service message naming nobody but the
        # member: the approval remembered here covers that form too.
        approved = self._approved.take(chat.id, user.id, runtime.now())
        by_bot = runtime.is_bot(added_by) or approved
        return Joiner(user.is_bot, await ctx.is_admin(user), by_admin, by_bot)

    async def _on_leave(self, event: MemberLeft, ctx: Context) -> None:
        repo = CaptchaRepository(ctx.uow)
        if not repo.may_have_pending(event.chat.id):
            return
        pending = await repo.find(event.chat.id, event.user.id)
        if pending is None or pending.kind != "join":
            return
        async with ctx.uow.alone():
            claimed = await repo.claim(pending.id)
            await ctx.uow.commit()
        if claimed is not None:
            self.timers.cancel(claimed.id)
            await self.resolver.cancelled(claimed)

    # ------------------------------------------------------------------ join requests

    async def _on_request(self, event: JoinRequest, ctx: Context) -> None:
        """Ask the requester privately; their answer approves or declines the request."""
        chat, user = event.chat, event.user
        settings = await CaptchaRepository(ctx.uow).settings(chat.id)
        if not settings.enabled or user.is_bot:
            return
        pending_id, challenge, due = await self._store(
            ctx, settings, user, "request", user.id, event.reference
        )
        if pending_id is None:
            return
        group = bold(chat.title)
        text = await self._question(ctx, settings, challenge, group, request=True)
        buttons = _keyboard(pending_id, challenge, await self._human(ctx), user.id)
        message_id = await ctx.port.send(user.id, text, buttons=buttons)
        if message_id is None:
            # The requester cannot be reached privately: leave the request to the admins.
            await self._drop(ctx, pending_id)
            return
        await self._shown(ctx, pending_id, message_id, due)

    # ------------------------------------------------------------------ starting

    async def _store(
        self,
        ctx: Context,
        settings: StoredSettings,
        user: User,
        kind: str,
        where: int,
        reference: str = "",
    ) -> tuple[int | None, Challenge, datetime]:
        """Store and commit the pending captcha: its id (None if the member has one already).

        Committed before the platform calls, so no write lock is held while they run.
        """
        runtime = ctx.runtime
        challenge = make_challenge(settings.mode, self.rng)
        now = runtime.now()
        due = deadline(now, self._seconds(ctx, settings))
        new = NewCaptcha(
            chat_id=ctx.chat.id,
            user_id=user.id,
            user_name=user.name[:255],
            chat_title=ctx.chat.title[:255],
            kind=kind,
            mode=challenge.mode,
            message_chat_id=where,
            answer=challenge.answer,
            attempts_left=runtime.settings.captcha.attempts if challenge.mode == "math" else 1,
            fail_action=settings.fail_action,
            deadline=due,
            created_at=now,
            reference=reference,
        )
        async with ctx.uow.alone():
            pending_id = await CaptchaRepository(ctx.uow).start(new)
            await ctx.uow.commit()
        return pending_id, challenge, due

    async def _shown(self, ctx: Context, pending_id: int, message_id: int, due: datetime) -> None:
        """Record the challenge's message and start the clock."""
        async with ctx.uow.alone():
            await CaptchaRepository(ctx.uow).set_message(pending_id, message_id)
            await ctx.uow.commit()
        self.timers.arm(pending_id, due)

    async def _drop(self, ctx: Context, pending_id: int) -> None:
        async with ctx.uow.alone():
            await CaptchaRepository(ctx.uow).claim(pending_id)
            await ctx.uow.commit()

    async def _human(self, ctx: Context) -> str:
        return ctx.runtime.translator.plain(await ctx.language(), "captcha.button_human")

    def _seconds(self, ctx: Context, settings: StoredSettings) -> int:
        return captcha_seconds(ctx, settings)

    async def _question(
        self,
        ctx: Context,
        settings: StoredSettings,
        challenge: Challenge,
        who: Text,
        *,
        request: bool,
    ) -> Text:
        language = await ctx.language()
        time = format_duration(self._seconds(ctx, settings), language)
        prefix = "captcha.request_" if request else "captcha.ask_"
        if challenge.mode == "math":
            return await ctx.t(f"{prefix}math", who=who, a=challenge.a, b=challenge.b, time=time)
        return await ctx.t(f"{prefix}button", who=who, time=time)

    # ------------------------------------------------------------------ answers

    async def on_press(self, press: Press, ctx: Context) -> Ack:
        """An answer button: judged for the newcomer it was shown to."""
        answer = read_press(press.args) if press.action == ANSWER else None
        if answer is None:
            raise StaleButton(f"captcha press {press.action} {press.args}")
        pending = await CaptchaRepository(ctx.uow).get(answer.pending_id)
        if pending is None or not _shown_at(pending, press):
            return Ack(await self._t(ctx, pending, "expired"), True)
        verdict = judge(_view(pending), press.user.id, answer.choice, ctx.runtime.now())
        if verdict == "not_yours":
            return Ack(await self._t(ctx, pending, "not_yours"), True)
        if verdict == "retry":
            return await self._retry(press, pending, ctx)
        return await self._finish(press, pending, verdict, ctx)

    async def _retry(self, press: Press, pending: PendingCaptcha, ctx: Context) -> Ack:
        """A wrong sum with attempts left: a new sum in the same message."""
        challenge = make_challenge("math", self.rng)
        async with ctx.uow.alone():
            changed = await CaptchaRepository(ctx.uow).retry(pending, challenge.answer)
            await ctx.uow.commit()
        if not changed:
            return Ack(await self._t(ctx, pending, "expired"))
        left = pending.attempts_left - 1
        ack = Ack(await self._t(ctx, pending, "wrong_retry", left=left), True)
        chat, language = await self.resolver.chat(pending)
        request = pending.kind == "request"
        who = bold(chat.title) if request else mention(press.user)
        remaining = max(int((pending.deadline - ctx.runtime.now()).total_seconds()), 1)
        t = ctx.runtime.translator
        text = t(
            language,
            "captcha.request_math" if request else "captcha.ask_math",
            who=who,
            a=challenge.a,
            b=challenge.b,
            time=format_duration(remaining, language),
        )
        human = t.plain(language, "captcha.button_human")
        buttons = _keyboard(pending.id, challenge, human, pending.user_id)
        await ctx.port.edit(press.chat.id, press.message_id, text, buttons=buttons)
        return ack

    async def _finish(
        self, press: Press, pending: PendingCaptcha, verdict: str, ctx: Context
    ) -> Ack:
        async with ctx.uow.alone():
            claimed = await CaptchaRepository(ctx.uow).claim(pending.id)
            await ctx.uow.commit()
        if claimed is None:
            return Ack(await self._t(ctx, pending, "expired"))
        self.timers.cancel(claimed.id)
        claimed = replace(claimed, message_id=press.message_id)
        if verdict == "pass":
            ack = Ack(await self._t(ctx, pending, "passed"))
            if claimed.kind == "request":
                self._approved.add(claimed.chat_id, claimed.user_id, ctx.runtime.now())
            await self.resolver.passed(claimed)
            return ack
        reason = "timeout" if verdict == "expired" else "wrong"
        ack = Ack(await self._t(ctx, pending, reason), True)
        await self.resolver.failed(claimed, reason)
        return ack

    async def _language(self, ctx: Context, pending: PendingCaptcha | None) -> str:
        """The group's language, also for presses in a requester's private chat."""
        if pending is None or pending.chat_id == ctx.chat.id:
            return await ctx.language()
        return await self.resolver.language(pending.chat_id)

    async def _t(
        self, ctx: Context, pending: PendingCaptcha | None, key: str, **values: object
    ) -> Text:
        language = await self._language(ctx, pending)
        return ctx.runtime.translator(language, f"captcha.toast_{key}", **values)


def _shown_at(pending: PendingCaptcha, press: Press) -> bool:
    """Whether the press came from the message that shows this captcha.

    A press on a requester's private message may arrive before the message id was stored
    (it comes through another chat's queue): the chat must match then.
    """
    if pending.message_chat_id != press.chat.id:
        return False
    return pending.message_id in (None, press.message_id)


def _view(pending: PendingCaptcha) -> Pending:
    return Pending(
        pending.user_id, pending.mode, pending.answer, pending.attempts_left, pending.deadline
    )


def _keyboard(pending_id: int, challenge: Challenge, human: str, user_id: int) -> Keyboard:
    """The answer buttons: one "I am human" button, or the sum's options in one row."""
    args = [button_args(pending_id, choice) for choice in choices(challenge)]
    if challenge.mode != "math":
        return [[Button(human, ANSWER, args[0], only=user_id)]]
    options = zip(challenge.options, args, strict=True)
    return [[Button(str(n), ANSWER, a, only=user_id) for n, a in options]]
