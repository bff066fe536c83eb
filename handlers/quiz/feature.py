"""Quizzes (问答): question banks per group, rounds with points, a daily question.

Admins: /importquiz [replace] with or as a reply to a JSON, TOML or CSV file, /exportquiz
[csv], /quiz [n] [seconds], /quizstop, /quizdaily 20:00 [n] | off. Everyone: /quizbank. The
first right answer to a question earns points (ledger kind ``quiz``).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.args import clip
from core.chat import ChatActionError
from core.clock import parse_clock
from core.context import Context
from core.csvfiles import export_stem
from core.durations import parse_duration
from core.events import Command, Event, Message
from core.fallbacks import NO_FILES
from core.feature import CommandSpec, Feature
from core.runtime import Runtime
from core.text import Text, as_lines
from handlers.quiz.bank import (
    Limits,
    QuizError,
    Rejected,
    dump_csv,
    dump_json,
    load_bank,
    plan_import,
)
from handlers.quiz.daily import DailyQuiz, as_question
from handlers.quiz.live import Rounds
from storage.quiz import QuizRepository, StoredQuestion
from storage.repositories import ChatRepository

OFF_WORDS = frozenset({"off", "关闭", "关", "stop"})
REPLACE_WORDS = frozenset({"replace", "替换", "覆盖"})
MAX_REJECTS_SHOWN = 15
_NUMBER_DIGITS = 6
IMPORT_ERRORS = {"too_big": "import_too_big", NO_FILES: "import_no_files"}


class Quiz(Feature):
    """Question banks, quiz rounds and the daily question."""

    name = "quiz"

    def __init__(self) -> None:
        self.rounds = Rounds()
        self._daily: DailyQuiz | None = None

    def commands(self) -> Sequence[CommandSpec]:
        """The quiz commands; only /quizbank is for everyone."""
        return (
            CommandSpec("importquiz", self.import_file, admin_only=True),
            CommandSpec("exportquiz", self.export, admin_only=True),
            CommandSpec("quizbank", self.bank),
            CommandSpec("quiz", self.start_round, admin_only=True),
            CommandSpec("quizstop", self.stop_round, admin_only=True),
            CommandSpec("quizdaily", self.daily, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Bind the rounds to the runtime; register the daily question as timed work."""
        self.rounds.bind(runtime)
        self._daily = DailyQuiz(runtime, self.rounds.begin_daily, self.rounds.running)
        runtime.timed.add(self._daily)

    async def stop(self) -> None:
        """Forget the running rounds."""
        if self._daily is not None:
            self.rounds.drop_all()

    @property
    def daily_quiz(self) -> DailyQuiz:
        """The timed side (exists once the feature started)."""
        assert self._daily is not None, "the quiz feature has not started"
        return self._daily

    async def on_event(self, event: Event, ctx: Context) -> bool:
        """A member's message during a round is matched as an answer."""
        # Chats without a round: one dict lookup, nothing else.
        if not isinstance(event, Message) or event.chat.id not in self.rounds.live:
            return False
        if not event.edited and not event.sender.is_bot and event.text:
            await self.rounds.answer(event, ctx.uow)
        return False

    # ------------------------------------------------------------------ the bank

    def limits(self, ctx: Context) -> Limits:
        """The size limits of a question, from the settings."""
        cfg = ctx.runtime.settings.quiz
        return Limits(
            cfg.max_question_chars,
            cfg.max_answer_chars,
            cfg.max_answers,
            cfg.max_choices,
            cfg.max_explanation_chars,
        )

    async def bank(self, command: Command, ctx: Context) -> None:
        """/quizbank: how many questions the group's bank holds."""
        count = await QuizRepository(ctx.uow).count(ctx.chat.id)
        limit = ctx.runtime.settings.quiz.max_questions
        await ctx.say("quiz.bank_count" if count else "quiz.bank_empty", count=count, limit=limit)

    async def import_file(self, command: Command, ctx: Context) -> None:
        """/importquiz [replace] with or as a reply to a bank file: check every row, load."""
        replied = command.message.reply_to
        document = command.message.document or (replied.document if replied else None)
        replace = bool(command.args) and command.args[0].lower() in REPLACE_WORDS
        inline = _inline_bank(command.arg_text, replace)
        if document is None and inline is None:
            await ctx.say("quiz.import_usage")
            return
        cfg = ctx.runtime.settings.quiz
        try:
            if document is not None:
                if document.size is not None and document.size > cfg.max_import_bytes:
                    raise ChatActionError("too_big")
                data = await ctx.port.download(document.file_id, cfg.max_import_bytes)
                name = document.file_name
            else:
                # Pasted after the command (QQ cannot hand files over): read like a file.
                data, name = inline or (b"", "")
            loaded = load_bank(data, name, self.limits(ctx))
        except ChatActionError as error:
            key = IMPORT_ERRORS.get(error.reason, "import_download_failed")
            await ctx.say(f"quiz.{key}", limit=cfg.max_import_bytes // 1000)
            return
        except QuizError as error:
            await ctx.say(f"quiz.{error.key}", **error.values)
            return
        await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        repo = QuizRepository(ctx.uow)
        if replace:
            await repo.clear(ctx.chat.id)
        added, skipped, rejected = plan_import(
            await repo.texts(ctx.chat.id), loaded, cfg.max_questions
        )
        stored = [StoredQuestion(q.question, q.answers, q.choices, q.explanation) for q in added]
        await repo.add_many(ctx.chat.id, stored, command.sender.id)
        total = await repo.count(ctx.chat.id)
        await ctx.uow.commit()
        await ctx.reply(await self._report(ctx, len(added), skipped, total, rejected))

    async def _report(
        self, ctx: Context, added: int, skipped: int, total: int, rejected: list[Rejected]
    ) -> Text:
        lines = [await ctx.t("quiz.imported", added=added, skipped=skipped, total=total)]
        if rejected:
            lines.append(await ctx.t("quiz.import_rejected", count=len(rejected)))
            for item in rejected[:MAX_REJECTS_SHOWN]:
                reason = await ctx.t(f"quiz.{item.error.key}", **item.error.values)
                lines.append(await ctx.t("quiz.import_row", row=item.row, reason=reason))
            if len(rejected) > MAX_REJECTS_SHOWN:
                more = len(rejected) - MAX_REJECTS_SHOWN
                lines.append(await ctx.t("quiz.import_more", count=more))
        return as_lines(lines)

    async def export(self, command: Command, ctx: Context) -> None:
        """/exportquiz [csv]: the group's bank as a JSON (or CSV) file."""
        stored = await QuizRepository(ctx.uow).all(ctx.chat.id)
        if not stored:
            await ctx.say("quiz.bank_empty")
            return
        questions = [as_question(q) for q in stored]
        as_csv = bool(command.args) and command.args[0].lower() == "csv"
        data = dump_csv(questions) if as_csv else dump_json(questions)
        name = export_stem("quiz", ctx.chat.id) + (".csv" if as_csv else ".json")
        caption = await ctx.t("quiz.exported", count=len(questions))
        sent = await ctx.port.send_file(
            ctx.chat.id, data, name, caption, reply_to=command.message.message_id
        )
        if sent is None:
            await ctx.say("quiz.export_failed")

    # ------------------------------------------------------------------ rounds

    async def start_round(self, command: Command, ctx: Context) -> None:
        """/quiz [n] [seconds]: a round of n questions, each with a time limit."""
        cfg = ctx.runtime.settings.quiz
        args = command.args
        count = _number(args[0]) if args else cfg.default_questions
        if count is None or not 1 <= count <= cfg.max_round_questions:
            await ctx.say("quiz.bad_count", value=clip(args[0]), limit=cfg.max_round_questions)
            return
        seconds = _seconds(args[1]) if len(args) > 1 else cfg.default_seconds
        if seconds is None or not cfg.min_seconds <= seconds <= cfg.max_seconds:
            value = clip(args[1]) if len(args) > 1 else str(seconds)
            low, high = cfg.min_seconds, cfg.max_seconds
            await ctx.say("quiz.bad_seconds", value=value, low=low, high=high)
            return
        if len(args) > 2:
            await ctx.say("quiz.usage")
            return
        if self.rounds.running(ctx.chat.id):
            await ctx.say("quiz.already_running")
            return
        stored = await QuizRepository(ctx.uow).pick(ctx.chat.id, count)
        if not stored:
            await ctx.say("quiz.bank_empty")
            return
        language = await ctx.language()
        await ctx.uow.commit()
        await self.rounds.begin(ctx.chat.id, [as_question(q) for q in stored], seconds, language)

    async def stop_round(self, command: Command, ctx: Context) -> None:
        """/quizstop: end the running round now, with its scoreboard."""
        if not await self.rounds.finish(ctx.chat.id):
            await ctx.say("quiz.none_running")

    async def daily(self, command: Command, ctx: Context) -> None:
        """/quizdaily 20:00 [n] | off: a daily question at a local time, or none."""
        args, repo = command.args, QuizRepository(ctx.uow)
        if not args:
            row = await repo.daily(ctx.chat.id)
            if row is None:
                await ctx.say("quiz.daily_none")
            else:
                await ctx.say("quiz.daily_show", at=row.at, count=row.questions)
            return
        if args[0].lower() in OFF_WORDS and len(args) == 1:
            stopped = await repo.stop_daily(ctx.chat.id)
            await ctx.uow.commit()
            await ctx.say("quiz.daily_off" if stopped else "quiz.daily_none")
            return
        at = parse_clock(args[0])
        cfg = ctx.runtime.settings.quiz
        if at is None or len(args) > 2:
            await ctx.say("quiz.daily_usage", value=clip(args[0]))
            return
        count = _number(args[1]) if len(args) > 1 else 1
        if count is None or not 1 <= count <= cfg.max_round_questions:
            await ctx.say("quiz.bad_count", value=clip(args[1]), limit=cfg.max_round_questions)
            return
        chat = await ChatRepository(ctx.uow).ensure(ctx.chat.id, ctx.chat.title)
        local_now = ctx.runtime.now().astimezone(ctx.runtime.timezone(chat.timezone))
        # Set after today's time: the first question is tomorrow's.
        done = local_now.date() if local_now.time() >= at else None
        clock = f"{at:%H:%M}"
        await repo.set_daily(ctx.chat.id, clock, count, done)
        await ctx.uow.commit()
        await ctx.say("quiz.daily_set", at=clock, count=count, tz=str(local_now.tzinfo))
        await self.daily_quiz.sync()


def _inline_bank(arg_text: str, replace: bool) -> tuple[bytes, str] | None:
    """A bank pasted after ``/importquiz [replace]``, with the file name its form reads as."""
    text = arg_text.strip()
    if replace:
        text = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    if not text:
        return None
    if text[0] in "[{":
        name = "pasted.json"
    elif "[[questions]]" in text:
        name = "pasted.toml"
    else:
        name = "pasted.csv"
    return text.encode("utf-8"), name


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdecimal() and len(text) <= _NUMBER_DIGITS else None


def _seconds(text: str) -> int | None:
    """``30``, ``30s``, ``2m``, ``1分钟`` as seconds; None if it is not a duration."""
    number = _number(text)
    return number if number is not None else parse_duration(text, max_digits=_NUMBER_DIGITS)
