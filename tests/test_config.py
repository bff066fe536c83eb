"""Settings: defaults, the TOML file, environment overrides and one-line errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from core.config import DEFAULT_DATABASE_URL, ConfigError
from core.ids import scoped

ROOT = Path(__file__).resolve().parents[1]

FULL_TOML = """\
[telegram]
token = "123:abc"
base_url = "http://localhost:8081/bot"
mode = "webhook"
poll_timeout = 50
max_retries = 5

[webhook]
listen = "127.0.0.1"
port = 8080
url = "https://bot.example.com/hook"
secret_token = "s3cr3t_-X"

[database]
url = "postgresql+asyncpg://bot:pw@db:5432/bot"
echo = true

[bot]
default_language = "en"
timezone = "Europe/Berlin"
owner_ids = [42, 4200000000]
admin_cache_seconds = 120
activity_flush_seconds = 1.5

[welcome]
batch_quiet_seconds = 3
batch_max_seconds = 15
max_names = 7

[log]
level = "debug"
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def in_empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a folder with no config.toml, so only defaults and env apply."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- defaults and the file ----------------------------------------------------------


def test_defaults_without_file_or_env(in_empty_dir: Path) -> None:
    settings = load_settings(None, {})
    assert settings.database.url == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///data/bot.db"
    assert settings.database.echo is False
    assert settings.bot.default_language == "zh"
    assert settings.bot.timezone == "Asia/Shanghai"
    assert settings.bot.owner_ids == []
    assert settings.telegram.mode == "polling"
    assert settings.telegram.token == ""
    assert settings.webhook.url == ""
    assert settings.log.level == "INFO"


def test_missing_token_is_fine_unless_required(in_empty_dir: Path) -> None:
    assert load_settings(None, {}, require_token=False).telegram.token == ""


def test_full_valid_toml(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, FULL_TOML), {}, require_token=True)
    assert settings.telegram.token == "123:abc"
    assert settings.telegram.base_url == "http://localhost:8081/bot"
    assert settings.telegram.mode == "webhook"
    assert settings.telegram.poll_timeout == 50
    assert settings.telegram.max_retries == 5
    assert settings.webhook.listen == "127.0.0.1"
    assert settings.webhook.port == 8080
    assert settings.webhook.url == "https://bot.example.com/hook"
    assert settings.webhook.secret_token == "s3cr3t_-X"
    assert settings.database.url == "postgresql+asyncpg://bot:pw@db:5432/bot"
    assert settings.database.echo is True
    assert settings.bot.default_language == "en"
    assert settings.bot.timezone == "Europe/Berlin"
    assert settings.bot.owner_ids == [42, 4200000000]
    assert settings.bot.admin_cache_seconds == 120.0
    assert settings.bot.activity_flush_seconds == 1.5
    assert settings.welcome.batch_quiet_seconds == 3.0
    assert settings.welcome.batch_max_seconds == 15.0
    assert settings.welcome.max_names == 7
    assert settings.log.level == "DEBUG", "log level is upper-cased"


def test_default_path_is_config_toml_in_cwd(in_empty_dir: Path) -> None:
    write(in_empty_dir, '[bot]\ndefault_language = "en"\n')
    assert load_settings(None, {}).bot.default_language == "en"


def test_shipped_example_is_valid_and_matches_defaults(in_empty_dir: Path) -> None:
    example = load_settings(ROOT / "config.example.toml", {})
    assert example == load_settings(None, {}) == Settings()


def test_partial_section_keeps_other_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[telegram]\npoll_timeout = 10\n"), {})
    assert settings.telegram.poll_timeout == 10
    assert settings.telegram.mode == "polling"
    assert settings.telegram.max_retries == 3


