"""Command line: ``python -m bot run | migrate | sandbox | bench``.

python -m bot run --config config.toml     start the bot (applies migrations first)
python -m bot migrate                      apply database migrations and exit
python -m bot sandbox                      try the bot in a simulated group, no token needed
python -m bot bench                        measure update throughput against bare PTB
python -m bot bench --schedule             measure start-up and lateness of 10,000 schedules
python -m bot bench --autoreply            measure auto-reply matching with 10 and 10,000 rules
python -m bot bench --checkin              measure 10,000 check-ins across 100 groups in a minute
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from bot.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Group management bot")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "start the bot"),
        ("migrate", "apply database migrations"),
        ("sandbox", "a simulated group in the terminal"),
        ("bench", "throughput benchmark"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", help="path to config.toml (default: ./config.toml if any)")
    sub.choices["sandbox"].add_argument("--db", help="database URL for the sandbox")
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
        "--members", type=_at_least(1), default=10_000, help="members, with --checkin"
    )
    return parser


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
    from bot.app import open_store

    store = await open_store(settings)
    await store.close()
    print(f"database at {settings.database.url.split('@')[-1]} is up to date")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load settings, run the chosen command; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config, require_token=args.command == "run")
        if args.command == "run":
            asyncio.run(_run(settings))
        elif args.command == "migrate":
            asyncio.run(_migrate(settings))
        elif args.command == "sandbox":
            from bot.platforms.console import run_sandbox

            asyncio.run(run_sandbox(settings, sys.stdin, sys.stdout, db_url=args.db))
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
        elif args.command == "bench" and args.checkin:
            from bot.bench_checkin import run_checkin_bench

            groups = args.groups if args.groups is not None else 100
            asyncio.run(run_checkin_bench(settings, members=args.members, groups=groups))
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
