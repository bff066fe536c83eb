"""The benchmark subcommands the shell offers: ``bench [--KIND]`` and ``spam-eval``.

Each kind of benchmark is one row of ``KINDS``: the flag that picks it, its help line and
the function that runs it. The first flag given wins; with none, the update throughput
benchmark runs. Benchmark modules are imported only when their kind runs.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from bot.subcommand import Runner, Subcommand


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}")
        return value

    return parse


def _or(value: int | None, default: int) -> int:
    """An option whose default depends on the benchmark kind."""
    return default if value is None else value


def _schedule(args: argparse.Namespace, settings: Settings) -> None:
    from bench.schedule import run_schedule_bench

    asyncio.run(
        run_schedule_bench(
            settings,
            schedules=args.schedules,
            groups=_or(args.groups, 1_000),
            firing=args.firing,
            peak=args.peak,
        )
    )


def _autoreply(args: argparse.Namespace, settings: Settings) -> None:
    from bench.autoreply import run_autoreply_bench

    run_autoreply_bench(
        rules=args.rules, regexes=args.regexes, messages=args.messages, repeats=args.repeats
    )


def _moderation(args: argparse.Namespace, settings: Settings) -> None:
    from bench.moderation import run_moderation_bench

    run_moderation_bench(messages=args.messages, repeats=args.repeats)


def _captcha(args: argparse.Namespace, settings: Settings) -> None:
    from bench.captcha import run_captcha_bench

    groups = _or(args.groups, 20)
    asyncio.run(run_captcha_bench(settings, newcomers=args.newcomers, groups=groups))


def _burst(args: argparse.Namespace, settings: Settings) -> None:
    from bench.burst import run_burst_bench

    asyncio.run(run_burst_bench(settings, members=_or(args.members, 60), cap=args.cap))


def _enforcement(args: argparse.Namespace, settings: Settings) -> None:
    from bench.enforcement import run_enforcement_bench

    asyncio.run(run_enforcement_bench(settings))


def _stats(args: argparse.Namespace, settings: Settings) -> None:
    from bench.stats import run_stats_bench

    asyncio.run(run_stats_bench(repeats=args.repeats))


def _checkin(args: argparse.Namespace, settings: Settings) -> None:
    from bench.checkin import run_checkin_bench

    members, groups = _or(args.members, 10_000), _or(args.groups, 100)
    asyncio.run(run_checkin_bench(settings, members=members, groups=groups))


def _cleanup(args: argparse.Namespace, settings: Settings) -> None:
    from bench.cleanup import run_cleanup_bench

    groups = _or(args.groups, 1_000)
    asyncio.run(run_cleanup_bench(settings, members=args.tracked, groups=groups))


def _spam(args: argparse.Namespace, settings: Settings) -> None:
    from bench.spam import run_spam_bench

    run_spam_bench(repeats=args.repeats)


def _onebot(args: argparse.Namespace, settings: Settings) -> None:
    from bench.onebot import run_onebot_bench

    asyncio.run(
        run_onebot_bench(
            settings,
            messages=args.updates,
            groups=args.chats,
            repeats=args.repeats,
            answer_ms=args.answer_ms,
        )
    )


def _quiz(args: argparse.Namespace, settings: Settings) -> None:
    from bench.quiz import run_quiz_bench

    asyncio.run(run_quiz_bench(settings, messages=_or(args.members, 3_000), repeats=args.repeats))


def _updates(args: argparse.Namespace, settings: Settings) -> None:
    from bench.pipeline import run_bench

    asyncio.run(run_bench(settings, updates=args.updates, chats=args.chats, repeats=args.repeats))


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of benchmark: ``--flag`` picks it."""

    flag: str
    help: str
    run: Runner