# --- environment --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "attribute", "expected"),
    [
        (
            {"BOT_DATABASE__URL": "postgresql+asyncpg://x@h/db"},
            "database.url",
            "postgresql+asyncpg://x@h/db",
        ),
        (
            {"BOT_TELEGRAM__MODE": "webhook", "BOT_WEBHOOK__URL": "https://h/p"},
            "telegram.mode",
            "webhook",
        ),
        ({"BOT_BOT__OWNER_IDS": "1,2"}, "bot.owner_ids", [1, 2]),
        ({"BOT_BOT__OWNER_IDS": " 1 , 2 ,"}, "bot.owner_ids", [1, 2]),
        ({"BOT_BOT__OWNER_IDS": "[1, 2]"}, "bot.owner_ids", [1, 2]),
        ({"BOT_BOT__OWNER_IDS": "7"}, "bot.owner_ids", [7]),
        ({"BOT_BOT__OWNER_IDS": ""}, "bot.owner_ids", []),
        ({"TELEGRAM_BOT_TOKEN": "123:env"}, "telegram.token", "123:env"),
        ({"BOT_TELEGRAM__POLL_TIMEOUT": "60"}, "telegram.poll_timeout", 60),
        ({"BOT_DATABASE__ECHO": "true"}, "database.echo", True),
        ({"BOT_LOG__LEVEL": "warning"}, "log.level", "WARNING"),
        ({"BOT_BOT__DEFAULT_LANGUAGE": "en"}, "bot.default_language", "en"),
        ({"bot_bot__default_language": "en"}, "bot.default_language", "zh"),
        ({"BOT_TOKEN": "ignored"}, "telegram.token", ""),
        ({"TELEGRAM_BOT_TOKEN": ""}, "telegram.token", ""),
    ],
    ids=[
        "database-url",
        "telegram-mode",
        "owner-ids-comma",
        "owner-ids-comma-spaces",
        "owner-ids-json",
        "owner-ids-single",
        "owner-ids-empty",
        "token",
        "int-from-string",
        "bool-from-string",
        "level-lowercase",
        "language",
        "lowercase-name-ignored",
        "no-double-underscore-ignored",
        "empty-token-ignored",
    ],
)
def test_env_override(
    in_empty_dir: Path, env: dict[str, str], attribute: str, expected: object
) -> None:
    section, key = attribute.split(".")
    settings = load_settings(None, env)
    assert getattr(getattr(settings, section), key) == expected


@pytest.mark.parametrize(
    ("toml", "env", "attribute", "expected"),
    [
        (
            '[database]\nurl = "sqlite+aiosqlite:///file.db"\n',
            {"BOT_DATABASE__URL": "sqlite+aiosqlite:///env.db"},
            "database.url",
            "sqlite+aiosqlite:///env.db",
        ),
        ('[telegram]\ntoken = "file"\n', {"TELEGRAM_BOT_TOKEN": "env"}, "telegram.token", "env"),
        (
            '[telegram]\nmode = "webhook"\n[webhook]\nurl = "https://h/p"\n',
            {"BOT_TELEGRAM__MODE": "polling"},
            "telegram.mode",
            "polling",
        ),
        ("[bot]\nowner_ids = [9]\n", {"BOT_BOT__OWNER_IDS": "1,2"}, "bot.owner_ids", [1, 2]),
        ('[telegram]\ntoken = "file"\n', {"TELEGRAM_BOT_TOKEN": ""}, "telegram.token", "file"),
    ],
    ids=["database-url", "token", "mode", "owner-ids", "empty-env-token-keeps-file"],
)
def test_env_beats_file(
    tmp_path: Path, toml: str, env: dict[str, str], attribute: str, expected: object
) -> None:
    section, key = attribute.split(".")
    settings = load_settings(write(tmp_path, toml), env)
    assert getattr(getattr(settings, section), key) == expected


def test_env_merges_into_file_section(tmp_path: Path) -> None:
    """An env override changes one key; the file's other keys in that section stay."""
    path = write(tmp_path, '[telegram]\npoll_timeout = 10\ntoken = "file"\n')
    settings = load_settings(path, {"BOT_TELEGRAM__MODE": "polling", "TELEGRAM_BOT_TOKEN": "e"})
    assert (settings.telegram.poll_timeout, settings.telegram.token) == (10, "e")


