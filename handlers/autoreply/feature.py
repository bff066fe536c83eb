"""Keyword auto-replies (关键词回复): admins teach answers, members get them at once.

/addreply <keyword> <reply> (or as a reply, taking that message's text), /delreply <id|keyword>,
/replies [page], /clearreplies (confirmed with a button), /replycooldown [seconds],
/exportreplies, and /importreplies [replace] as a reply to an exported file.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from core.args import page_number
from core.buttons import Ack, Press, StaleButton, refusal
from core.chat import Button, ChatActionError
from core.context import Context
from core.csvfiles import export_stem
from core.durations import parse_duration
from core.events import Command, Event, Message
from core.fallbacks import NO_FILES
from core.feature import ButtonSpec, CommandSpec, Feature
from core.runtime import Runtime
from core.template import render_template
from core.text import Text, as_lines, code, mention
from handlers.autoreply.cooldown import Cooldowns
from handlers.autoreply.importing import ImportReport, import_entries
from handlers.autoreply.index import RuleIndex
from handlers.autoreply.matcher import Rule
from handlers.autoreply.rules import (
    CONTAINS,
    Answer,
    Limits,
    RuleError,
    Trigger,
    make_trigger,
    parse_addreply,
    split_keyword,
)
from handlers.autoreply.transfer import MAX_ANSWERS, Entry, MalformedFile, dump_rules, load_rules
from storage.models import ReplyRuleRow
from storage.replies import Hits, NewRule, ReplyRepository
from storage.repositories import ChatRepository

log = logging.getLogger(__name__)

PAGE_SIZE = 20
PREVIEW_CHARS = 30
CONFIRM_SECONDS = 120
MAX_COOLDOWN = 86_400
_COOLDOWN_DIGITS = 6
MAX_REJECTS_SHOWN = 15
# The /clearreplies confirmation buttons (no arguments: the pending ask is per chat).
PREFIX = "ar"
CLEAR, KEEP = "ar.clear", "ar.keep"

# Why a file could not be read, as the message that says so.
IMPORT_ERRORS = {"too_big": "import_too_big", NO_FILES: "import_no_files"}


class AutoReplies(Feature):
    """Answers members' messages with the group's keyword rules."""

    name = "autoreply"

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self._runtime: Runtime | None = None
        self._index = RuleIndex(1_000, 30.0)
        self.cooldowns = Cooldowns()
        self._hits: dict[int, Hits] = {}
        # Open /clearreplies confirmations: chat -> (the question's message id, expiry).
        self._clears: dict[int, tuple[int, datetime]] = {}

    def buttons(self) -> Sequence[ButtonSpec]:
        """The /clearreplies confirmation: admins only."""
        spec = ButtonSpec(
            PREFIX, self.on_clear_press, admin_only=True, refusal="autoreply.clear_admins_only"
        )
        return (spec,)

    def commands(self) -> Sequence[CommandSpec]:
        """The auto-reply commands, all for admins."""
        return (
            CommandSpec("addreply", self.add, admin_only=True),
            CommandSpec("delreply", self.delete, admin_only=True),
            CommandSpec("replies", self.show_list, admin_only=True),
            CommandSpec("clearreplies", self.ask_clear, admin_only=True),
            CommandSpec("replycooldown", self.cooldown, admin_only=True),
            CommandSpec("exportreplies", self.export, admin_only=True),
            CommandSpec("importreplies", self.import_file, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Size the rule cache from the settings and flush trigger counts on a timer."""
        self._runtime = runtime
        cfg = runtime.settings.autoreply
        self._index = RuleIndex(cfg.cached_groups, cfg.recheck_seconds)
        runtime.scheduler.every(
            "autoreply:hits", runtime.settings.bot.activity_flush_seconds, self.flush_hits
        )

    async def stop(self) -> None:
        """Store the trigger counts not yet stored."""
        if self._runtime is not None:
            self._runtime.scheduler.cancel("autoreply:hits")
        await self.flush_hits()

    def limits(self, ctx: Context) -> Limits:
        """The size limits from the settings."""
        cfg = ctx.runtime.settings.autoreply
        return Limits(cfg.max_keyword_chars, cfg.max_pattern_chars)

    # ------------------------------------------------------------------ answering

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """Answer a member's message if a rule matches; handle the clear confirmation."""
        if isinstance(event, Message) and _answerable(event):
            await self._answer(event, ctx)
        return False

    async def _answer(self, message: Message, ctx: Context) -> None:
        matcher = await self._index.matcher(ctx.uow, message.chat.id)
        if matcher is None:
            return
        chat_id = message.chat.id
        rule = matcher.match(message.text, lambda rule_id: self.cooldowns.ready(chat_id, rule_id))
        if rule is None:
            return
        seconds = await self._cooldown_seconds(ctx)
        self.cooldowns.start(chat_id, rule.id, seconds)
        self._count_hit(rule, ctx.runtime.now())
        text, buttons = self._render(rule, message)
        await ctx.reply(text, buttons=buttons)

    def _render(self, rule: Rule, message: Message) -> tuple[Text, list[list[Button]]]:
        answer = self.rng.choice(rule.answers)
        values = {
            "name": message.sender.name,
            "mention": mention(message.sender),
            "group": message.chat.title,
        }
        text = render_template(answer.text, values)
        return text, [[Button(b.text, url=b.url)] for b in answer.buttons]

    def _count_hit(self, rule: Rule, now: datetime) -> None:
        seen = self._hits.get(rule.id)
        self._hits[rule.id] = Hits((seen.count if seen else 0) + 1, now)

    async def flush_hits(self) -> None:
        """Store the buffered trigger counts in one statement."""
        if not self._hits or self._runtime is None:
            return
        hits, self._hits = self._hits, {}
        async with self._runtime.store.unit() as uow:
            await ReplyRepository(uow).add_hits(hits)

    async def _cooldown_seconds(self, ctx: Context) -> int:
        stored = (await ChatRepository(ctx.uow).settings(ctx.chat.id)).reply_cooldown
        return ctx.runtime.settings.autoreply.cooldown_seconds if stored is None else stored

    # ------------------------------------------------------------------ admin commands

    async def add(self, command: Command, ctx: Context) -> None:
        """/addreply <keyword> <reply>, or as a reply to take that message's text."""
        reply = command.message.reply_to
        try:
            trigger, answer = parse_addreply(
                command.arg_text, reply.text if reply is not None else "", self.limits(ctx)
            )
        except RuleError as error:
            await _say_error(ctx, error)
            return
        repo = ReplyRepository(ctx.uow)
        row = await repo.find(ctx.chat.id, trigger.mode, trigger.match_key)
        if row is not None:
            await self._add_answer(ctx, repo, row, answer)
            return
        limit = ctx.runtime.settings.autoreply.max_rules
        if await repo.count(ctx.chat.id) >= limit:
            await ctx.say("autoreply.too_many_rules", limit=limit)
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        rule = NewRule(trigger.mode, trigger.keyword, trigger.match_key, [answer.to_dict()])
        try:
            row = await repo.add(ctx.chat.id, rule, command.sender.id)
            await ctx.uow.commit()
        except IntegrityError:
            await ctx.uow.rollback()
            await ctx.say("autoreply.busy")
            return
        self._index.changed(ctx.chat.id, has_rules=True)
        mode = await ctx.t(f"autoreply.mode_{trigger.mode}")
        await ctx.say("autoreply.added", id=row.id, keyword=trigger.spelled(), mode=mode)

    async def _add_answer(
        self, ctx: Context, repo: ReplyRepository, row: ReplyRuleRow, answer: Answer
    ) -> None:
        """A keyword added again gains another answer; one is picked at random."""
        answers = [Answer.from_dict(item) for item in row.answers]
        if answer in answers:
            await ctx.say("autoreply.duplicate_answer", id=row.id)
            return
        if len(answers) >= MAX_ANSWERS:
            await ctx.say("autoreply.too_many_answers", limit=MAX_ANSWERS)
            return
        repo.set_answers(row, [a.to_dict() for a in [*answers, answer]])
        await ctx.uow.commit()
        self._index.changed(ctx.chat.id, has_rules=True)
        await ctx.say("autoreply.answer_added", id=row.id, count=len(answers) + 1)

    async def delete(self, command: Command, ctx: Context) -> None:
        """/delreply <id|keyword>: delete a rule with all its answers."""
        if not command.arg_text:
            await ctx.say("autoreply.del_usage")
            return
        rows = await self._targets(command.arg_text, ctx)
        if not rows:
            await ctx.say("autoreply.no_such", what=command.arg_text[:80])
            return
        repo = ReplyRepository(ctx.uow)
        await repo.remove(rows)
        await ctx.uow.commit()
        self._index.changed(ctx.chat.id, has_rules=await repo.count(ctx.chat.id) > 0)
        ids = " ".join(f"#{row.id}" for row in rows)
        await ctx.say("autoreply.deleted", ids=ids, count=len(rows))

    async def _targets(self, arg_text: str, ctx: Context) -> list[ReplyRuleRow]:
        """The rules ``/delreply`` names: by id, else by keyword (any mode unless prefixed)."""
        repo = ReplyRepository(ctx.uow)
        raw = arg_text.strip()
        if raw.lstrip("#").isdigit() and len(raw) < 12:
            row = await repo.get(ctx.chat.id, int(raw.lstrip("#")))
            if row is not None:
                return [row]
        try:
            word, _ = split_keyword(raw)
            trigger = _loose_trigger(word, self.limits(ctx))
        except RuleError:
            return []
        if trigger.mode == CONTAINS and word == trigger.keyword:
            return await repo.with_key(ctx.chat.id, [trigger.match_key])
        row = await repo.find(ctx.chat.id, trigger.mode, trigger.match_key)
        return [row] if row is not None else []

    async def show_list(self, command: Command, ctx: Context) -> None:
        """/replies [page]: the group's rules with ids, modes, answers and trigger counts."""
        rows = await ReplyRepository(ctx.uow).in_chat(ctx.chat.id)
        if not rows:
            await ctx.say("autoreply.list_empty")
            return
        page, pages = page_number(command.args, len(rows), PAGE_SIZE)
        seconds = await self._cooldown_seconds(ctx)
        lines = [await ctx.t("autoreply.list_header", count=len(rows), seconds=seconds)]
        for row in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
            lines.append(await self._describe(ctx, row))
        if pages > 1:
            following = page % pages + 1
            lines.append(await ctx.t("autoreply.list_page", page=page, pages=pages, next=following))
        await ctx.reply(as_lines(lines))

    async def _describe(self, ctx: Context, row: ReplyRuleRow) -> Text:
        mode = await ctx.t(f"autoreply.mode_{row.mode}")
        first = " ".join(str(row.answers[0]["text"]).split()) if row.answers else ""
        preview = first[:PREVIEW_CHARS] + ("…" if len(first) > PREVIEW_CHARS else "")
        hits = row.hits + (self._hits[row.id].count if row.id in self._hits else 0)
        stats = await ctx.t("autoreply.list_stats", answers=len(row.answers), hits=hits)
        keyword = code(Trigger(row.mode, row.keyword).spelled()[:60])
        return f"#{row.id} · {mode} · " + keyword + f" → {preview} " + stats

    async def ask_clear(self, command: Command, ctx: Context) -> None:
        """/clearreplies: ask for confirmation with buttons before deleting every rule."""
        count = await ReplyRepository(ctx.uow).count(ctx.chat.id)
        if count == 0:
            await ctx.say("autoreply.list_empty")
            return
        buttons = [
            [
                Button(await ctx.t("autoreply.clear_yes"), CLEAR),
                Button(await ctx.t("autoreply.clear_no"), KEEP),
            ]
        ]
        # The buttons' message id is remembered, so this reply is sent now, not queued.
        message_id = await ctx.reply(
            await ctx.t("autoreply.clear_ask", count=count), buttons=buttons, wait=True
        )
        if message_id is not None:
            expires = ctx.runtime.now() + timedelta(seconds=CONFIRM_SECONDS)
            self._clears[ctx.chat.id] = (message_id, expires)

    async def on_clear_press(self, press: Press, ctx: Context) -> Ack | None:
        """Clear or keep every rule, if this is the chat's latest fresh confirmation."""
        if press.action not in (CLEAR, KEEP) or press.args:
            raise StaleButton(f"autoreply press {press.action} {press.args}")
        port = ctx.port
        pending = self._clears.get(press.chat.id)
        if pending is None or pending[0] != press.message_id or pending[1] < ctx.runtime.now():
            await port.edit(press.chat.id, press.message_id, await ctx.t("autoreply.clear_expired"))
            return refusal(await ctx.t("autoreply.clear_expired"))
        del self._clears[press.chat.id]
        if press.action == KEEP:
            await port.edit(press.chat.id, press.message_id, await ctx.t("autoreply.clear_kept"))
            return None
        count = await ReplyRepository(ctx.uow).clear(press.chat.id)
        await ctx.uow.commit()
        self._index.forget(press.chat.id)
        done = await ctx.t("autoreply.cleared", count=count, who=mention(press.user))
        await port.edit(press.chat.id, press.message_id, done)
        return None

    async def cooldown(self, command: Command, ctx: Context) -> None:
        """/replycooldown [seconds]: show or set how long a rule waits before answering again."""
        if not command.args:
            await ctx.say("autoreply.cooldown_show", seconds=await self._cooldown_seconds(ctx))
            return
        seconds = _seconds(command.args[0])
        if seconds is None:
            await ctx.say("autoreply.cooldown_bad", value=command.args[0][:20], limit=MAX_COOLDOWN)
            return
        row = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        row.reply_cooldown = seconds
        await ctx.uow.commit()
        await ctx.say("autoreply.cooldown_set", seconds=seconds)

    async def export(self, command: Command, ctx: Context) -> None:
        """/exportreplies: the group's rules as a JSON file."""
        rows = await ReplyRepository(ctx.uow).in_chat(ctx.chat.id)
        if not rows:
            await ctx.say("autoreply.list_empty")
            return
        entries = [
            Entry(Trigger(r.mode, r.keyword), tuple(Answer.from_dict(a) for a in r.answers))
            for r in rows
        ]
        stored = (await ChatRepository(ctx.uow).settings(ctx.chat.id)).reply_cooldown
        data = dump_rules(entries, stored)
        caption = await ctx.t("autoreply.exported", count=len(rows))
        reply_to = command.message.message_id
        sent = await ctx.port.send_file(
            ctx.chat.id,
            data,
            export_stem("replies", ctx.chat.id) + ".json",
            caption,
            reply_to=reply_to,
        )
        if sent is None:
            await ctx.say("autoreply.export_failed")

    async def import_file(self, command: Command, ctx: Context) -> None:
        """/importreplies [replace] with or as a reply to a rules file: check every row, load."""
        replied = command.message.reply_to
        # The file may be the replied-to message or come with the command as its caption.
        document = command.message.document or (replied.document if replied else None)
        if document is None:
            await ctx.say("autoreply.import_usage")
            return
        replace = bool(command.args) and command.args[0].lower() in ("replace", "替换", "覆盖")
        cfg = ctx.runtime.settings.autoreply
        try:
            if document.size is not None and document.size > cfg.max_import_bytes:
                raise ChatActionError("too_big")
            data = await ctx.port.download(document.file_id, cfg.max_import_bytes)
            loaded = load_rules(data, document.file_name, self.limits(ctx))
        except ChatActionError as error:
            key = IMPORT_ERRORS.get(error.reason, "import_download_failed")
            await ctx.say(f"autoreply.{key}", limit=cfg.max_import_bytes // 1000)
            return
        except MalformedFile as error:
            await ctx.say(f"autoreply.{error.key}", **error.values)
            return
        chat = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        report = await import_entries(
            ReplyRepository(ctx.uow),
            ctx.chat.id,
            loaded,
            created_by=command.sender.id,
            replace=replace,
            max_rules=cfg.max_rules,
        )
        if replace and loaded.cooldown_seconds is not None:
            chat.reply_cooldown = loaded.cooldown_seconds
        await ctx.uow.commit()
        self._index.changed(ctx.chat.id, has_rules=report.total > 0)
        await ctx.reply(await self._report(ctx, report))

    async def _report(self, ctx: Context, report: ImportReport) -> Text:
        lines = [
            await ctx.t(
                "autoreply.imported",
                added=report.added,
                extended=report.extended,
                unchanged=report.unchanged,
                total=report.total,
            )
        ]
        if report.rejected:
            lines.append(await ctx.t("autoreply.import_rejected", count=len(report.rejected)))
            for rejected in report.rejected[:MAX_REJECTS_SHOWN]:
                reason = await _error_text(ctx, rejected.error)
                lines.append(await ctx.t("autoreply.import_row", row=rejected.row, reason=reason))
            if len(report.rejected) > MAX_REJECTS_SHOWN:
                more = len(report.rejected) - MAX_REJECTS_SHOWN
                lines.append(await ctx.t("autoreply.import_more", count=more))
        return as_lines(lines)


def _answerable(message: Message) -> bool:
    """Members' new messages with text in groups; not edits, not other bots."""
    return (
        message.chat.is_group
        and not message.edited
        and not message.sender.is_bot
        and bool(message.text.strip())
    )


def _loose_trigger(word: str, limits: Limits) -> Trigger:
    """A trigger to look a rule up by: checked like /addreply, but regexes are not compiled."""
    if word[:3].lower() == "re:":
        return Trigger("regex", word[3:])
    return make_trigger("exact" if word.startswith("=") else CONTAINS, word.lstrip("="), limits)


def _seconds(text: str) -> int | None:
    """``30``, ``30s``, ``5m``, ``1h``, ``2分钟`` as seconds within the allowed range; else None."""
    text = text.strip()
    if text.isdecimal():
        seconds: int | None = int(text) if len(text) <= _COOLDOWN_DIGITS else None
    else:
        seconds = parse_duration(text, max_digits=_COOLDOWN_DIGITS)
    return seconds if seconds is not None and seconds <= MAX_COOLDOWN else None


async def _error_text(ctx: Context, error: RuleError) -> Text:
    values = {k: str(v) for k, v in error.values.items()}
    return await ctx.t(error.catalog_key, **values)


async def _say_error(ctx: Context, error: RuleError) -> None:
    await ctx.reply(await _error_text(ctx, error))
