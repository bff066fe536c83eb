"""The command line as a table: ``--help`` lists every subcommand, bench comes from bench/."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

import bench.cli
import bot.__main__ as cli
from bench.__main__ import shell_arguments
from bot.settings import Settings

NAMES = ["run", "migrate", "health", "sandbox", "bench", "spam-eval"]


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What ``python -m bot ARGV`` prints for --help (it exits 0)."""
    with pytest.raises(SystemExit) as stop:
        cli.main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys)
    assert "{" + ",".join(NAMES) + "}" in text
    for command in (*cli.SUBCOMMANDS, *bench.cli.COMMANDS):
        assert command.help.split()[0] in text


def test_bench_help_lists_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys, "bench")
    for kind in bench.cli.KINDS:
        assert f"--{kind.flag}" in text


def test_without_the_bench_package_the_product_still_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deployment that ships no bench/ (the Docker image) lacks only bench and spam-eval."""
    monkeypatch.setattr(cli, "BENCH_PACKAGE", "no_such_bench_package")
    assert "{run,migrate,health,sandbox}" in help_text(capsys)
    with pytest.raises(SystemExit) as stop:
        cli.main(["bench"])
    assert stop.value.code == 2


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["bench"]),
        (["--spam", "--repeats", "1"], ["bench", "--spam", "--repeats", "1"]),
        (["spam-eval", "--train", "x.csv"], ["spam-eval", "--train", "x.csv"]),
    ],
)
def test_python_m_bench_speaks_for_the_shell(argv: list[str], expected: list[str]) -> None:
    assert shell_arguments(argv) == expected


@pytest.mark.parametrize(
    ("flags", "ran"),
    [
        ([], "updates"),
        (["spam"], "spam"),
        (["cleanup", "schedule"], "schedule"),
        (["spam", "checkin"], "checkin"),
    ],
)
def test_the_first_kind_in_the_table_wins(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], ran: str
) -> None:
    """Flags are tried in the table's order, as the old if/elif chain did."""
    done: list[str] = []

    def runner(name: str) -> bench.cli.Runner:
        return lambda args, settings: done.append(name)

    kinds = tuple(bench.cli.Kind(k.flag, k.help, runner(k.flag)) for k in bench.cli.KINDS)
    monkeypatch.setattr(bench.cli, "KINDS", kinds)
    monkeypatch.setattr(bench.cli, "_updates", runner("updates"))
    args = argparse.Namespace(**{k.flag: k.flag in flags for k in kinds})
    bench.cli.run_bench(args, Settings())
    assert done == [ran]


def test_python_m_bench_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "--schedule" in done.stdout


@pytest.mark.parametrize(
    ("toml", "ran"),
    [
        ('[onebot]\nmode = "reverse"\n', "onebot"),
        ('[onebot]\nmode = "forward"\nurl = "ws://127.0.0.1:3001"\n', "onebot"),
        ('[telegram]\ntoken = "1:x"\n', "telegram"),
        ('[telegram]\ntoken = "1:x"\n[onebot]\nmode = "reverse"\n', "telegram+onebot"),
    ],
    ids=["onebot-reverse", "onebot-forward", "telegram", "both"],
)
def test_run_starts_the_configured_platforms(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, toml: str, ran: str
) -> None:
    """``run`` serves OneBot alone without a token, Telegram alone, or both from Telegram's
    runner (which takes OneBot in when ``[onebot] mode`` is set)."""
    import bot.platforms.onebot.app as onebot
    import bot.platforms.telegram.app as telegram

    seen: list[str] = []

    def runner(name: str) -> Callable[[Settings, object], Coroutine[Any, Any, None]]:
        async def run(settings: Settings, stop: object) -> None:
            seen.append(name + ("+onebot" if name == "telegram" and settings.onebot.mode else ""))

        return run

    monkeypatch.setattr(onebot, "run", runner("onebot"))
    monkeypatch.setattr(telegram, "run", runner("telegram"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = tmp_path / "cfg.toml"
    config.write_text(toml + "[database]\nurl = 'sqlite+aiosqlite:///:memory:'\n", encoding="utf-8")
    assert cli.main(["run", "--config", str(config)]) == 0
    assert seen == [ran]


def test_run_without_token_nor_onebot_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = tmp_path / "cfg.toml"
    config.write_text("[bot]\ndefault_language = 'zh'\n", encoding="utf-8")
    assert cli.main(["run", "--config", str(config)]) == cli.EXIT_CONFIG
    error = capsys.readouterr().err
    assert "telegram.token: missing" in error and "onebot.mode" in error
