"""Settings machinery: the section base, the base sections, and loading TOML plus environment.

Precedence, highest first: environment variables, the TOML file, built-in defaults.
An environment variable ``BOT_<SECTION>__<KEY>`` overrides ``<section>.<key>``
(for example ``BOT_DATABASE__URL`` or ``BOT_TELEGRAM__MODE``); a caller may name other
variables for a key (the shell: ``TELEGRAM_BOT_TOKEN`` sets ``telegram.token``). Lists in the
environment are comma-separated or JSON.

Each feature's section sits beside it (``handlers/<feature>/config.py``), each platform's in
the platform; the shell composes the whole ``Settings`` (``bot/settings.py``).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypeVar, get_origin
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
DEFAULT_CONFIG_FILE = "config.toml"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}

Seconds = Annotated[float, Field(gt=0, le=86_400)]
ModelT = TypeVar("ModelT", bound=BaseModel)


class Section(BaseModel):
    """Base for config sections: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


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


class CoreSettings(Protocol):
    """The sections the base reads; the shell's ``Settings`` has these and every other one."""

    @property
    def bot(self) -> BotConfig:
        """Behaviour shared by all groups."""
        ...

    @property
    def database(self) -> DatabaseConfig:
        """Where state lives."""
        ...

    @property
    def outbound(self) -> OutboundConfig:
        """Outgoing message budgets."""
        ...

    @property
    def timers(self) -> TimersConfig:
        """Which process runs timed work."""
        ...


class ConfigError(Exception):
    """A configuration problem, described in one line that names the key."""


def load_config(
    model: type[ModelT],
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    env_aliases: Mapping[str, tuple[str, str]] | None = None,
) -> ModelT:
    """Read the TOML file (if any), apply environment overrides and validate as ``model``.

    ``env_aliases`` names variables outside the ``BOT_`` scheme: ``{"X": ("section", "key")}``.
    """
    env = os.environ if env is None else env
    data = _read_toml(_resolve_path(path))
    _check_file_types(model, data)
    _merge(data, _env_overrides(model, env, env_aliases or {}))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


class _DatabaseOnly(BaseModel):
    """The database section alone; the other sections are the shell's to check."""

    model_config = ConfigDict(extra="ignore")

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)


def load_database_url(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """The configured database URL (for Alembic's command line, below the shell)."""
    return load_config(_DatabaseOnly, path, env).database.url


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


def _check_file_types(model: type[BaseModel], data: dict[str, Any]) -> None:
    """TOML has types: a value of the wrong type in the file is an error, not converted.

    Environment values are always strings, so only the file is checked strictly; checks
    that involve several keys wait for the merged settings.
    """
    try:
        model.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if e["loc"]]
        if errors:
            raise ConfigError(_describe_error(errors[0], len(errors))) from None


def _env_overrides(
    model: type[BaseModel], env: Mapping[str, str], aliases: Mapping[str, tuple[str, str]]
) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for alias, (section, key) in aliases.items():
        if env.get(alias):
            _merge(overrides, {section: {key: env[alias]}})
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        value = _list_value(raw) if _is_list_field(model, section, key) else raw
        _merge(overrides, {section: {key: value}})
    return overrides


def _is_list_field(model: type[BaseModel], section: str, key: str) -> bool:
    field = model.model_fields.get(section)
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
