"""The sandbox in the QQ view (``--qq``): typed choices, plain text, ``@name``, split texts."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.platforms.console import QQ_BANNER, Group, QQConsolePort, run_sandbox
from bot.platforms.onebot.port import CAPABILITIES
from bot.settings import Settings, load_settings
from core.events import User
from core.ids import ONEBOT, native_for
from core.text import Text, bold, link, mention, plain

# A numbered sandbox message from the bot: ``[7] bot: ...`` or ``[7] bot (reply to 6): ...``.
BOT_LINE = re.compile(r"^\[(\d+)\] bot(?: \(reply to \d+\))?: ", re.MULTILINE)
HTML_TAG = re.compile(r"</?(?:b|i|u|s|a|code|pre|tg-spoiler|blockquote)\b[^>]*>")


async def session(tmp_path: Path, script: str, settings: Settings | None = None) -> str:
    """Run the QQ view in-process on a script (one database per test); what it printed."""
    settings = settings or load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1"})
    out = io.StringIO()
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, io.StringIO(script), out, db_url=url, qq=True)
    return out.getvalue()


def after(output: str, marker: str) -> str:
    """What the session printed after the first occurrence of ``marker``."""
    _, found, tail = output.partition(marker)
    assert found, f"{marker!r} not in the output"
    return tail


async def test_captcha_is_answered_by_typing_its_number(tmp_path: Path) -> None:
    """The newcomer is muted as QQ mutes (30 days at most), named with an ``@``, and types 1."""
    output = await session(tmp_path, "/as admin\n/captcha on\n/newmember Bob\n/as Bob\n1\n")
    assert QQ_BANNER["zh"] in output
    asked = after(output, "(Bob joined the group)")
    assert asked.splitlines()[1] == "[muted Bob for 30d]"
    assert "👋 欢迎 @Bob" in asked.splitlines()[2]
    assert asked.splitlines()[3] == "1. ✅ 我不是机器人"
    assert "[unmuted Bob]" in after(asked, "Bob: 1")
    assert "[popup]" not in output  # QQ has no pop-ups


async def test_a_mention_is_shown_as_at_name_and_people_have_qq_numbers(tmp_path: Path) -> None:
    """The welcome's mention is ``@Bob``; /who lists the QQ numbers the group uses."""
    output = await session(tmp_path, "/newmember Bob\n/who\n")
    assert "欢迎 @Bob 加入 Sandbox Group" in output
    assert "- admin (QQ 10001, admin)" in output
    assert "- Bob (QQ 10003)" in output


async def test_no_markup_reaches_the_output(tmp_path: Path) -> None:
    """Bold help headings, rules, stats and a captcha come out as plain text, no HTML."""
    script = "/as admin\n/help\n/help 基础\n/setrules <b>be kind</b>\n/rules\n/stats\n"
    output = await session(tmp_path, script)
    assert BOT_LINE.search(output)
    assert "<b>be kind</b>" in after(output, "/rules")  # what the admin typed, shown literally
    shown = output.replace("<b>be kind</b>", "")
    assert not HTML_TAG.search(shown)
    assert "&lt;" not in shown and "&amp;" not in shown


async def test_a_long_text_is_split_at_the_message_limit(tmp_path: Path) -> None:
    """Rules longer than onebot.message_limit arrive as several messages, cut at spaces."""
    rules = " ".join(f"第{n}条：请友善交流，不发广告。" for n in range(1, 12))
    settings = load_settings(None, {"BOT_ONEBOT__MESSAGE_LIMIT": "100"})
    output = await session(tmp_path, f"/as admin\n/setrules {rules}\n/rules\n", settings)
    shown = after(output, "admin: /rules\n")
    numbers = [int(n) for n in BOT_LINE.findall(shown)]
    parts = [p.rstrip("\n") for p in BOT_LINE.split(shown)[2::2]]
    assert len(parts) >= 3
    assert numbers == list(range(numbers[0], numbers[0] + len(parts)))
    assert all(len(part) <= 100 for part in parts)
    assert rules in "".join(parts).replace("\n", "")


