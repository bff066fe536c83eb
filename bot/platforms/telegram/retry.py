"""Which failed Telegram calls may be tried again, and how long to wait in between.

python-telegram-bot (``telegram/request/_baserequest.py``, ``_httpxrequest.py``) reports
every transport failure as ``NetworkError`` (``TimedOut`` for time-outs) with the httpx
exception as ``__cause__``, and an HTTP error answer it has no class for (5xx) as a plain
``NetworkError`` without one. From that:

- ``not_sent``: Telegram did not act. The connection could not be made (httpx
  ``ConnectError``/``ConnectTimeout``, or no pooled connection was free), or Telegram
  answered with an error status (500, 502, ...). Safe to send again.
- ``unknown``: the request went out and no answer came back (a read or write time-out, the
  connection dropped). Telegram may have acted: a message may have been posted. Sending
  it again could post it twice; a call that does the same thing twice (delete, restrict,
  a lookup) may be repeated.
- ``refused``: Telegram answered no (bad request, forbidden, flood wait after the rate
  limiter's own retries). Trying again would be answered the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

from bot.platforms.telegram.config import TelegramConfig

Outcome = Literal["not_sent", "unknown", "refused"]

# httpx errors raised before a single byte of the request reached Telegram.
_NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def outcome(error: TelegramError) -> Outcome:
    """What a failed call tells about whether Telegram acted on it."""
    # BadRequest is a NetworkError in PTB, but it is Telegram's answer "no".
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return "refused"
    cause = error.__cause__
    if isinstance(cause, _NOT_CONNECTED):
        return "not_sent"
    if isinstance(error, TimedOut) or isinstance(cause, httpx.HTTPError):
        return "unknown"
    if cause is None or isinstance(cause, TelegramError):
        # An HTTP answer with an error status (its body may not even be JSON, as nginx's
        # 502 page): Telegram answered, and did not act.
        return "not_sent"
    # "Unknown error in HTTP implementation": nothing says how far the request got.
    return "unknown"


def may_repeat(result: Outcome, idempotent: bool) -> bool:
    """Whether a call that failed so may be sent again."""
    return result == "not_sent" or (result == "unknown" and idempotent)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries with a growing pause, all within ``deadline`` seconds of the first try."""

    deadline: float = 5.0
    first_pause: float = 0.25
    factor: float = 2.0
    max_pause: float = 2.0

    @classmethod
    def from_config(cls, config: TelegramConfig) -> RetryPolicy:
        """The policy the ``[telegram]`` settings ask for."""
        return cls(deadline=config.retry_seconds, first_pause=config.retry_pause_seconds)

    def pause(self, retries_so_far: int, elapsed: float) -> float | None:
        """The pause before the next try, or None when it would end past the deadline."""
        wait = min(self.first_pause * self.factor**retries_so_far, self.max_pause)
        if elapsed + wait > self.deadline:
            return None
        return wait
