"""A newcomer's first steps: the README's set-up commands in a working order, clear errors."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def section(title: str) -> str:
    """One ``## `` or ``### `` section of the README, up to the next heading of any level."""
    text = README.read_text("utf-8")
    start = text.index(f"{title}\n")
    end = text.find("\n#", start + len(title))
    return text[start : end if end != -1 else len(text)]


def commands(text: str) -> list[list[str]]:
    """The shell commands of the section's ``sh`` blocks, in order, as word lists."""
    found = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                found.append(words)
    return found


def order_problems(steps: list[list[str]]) -> list[str]:
    """What would fail on first use: a config file used before it is made, a run with no token.

    Each ``sh`` block is a separate way through, so files made in one do not carry over.
    """
    problems: list[str] = []
    made: set[str] = set()
    for words in steps:
        env = {w.partition("=")[0] for w in words if re.fullmatch(r"[A-Z_]+=.*", w)}
        words = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]
        if words[:2] == ["pip", "install"]:
            made = set()  # a new way through starts with the install
        if words[:1] == ["cp"] and len(words) == 3:
            made.add(words[2])
        if words[:4] == ["python", "-m", "bot", "run"]:
            named = words[words.index("--config") + 1] if "--config" in words else None
            if named is not None and named not in made:
                problems.append(f"{' '.join(words)}: {named} does not exist yet")
            has_file = named in made if named else "config.toml" in made
            if not has_file and "TELEGRAM_BOT_TOKEN" not in env:
                problems.append(f"{' '.join(words)}: no config file and no token")
    return problems


def test_readme_set_up_runs_in_order() -> None:
    """Every way through "Set up and run" makes the config before the run that needs it."""
    steps = commands(section("## Set up and run"))
    assert steps[0][:2] == ["pip", "install"]
    assert order_problems(steps) == []
    # Each way through is install, (copy,) run: at most three commands, two without the file.
    ways = [block for block in _BLOCK.findall(section("## Set up and run"))]
    assert [len(commands(f"```sh\n{way}```")) for way in ways] == [3, 2]


@pytest.mark.parametrize(
    ("steps", "problems"),
    [
        (
            [
                ["pip", "install", "-e", "."],
                ["python", "-m", "bot", "run", "--config", "config.toml"],
            ],
            [
                "python -m bot run --config config.toml: config.toml does not exist yet",
                "python -m bot run --config config.toml: no config file and no token",
            ],
        ),
        (
            [["pip", "install", "."], ["python", "-m", "bot", "run"]],
            ["python -m bot run: no config file and no token"],
        ),
        ([["pip", "install", "."], ["TELEGRAM_BOT_TOKEN=1:a", "python", "-m", "bot", "run"]], []),
        (
            [
                ["pip", "install", "."],
                ["cp", "config.example.toml", "config.toml"],
                ["python", "-m", "bot", "run", "--config", "config.toml"],
            ],
            [],
        ),
    ],
    ids=["old-readme", "no-token", "token-in-env", "copied-first"],
)
def test_order_problems(steps: list[list[str]], problems: list[str]) -> None:
    assert order_problems(steps) == problems


def test_the_copied_example_takes_the_token(tmp_path: Path) -> None:
    """`cp config.example.toml config.toml`, set telegram.token, and the settings load."""
    copied = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.example.toml", copied)
    text = copied.read_text("utf-8")
    assert text.count('token = ""') >= 1
    copied.write_text(text.replace('token = ""', 'token = "123456:made-up"', 1), "utf-8")
    settings = load_settings(copied, {}, require_token=True)
    assert settings.telegram.token == "123456:made-up"


@pytest.mark.parametrize("command", ["run", "migrate", "sandbox"])
def test_a_missing_config_file_is_one_clear_line(tmp_path: Path, command: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot", command, "--config", "missing.toml"],
        cwd=tmp_path,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["config error: config file missing.toml: not found"]
    assert not (tmp_path / "data").exists()


_TOML = re.compile(r"```toml\n(.*?)```", re.DOTALL)


def test_readme_qq_section_runs_without_a_telegram_token(tmp_path: Path) -> None:
    """ "QQ groups": its config snippet loads, and each run it shows needs no Telegram token."""
    from core.ids import ONEBOT, scoped

    text = section("## QQ groups (OneBot v11)")
    snippet = tmp_path / "config.toml"
    snippet.write_text(textwrap.dedent(_TOML.findall(text)[0]), "utf-8")
    settings = load_settings(snippet, {}, require_token=True)
    assert settings.onebot.mode == "reverse"
    assert (settings.onebot.port, settings.onebot.path) == (6700, "/onebot/v11/ws")
    assert f"ws://HOST:{settings.onebot.port}{settings.onebot.path}" in text
    assert scoped(ONEBOT, 123456789) in settings.bot.all_owner_ids
    runs = [words for words in commands(text) if words[-3:] == ["-m", "bot", "run"]]
    assert runs
    for words in runs:
        env = dict(w.split("=", 1) for w in words if re.fullmatch(r"[A-Z_]+=.*", w))
        assert "TELEGRAM_BOT_TOKEN" not in env
        assert load_settings(None, env, require_token=True).onebot.mode == "reverse"


def test_readme_sandbox_qq_command_parses() -> None:
    """The README's ``python -m bot sandbox --qq`` is a real flag."""
    from bot.__main__ import SUBCOMMANDS, _parser

    assert "python -m bot sandbox --qq" in README.read_text("utf-8")
    assert _parser(SUBCOMMANDS).parse_args(["sandbox", "--qq"]).qq is True