# In the order the flags are tried when several are given.
KINDS = (
    Kind("schedule", "measure scheduled posts instead of updates", _schedule),
    Kind("autoreply", "measure auto-reply matching instead of updates", _autoreply),
    Kind("moderation", "measure the moderation decision path", _moderation),
    Kind("captcha", "measure a join raid against the captcha", _captcha),
    Kind("burst", "measure moderation in a group busy with check-ins", _burst),
    Kind("enforcement", "measure warnings, mutes and lifting", _enforcement),
    Kind("stats", "measure /stats 90d for a large group's year", _stats),
    Kind("checkin", "measure check-ins instead of updates", _checkin),
    Kind("cleanup", "measure inactivity queries instead of updates", _cleanup),
    Kind("spam", "measure the spam filter's speed", _spam),
    Kind("onebot", "measure QQ group messages through OneBot's WebSocket", _onebot),
    Kind("quiz", "measure quiz answer matching during a round", _quiz),
)


def bench_arguments(bench: argparse.ArgumentParser) -> None:
    """The kinds' flags and every size option (each says which kinds read it)."""
    for kind in KINDS:
        bench.add_argument(f"--{kind.flag}", action="store_true", help=kind.help)
    bench.add_argument(
        "--updates", type=int, default=20_000, help="updates (--onebot: messages) per run"
    )
    bench.add_argument("--chats", type=int, default=200, help="distinct chats (groups)")
    bench.add_argument("--repeats", type=int, default=5, help="measured pairs of runs")
    bench.add_argument("--schedules", type=int, default=10_000, help="with --schedule")
    # No default here: --schedule, --captcha, --checkin and --cleanup each have their own.
    bench.add_argument(
        "--groups", type=int, default=None, help="with --schedule (1,000) or --checkin (100)"
    )
    bench.add_argument("--firing", type=int, default=2_000, help="due during the run")
    bench.add_argument("--peak", type=int, default=200, help="of those, due at one instant")
    bench.add_argument(
        "--rules",
        type=at_least(20),
        default=10_000,
        help="literal rules in the large set (at least 20), with --autoreply",
    )
    bench.add_argument(
        "--regexes", type=at_least(1), default=100, help="regex rules, with --autoreply"
    )
    bench.add_argument(
        "--messages", type=at_least(1), default=200_000, help="messages per run, with --autoreply"
    )
    bench.add_argument("--newcomers", type=at_least(2), default=2_000, help="joins, with --captcha")
    # No default here: --checkin and --burst each have their own.
    bench.add_argument(
        "--members", type=at_least(1), default=None, help="with --checkin (10,000) or --burst (60)"
    )
    bench.add_argument(
        "--cap", type=float, default=60.0, help="seconds the baseline is measured, with --burst"
    )
    bench.add_argument(
        "--answer-ms", type=float, default=0.0, help="OneBot answer delay, with --onebot"
    )
    bench.add_argument(
        "--tracked", type=at_least(1), default=1_000_000, help="members, with --cleanup"
    )


def run_bench(args: argparse.Namespace, settings: Settings) -> None:
    """Run the first kind whose flag is given, else the update throughput benchmark."""
    chosen = next((kind.run for kind in KINDS if getattr(args, kind.flag)), _updates)
    chosen(args, settings)


def spam_eval_arguments(cmd: argparse.ArgumentParser) -> None:
    """The training file, and the file scored or the share held out."""
    cmd.add_argument("--train", type=Path, required=True, help="CSV target,input or spam-*.txt")
    cmd.add_argument("--eval", type=Path, help="the same kinds of file, scored")
    cmd.add_argument("--threshold", type=float, default=None, help="spam score cut-off")
    cmd.add_argument("--holdout", type=float, default=None, help="without --eval: share held out")


def run_spam_eval(args: argparse.Namespace, settings: Settings) -> None:
    """Train a fresh spam model and print its quality as JSON."""
    from bench.spam_eval import run_spam_eval as evaluate

    evaluate(args.train, args.eval, threshold=args.threshold, holdout=args.holdout)


BENCH = Subcommand("bench", "throughput benchmark", run_bench, bench_arguments)
SPAM_EVAL = Subcommand(
    "spam-eval",
    "train a fresh spam model on one file and measure it on another",
    run_spam_eval,
    spam_eval_arguments,
)
COMMANDS = (BENCH, SPAM_EVAL)
