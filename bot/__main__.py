"""Command line: ``python -m bot run | migrate | health | sandbox | bench | spam-eval``.

python -m bot run --config config.toml     start the bot: Telegram, OneBot (QQ) or both
python -m bot migrate                      apply database migrations and exit
python -m bot health [--max-age 60]        exit 0 if the running bot's heartbeat is fresh
python -m bot sandbox [--lang en] [--qq]   try the bot in a simulated group, no token needed
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

Each subcommand is one row of ``SUBCOMMANDS``. ``bench`` and ``spam-eval`` come from the
``bench`` package (``python -m bench`` runs them too); the shell finds it by name, so the
product never imports it and a deployment without it simply lacks those two subcommands.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, load_settings
from bot.subcommand import Subcommand
from core.config import ConfigError

EXIT_CONFIG = 2
EXIT_FAILURE = 1
# The package whose ``cli.COMMANDS`` the shell offers when it is installed.
BENCH_PACKAGE = "bench"


def _run(args: argparse.Namespace, settings: Settings) -> None:
    """Start the bot and run until a stop signal."""
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    from bot.app import configure_logging, stop_signal

    configure_logging(settings)
    if settings.telegram.token.strip():
        # Telegram alone, or with ``[onebot] mode`` set, Telegram and QQ in one process.
        from bot.platforms.telegram import app as telegram

        await telegram.run(settings, stop_signal())
    else:
        from bot.platforms.onebot import app as onebot

        await onebot.run(settings, stop_signal())


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    """Apply the database migrations and say what was done."""
    asyncio.run(_upgrade(settings))


async def _upgrade(settings: Settings) -> None:
    from storage.engine import make_engine
    from storage.migrate import upgrade_reporting

    engine = make_engine(settings.database.url)
    try:
        done = await upgrade_reporting(engine)
    finally:
        await engine.dispose()
    print(f"database at {settings.database.url.split('@')[-1]}: {done.describe()}")


def _health_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--max-age", type=float, default=None, help="seconds a heartbeat stays fresh (60)"
    )


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """Print the heartbeat's verdict; 0 healthy, 1 not, 2 when no heartbeat file is set."""
    from bot import heartbeat

    if not settings.bot.heartbeat_file:
        print("config error: bot.heartbeat_file is not set", file=sys.stderr)
        return EXIT_CONFIG
    path = Path(settings.bot.heartbeat_file)
    max_age = heartbeat.MAX_AGE_SECONDS if args.max_age is None else args.max_age
    verdict = heartbeat.check(path, max_age)
    print(("healthy: " if verdict.healthy else "unhealthy: ") + verdict.reason)
    return 0 if verdict.healthy else EXIT_FAILURE


def _sandbox_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--db", help="database URL for the sandbox")
    cmd.add_argument(
        "--lang",
        choices=("zh", "en"),
        help="the sandbox's language (default: bot.default_language)",
    )
    cmd.add_argument(
        "--qq",
        action="store_true",
        help="show the group as QQ (OneBot v11) does: no buttons or edits, plain text",
    )


def _sandbox(args: argparse.Namespace, settings: Settings) -> None:
    """A simulated group on standard input and output."""
    from bot.platforms.console import run_sandbox

    asyncio.run(
        run_sandbox(settings, sys.stdin, sys.stdout, db_url=args.db, language=args.lang, qq=args.qq)
    )


def _bench_commands() -> tuple[Subcommand, ...]:
    """The benchmark package's subcommands, or none where it is not installed."""
    if importlib.util.find_spec(BENCH_PACKAGE) is None:
        return ()
    return tuple(importlib.import_module(f"{BENCH_PACKAGE}.cli").COMMANDS)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("run", "start the bot", _run, needs_token=True),
    Subcommand("migrate", "apply database migrations", _migrate),
    Subcommand(
        "health",
        "check the running bot's heartbeat file (for container health checks)",
        _health,
        _health_arguments,
    ),
    Subcommand("sandbox", "a simulated group in the terminal", _sandbox, _sandbox_arguments),
)


def _parser(subcommands: Sequence[Subcommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Group management bot")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in subcommands:
        cmd = sub.add_parser(command.name, help=command.help)
        cmd.add_argument("--config", help="path to config.toml (default: ./config.toml if any)")
        command.arguments(cmd)
        cmd.set_defaults(subcommand=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load settings, run the chosen command; return the exit code."""
    args = _parser((*SUBCOMMANDS, *_bench_commands())).parse_args(argv)
    command: Subcommand = args.subcommand
    try:
        settings = load_settings(args.config, require_token=command.needs_token)
        return command.run(args, settings) or 0
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        return _startup_failure(error)


def _startup_failure(error: Exception) -> int:
    """One clear line for failures outside our control (token refused, no database, the
    OneBot port taken)."""
    from sqlalchemy.exc import SQLAlchemyError
    from telegram.error import InvalidToken, TelegramError

    from bot.platforms.onebot.transport import ListenError

    if isinstance(error, InvalidToken):
        print("config error: telegram.token: rejected by Telegram", file=sys.stderr)
        return EXIT_CONFIG
    if isinstance(error, ListenError):
        print(f"error: {error}", file=sys.stderr)
    elif isinstance(error, TelegramError):
        print(f"error: cannot reach the Telegram Bot API: {error}", file=sys.stderr)
    elif isinstance(error, SQLAlchemyError | OSError):
        print(f"error: database: {error}".splitlines()[0], file=sys.stderr)
    else:
        raise error
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
