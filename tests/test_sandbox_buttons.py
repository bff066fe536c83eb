"""Pressing through button flows in the sandbox, which has no buttons: typed choices."""

from __future__ import annotations

import io
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from bot.platforms.console import run_sandbox
from bot.settings import load_settings


async def session(tmp_path: Path, script: str) -> str:
    """Run the sandbox in-process on a script (one database per test) and return its output."""
    settings = load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1"})
    out = io.StringIO()
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, io.StringIO(script), out, db_url=url)
    return out.getvalue()


def after(output: str, marker: str) -> str:
    """What the session printed after the first line containing ``marker``."""
    _, found, tail = output.partition(marker)
    assert found, f"{marker!r} not in the output"
    return tail


async def test_button_captcha_is_answered_by_typing_its_number(tmp_path: Path) -> None:
    """The newcomer types 1 for the one button; someone else's 1 is an ordinary message."""
    script = "/as admin\n/captcha on\n/newmember Bob\n/as Alice\n1\n/as Bob\n1\n"
    output = await session(tmp_path, script)
    asked = after(output, "👋 欢迎 Bob")
    assert asked.splitlines()[1] == "1. ✅ 我不是机器人"
    alice = after(asked, "Alice: 1")
    assert "[unmuted Bob]" not in alice.split("Bob: 1")[0]  # Alice's 1 took nothing
    assert "[unmuted Bob]" in after(alice, "Bob: 1")
    # No pop-ups: the answer to a typed choice is a reply to it.
    assert "(reply to 6): 验证通过，欢迎！" in output and "[popup]" not in output


# A typed line, or one worked out from what the sandbox printed so far.
Line = str | Callable[[Callable[[], str]], str]


class Typist(io.StringIO):
    """Input whose lines may be worked out from what the sandbox printed so far."""

    def __init__(self, out: io.StringIO, lines: list[Line]) -> None:
        super().__init__()
        self.out, self.lines = out, lines

    def readline(self, size: int | None = -1) -> str:
        """The next line, written after reading the output so far."""
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        return (line(self.out.getvalue) if callable(line) else line) + "\n"


def sum_labels(output: str) -> tuple[str, list[str]]:
    """The right answer and the printed options of the latest sum captcha."""
    question = output.rpartition("的答案")[0].rpartition("选出 ")[2]
    a, b = question.split(" + ")
    labels = after(output.rpartition("选出 ")[2], "\n").splitlines()[0].split()
    return str(int(a) + int(b)), [label.strip("[]") for label in labels]


async def test_math_captcha_takes_the_typed_answer(tmp_path: Path) -> None:
    """A sum's options are shown as labels: a wrong one costs a try, the right one passes."""
    out = io.StringIO()

    def wrong(read: Callable[[], str]) -> str:
        right, labels = sum_labels(read())
        assert right in labels and len(labels) == 4
        return next(label for label in labels if label != right)

    lines: list[Line] = [
        "/as admin",
        "/captcha on",
        "/captcha math",
        "/newmember Carol",
        "/as Carol",
        wrong,
        lambda read: sum_labels(read())[0],
    ]
    settings = load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1"})
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(settings, Typist(out, lines), out, db_url=url)
    output = out.getvalue()
    assert "答案不对，已换一道新题" in after(output, "Carol: ").split("[unmuted Carol]")[0]
    assert "[unmuted Carol]" in output
    assert "): 验证通过，欢迎！" in output


async def test_clear_replies_confirmed_by_typing(tmp_path: Path) -> None:
    """/clearreplies: a member's 1 is left alone, the admin's 1 clears every rule."""
    script = "/as admin\n/addreply 价格 十元\n/clearreplies\n/as Bob\n1\n/as admin\n1\n/replies\n"
    output = await session(tmp_path, script)
    asked = after(output, "/clearreplies")
    assert "1. " in asked and "2. " in asked
    bob = after(asked, "Bob: 1")
    assert "(reply to" not in bob.split("admin: 1")[0]
    cleared = after(bob, "admin: 1")
    assert "🗑 admin 删除了全部 1 条关键词回复。" in cleared.splitlines()[1]
    assert "本群还没有关键词回复" in after(cleared, "/replies")


async def test_report_handled_by_typing_a_choice(tmp_path: Path) -> None:
    """A report's delete / warn / ban become 1 / 2 / 3, for the admins only."""
    script = "buy cheap stuff here\n/as Carol\n/reply 1 /report spam\n2\n/as admin\n3\n1\n"
    output = await session(tmp_path, script)
    report = after(output, "举报 #1")
    assert "1. 🗑" in report and "3. ⛔" in report
    carol = after(report, "Carol: 2")
    assert "[banned Alice]" not in carol.split("admin: 3")[0]
    banned = after(carol, "admin: 3")
    assert "[deleted message 1]" in banned and "[banned Alice]" in banned
    assert "(reply to 6): 已完成：⛔ 封禁。" in banned
    # The choices went with the handled report: the admin's next 1 is a plain message.
    assert "已完成" not in after(banned, "admin: 1")


def waiting_for(marker: str, then: str) -> Callable[[Callable[[], str]], str]:
    """A line typed once ``marker`` was printed (the bot's background work is done)."""

    def line(read: Callable[[], str]) -> str:
        deadline = time.monotonic() + 10
        while marker not in read() and time.monotonic() < deadline:
            time.sleep(0.02)
        return then

    return line


async def test_cleanup_confirmed_by_typing(tmp_path: Path) -> None:
    """/cleanup's confirm is typed by the admin who asked (Carol's 1 takes nothing): Bob,
    silent since 2000, goes."""
    await session(tmp_path, "/newmember Bob\n/as Bob\nhello\n/newmember Carol\n/as Carol\nhi\n")
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        old = "2000-01-01 00:00:00.000000"
        sql = "UPDATE members SET last_seen = ?, first_seen = ?, joined_at = ? WHERE name = ?"
        db.execute(sql, (old, old, old, "Bob"))
    out = io.StringIO()
    # The sandbox numbers people as they are first named: Bob first, as before.
    lines: list[Line] = ["/as Bob", "/as admin", "/cleanup 30", "/as Carol", "1", "/as admin"]
    lines += ["1", waiting_for("🧹 清理完成", "/as admin")]
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await run_sandbox(load_settings(None, {}), Typist(out, lines), out, db_url=url)
    output = out.getvalue()
    asked = after(output, "/cleanup 30")
    assert "1. " in asked and "2. " in asked
    assert "[kicked Bob]" not in after(asked, "Carol: 1").split("admin: 1")[0]
    assert "[kicked Bob]" in after(output, "admin: 1")


async def test_schedule_by_reply_posts_the_text_where_messages_cannot_be_copied(
    tmp_path: Path,
) -> None:
    """The sandbox cannot copy a message: a /schedule reply keeps the message's text."""
    script = "hello world notice\n/as admin\n/reply 1 /schedule every 2h\n/schedules\n"
    listing = after(await session(tmp_path, script), "/schedules")
    assert "#1 · every 2h" in listing and "    hello world notice" in listing
