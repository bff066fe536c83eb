"""The sandbox: a piped session through the real features and storage."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from bot.app import Core
from bot.platforms.console import (
    BANNER,
    BOT_ID,
    CHAT,
    ConsolePort,
    Group,
    Sandbox,
    humanize,
    run_sandbox,
)
from bot.settings import load_settings
from core.chat import ChatActionError
from core.events import Command, Event, Message
from core.text import bold


async def session(tmp_path: Path, script: str, **env: str) -> str:
    """Run the sandbox in-process on a script and return what it printed."""
    settings = load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1", **env})
    out = io.StringIO()
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, io.StringIO(script), out, db_url=url)
    return out.getvalue()


async def test_join_is_welcomed(tmp_path: Path) -> None:
    """A newcomer gets the default Chinese welcome, by name."""
    output = await session(tmp_path, "/newmember Bob\n")
    assert "bot: 欢迎 Bob 加入 Sandbox Group！🎉" in output


async def test_member_refused_admin_allowed(tmp_path: Path) -> None:
    """A member may not change the welcome; the admin may, and the next join shows it."""
    script = "/setwelcome hi\n/as admin\n/setwelcome Hello {name}\n/newmember Carol\n"
    output = await session(tmp_path, script)
    assert "只有群管理员可以使用 /setwelcome" in output
    assert "bot: Hello Carol" in output


async def test_reply_based_setwelcome(tmp_path: Path) -> None:
    """/reply lets a command answer an earlier message, as on Telegram."""
    script = "Nice to see you, {name}!\n/as admin\n/reply 1 /setwelcome\n/newmember Dan\n"
    output = await session(tmp_path, script)
    assert "bot: Nice to see you, Dan!" in output


@pytest.mark.parametrize(
    "line",
    [
        "/",
        "/as",
        "/newmember",
        "/leave ghost",
        "/reply x",
        "/reply 999 hi",
        "/upload",
        "/upload /no/such/file.json",
        "/upload / caption",
        "x" * 10_000,
        "表情😀\u200b",
    ],
)
async def test_garbage_never_crashes(tmp_path: Path, line: str) -> None:
    """Odd input gets a usage line or is a plain message; the session goes on."""
    output = await session(tmp_path, f"{line}\n/newmember Eve\n")
    assert "Eve" in output.splitlines()[-1]
    assert "error:" not in output


@pytest.mark.parametrize(
    ("seconds", "text"), [(30, "30s"), (600, "10m"), (7200, "2h"), (86_400, "1d"), (90, "2m")]
)
def test_humanize(seconds: int, text: str) -> None:
    """Durations print in the largest whole unit."""
    assert humanize(seconds) == text


def test_piped_process(tmp_path: Path) -> None:
    """`printf '/newmember Bob' | python -m bot sandbox` prints the welcome and exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["BOT_WELCOME__BATCH_QUIET_SECONDS"] = "0.1"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        input="/newmember Bob\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "欢迎 Bob 加入 Sandbox Group" in done.stdout
    assert (tmp_path / "data" / "sandbox.db").exists()


class Recorder:
    """A stand-in dispatcher that keeps the events it is handed."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def handle(self, event: Event) -> None:
        """Keep the event."""
        self.events.append(event)


def offline(lines: list[str]) -> tuple[Sandbox, ConsolePort, Recorder]:
    """A sandbox whose events go to a recorder instead of the features."""
    group, recorder = Group(), Recorder()
    core = SimpleNamespace(table=SimpleNamespace(specs={}), dispatcher=recorder)
    return (
        Sandbox(cast(Core, core), group, lines.append),
        ConsolePort(group, lines.append),
        recorder,
    )


async def test_upload_sends_a_document_message(tmp_path: Path) -> None:
    """/upload PATH CAPTION is a document message from the speaker; its bytes can be fetched."""
    path = tmp_path / "replies.json"
    path.write_bytes(b'{"hi": "there"}')
    lines: list[str] = []
    sandbox, port, recorder = offline(lines)
    await sandbox.line(f"/upload {path} my replies")
    assert lines == ["[1] Alice: [file replies.json, 15 bytes] my replies"]
    event = recorder.events[0]
    assert isinstance(event, Message) and event.text == "my replies" and event.has_media
    assert event.document is not None and event.document.mime_type == "application/json"
    assert await port.download(event.document.file_id, 100) == b'{"hi": "there"}'
    with pytest.raises(ChatActionError) as caught:
        await port.download(event.document.file_id, 10)
    assert caught.value.reason == "too_big"


async def test_upload_refuses_missing_and_big_files(tmp_path: Path) -> None:
    """A missing or over-5-MB file gets one line and no message."""
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(5 * 1024 * 1024 + 1)
    lines: list[str] = []
    sandbox, port, recorder = offline(lines)
    await sandbox.line(f"/upload {tmp_path / 'missing.json'}")
    await sandbox.line(f"/upload {big}")
    await sandbox.line("/upload")
    assert lines == [
        f"cannot upload {tmp_path / 'missing.json'}: no such file",
        f"cannot upload {big}: larger than 5 MB",
        "usage: /upload PATH [CAPTION] (a local file of at most 5 MB)",
    ]
    assert recorder.events == []
    with pytest.raises(ChatActionError) as caught:
        await port.download("sandbox-file-99", 100)
    assert caught.value.reason == "not_found"


async def test_sent_file_can_be_replied_to(tmp_path: Path) -> None:
    """The bot's file is printed, numbered and answerable with /reply N /command."""
    lines: list[str] = []
    sandbox, port, recorder = offline(lines)
    message_id = await port.send_file(CHAT.id, b"[1, 2]", "export.json", bold("2") + " replies")
    assert lines == [f"[{message_id}] bot: [file export.json, 6 bytes] 2 replies"]
    await sandbox.line(f"/reply {message_id} /importreplies")
    command = recorder.events[0]
    assert isinstance(command, Command) and command.name == "importreplies"
    target = command.message.reply_to
    assert target is not None and target.sender.id == BOT_ID and target.sender.is_bot
    assert target.document is not None and target.document.file_name == "export.json"
    assert await port.download(target.document.file_id, 100) == b"[1, 2]"


