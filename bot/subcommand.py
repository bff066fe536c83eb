"""One ``python -m bot NAME`` subcommand: its help line, its arguments and what it does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import Settings

# Returns the exit code, or None for 0.
Runner = Callable[[argparse.Namespace, Settings], int | None]


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """A subcommand that takes nothing beyond ``--config``."""


@dataclass(frozen=True, slots=True)
class Subcommand:
    """A subcommand of the command line, as one row of its table."""

    name: str
    help: str
    run: Runner
    arguments: Callable[[argparse.ArgumentParser], None] = no_arguments
    # Only ``run`` talks to Telegram; the others work without a token (and ``run`` too
    # when ``[onebot] mode`` is set: then it may serve QQ alone).
    needs_token: bool = False
