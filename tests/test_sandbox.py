"""The sandbox: a piped session through the real features and storage."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.platforms.console import humanize, run_sandbox


async def session(tmp_path: Path, script: str, **env: str) -> str:
    """Run the sandbox in-process on a script and return what it printed."""
    settings = load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1", **env})
    out = io.StringIO()
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, io.StringIO(script), out, db_url=url)
    return out.getvalue()


async def test_join_is_welcomed(tmp_path: Path) -> None:
    """A newcomer gets the default Chinese welcome, by name."""
    output = await session(tmp_path, "/join Bob\n")
    assert "bot: 欢迎 Bob 加入 Sandbox Group！🎉" in output


async def test_member_refused_admin_allowed(tmp_path: Path) -> None:
    """A member may not change the welcome; the admin may, and the next join shows it."""
    script = "/setwelcome hi\n/as admin\n/setwelcome Hello {name}\n/join Carol\n"
    output = await session(tmp_path, script)
    assert "只有群管理员可以使用 /setwelcome" in output
    assert "bot: Hello Carol" in output


async def test_reply_based_setwelcome(tmp_path: Path) -> None:
    """/reply lets a command answer an earlier message, as on Telegram."""
    script = "Nice to see you, {name}!\n/as admin\n/reply 1 /setwelcome\n/join Dan\n"
    output = await session(tmp_path, script)
    assert "bot: Nice to see you, Dan!" in output


@pytest.mark.parametrize(
    "line",
    [
        "/",
        "/as",
        "/join",
        "/leave ghost",
        "/reply x",
        "/reply 999 hi",
        "x" * 10_000,
        "表情😀\u200b",
    ],
)
async def test_garbage_never_crashes(tmp_path: Path, line: str) -> None:
    """Odd input gets a usage line or is a plain message; the session goes on."""
    output = await session(tmp_path, f"{line}\n/join Eve\n")
    assert "Eve" in output.splitlines()[-1]
    assert "error:" not in output


@pytest.mark.parametrize(
    ("seconds", "text"), [(30, "30s"), (600, "10m"), (7200, "2h"), (86_400, "1d"), (90, "2m")]
)
def test_humanize(seconds: int, text: str) -> None:
    """Durations print in the largest whole unit."""
    assert humanize(seconds) == text


def test_piped_process(tmp_path: Path) -> None:
    """`printf '/join Bob' | python -m bot sandbox` prints the welcome and exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["BOT_WELCOME__BATCH_QUIET_SECONDS"] = "0.1"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        input="/join Bob\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "欢迎 Bob 加入 Sandbox Group" in done.stdout
    assert (tmp_path / "data" / "sandbox.db").exists()
