"""The command line as a table: ``--help`` lists every subcommand, bench comes from bench/."""

from __future__ import annotations

import argparse
import subprocess
import sys

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