def test_env_does_not_leak_from_process(
    in_empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit env mapping is the only environment read; None means os.environ."""
    monkeypatch.setenv("BOT_BOT__DEFAULT_LANGUAGE", "en")
    assert load_settings(None, {}).bot.default_language == "zh"
    assert load_settings(None, None).bot.default_language == "en"


# --- errors -------------------------------------------------------------------------


ERROR_CASES = [
    ("[foo]\nbar = 1\n", {}, "foo", "unknown key"),
    ("top = 1\n", {}, "top", "unknown key"),
    ('[telegram]\ntokn = "x"\n', {}, "telegram.tokn", "unknown key"),
    ("[bot]\nowner_id = 1\n", {}, "bot.owner_id", "unknown key"),
    ("", {"BOT_FOO__BAR": "1"}, "foo", "unknown key"),
    ("", {"BOT_TELEGRAM__TOKN": "1"}, "telegram.tokn", "unknown key"),
    ('[telegram]\npoll_timeout = "abc"\n', {}, "telegram.poll_timeout", "integer"),
    ("[telegram]\npoll_timeout = 30.5\n", {}, "telegram.poll_timeout", "integer"),
    ("[database]\nurl = 5\n", {}, "database.url", "string"),
    ('[database]\necho = "maybe"\n', {}, "database.echo", "boolean"),
    ('[bot]\nowner_ids = "1,2"\n', {}, "bot.owner_ids", "list"),
    ('[bot]\nowner_ids = [1, "x"]\n', {}, "bot.owner_ids.1", "integer"),
    ("telegram = 5\n", {}, "telegram", "dictionary"),
    ("", {"BOT_TELEGRAM__POLL_TIMEOUT": "abc"}, "telegram.poll_timeout", "integer"),
    ("", {"BOT_BOT__OWNER_IDS": "1,x"}, "bot.owner_ids.1", "integer"),
    ("", {"BOT_BOT__OWNER_IDS": "[1, 2"}, "bot.owner_ids", "list"),
    ("[webhook]\nport = 70000\n", {}, "webhook.port", "less than or equal"),
    ("[bot]\nadmin_cache_seconds = 0\n", {}, "bot.admin_cache_seconds", "greater than"),
    ('[webhook]\nsecret_token = "a b"\n', {}, "webhook.secret_token", "pattern"),
    ('[log]\nlevel = "loud"\n', {}, "log.level", "INFO"),
    ('[bot]\ntimezone = "Mars/Base"\n', {}, "bot.timezone", "unknown time zone 'Mars/Base'"),
    ('[bot]\ntimezone = "Europe"\n', {}, "bot.timezone", "unknown time zone"),
    ('[bot]\ntimezone = "../etc/passwd"\n', {}, "bot.timezone", "unknown time zone"),
    ('[bot]\ntimezone = ""\n', {}, "bot.timezone", "unknown time zone"),
    ("", {"BOT_BOT__TIMEZONE": "Nowhere/City"}, "bot.timezone", "unknown time zone"),
    ('[bot]\ndefault_language = "fr"\n', {}, "bot.default_language", "'zh' or 'en'"),
    ("", {"BOT_BOT__DEFAULT_LANGUAGE": "de"}, "bot.default_language", "'zh' or 'en'"),
    ('[telegram]\nmode = "webhook"\n', {}, "webhook.url", "required"),
    ("", {"BOT_TELEGRAM__MODE": "webhook"}, "webhook.url", "required"),
    ('[telegram]\nmode = "push"\n', {}, "telegram.mode", "'polling' or 'webhook'"),
    ("[bot.owners]\nonebot = [-1]\n", {}, "bot.owners.onebot", "outside 0 <= id < 2**55"),
    ("[bot.owners]\ntelegram = [9007199254740993]\n", {}, "bot.owners.telegram", "outside"),
    ("[bot]\nowner_ids = [9007199254740993]\n", {}, "bot.owner_ids", "outside +-2**53"),
    ("[bot.owners]\nqq = [1]\n", {}, "bot.owners.qq", "unknown key"),
    ('[bot.owners]\nonebot = ["1"]\n', {}, "bot.owners.onebot.0", "integer"),
]


@pytest.mark.parametrize(
    ("toml", "env", "key", "words"),
    ERROR_CASES,
    ids=[f"{key}-{'env' if env else 'file'}" for _, env, key, _ in ERROR_CASES],
)
def test_error_names_the_key(
    tmp_path: Path, toml: str, env: dict[str, str], key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, toml), env)
    message = str(caught.value)
    assert "\n" not in message, "one line"
    assert key in message
    assert words in message
    if key != "webhook.url":
        assert message.startswith(f"{key}: "), message


def test_several_errors_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\npoll_timeout = "a"\nmax_retries = "b"\n')
    with pytest.raises(ConfigError, match=r"^telegram\.poll_timeout: .*\(and 1 more\)$"):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("toml", "env"),
    [
        ("", {}),
        ('[telegram]\ntoken = "   "\n', {}),
        ("", {"TELEGRAM_BOT_TOKEN": "  "}),
        ("", {"BOT_TELEGRAM__TOKEN": ""}),
    ],
    ids=["absent", "blank-in-file", "blank-in-env", "empty-bot-env"],
)
def test_missing_token_with_require_token(tmp_path: Path, toml: str, env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, toml), env, require_token=True)
    message = str(caught.value)
    assert message.startswith("telegram.token: missing")
    assert "TELEGRAM_BOT_TOKEN" in message


@pytest.mark.parametrize(
    "toml",
    ["[telegram\n", "a = \n", 'x = "unterminated\n', "[bot]\n[bot]\n"],
    ids=["table-header", "no-value", "string", "duplicate-table"],
)
def test_malformed_toml(tmp_path: Path, toml: str) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    message = str(caught.value)
    assert message.startswith(f"config file {path}: not valid TOML (")
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="not found") as caught:
        load_settings(missing, {})
    assert str(caught.value) == f"config file {missing}: not found"


def test_directory_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path, {})


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[bot]\nadmin_cache_seconds = true\n", "bot.admin_cache_seconds"),
        ("[telegram]\nmax_retries = true\n", "telegram.max_retries"),
        ("[bot]\nowner_ids = [true]\n", "bot.owner_ids"),
        ("[database]\necho = 1\n", "database.echo"),
    ],
    ids=["float-from-true", "int-from-true", "owner-id-from-true", "bool-from-int"],
)
def test_bool_and_number_are_not_interchangeable(tmp_path: Path, toml: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{key}"):
        load_settings(write(tmp_path, toml), {})


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[webhook]\nport = "8443"\n', "webhook.port"),
        ('[telegram]\npoll_timeout = "30"\n', "telegram.poll_timeout"),
    ],
    ids=["port", "poll-timeout"],
)
def test_string_is_not_a_number_in_the_file(tmp_path: Path, toml: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{key}"):
        load_settings(write(tmp_path, toml), {})


# --- the real process ---------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BOT_") and name != "TELEGRAM_BOT_TOKEN"
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[telegram]\ntokn = "x"\n', "telegram.tokn"),
        ('[telegram]\npoll_timeout = "abc"\n', "telegram.poll_timeout"),
        ('[bot]\ndefault_language = "en"\n', "telegram.token"),
    ],
    ids=["unknown-key", "wrong-type", "missing-token"],
)
def test_run_with_bad_config_exits_2_with_one_line(tmp_path: Path, toml: str, key: str) -> None:
    write(tmp_path, toml, "bad.toml")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", "bad.toml"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"config error: {key}: "), lines[0]
    assert not (tmp_path / "data").exists(), "nothing was started"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
        ("postgresql://bot@db/bot", "postgresql+asyncpg://bot@db/bot"),
        ("postgresql+asyncpg://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
    ],
)
def test_database_url_gets_the_async_driver(url: str, expected: str) -> None:
    """Plain URLs are given the async driver; passwords survive."""
    assert load_settings(None, {"BOT_DATABASE__URL": url}).database.url == expected


@pytest.mark.parametrize("url", ["mysql://x/y", "garbage", ""])
def test_bad_database_url_names_the_key(url: str) -> None:
    """An unusable database URL is a config error naming database.url."""
    with pytest.raises(ConfigError, match=r"^database\.url: "):
        load_settings(None, {"BOT_DATABASE__URL": url})


def _failed_start(tmp_path: Path, env: dict[str, str]) -> str:
    """Run ``python -m bot run`` that must fail at start-up: its last line of stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**_clean_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """A database that does not answer stops start-up with one line, no traceback."""
    env = {
        "TELEGRAM_BOT_TOKEN": "1:x",
        "BOT_DATABASE__URL": "postgresql://postgres@127.0.0.1:1/none",
    }
    assert _failed_start(tmp_path, env).startswith("error: database:")


def test_taken_onebot_port_is_one_line_naming_onebot(tmp_path: Path) -> None:
    """A reverse OneBot port already in use stops start-up with one OneBot line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            "BOT_ONEBOT__MODE": "reverse",
            "BOT_ONEBOT__PORT": str(taken.getsockname()[1]),
            "BOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        }
        last = _failed_start(tmp_path, env)
    assert last.startswith("error: onebot: cannot listen on 127.0.0.1:"), last


# --- bot owners per platform ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("", set()),
        ("[bot]\nowner_ids = [42]\n", {42}),
        ("[bot.owners]\ntelegram = [42]\n", {42}),
        ("[bot]\nowner_ids = [42]\n[bot.owners]\ntelegram = [42, 7]\n", {42, 7}),
        ("[bot.owners]\nonebot = [10001]\n", {scoped("onebot", 10001)}),
        (
            "[bot]\nowner_ids = [10001]\n[bot.owners]\nonebot = [10001]\n",
            {10001, scoped("onebot", 10001)},
        ),
    ],
    ids=[
        "none",
        "owner-ids-mean-telegram",
        "owners-telegram",
        "both-telegram-forms-merged",
        "onebot-scoped",
        "same-number-two-people",
    ],
)
def test_owners_per_platform_are_scoped_on_load(
    tmp_path: Path, toml: str, expected: set[int]
) -> None:
    """``bot.owner_ids`` stays Telegram's; ``[bot.owners]`` names each platform's own ids."""
    settings = load_settings(write(tmp_path, toml), {})
    assert settings.bot.all_owner_ids == expected


def test_owners_copied_without_telegram_ids_keep_the_others(tmp_path: Path) -> None:
    """The owner set is read afresh, so a copy with other owner ids says so at once."""
    settings = load_settings(write(tmp_path, "[bot]\nowner_ids = [42]\n"), {})
    assert settings.bot.model_copy(update={"owner_ids": []}).all_owner_ids == frozenset()


@pytest.mark.parametrize(
    ("toml", "env", "mode"),
    [
        ('[onebot]\nmode = "reverse"\n', {}, "reverse"),
        ("", {"BOT_ONEBOT__MODE": "reverse"}, "reverse"),
        ('[onebot]\nmode = "forward"\nurl = "ws://127.0.0.1:3001"\n', {}, "forward"),
    ],
    ids=["reverse-in-file", "reverse-in-env", "forward"],
)
def test_onebot_alone_needs_no_token(
    tmp_path: Path, toml: str, env: dict[str, str], mode: str
) -> None:
    settings = load_settings(write(tmp_path, toml), env, require_token=True)
    assert settings.onebot.mode == mode
    assert settings.telegram.token == ""


@pytest.mark.parametrize(
    ("env", "key", "value"),
    [
        ({"BOT_ONEBOT__PORT": "3002"}, "port", 3002),
        ({"BOT_ONEBOT__ACCESS_TOKEN": "t0k"}, "access_token", "t0k"),
        ({"BOT_ONEBOT__PATH": "/qq"}, "path", "/qq"),
        ({}, "mode", ""),
    ],
)
def test_onebot_section_from_env(env: dict[str, str], key: str, value: object) -> None:
    assert getattr(load_settings(None, env).onebot, key) == value


def test_onebot_forward_without_url_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {"BOT_ONEBOT__MODE": "forward"})
    assert "onebot" in str(caught.value)


def test_example_onebot_section_is_valid_once_uncommented() -> None:
    import re
    import tomllib

    from bot.platforms.onebot.config import OneBotConfig

    text = (Path(__file__).parent.parent / "config.example.toml").read_text(encoding="utf-8")
    block = text[text.index("# [onebot]") : text.index("[database]")]
    lines = [line[2:] for line in block.splitlines() if re.match(r"^# (\[onebot\]|\w+ = )", line)]
    section = tomllib.loads("\n".join(lines))["onebot"]
    assert OneBotConfig(**section).mode == "reverse"
    assert set(section) == set(OneBotConfig.model_fields)