async def test_upload_caption_command_runs(tmp_path: Path) -> None:
    """A caption that is a bot command runs through the real features, as on Telegram."""
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    output = await session(tmp_path, f"/upload {path} /help\n")
    _, _, answer = output.partition("[1] Alice: [file notes.txt, 5 bytes] /help\n")
    assert answer.startswith("[2] bot (reply to 1): ") and "/rules" in answer
    assert "error:" not in output


async def test_auto_replies_in_the_sandbox(tmp_path: Path) -> None:
    """Add, trigger, list, export, delete, import the export back; a member is refused."""
    script = (
        "/addreply 价格 nope\n"
        "/as admin\n"
        "/addreply 价格 十元一份，{name}\n"
        "/addreply =hi Hello | Docs -> https://docs.example\n"
        "/as Bob\n"
        "这个价格多少？\n"
        "HI!\n"
        "/as admin\n"
        "/replies\n"
        "/exportreplies\n"
        "/delreply 价格\n"
        "/reply 14 /importreplies\n"
        "/as Carol\n"
        "价格\n"
    )
    output = await session(tmp_path, script)
    assert "只有群管理员可以使用 /addreply" in output
    assert "bot (reply to 7): 十元一份，Bob" in output
    assert "bot (reply to 9): Hello\n[Docs" in output
    assert "#1 · 包含 · 价格" in output and "已触发 1 次" in output
    assert "[14] bot (reply to 13): [file replies-" in output
    assert "新增 1 条规则，0 条规则增加了回复，1 条已存在" in output
    assert "十元一份，Carol" in output


async def test_checkin_points_in_the_sandbox(tmp_path: Path) -> None:
    """Check in, a second try, the board, the shop with its last item, and an admin gift."""
    script = (
        "签到\n"
        "/checkin\n"
        "/as Bob\n"
        "打卡\n"
        "/as admin\n"
        "/additem Sticker pack 5 1\n"
        "/reply 1 /givepoints 100 good answer\n"
        "/as Alice\n"
        "/redeem sticker pack\n"
        "/as Bob\n"
        "/redeem sticker pack\n"
        "/top\n"
    )
    output = await session(tmp_path, script)
    assert "✅ Alice 签到成功：+10 积分" in output
    assert "你今天已经签到过了" in output
    assert "✅ Bob 签到成功" in output
    assert "➕ Alice 获得 100 积分（现有 110）" in output and "升到了 2 级：常客" in output
    assert "你用 5 积分兑换了“Sticker pack”（剩余 105 分）" in output
    assert "“Sticker pack”已经兑换完了" in output
    assert "🥇 Alice — 110" in output


# --- the sandbox's language (--lang) ---------------------------------------------------------


async def lang_session(tmp_path: Path, script: str, language: str | None, **env: str) -> str:
    """A sandbox session with ``--lang`` given (or not)."""
    settings = load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1", **env})
    out = io.StringIO()
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, io.StringIO(script), out, db_url=url, language=language)
    return out.getvalue()


@pytest.mark.parametrize(
    ("language", "env", "banner", "welcome"),
    [
        ("en", {}, BANNER["en"], "bot: Welcome to Sandbox Group, Bob! 🎉"),
        ("zh", {}, BANNER["zh"], "bot: 欢迎 Bob 加入 Sandbox Group！🎉"),
        (None, {}, BANNER["zh"], "bot: 欢迎 Bob 加入 Sandbox Group！🎉"),
        (None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"}, BANNER["en"], "Welcome to Sandbox Group"),
        ("zh", {"BOT_BOT__DEFAULT_LANGUAGE": "en"}, BANNER["zh"], "欢迎 Bob 加入"),
    ],
    ids=["en", "zh", "default", "from-settings", "flag-wins"],
)
async def test_lang_sets_the_banner_and_the_bots_language(
    tmp_path: Path, language: str | None, env: dict[str, str], banner: str, welcome: str
) -> None:
    output = await lang_session(tmp_path, "/newmember Bob\n", language, **env)
    assert output.startswith(banner + "\n")
    assert welcome in output


async def test_english_sandbox_help_is_english(tmp_path: Path) -> None:
    output = await lang_session(tmp_path, "/as admin\n/help\n", "en")
    assert "/help" in output and "Show the commands you can use" in output
    assert "沙盒" not in output


def test_lang_flag_as_a_process(tmp_path: Path) -> None:
    """`python -m bot sandbox --lang en` greets in English; an unknown language is refused."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["BOT_WELCOME__BATCH_QUIET_SECONDS"] = "0.1"
    run = [sys.executable, "-m", "bot", "sandbox", "--lang"]
    done = subprocess.run(
        [*run, "en"],
        input="/newmember Bob\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("The sandbox group is ready.")
    assert "Welcome to Sandbox Group, Bob!" in done.stdout
    refused = subprocess.run(
        [*run, "fr"], input="", cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "invalid choice: 'fr'" in refused.stderr
