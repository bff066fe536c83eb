"""The learning spam filter (垃圾广告识别): scores newcomers' messages, learns from admins.

Admins: /spam (reply) deletes the message, takes the group's spam action and learns it as
spam; /notspam (reply) learns it as ham and lets the member post again; /spamcheck all|new,
/spamthreshold [0.9], /spamaction [delete mute 1d report | default], /spamfilter on|off (a
group's opt-out of the shared filter). Caught and doubtful messages are shown to the admins
with "spam" / "not spam" buttons, which teach the model the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from core.buttons import Ack, Press, StaleButton, refusal
from core.chat import Button, ChatActionError, MissingRight
from core.context import Context, chat_language
from core.durations import format_duration
from core.events import Command, Event, MemberJoined, Message, User
from core.feature import ButtonSpec, CommandSpec, Feature
from core.ids import shown_id
from core.newcomers import Newcomer, Newcomers
from core.outbound import reply_later
from core.runtime import Runtime
from core.text import Text, code, mention
from handlers.moderation.actions import Action, Case, enforce, is_protected
from handlers.moderation.config import HasModeration
from handlers.moderation.rules import DRYRUN, OFF
from handlers.spam.cas import CasCache, CasLookup
from handlers.spam.model import Sample, SpamModel
from handlers.spam.rules import (
    SCOPES,
    ActionsError,
    format_actions,
    in_scope,
    parse_actions,
    parse_threshold,
    sample_digest,
    verdict,
)
from handlers.spam.samples import read_samples
from handlers.spam.status import notice, startup_log, status_of
from storage.moderation import ModerationRepository, approved_ids
from storage.moderation_rules import ModerationRulesRepository
from storage.repositories import MemberRepository
from storage.spam import SpamRepository, SpamSettings, load_known_spam_ids
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

# Buttons under a flagged message: "sp.verdict" with (flag id, "s" spam | "h" not spam).
PRESS_PREFIX = "sp"
VERDICT = "sp.verdict"
QUOTE_CHARS = 300

CasFactory = Callable[[str, float], CasLookup]


def parse_press(args: tuple[str, ...]) -> tuple[int, bool] | None:
    """A verdict button's (flag id, "s"|"h") as (flag id, is spam); None if malformed."""
    if len(args) != 2:
        return None
    number, key = args
    if not number.isdigit() or len(number) > 12 or key not in ("s", "h"):
        return None
    return int(number), key == "s"


def load_start_samples(settings: HasModeration) -> list[Sample]:
    """The samples named in the config; a file that cannot be read is logged and skipped."""
    samples: list[Sample] = []
    cfg = settings.moderation
    for paths, spam in ((cfg.spam_samples, True), (cfg.ham_samples, False)):
        for name in paths:
            try:
                samples.extend(read_samples(Path(name), spam))
            except OSError as error:
                log.error("spam samples %s cannot be read: %s", name, error)
    return samples


