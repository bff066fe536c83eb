"""The moderation guard (内容审核): checks every group message first and acts on ads,
banned words, floods and the rest before any other feature sees the message.

Text, captions, forwards and edited messages are all checked. Admins, the bot's owners and
members on the group's allow list are exempt. A deleted message stops there: it earns no
points and gets no auto-reply. In dry-run mode the log says what would have been done and
the message goes on as usual. The settings commands live in ``settings.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from core.context import Context
from core.events import Command, Event, JoinRequest, MemberJoined, Message
from core.feature import CommandSpec, Feature
from core.newcomers import Newcomers
from core.runtime import Runtime
from handlers.moderation.actions import Case, enforce
from handlers.moderation.bans import screen_request
from handlers.moderation.checks import Subject
from handlers.moderation.compiled import CompiledRules
from handlers.moderation.index import RulesIndex
from handlers.moderation.people import People
from handlers.moderation.policy import Decision, Policy, Sender, subject_for
from handlers.moderation.rules import DRYRUN, OFF
from handlers.moderation.settings import ConfigNote, settings_commands
from handlers.moderation.tracker import Tracker
from storage.moderation import approved_ids
from storage.moderation_rules import load_known_rule_ids
from storage.repositories import MemberRepository

log = logging.getLogger(__name__)

MAX_DETAIL = 200


class Moderation(Feature):
    """Runs the group's checks on every message and has the verdicts carried out."""

    name = "moderation"

    def __init__(self, config_notes: Sequence[ConfigNote] = ()) -> None:
        self.index = RulesIndex(1_000, 30.0)
        self.policy = Policy()
        self.newcomers = Newcomers()
        self.people = People()
        # Lines other features add to /modconfig (the spam classifier's state).
        self.config_notes = tuple(config_notes)

    def commands(self) -> Sequence[CommandSpec]:
        """The settings commands, all for admins."""
        return settings_commands(self.config_notes)

    async def start(self, runtime: Runtime) -> None:
        """Size the caches and windows from the settings."""
        cfg = runtime.settings.moderation
        self.index = RulesIndex(cfg.cached_groups, cfg.recheck_seconds)
        self.policy = Policy(
            Tracker(cfg.tracked_members, cfg.repeat_window_seconds), cfg.repeat_new_members
        )
        if runtime.bot_username:
            self.people.always(runtime.bot_username)
        async with runtime.store.unit() as uow:
            await load_known_rule_ids(uow)

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Check a group message; True (stop) if it was deleted, or a join request declined."""
        if isinstance(event, JoinRequest):
            # Before the captcha: a banned person's request must never be approved.
            return event.chat.is_group and await screen_request(event, ctx, self.index)
        if isinstance(event, MemberJoined):
            self.newcomers.joined(event.chat.id, event.user.id, event.date)
            self.people.saw(event.chat.id, event.user.username)
            return False
        message = event.message if isinstance(event, Command) else event
        if not isinstance(message, Message) or not message.chat.is_group:
            return False
        # A linked channel's posts are the group's own announcements, not members' messages.
        if ctx.runtime.is_bot(message.sender.id) or message.from_linked_channel:
            return False
        compiled = await self.index.get(ctx.uow, message.chat.id)
        if compiled.rules.mode == OFF:
            return False
        counted = not message.edited and not isinstance(event, Command)
        decision = await self.decide(message, compiled, ctx, counted=counted)
        if decision is None or await self._exempt(message, ctx):
            return False
        return await self._act(message, decision, compiled, ctx)

    async def decide(
        self, message: Message, compiled: CompiledRules, ctx: Context, *, counted: bool = True
    ) -> Decision | None:
        """Run the group's checks on a message (``counted``: for flood and repeats)."""
        chat_id, user = message.chat.id, message.sender
        self.people.saw(chat_id, user.username)
        if counted:
            self.newcomers.posted(chat_id, user.id)
        subject = subject_for(message)
        at = ctx.runtime.now()
        now = at.timestamp()
        subject.newcomer = await self._is_new(message, subject, compiled, ctx, at)
        people = (
            await self.people.names(ctx.uow, chat_id)
            if "link" in compiled.enabled and "@" in subject.normalized
            else ()
        )
        sender = Sender(chat_id, user.id, subject.newcomer)
        return self.policy.decide(compiled, subject, sender, now, counted=counted, people=people)

    async def _is_new(
        self,
        message: Message,
        subject: Subject,
        compiled: CompiledRules,
        ctx: Context,
        now: datetime,
    ) -> bool:
        """Whether the sender is new; stored records are read only when it matters."""
        chat_id, user_id, limits = message.chat.id, message.sender.id, compiled.rules.limits
        if (
            "newcomer" in compiled.enabled
            and not self.newcomers.known(chat_id, user_id)
            and (message.is_forward or message.has_media or subject.links)
        ):
            row = await MemberRepository(ctx.uow).get(chat_id, user_id)
            joined = row.joined_at if row is not None else None
            count = row.message_count if row is not None else 0
            self.newcomers.remember(chat_id, user_id, joined, count)
        return self.newcomers.is_new(
            chat_id, user_id, now, limits.newcomer_seconds, limits.newcomer_messages
        )

    async def _exempt(self, message: Message, ctx: Context) -> bool:
        """Admins, owners and approved members are left alone."""
        if await ctx.is_admin(message.sender):
            return True
        return message.sender.id in await approved_ids(ctx.uow, message.chat.id)

    async def _act(
        self, message: Message, decision: Decision, compiled: CompiledRules, ctx: Context
    ) -> bool:
        """Carry the decision out (or log it in dry-run mode); True if the message goes."""
        dry_run = compiled.rules.mode == DRYRUN
        case = Case(
            chat_id=message.chat.id,
            target=message.sender,
            reason=decision.reason,
            detail=decision.detail[:MAX_DETAIL],
            message_id=message.message_id,
            message_text=message.text,
            sender_chat_id=message.sender_chat_id,
        )
        taken = await enforce(ctx.runtime, ctx.uow, case, decision.actions, dry_run=dry_run)
        log.info(
            "moderation%s in %s: %s by %s -> %s",
            " (dry run)" if dry_run else "",
            message.chat.id,
            decision.detail,
            message.sender.id,
            ",".join(taken) or "nothing",
        )
        return decision.deletes and not dry_run
