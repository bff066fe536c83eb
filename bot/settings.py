"""The whole configuration, composed in the shell from the base, platform and feature sections.

Each section model sits beside what it configures: the base sections in ``core/config.py``,
Telegram's in ``bot/platforms/telegram/config.py``, each feature's in
``handlers/<feature>/config.py``. A feature with settings adds its section here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, model_validator

from bot.platforms.onebot.config import OneBotConfig
from bot.platforms.telegram.config import TOKEN_ENV, TelegramConfig, WebhookConfig
from core.config import (
    BotConfig,
    ConfigError,
    DatabaseConfig,
    LogConfig,
    OutboundConfig,
    Section,
    TimersConfig,
    load_config,
)
from handlers.autoreply.config import AutoReplyConfig
from handlers.badges.config import BadgesConfig
from handlers.captcha.config import CaptchaConfig
from handlers.challenges.config import ChallengesConfig
from handlers.cleanup.config import CleanupConfig
from handlers.invites.config import InvitesConfig
from handlers.lottery.config import LotteryConfig
from handlers.moderation.config import EnforcementConfig, ModerationConfig
from handlers.quiz.config import QuizConfig
from handlers.schedule.config import ScheduleConfig
from handlers.spam.config import SpamConfig
from handlers.stats.config import StatsConfig
from handlers.welcome.config import WelcomeConfig

# Variables outside the BOT_<SECTION>__<KEY> scheme.
ENV_ALIASES = {TOKEN_ENV: ("telegram", "token")}


class Settings(Section):
    """The whole configuration."""

    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    onebot: OneBotConfig = Field(default_factory=OneBotConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    bot: BotConfig = Field(default_factory=BotConfig)
    welcome: WelcomeConfig = Field(default_factory=WelcomeConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    autoreply: AutoReplyConfig = Field(default_factory=AutoReplyConfig)
    moderation: ModerationConfig = Field(default_factory=ModerationConfig)
    spam: SpamConfig = Field(default_factory=SpamConfig)
    enforcement: EnforcementConfig = Field(default_factory=EnforcementConfig)
    stats: StatsConfig = Field(default_factory=StatsConfig)
    badges: BadgesConfig = Field(default_factory=BadgesConfig)
    challenges: ChallengesConfig = Field(default_factory=ChallengesConfig)
    timers: TimersConfig = Field(default_factory=TimersConfig)
    captcha: CaptchaConfig = Field(default_factory=CaptchaConfig)
    cleanup: CleanupConfig = Field(default_factory=CleanupConfig)
    lottery: LotteryConfig = Field(default_factory=LotteryConfig)
    quiz: QuizConfig = Field(default_factory=QuizConfig)
    invites: InvitesConfig = Field(default_factory=InvitesConfig)
    outbound: OutboundConfig = Field(default_factory=OutboundConfig)
    log: LogConfig = Field(default_factory=LogConfig)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> Settings:
        if self.telegram.mode == "webhook" and not self.webhook.url:
            raise ValueError("webhook.url is required when telegram.mode is 'webhook'")
        return self


def load_settings(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    require_token: bool = False,
) -> Settings:
    """Read the TOML file (if any), apply environment overrides and validate."""
    settings = load_config(Settings, path, env, env_aliases=ENV_ALIASES)
    if require_token and not settings.telegram.token.strip() and not settings.onebot.mode:
        raise ConfigError(
            f"telegram.token: missing; set it in the config file or the {TOKEN_ENV} variable"
            " (or set onebot.mode to run on QQ alone)"
        )
    return settings
