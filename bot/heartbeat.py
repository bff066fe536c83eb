"""A heartbeat file the running bot rewrites, and the check ``python -m bot health`` runs.

The bot writes the current Unix time into the file every few seconds while it is receiving
updates (a poll went out recently, or the webhook server is up). A container health check
reads it: missing, unreadable or older than the allowed age means unhealthy. No port to
open and nothing to install in the image.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

# How often the running bot rewrites the file.
BEAT_SECONDS = 10.0
# What the health check accepts by default: a few missed beats.
MAX_AGE_SECONDS = 60.0


def beat(path: Path, now: float | None = None) -> None:
    """Write the time into the file (atomically: a reader never sees half a number)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(f"{time.time() if now is None else now:.3f}\n", "ascii")
    temporary.replace(path)


def clear(path: Path) -> None:
    """Remove the file at a clean stop: the bot is no longer running."""
    path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Health:
    """The health check's verdict and a one-line reason."""

    healthy: bool
    reason: str


def judge(text: str | None, now: float, max_age: float) -> Health:
    """Judge the heartbeat file's content (None: no file). Pure."""
    if text is None:
        return Health(False, "no heartbeat file: the bot is not running")
    try:
        written = float(text.strip())
    except ValueError:
        return Health(False, "the heartbeat file does not hold a time")
    age = now - written
    if age > max_age:
        return Health(False, f"last heartbeat {age:.0f} s ago (more than {max_age:.0f} s)")
    return Health(True, f"last heartbeat {max(age, 0.0):.0f} s ago")


def check(path: Path, max_age: float = MAX_AGE_SECONDS, now: float | None = None) -> Health:
    """Read the heartbeat file and judge it."""
    try:
        text: str | None = path.read_text("ascii")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as error:
        return Health(False, f"cannot read {path}: {error}")
    return judge(text, time.time() if now is None else now, max_age)