class SpamFilter(Feature):
    """Scores messages with the learned model and has the verdicts carried out."""

    name = "spam"

    def __init__(self, cas_factory: CasFactory | None = None) -> None:
        self.model = SpamModel()
        self.newcomers = Newcomers(20_000)
        self.cas_factory = cas_factory
        self.cas: CasCache | None = None
        self._runtime: Runtime | None = None
        self._last_id = 0
        self._mine: set[int] = set()

    def buttons(self) -> Sequence[ButtonSpec]:
        """The verdict buttons under a flagged message (the group's admins: see on_press)."""
        return (ButtonSpec(PRESS_PREFIX, self.on_press, group_admins=True),)

    def commands(self) -> Sequence[CommandSpec]:
        """Verdicts and settings, all for admins."""
        return (
            CommandSpec("spam", self.mark_spam, admin_only=True),
            CommandSpec("notspam", self.mark_ham, admin_only=True),
            CommandSpec("spamcheck", self.set_scope, admin_only=True),
            CommandSpec("spamthreshold", self.set_threshold, admin_only=True),
            CommandSpec("spamaction", self.set_actions, admin_only=True),
            CommandSpec("spamfilter", self.set_enabled, admin_only=True),
        )

    # ------------------------------------------------------------------ life cycle

    async def start(self, runtime: Runtime) -> None:
        """Train on the configured and the stored samples; refresh from other processes."""
        self._runtime = runtime
        cfg = runtime.settings.spam
        self.newcomers = Newcomers(cfg.tracked_members)
        async with runtime.store.unit() as uow:
            await load_known_spam_ids(uow)
            stored = await SpamRepository(uow).samples_after(0)
        self._last_id = max((s.id for s in stored), default=0)
        samples = load_start_samples(runtime.settings)
        samples.extend(Sample(s.text, s.spam) for s in stored)
        model = SpamModel()
        # Training is CPU work: keep the event loop answering meanwhile.
        await asyncio.to_thread(model.train, samples)
        self.model = model
        level, line = startup_log(status_of(model))
        log.log(level, line)
        if cfg.cas and self.cas_factory is not None:
            lookup = self.cas_factory(cfg.cas_url, cfg.cas_timeout_seconds)
            self.cas = CasCache(lookup, cfg.cas_cache_seconds)
        runtime.scheduler.every("spam:refresh", cfg.refresh_seconds, self.refresh)

    async def stop(self) -> None:
        """Stop refreshing; close the CAS client."""
        if self._runtime is not None:
            self._runtime.scheduler.cancel("spam:refresh")
        if self.cas is not None:
            await self.cas.close()
            self.cas = None

    async def refresh(self) -> None:
        """Learn the samples other processes stored since the last look."""
        if self._runtime is None:
            return
        async with self._runtime.store.unit() as uow:
            fresh = await SpamRepository(uow).samples_after(self._last_id)
        for sample in fresh:
            self._last_id = max(self._last_id, sample.id)
            if sample.id not in self._mine:
                self.model.learn(sample.text, sample.spam)
        self._mine = {i for i in self._mine if i > self._last_id}

    async def config_note(self, ctx: Context) -> Text:
        """The model's state for /modconfig: untrained (and how to teach it) or trained on N."""
        key, values = notice(status_of(self.model))
        return await ctx.t(key, **values)

    # ------------------------------------------------------------------ events

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Note joins, handle our buttons, score messages; True if a message was removed."""
        if isinstance(event, MemberJoined):
            self.newcomers.joined(event.chat.id, event.user.id, event.date)
            return False
        if not isinstance(event, Message) or not event.chat.is_group:
            return False
        if event.sender.is_bot or event.sender_chat_id is not None or not event.text.strip():
            return False
        return await self._check(event, ctx)

    async def _check(self, message: Message, ctx: Context) -> bool:
        runtime, chat_id = ctx.runtime, message.chat.id
        settings = await SpamRepository(ctx.uow).settings(chat_id)
        if not settings.enabled or (not self.model.ready and self.cas is None):
            return False
        # The classifier is part of moderation: /modmode off stops it, dryrun only logs.
        mode = (await ModerationRulesRepository(ctx.uow).rules(chat_id)).mode
        if mode == OFF:
            return False
        dry_run = mode == DRYRUN
        member = await self._member(message, ctx.uow)
        cfg, now = runtime.settings.spam, runtime.now()
        is_new = in_scope("new", member, now, cfg.new_member_days, cfg.first_messages)
        if not is_new and (settings.scope or cfg.scope) != "all":
            return False
        if await self._exempt(message.sender, ctx):
            return False
        # CAS is asked about newcomers only (answers are cached; a failure counts as "no").
        if is_new and self.cas is not None and await self.cas.is_banned(message.sender.id):
            return await self._catch(message, ctx, settings, 1.0, "CAS", dry_run=dry_run)
        if not self.model.ready:
            return False
        score = self.model.score(message.text)
        threshold = settings.threshold or cfg.threshold
        judged = verdict(score, threshold, cfg.grey_band)
        if judged == "spam":
            detail = f"score {score:.2f}"
            return await self._catch(message, ctx, settings, score, detail, dry_run=dry_run)
        if judged == "grey" and not dry_run:
            await self._flag(ctx, message.chat.id, message.sender, message, score, caught=False)
        return False

    async def _member(self, message: Message, uow: UnitOfWork) -> Newcomer:
        """The sender's join time and message count (read from storage once per process)."""
        chat_id, user_id = message.chat.id, message.sender.id
        member = self.newcomers.get(chat_id, user_id)
        if member is None:
            row = await MemberRepository(uow).get(chat_id, user_id)
            joined = row.joined_at if row is not None else None
            count = row.message_count if row is not None else 0
            member = self.newcomers.remember(chat_id, user_id, joined, count)
        if not message.edited:
            member.messages += 1
        return member

    async def _exempt(self, user: User, ctx: Context) -> bool:
        """Admins, owners and approved members are never scored."""
        if await ctx.is_admin(user):
            return True
        return user.id in await approved_ids(ctx.uow, ctx.chat.id)

    def _actions(self, runtime: Runtime, settings: SpamSettings) -> tuple[Action, ...]:
        """The group's spam action (or the configured one)."""
        for text in (settings.actions, runtime.settings.spam.actions):
            if text:
                try:
                    return parse_actions(text)
                except ActionsError:
                    log.warning("unreadable spam action %r", text)
        return (Action("delete"), Action("mute", 86_400), Action("report"))

    async def _catch(
        self,
        message: Message,
        ctx: Context,
        settings: SpamSettings,
        score: float,
        detail: str,
        *,
        dry_run: bool = False,
    ) -> bool:
        """Take the spam action on a message (only log it in a dry run); True if deleted."""
        actions = self._actions(ctx.runtime, settings)
        taken = await self._enforce(
            ctx, message.sender, message, actions, detail, None, dry_run=dry_run
        )
        log.info("spam in %s by %s (%s): %s", message.chat.id, message.sender.id, detail, taken)
        if dry_run:
            return False
        if any(a.kind == "report" for a in actions):
            await self._flag(ctx, message.chat.id, message.sender, message, score, caught=True)
        return "delete" in taken

    async def _enforce(
        self,
        ctx: Context,
        user: User,
        message: Message | None,
        actions: Sequence[Action],
        detail: str,
        actor_id: int | None,
        *,
        dry_run: bool = False,
    ) -> list[str]:
        """Everything but the report (ours has a "not spam" button) goes through enforce."""
        case = Case(
            chat_id=ctx.chat.id,
            target=user,
            reason="spam",
            detail=detail,
            message_id=message.message_id if message else None,
            message_text=message.text if message else "",
            actor_id=actor_id,
        )
        doing = [a for a in actions if a.kind != "report"]
        if not doing:
            return []
        return await enforce(ctx.runtime, ctx.uow, case, doing, dry_run=dry_run)

    async def _flag(
        self,
        ctx: Context,
        chat_id: int,
        user: User,
        message: Message,
        score: float,
        *,
        caught: bool,
    ) -> None:
        """Show the admins a caught or doubtful message with spam / not-spam buttons."""
        repo = SpamRepository(ctx.uow)
        now = ctx.runtime.now()
        flag_id = await repo.add_flag(
            chat_id, user.id, user.name, message.message_id, message.text, score, caught, now
        )
        key = "spam.flag.caught" if caught else "spam.flag.doubtful"
        text = await ctx.t(key, user=mention(user), score=f"{score:.2f}")
        buttons = [
            [
                Button(await ctx.t("spam.button.spam"), VERDICT, (flag_id, "s")),
                Button(await ctx.t("spam.button.ham"), VERDICT, (flag_id, "h")),
            ]
        ]
        if caught:
            buttons = [[buttons[0][1]]]
        log_chat = (await ModerationRepository(ctx.uow).settings(chat_id)).log_chat_id
        # Only the log chat sees the text: quoting an ad in the group would repeat it.
        quoted = text + "\n" + code(message.text[:QUOTE_CHARS])
        if log_chat is not None and await ctx.port.send(log_chat, quoted, buttons=buttons):
            return
        reply_to = None if caught else message.message_id
        await reply_later(ctx.port, chat_id, text, reply_to=reply_to, buttons=buttons)

    # ------------------------------------------------------------------ learning

    async def learn(
        self, uow: UnitOfWork, text: str, spam: bool, chat_id: int, actor_id: int | None
    ) -> bool:
        """Store a verdict and teach the model at once; False if the group opted out."""
        if not text.strip() or not (await SpamRepository(uow).settings(chat_id)).enabled:
            return False
        sample_id = await SpamRepository(uow).add_sample(
            sample_digest(text), text, spam, chat_id, actor_id
        )
        self._mine.add(sample_id)
        self.model.learn(text, spam)
        return True

    async def restore(self, runtime: Runtime, uow: UnitOfWork, chat_id: int, user_id: int) -> bool:
        """Let a member post again after a wrong verdict; False if the platform refused."""
        if await is_protected(runtime, chat_id, user_id):
            return True
        try:
            await runtime.port.unmute(chat_id, user_id)
        except MissingRight:
            return False
        except ChatActionError:
            return False
        await ModerationRepository(uow).forget_restriction(chat_id, user_id, "mute")
        return True

    async def mark_spam(self, command: Command, ctx: Context) -> None:
        """/spam as a reply: delete, take the spam action, learn the text as spam."""
        reply = command.message.reply_to
        if reply is None or not reply.text.strip():
            await ctx.say("spam.reply_usage", command="spam")
            return
        await self.learn(ctx.uow, reply.text, True, ctx.chat.id, command.sender.id)
        settings = await SpamRepository(ctx.uow).settings(ctx.chat.id)
        actions = self._actions(ctx.runtime, settings)
        if not any(a.kind == "delete" for a in actions):
            actions = (Action("delete"), *actions)
        if reply.sender_chat_id is not None:
            # Posted as a channel: no member to act on (enforce leaves channels alone).
            taken = ["delete"] if await self._delete(ctx, reply.message_id) else []
        else:
            actor = command.sender.id
            taken = await self._enforce(ctx, reply.sender, reply, actions, "/spam", actor)
        names = [await ctx.t(f"spam.kind.{name}") for name in taken]
        await ctx.say("spam.learned_spam", done=Text(", ").join(names) or "-")

    async def _delete(self, ctx: Context, message_id: int) -> bool:
        """Delete a message of the chat; False (admins told once) if that failed."""
        try:
            return await ctx.port.delete(ctx.chat.id, message_id)
        except MissingRight as error:
            await ctx.tell_missing_right(error)
            return False

    async def mark_ham(self, command: Command, ctx: Context) -> None:
        """/notspam as a reply: learn the text as ham; the author may post again."""
        reply = command.message.reply_to
        if reply is None or not reply.text.strip():
            await ctx.say("spam.reply_usage", command="notspam")
            return
        await self.learn(ctx.uow, reply.text, False, ctx.chat.id, command.sender.id)
        user = reply.sender
        ordinary = reply.sender_chat_id is None and not user.is_bot
        if ordinary and not await self.restore(ctx.runtime, ctx.uow, ctx.chat.id, user.id):
            await ctx.say("spam.restore_failed", user=mention(user))
            return
        await ctx.say("spam.learned_ham", user=mention(user))

    async def on_press(self, press: Press, ctx: Context) -> Ack:
        """A spam / not-spam button: the group's admins only; the first verdict wins."""
        parsed = parse_press(press.args) if press.action == VERDICT else None
        if parsed is None:
            raise StaleButton(f"spam press {press.action} {press.args}")
        flag_id, spam = parsed
        runtime, port = ctx.runtime, ctx.port
        repo = SpamRepository(ctx.uow)
        flag = await repo.flag(flag_id)
        if flag is None:
            return refusal(await ctx.t("spam.button_gone"))
        # The buttons may be in the log chat: what counts is being an admin of the group.
        if not await runtime.is_admin_of(flag.chat_id, press.user.id):
            return refusal(await ctx.t("spam.button_admins"))
        if not await repo.resolve_flag(flag_id, "spam" if spam else "ham"):
            return refusal(await ctx.t("spam.button_handled"))
        user = User(flag.user_id, flag.user_name or shown_id(flag.user_id))
        await self.learn(ctx.uow, flag.text, spam, flag.chat_id, press.user.id)
        if spam and not flag.caught:
            settings = await repo.settings(flag.chat_id)
            case = Case(
                chat_id=flag.chat_id,
                target=user,
                reason="spam",
                detail="button",
                message_id=flag.message_id,
                message_text=flag.text,
                actor_id=press.user.id,
            )
            doing = [a for a in self._actions(runtime, settings) if a.kind != "report"]
            await enforce(runtime, ctx.uow, case, doing)
        elif not spam and flag.caught:
            await self.restore(runtime, ctx.uow, flag.chat_id, flag.user_id)
        language = await chat_language(ctx.uow, flag.chat_id, runtime.settings.bot.default_language)
        key = "spam.decided_spam" if spam else "spam.decided_ham"
        verdict_line = runtime.translator(language, key, user=mention(user), admin=press.user.name)
        if press.chat.id != flag.chat_id:
            verdict_line = verdict_line + "\n" + code(flag.text[:QUOTE_CHARS])
        await port.edit(press.chat.id, press.message_id, verdict_line)
        return Ack(await ctx.t("spam.button_done"))

    # ------------------------------------------------------------------ settings

    async def set_scope(self, command: Command, ctx: Context) -> None:
        """/spamcheck [all|new]: whose messages are scored."""
        repo = SpamRepository(ctx.uow)
        if not command.args:
            current = (await repo.settings(ctx.chat.id)).scope or ctx.runtime.settings.spam.scope
            await ctx.say(f"spam.scope_{current}")
            return
        choice = command.args[0].lower()
        if choice not in SCOPES or len(command.args) > 1:
            await ctx.say("spam.scope_usage")
            return
        (await repo.edit_settings(ctx.chat.id)).scope = choice
        await ctx.say(f"spam.scope_{choice}")

    async def set_threshold(self, command: Command, ctx: Context) -> None:
        """/spamthreshold [x]: the score from which the spam action is taken."""
        repo = SpamRepository(ctx.uow)
        cfg = ctx.runtime.settings.spam
        if not command.args:
            current = (await repo.settings(ctx.chat.id)).threshold or cfg.threshold
            await ctx.say(
                "spam.threshold_is", threshold=f"{current:.2f}", grey=_grey(current, cfg.grey_band)
            )
            return
        value = parse_threshold(command.arg_text)
        if value is None:
            await ctx.say("spam.threshold_usage", text=command.arg_text[:40])
            return
        (await repo.edit_settings(ctx.chat.id)).threshold = value
        await ctx.say(
            "spam.threshold_is", threshold=f"{value:.2f}", grey=_grey(value, cfg.grey_band)
        )

    async def set_actions(self, command: Command, ctx: Context) -> None:
        """/spamaction [actions|default]: what happens to spam."""
        repo = SpamRepository(ctx.uow)
        if command.args and command.args[0].lower() == "default" and len(command.args) == 1:
            (await repo.edit_settings(ctx.chat.id)).actions = None
        elif command.args:
            try:
                actions = parse_actions(command.arg_text)
            except ActionsError as error:
                await ctx.say("spam.actions_usage", text=error.text[:40])
                return
            (await repo.edit_settings(ctx.chat.id)).actions = format_actions(actions)
        settings = await repo.settings(ctx.chat.id)
        language = await ctx.language()
        words = [
            ctx.runtime.translator.plain(language, f"spam.kind.{a.kind}")
            + (f" {format_duration(a.seconds, language)}" if a.seconds else "")
            for a in self._actions(ctx.runtime, settings)
        ]
        await ctx.say("spam.actions_are", actions=" ".join(words))

    async def set_enabled(self, command: Command, ctx: Context) -> None:
        """/spamfilter [on|off]: use (and feed) the shared filter in this group, or not."""
        repo = SpamRepository(ctx.uow)
        if not command.args:
            enabled = (await repo.settings(ctx.chat.id)).enabled
            await ctx.say("spam.filter_on" if enabled else "spam.filter_off")
            return
        choice = command.args[0].lower()
        if choice not in ("on", "off") or len(command.args) > 1:
            await ctx.say("spam.filter_usage")
            return
        (await repo.edit_settings(ctx.chat.id)).enabled = choice == "on"
        await ctx.say("spam.filter_on" if choice == "on" else "spam.filter_off")


def _grey(threshold: float, band: float) -> str:
    """The grey band below a threshold, as "0.60–0.90"."""
    return f"{max(threshold - band, 0.0):.2f}–{threshold:.2f}"
