"""Settings of the OneBot v11 platform (``[onebot]``; env ``BOT_ONEBOT__<KEY>``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from core.config import Section

DEFAULT_PATH = "/onebot/v11/ws"


class OneBotConfig(Section):
    """How the OneBot implementation (NapCat, LLBot) and the bot reach each other.

    ``reverse``: the implementation's WebSocket client connects to ``listen:port`` +
    ``path``; ``forward``: the bot connects to ``url``. ``""`` turns the platform off.
    """

    mode: Literal["", "reverse", "forward"] = ""
    listen: str = "127.0.0.1"
    port: int = Field(default=6700, ge=0, le=65_535)
    path: str = Field(default=DEFAULT_PATH, pattern=r"^/\S*$")
    url: str = ""
    access_token: str = ""
    # How long an action may take before it counts as lost (a send: "unknown").
    call_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # The least time between two messages to one group: QQ's risk control punishes bursts.
    message_pace_seconds: float = Field(default=1.0, ge=0, le=60)
    # Longer texts are sent as several messages.
    message_limit: int = Field(default=4500, ge=100, le=20_000)
    # A connection whose heartbeats stop for this many intervals is dropped.
    heartbeat_misses: float = Field(default=3.0, ge=1, le=100)
    # Forward mode: the first pause before reconnecting, doubled up to the longest.
    reconnect_seconds: float = Field(default=1.0, gt=0, le=60)
    reconnect_max_seconds: float = Field(default=60.0, gt=0, le=3_600)
    # Invitations of the bot's account into a group: "owners" accepts the bot's owners'
    # and declines the rest, "anyone" accepts all, "ignore" leaves them unanswered.
    invites: Literal["owners", "anyone", "ignore"] = "owners"

    @model_validator(mode="after")
    def _forward_needs_url(self) -> OneBotConfig:
        if self.mode == "forward" and not self.url.startswith(("ws://", "wss://")):
            raise ValueError("onebot.url must be a ws:// or wss:// URL in forward mode")
        return self
