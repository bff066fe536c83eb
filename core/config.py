"""Settings: pydantic models for config.toml plus environment overrides.

Precedence, highest first: environment variables, the TOML file, built-in defaults.
An environment variable ``BOT_<SECTION>__<KEY>`` overrides ``<section>.<key>``
(for example ``BOT_DATABASE__URL`` or ``BOT_TELEGRAM__MODE``); ``TELEGRAM_BOT_TOKEN``
sets ``telegram.token``. Lists in the environment are comma-separated or JSON.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.ids import TELEGRAM, scoped

ENV_PREFIX = "BOT_"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DEFAULT_CONFIG_FILE = "config.toml"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}

Seconds = Annotated[float, Field(gt=0, le=86_400)]


class Section(BaseModel):
    """Base for config sections: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


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


class DatabaseConfig(Section):
    """Where state lives."""

    url: str = DEFAULT_DATABASE_URL
    echo: bool = False
    # Connections held at once; more events than this wait (up to pool_timeout) for one.
    pool_size: int = Field(default=10, ge=1, le=1_000)
    max_overflow: int = Field(default=20, ge=0, le=1_000)
    pool_timeout: float = Field(default=120.0, gt=0, le=3_600)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL: {value!r}") from None
        backend = url.get_backend_name()
        if backend not in ASYNC_DRIVERS:
            raise ValueError(f"unsupported database {backend!r}; use sqlite or postgresql")
        # Plain sqlite:// and postgresql:// URLs get the async driver the bot runs on.
        return url.set(drivername=ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


class OwnersConfig(Section):
    """The bot's owners on each platform, by that platform's own user ids (``[bot.owners]``)."""

    telegram: list[int] = Field(default_factory=list)
    onebot: list[int] = Field(default_factory=list)

    @field_validator("telegram", "onebot")
    @classmethod
    def _native_ids(cls, value: list[int], info: ValidationInfo) -> list[int]:
        for user_id in value:
            scoped(str(info.field_name), user_id)  # IdError (a ValueError) says what is wrong
        return value

    def scoped_ids(self) -> frozenset[int]:
        """Every owner as a platform-qualified id (``core.ids``)."""
        return frozenset(
            scoped(platform, user_id)
            for platform in type(self).model_fields
            for user_id in getattr(self, platform)
        )


class BotConfig(Section):
    """Behaviour shared by all groups."""

    default_language: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"
    # Telegram user ids (as before platforms: the same as ``owners.telegram``).
    owner_ids: list[int] = Field(default_factory=list)
    owners: OwnersConfig = Field(default_factory=OwnersConfig)
    admin_cache_seconds: Seconds = 600.0
    activity_flush_seconds: Seconds = 5.0
    # SIGTERM to exit: in-flight handlers, flushes and sending what is queued share this.
    # Keep it below the container's stop timeout (Docker: 10 s).
    stop_seconds: float = Field(default=8.0, gt=0, le=600)
    # A file the running bot rewrites every 10 s; `python -m bot health` checks it. Empty: off.
    heartbeat_file: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("owner_ids")
    @classmethod
    def _telegram_ids(cls, value: list[int]) -> list[int]:
        for user_id in value:
            scoped(TELEGRAM, user_id)
        return value

    @property
    def all_owner_ids(self) -> frozenset[int]:
        """The owners on every platform, as platform-qualified ids (what events carry)."""
        telegram = frozenset(scoped(TELEGRAM, user_id) for user_id in self.owner_ids)
        return telegram | self.owners.scoped_ids()


class WelcomeConfig(Section):
    """How joins are batched into one welcome."""

    batch_quiet_seconds: Seconds = 2.0
    batch_max_seconds: Seconds = 10.0
    max_names: int = Field(default=20, ge=1, le=200)


class ScheduleConfig(Section):
    """Scheduled posts."""

    grace_seconds: float = Field(default=600.0, ge=0, le=7 * 86_400)
    max_per_chat: int = Field(default=100, ge=1, le=10_000)
    sync_seconds: Seconds = 30.0


class AutoReplyConfig(Section):
    """Keyword auto-replies."""

    cooldown_seconds: int = Field(default=30, ge=0, le=86_400)
    max_rules: int = Field(default=5_000, ge=1, le=100_000)
    max_keyword_chars: int = Field(default=200, ge=1, le=600)
    max_pattern_chars: int = Field(default=500, ge=1, le=600)
    max_import_bytes: int = Field(default=2_000_000, ge=1_000, le=20_000_000)
    recheck_seconds: Seconds = 30.0
    cached_groups: int = Field(default=1_000, ge=1, le=1_000_000)


class ModerationConfig(Section):
    """The moderation engine: limits of per-group rules and in-memory tracking."""

    max_bad_words: int = Field(default=1_000, ge=1, le=100_000)
    max_word_chars: int = Field(default=200, ge=1, le=600)
    max_pattern_chars: int = Field(default=500, ge=1, le=600)
    max_domains: int = Field(default=200, ge=1, le=10_000)
    # How long a group's settings are trusted before they are read again (other processes
    # may have changed them), and how many groups' compiled rules are kept.
    recheck_seconds: Seconds = 30.0
    cached_groups: int = Field(default=1_000, ge=1, le=1_000_000)
    # Repeats: how long a text is remembered, and how many new members posting the same
    # text make a wave.
    repeat_window_seconds: Seconds = 600.0
    repeat_new_members: int = Field(default=3, ge=2, le=100)
    # Members whose recent messages are remembered per group (flood/repeat), oldest dropped.
    tracked_members: int = Field(default=5_000, ge=10, le=1_000_000)
    # Starting samples of the spam classifier, loaded at start-up: files with one sample
    # a line, or CSV "target,input" (1 = spam; then both lists may name it).
    spam_samples: list[str] = Field(default_factory=list)
    ham_samples: list[str] = Field(default_factory=list)


class SpamConfig(Section):
    """The learning spam filter; groups change their own threshold, scope and action."""

    # Score (0..1) from which the spam action is taken; the grey band below it is reported.
    threshold: float = Field(default=0.9, gt=0, lt=1)
    grey_band: float = Field(default=0.3, ge=0, lt=1)
    # Whose messages are scored by default: newcomers ("new") or every non-admin ("all").
    scope: Literal["new", "all"] = "new"
    new_member_days: int = Field(default=7, ge=0, le=3_650)
    first_messages: int = Field(default=5, ge=0, le=1_000)
    # The spam action: delete, warn, mute[:duration], kick, ban[:duration], report.
    actions: str = Field(
        default="delete mute:1d report",
        pattern=r"^\s*(?:(?:delete|warn|report|kick|mute(?::\S+)?|ban(?::\S+)?)\s*)+$",
    )
    # How often samples learned by other processes are picked up.
    refresh_seconds: Seconds = 60.0
    # Newcomers tracked in memory per process (joins and message counts), oldest dropped.
    tracked_members: int = Field(default=20_000, ge=10, le=1_000_000)
    # Combot Anti-Spam (CAS) look-ups for newcomers: off by default.
    cas: bool = False
    cas_url: str = "https://api.cas.chat/check"
    cas_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    cas_cache_seconds: Seconds = 3_600.0


class CleanupConfig(Section):
    """Inactivity cleanup (/inactive, /cleanup, /autoclean)."""

    default_days: int = Field(default=30, ge=1, le=3_650)
    # Days between the automatic warning and the removal, unless /autoclean says otherwise.
    warn_days: int = Field(default=3, ge=0, le=365)
    # Members who joined within this many days are never removed.
    new_member_days: int = Field(default=7, ge=0, le=3_650)
    # Never-seen members count as silent once the bot has been in the group this long
    # (None: at least the asked number of days).
    never_seen_grace_days: int | None = Field(default=None, ge=0, le=3_650)
    # The pause between two removals (Telegram's own limits are applied on top).
    removal_interval_seconds: float = Field(default=1.0, ge=0, le=600)
    # How often the leading process looks for groups due for their daily automatic run.
    check_seconds: Seconds = 600.0
    # How long the confirm buttons of /cleanup stay valid.
    confirm_seconds: Seconds = 600.0


class CaptchaConfig(Section):
    """The newcomer captcha (each group switches it on and sets its time itself)."""

    # Answers a newcomer may give to a sum: each wrong one but the last brings a new sum.
    attempts: int = Field(default=2, ge=1, le=5)
    # The captcha time of a group that never set one, and the range /captchatime allows.
    default_seconds: int = Field(default=120, ge=1, le=86_400)
    min_seconds: int = Field(default=30, ge=1, le=86_400)
    max_seconds: int = Field(default=3_600, ge=1, le=86_400)
    # How often the leading process looks for captchas started by other processes.
    sync_seconds: Seconds = 10.0

    @model_validator(mode="after")
    def _range(self) -> CaptchaConfig:
        if not self.min_seconds <= self.default_seconds <= self.max_seconds:
            raise ValueError("default_seconds must lie between min_seconds and max_seconds")
        return self


class EnforcementConfig(Section):
    """Warnings, escalation, temporary mutes and bans, and reports (/warn, /mute, /report)."""

    # Days a warning counts, unless a group says otherwise with /warnexpiry.
    warn_expiry_days: int = Field(default=30, ge=1, le=3_650)
    # The escalation ladder of groups that never set one with /warnladder ("" for none).
    warn_ladder: str = "3:mute:1h 5:mute:1d 7:ban"
    # How many /report a member may send per window, per group.
    report_limit: int = Field(default=3, ge=1, le=100)
    report_window_seconds: int = Field(default=600, ge=1, le=86_400)
    # How often the leading process looks for temporary mutes and bans ending soon.
    lift_check_seconds: Seconds = 30.0

    @field_validator("warn_ladder")
    @classmethod
    def _ladder(cls, value: str) -> str:
        from handlers.moderation.warnings import LadderError, ladder_spec, parse_ladder

        try:
            return ladder_spec(parse_ladder(value))
        except LadderError as error:
            raise ValueError(f"bad rung {error.rung!r} ({error.key})") from error


class StatsConfig(Section):
    """Group statistics (/stats, /retention, /topmembers, digests, activity alerts)."""

    # Who may use /stats, /retention and /topmembers in groups that never chose (/statsaccess).
    default_access: Literal["admins", "all"] = "all"
    # Rows of /topmembers.
    top_rows: int = Field(default=10, ge=1, le=50)
    # How often the leading process closes finished days (member counts, activity alerts).
    check_seconds: Seconds = 600.0


class TimersConfig(Section):
    """Which process runs timed work when several share one PostgreSQL database."""

    leader_retry_seconds: float = Field(default=15.0, gt=0, le=50)
    leader_check_seconds: float = Field(default=10.0, gt=0, le=50)


class OutboundConfig(Section):
    """Outgoing messages: per-chat budgets, priorities, and merging of queued replies."""

    # False: every message is sent when asked, with no per-chat budget (only for a Bot API
    # server without Telegram's limits).
    enabled: bool = True
    # Telegram lets a bot send about 20 messages a minute to one group.
    chat_messages: int = Field(default=20, ge=1, le=1_000_000)
    window_seconds: Seconds = 60.0
    # Messages of each window that queued replies leave free for awaited sends (captchas,
    # welcomes, scheduled posts).
    normal_reserve: int = Field(default=3, ge=0, le=1_000_000)
    # From this many messages waiting in a chat, queued replies of one kind merge into one.
    merge_from: int = Field(default=5, ge=2, le=100_000)
    # Messages one chat may have waiting; past that its oldest queued reply is dropped.
    max_queued: int = Field(default=1_000, ge=10, le=1_000_000)

    @model_validator(mode="after")
    def _reserve_below_budget(self) -> OutboundConfig:
        if self.normal_reserve >= self.chat_messages:
            raise ValueError("normal_reserve must be smaller than chat_messages")
        return self


class LogConfig(Section):
    """Logging."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Settings(Section):
    """The whole configuration."""

    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    bot: BotConfig = Field(default_factory=BotConfig)
    welcome: WelcomeConfig = Field(default_factory=WelcomeConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    autoreply: AutoReplyConfig = Field(default_factory=AutoReplyConfig)
    moderation: ModerationConfig = Field(default_factory=ModerationConfig)
    spam: SpamConfig = Field(default_factory=SpamConfig)
    enforcement: EnforcementConfig = Field(default_factory=EnforcementConfig)
    stats: StatsConfig = Field(default_factory=StatsConfig)
    timers: TimersConfig = Field(default_factory=TimersConfig)
    captcha: CaptchaConfig = Field(default_factory=CaptchaConfig)
    cleanup: CleanupConfig = Field(default_factory=CleanupConfig)
    outbound: OutboundConfig = Field(default_factory=OutboundConfig)
    log: LogConfig = Field(default_factory=LogConfig)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> Settings:
        if self.telegram.mode == "webhook" and not self.webhook.url:
            raise ValueError("webhook.url is required when telegram.mode is 'webhook'")
        return self


class ConfigError(Exception):
    """A configuration problem, described in one line that names the key."""


def load_settings(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    require_token: bool = False,
) -> Settings:
    """Read the TOML file (if any), apply environment overrides and validate."""
    env = os.environ if env is None else env
    data = _read_toml(_resolve_path(path))
    _check_file_types(data)
    _merge(data, _env_overrides(env))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    if require_token and not settings.telegram.token.strip():
        raise ConfigError(
            f"telegram.token: missing; set it in the config file or the {TOKEN_ENV} variable"
        )
    return settings


def _resolve_path(path: str | Path | None) -> Path | None:
    if path is not None:
        resolved = Path(path)
        if not resolved.is_file():
            raise ConfigError(f"config file {resolved}: not found")
        return resolved
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def _read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc.strerror})") from None


def _check_file_types(data: dict[str, Any]) -> None:
    """TOML has types: a value of the wrong type in the file is an error, not converted.

    Environment values are always strings, so only the file is checked strictly; checks
    that involve several keys wait for the merged settings.
    """
    try:
        Settings.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if e["loc"]]
        if errors:
            raise ConfigError(_describe_error(errors[0], len(errors))) from None


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if env.get(TOKEN_ENV):
        overrides["telegram"] = {"token": env[TOKEN_ENV]}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        value = _list_value(raw) if _is_list_field(section, key) else raw
        _merge(overrides, {section: {key: value}})
    return overrides


def _is_list_field(section: str, key: str) -> bool:
    field = Settings.model_fields.get(section)
    model = field.annotation if field else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    inner = model.model_fields.get(key)
    return inner is not None and get_origin(inner.annotation) is list


def _list_value(raw: str) -> Any:
    """Read a list from the environment: JSON (``[1, 2]``) or comma-separated (``1,2``)."""
    text = raw.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return raw
    return [part.strip() for part in text.split(",") if part.strip()]


def _merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = dict(value) if isinstance(value, Mapping) else value


def _describe(exc: ValidationError) -> str:
    """The first error as one line: 'section.key: what is wrong'."""
    return _describe_error(exc.errors()[0], exc.error_count())


def _describe_error(error: ErrorDetails, count: int) -> str:
    key = ".".join(str(part) for part in error["loc"])
    extra = f" (and {count - 1} more)" if count > 1 else ""
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key{extra}"
    message = error["msg"].removeprefix("Value error, ")
    # A check across keys has no location of its own; its message names the keys.
    return f"{key}: {message}{extra}" if key else f"{message}{extra}"