async def test_an_edit_becomes_a_new_message(tmp_path: Path) -> None:
    """Confirming /clearreplies by typing 1: the outcome is a new numbered message."""
    script = "/as admin\n/addreply 价格 十元\n/clearreplies\n1\n"
    output = await session(tmp_path, script)
    confirmed = after(output, "admin: 1\n")
    assert re.match(r"\[\d+\] bot: 🗑 @admin 删除了全部 1 条关键词回复。", confirmed)
    assert "[edited" not in output


async def test_a_ban_is_a_removal_qq_keeps_out(tmp_path: Path) -> None:
    """/ban removes the member for good; /unban says QQ cannot lift it."""
    script = "/as Bob\nhello\n/as admin\n/reply 1 /ban\n/reply 1 /unban\n"
    output = await session(tmp_path, script)
    assert "[removed Bob; QQ refuses their join requests from now on]" in output
    assert "[QQ has no unban: an admin may invite Bob back]" in output


@pytest.mark.parametrize(
    ("owners", "answer"),
    [
        ("[10002]", "群规已更新"),
        ("[1, 2]", "只有群管理员可以使用 /setrules"),
        ("[]", "只有群管理员"),
    ],
    ids=["alice-qq-number", "telegram-sized-numbers", "none"],
)
async def test_qq_owners_are_qq_numbers(tmp_path: Path, owners: str, answer: str) -> None:
    """``[bot.owners] onebot = [10002]`` makes Alice (QQ 10002) an owner in the QQ view;
    the sandbox's Telegram numbers (Alice is 2 there) mean nobody here."""
    config = tmp_path / "config.toml"
    config.write_text(f"[bot.owners]\nonebot = {owners}\ntelegram = [1, 2]\n", "utf-8")
    output = await session(tmp_path, "/setrules Be kind\n", load_settings(config, {}))
    assert answer in after(output, "Alice: /setrules")


def qq_port(language: str = "zh", limit: int = 4500) -> tuple[QQConsolePort, list[str]]:
    """A QQ-view port printing into a list."""
    lines: list[str] = []
    return QQConsolePort(
        Group(platform=ONEBOT), lines.append, limit=limit, language=language
    ), lines


@pytest.mark.parametrize(("language", "placeholder"), [("zh", "[图片]"), ("en", "[image]")])
async def test_an_image_is_a_placeholder_line(language: str, placeholder: str) -> None:
    port, lines = qq_port(language)
    sent = await port.send_photo(port.group.chat.id, b"\x89PNG", bold("📊 Stats"))
    assert sent == 1
    assert lines == [f"[1] bot: {placeholder}\n📊 Stats"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (bold("hi ") + plain("<b>x</b>"), "hi <b>x</b>"),
        (link("docs", "https://example.org"), "docs (https://example.org)"),
        (Text("a & b"), "a & b"),
    ],
    ids=["bold-and-literal-tags", "link-label-then-address", "ampersand"],
)
async def test_formatting_becomes_plain_text(text: Text, shown: str) -> None:
    port, lines = qq_port()
    await port.send(port.group.chat.id, text, reply_to=5)
    assert lines == [f"[1] bot (reply to 5): {shown}"]


async def test_mentions_name_members_and_others_by_number() -> None:
    """A member's ``at`` shows their name; a mention of a Telegram user stays its label."""
    port, lines = qq_port()
    bob = port.group.member("Bob")
    outsider = mention(User(42, "Tg"))
    await port.send(port.group.chat.id, mention(bob) + plain(" and ") + outsider)
    assert native_for(ONEBOT, bob.id) == 10003
    assert lines == ["[1] bot: @Bob and Tg"]


async def test_an_empty_text_sends_nothing() -> None:
    port, lines = qq_port()
    assert await port.send(port.group.chat.id, "") is None
    assert lines == []
    assert port.capabilities == CAPABILITIES


def test_the_qq_flag_as_a_process(tmp_path: Path) -> None:
    """``python -m bot sandbox --qq --lang en``: the QQ banner and an ``@`` welcome."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["BOT_WELCOME__BATCH_QUIET_SECONDS"] = "0.1"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--qq", "--lang", "en"],
        cwd=tmp_path,
        env=env,
        input="/newmember Bob\n",
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    assert QQ_BANNER["en"] in done.stdout
    assert "@Bob" in done.stdout
