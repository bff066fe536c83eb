"""Command line: ``python -m bot run | migrate | sandbox | bench``.

python -m bot run --config config.toml     start the bot (applies migrations first)
python -m bot migrate                      apply database migrations and exit
python -m bot health [--max-age 60]        exit 0 if the running bot's heartbeat is fresh
python -m bot sandbox [--lang en]          try the bot in a simulated group, no token needed
python -m bot bench                        measure update throughput against bare PTB
python -m bot bench --schedule             measure start-up and lateness of 10,000 schedules
python -m bot bench --autoreply            measure auto-reply matching with 10 and 10,000 rules
python -m bot bench --checkin              measure 10,000 check-ins across 100 groups in a minute
python -m bot bench --captcha              measure a raid of 2,000 joins against the captcha
python -m bot bench --burst                measure an ad and a join after 60 check-ins in one group
python -m bot bench --moderation           measure the moderation decision with every check on
python -m bot bench --cleanup              measure inactivity queries over 1,000,000 members
python -m bot bench --enforcement          measure the allow list, warnings/mutes and lifting
python -m bot bench --stats                measure /stats 90d for 50,000 members and a year
python -m bot bench --spam                 measure training, scoring and learning of the spam filter
python -m bot spam-eval --train F --eval F train a fresh spam model, print its quality as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.settings import Settings, load_settings
from core.config import ConfigError

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Group management bot")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "start the bot"),
        ("migrate", "apply database migrations"),
        ("health", "check the running bot's heartbeat file (for container health checks)"),
        ("sandbox", "a simulated group in the terminal"),
        ("bench", "throughput benchmark"),
        ("spam-eval", "train a fresh spam model on one file and measure it on another"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", help="path to config.toml (default: ./config.toml if any)")
    sub.choices["sandbox"].add_argument("--db", help="database URL for the sandbox")
    sub.choices["health"].add_argument(
        "--max-age", type=float, default=None, help="seconds a heartbeat stays fresh (60)"
    )
    sub.choices["sandbox"].add_argument(
        "--lang",
        choices=("zh", "en"),
        help="the sandbox's language (default: bot.default_language)",
    )
    bench = sub.choices["bench"]
    bench.add_argument("--updates", type=int, default=20_000, help="updates per run")
    bench.add_argument("--chats", type=int, default=200, help="distinct chats")
    bench.add_argument("--repeats", type=int, default=5, help="measured pairs of runs")
    bench.add_argument(
        "--schedule", action="store_true", help="measure scheduled posts instead of updates"
    )
    bench.add_argument("--schedules", type=int, default=10_000, help="with --schedule")
    # No default here: --schedule and --checkin each have their own.
    bench.add_argument(
        "--groups", type=int, default=None, help="with --schedule (1,000) or --checkin (100)"
    )
    bench.add_argument("--firing", type=int, default=2_000, help="due during the run")
    bench.add_argument("--peak", type=int, default=200, help="of those, due at one instant")
    bench.add_argument(
        "--autoreply", action="store_true", help="measure auto-reply matching instead of updates"
    )
    bench.add_argument(
        "--rules",
        type=_at_least(20),
        default=10_000,
        help="literal rules in the large set (at least 20), with --autoreply",
    )
    bench.add_argument(
        "--regexes", type=_at_least(1), default=100, help="regex rules, with --autoreply"
    )
    bench.add_argument(
        "--messages", type=_at_least(1), default=200_000, help="messages per run, with --autoreply"
    )
    bench.add_argument(
        "--checkin", action="store_true", help="measure check-ins instead of updates"
    )
    bench.add_argument(
        "--stats", action="store_true", help="measure /stats 90d for a large group's year"
    )
    bench.add_argument(
        "--captcha", action="store_true", help="measure a join raid against the captcha"
    )
    bench.add_argument(
        "--moderation", action="store_true", help="measure the moderation decision path"
    )
    bench.add_argument(
        "--newcomers", type=_at_least(2), default=2_000, help="joins, with --captcha"
    )
    bench.add_argument(
        "--enforcement", action="store_true", help="measure warnings, mutes and lifting"
    )
    # No default here: --checkin and --burst each have their own.
    bench.add_argument(
        "--members", type=_at_least(1), default=None, help="with --checkin (10,000) or --burst (60)"
    )
    bench.add_argument(
        "--burst", action="store_true", help="measure moderation in a group busy with check-ins"
    )
    bench.add_argument(
        "--cap", type=float, default=60.0, help="seconds the baseline is measured, with --burst"
    )
    bench.add_argument("--spam", action="store_true", help="measure the spam filter's speed")
    bench.add_argument(
        "--cleanup", action="store_true", help="measure inactivity queries instead of updates"
    )
    bench.add_argument(
        "--tracked", type=_at_least(1), default=1_000_000, help="members, with --cleanup"
    )
    _spam_eval_arguments(sub.choices["spam-eval"])
    return parser


def _spam_eval_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--train", type=Path, required=True, help="CSV target,input or spam-*.txt")
    cmd.add_argument("--eval", type=Path, help="the same kinds of file, scored")
    cmd.add_argument("--threshold", type=float, default=None, help="spam score cut-off")
    cmd.add_argument("--holdout", type=float, default=None, help="without --eval: share held out")


def _at_least(low: int) -> Callable[[str], int]:
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


async def _run(settings: Settings) -> None:
    from bot.app import configure_logging, stop_signal
    from bot.platforms import telegram

    configure_logging(settings)
    await telegram.run(settings, stop_signal())


async def _migrate(settings: Settings) -> None:
    from storage.engine import make_engine
    from storage.migrate import upgrade_reporting

    engine = make_engine(settings.database.url)
    try:
        done = await upgrade_reporting(engine)
    finally:
        await engine.dispose()
    print(f"database at {settings.database.url.split('@')[-1]}: {done.describe()}")


def _health(settings: Settings, max_age: float | None) -> int:
    """Print the heartbeat's verdict; 0 healthy, 1 not, 2 when no heartbeat file is set."""
    from bot import heartbeat

    if not settings.bot.heartbeat_file:
        print("config error: bot.heartbeat_file is not set", file=sys.stderr)
        return EXIT_CONFIG
    path = Path(settings.bot.heartbeat_file)
    verdict = heartbeat.check(path, heartbeat.MAX_AGE_SECONDS if max_age is None else max_age)
    print(("healthy: " if verdict.healthy else "unhealthy: ") + verdict.reason)
    return 0 if verdict.healthy else EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load settings, run the chosen command; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config, require_token=args.command == "run")
        if args.command == "run":
            asyncio.run(_run(settings))
        elif args.command == "migrate":
            asyncio.run(_migrate(settings))
        elif args.command == "health":
            return _health(settings, args.max_age)
        elif args.command == "sandbox":
            from bot.platforms.console import run_sandbox

            asyncio.run(
                run_sandbox(settings, sys.stdin, sys.stdout, db_url=args.db, language=args.lang)
            )
        elif args.command == "bench" and args.schedule:
            from bot.bench_schedule import run_schedule_bench

            asyncio.run(
                run_schedule_bench(
                    settings,
                    schedules=args.schedules,
                    groups=args.groups if args.groups is not None else 1_000,
                    firing=args.firing,
                    peak=args.peak,
                )
            )
        elif args.command == "bench" and args.autoreply:
            from bot.bench_autoreply import run_autoreply_bench

            run_autoreply_bench(
                rules=args.rules,
                regexes=args.regexes,
                messages=args.messages,
                repeats=args.repeats,
            )
        elif args.command == "bench" and args.moderation:
            from bot.bench_moderation import run_moderation_bench

            run_moderation_bench(messages=args.messages, repeats=args.repeats)
        elif args.command == "bench" and args.captcha:
            from bot.bench_captcha import run_captcha_bench

            groups = args.groups if args.groups is not None else 20
            asyncio.run(run_captcha_bench(settings, newcomers=args.newcomers, groups=groups))
        elif args.command == "bench" and args.burst:
            from bot.bench_burst import run_burst_bench

            members = args.members if args.members is not None else 60
            asyncio.run(run_burst_bench(settings, members=members, cap=args.cap))
        elif args.command == "bench" and args.enforcement:
            from bot.bench_enforcement import run_enforcement_bench

            asyncio.run(run_enforcement_bench(settings))
        elif args.command == "bench" and args.stats:
            from bot.bench_stats import run_stats_bench

            asyncio.run(run_stats_bench(repeats=args.repeats))
        elif args.command == "bench" and args.checkin:
            from bot.bench_checkin import run_checkin_bench

            groups = args.groups if args.groups is not None else 100
            members = args.members if args.members is not None else 10_000
            asyncio.run(run_checkin_bench(settings, members=members, groups=groups))
        elif args.command == "bench" and args.cleanup:
            from bot.bench_cleanup import run_cleanup_bench

            groups = args.groups if args.groups is not None else 1_000
            asyncio.run(run_cleanup_bench(settings, members=args.tracked, groups=groups))
        elif args.command == "spam-eval":
            from bot.spam_eval import run_spam_eval

            run_spam_eval(args.train, args.eval, threshold=args.threshold, holdout=args.holdout)
        elif args.command == "bench" and args.spam:
            from bot.bench_spam import run_spam_bench

            run_spam_bench(repeats=args.repeats)
        elif args.command == "bench":
            from bot.bench import run_bench

            asyncio.run(
                run_bench(settings, updates=args.updates, chats=args.chats, repeats=args.repeats)
            )
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        return _startup_failure(error)
    return 0


def _startup_failure(error: Exception) -> int:
    """One clear line for failures outside our control (token refused, no database)."""
    from sqlalchemy.exc import SQLAlchemyError
    from telegram.error import InvalidToken, TelegramError

    if isinstance(error, InvalidToken):
        print("config error: telegram.token: rejected by Telegram", file=sys.stderr)
        return EXIT_CONFIG
    if isinstance(error, TelegramError):
        print(f"error: cannot reach the Telegram Bot API: {error}", file=sys.stderr)
    elif isinstance(error, SQLAlchemyError | OSError):
        print(f"error: database: {error}".splitlines()[0], file=sys.stderr)
    else:
        raise error
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
