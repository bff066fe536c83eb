"""Settings of the Telegram platform: the Bot API (``[telegram]``) and the webhook."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config import Section

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"


class TelegramConfig(Section):
    """How to reach Telegram."""

    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = ""
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = Field(default=30, ge=0, le=300)
    max_retries: int = Field(default=3, ge=0, le=10)
    # Calls that failed without Telegram acting (no connection, a 5xx answer) are tried
    # again, pausing retry_pause_seconds and then twice as long each time (at most 2 s),
    # until retry_seconds after the first try. 0 turns the retries off.
    retry_seconds: float = Field(default=5.0, ge=0, le=60)
    retry_pause_seconds: float = Field(default=0.25, gt=0, le=10)

    def file_url(self) -> str:
        """Where files are downloaded from: base_file_url, else derived from base_url."""
        if self.base_file_url:
            return self.base_file_url
        if self.base_url.endswith("/bot"):
            return self.base_url.removesuffix("/bot") + "/file/bot"
        # No pattern to follow (e.g. a "{token}" URL): Telegram's own file server.
        return DEFAULT_FILE_URL


class WebhookConfig(Section):
    """The HTTP endpoint Telegram posts updates to in webhook mode."""

    listen: str = "0.0.0.0"
    port: int = Field(default=8443, ge=1, le=65_535)
    url: str = ""
    secret_token: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
