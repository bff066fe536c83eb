"""Keyword auto-replies end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command, to_group
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import Call


def replies_to(api: FakeBotApi, message_id: int) -> list[Call]:
    """The bot's messages that answer one message."""
    return [
        c
        for c in api.calls_to("sendMessage")
        if to_group(c) and (c.params.get("reply_parameters") or {}).get("message_id") == message_id
    ]


async def say(api: FakeBotApi, user: dict[str, Any] | int, text: str) -> list[Call]:
    """A member's message; returns the bot's answers to it once it has surely been handled.

    Updates of one chat are handled in order, so once a later command is answered the
    message before it is done with.
    """
    update = api.message_update(GROUP, user, text)
    api.push_update(update)
    marker = api.message_update(GROUP, MEMBER, "/rules")
    api.push_update(marker)
    done = marker["message"]["message_id"]
    await api.wait_for("sendMessage", predicate=lambda c: c in replies_to(api, done))
    return replies_to(api, update["message"]["message_id"])


async def test_admin_adds_member_triggers_with_button_and_name(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The answer replies to the member's message, fills {name} and carries the URL button."""
    await start_bot()
    answer = await command(
        api, ADMIN_ID, '/addreply "opening hours" Hi {name}: 9-18 | Map -> https://map.example'
    )
    assert "已添加关键词回复 #1" in answer
    (reply,) = await say(api, MEMBER, "What are the ＯＰＥＮＩＮＧ hours?")
    assert reply.params["text"] == "Hi Mallory: 9-18"
    keyboard = reply.params["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Map", "url": "https://map.example"}]]
    assert await say(api, MEMBER, "opening hours again") == []  # the cooldown holds


async def test_members_cannot_add_or_delete(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Every auto-reply command is refused to members and changes nothing."""
    await start_bot()
    await command(api, ADMIN_ID, "/addreply price 10 yuan")
    for text in (
        "/addreply spam buy now",
        "/delreply price",
        "/delreply 1",
        "/clearreplies",
        "/replycooldown 0",
        "/importreplies",
        "/exportreplies",
        "/replies",
    ):
        assert "只有群管理员" in await command(api, MEMBER, text)
    assert await say(api, MEMBER, "spam") == []
    (reply,) = await say(api, MEMBER, "price?")
    assert reply.params["text"] == "10 yuan"


async def test_list_and_delete(api: FakeBotApi, start_bot: BotFactory) -> None:
    """/replies shows ids, modes and counts; /delreply by keyword removes the rule."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    await command(api, ADMIN_ID, "/addreply price 10 yuan")
    await command(api, ADMIN_ID, "/addreply re:多少\\s*钱 看置顶")
    await say(api, MEMBER, "多少 钱?")
    listing = await command(api, ADMIN_ID, "/replies")
    assert "#1 · contains · <code>price</code>" in listing
    assert "#2 · regex · <code>re:多少\\s*钱</code>" in listing and "triggered 1×" in listing
    assert "Deleted auto-reply #2" in await command(api, ADMIN_ID, "/delreply re:多少\\s*钱")
    assert await say(api, MEMBER, "多少钱") == []


async def test_clear_asks_and_only_admins_confirm(api: FakeBotApi, start_bot: BotFactory) -> None:
    """/clearreplies posts buttons; a member's press is refused; the admin's clears all."""
    await start_bot()
    await command(api, ADMIN_ID, "/addreply a 1")
    await command(api, ADMIN_ID, "/addreply b 2")
    question = await command(api, ADMIN_ID, "/clearreplies")
    assert "2" in question
    asked = api.calls_to("sendMessage")[-1]
    message_id = asked.result["message_id"]
    buttons = asked.params["reply_markup"]["inline_keyboard"][0]
    yes = buttons[0]["callback_data"]
    api.push_update(api.callback_query_update(GROUP, MEMBER, yes, message_id))
    refusal = await api.wait_for("answerCallbackQuery")
    assert refusal[-1].params.get("show_alert") is True
    api.push_update(api.callback_query_update(GROUP, ADMIN_ID, yes, message_id))
    edits = await api.wait_for("editMessageText")
    assert "删除了全部 2 条" in edits[-1].params["text"]
    assert "还没有关键词回复" in await command(api, ADMIN_ID, "/replies")


async def test_export_then_import_round_trip(api: FakeBotApi, start_bot: BotFactory) -> None:
    """An exported file, replied to with /importreplies replace, restores every rule."""
    await start_bot()
    await command(api, ADMIN_ID, "/addreply price 10 yuan | Shop -> https://shop.example")
    await command(api, ADMIN_ID, "/addreply =hi Hello {mention}")
    await command(api, ADMIN_ID, "/addreply =hi Hey {name}")
    await command(api, ADMIN_ID, "/replycooldown 5")
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/exportreplies"))
    (sent,) = await api.wait_for("sendDocument")
    exported = json.loads(sent.params["document"].data)
    assert [r["keyword"] for r in exported["rules"]] == ["price", "hi"]
    assert exported["cooldown_seconds"] == 5
    document_message = sent.result["message_id"]

    await command(api, ADMIN_ID, "/delreply price")
    await command(api, ADMIN_ID, "/replycooldown 0")
    report = await _import(api, document_message, "/importreplies replace")
    assert "新增 2 条规则" in report and "本群现有 2 条" in report
    listing = await command(api, ADMIN_ID, "/replies")
    assert "price" in listing and "2 条回复" in listing
    (reply,) = await say(api, MEMBER, "price")
    assert reply.params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://shop.example"


async def _import(api: FakeBotApi, reply_to: int, text: str) -> str:
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, ADMIN_ID, text, reply_to=reply_to))
    calls = await api.wait_for("sendMessage", before + 1)
    return calls[-1].params["text"]


async def test_import_reports_bad_rows_and_refuses_broken_files(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Good rows load, bad rows are listed by number; a broken file changes nothing."""
    await start_bot()
    rows = [
        {"keyword": "ok", "replies": ["fine"]},
        {"mode": "regex", "keyword": "(a)\\1", "replies": ["x"]},
        {"keyword": "", "replies": ["x"]},
    ]
    good = api.upload(json.dumps({"rules": rows}).encode(), "rules.json")
    upload = api.message_update(GROUP, ADMIN_ID, "", extra={"document": good})
    api.push_update(upload)
    report = await _import(api, upload["message"]["message_id"], "/importreplies")
    assert "新增 1 条规则" in report
    assert "第 2 行" in report and "反向引用" in report and "第 3 行" in report

    broken = api.upload(b'{"rules": [{"keyword": "half"', "broken.json")
    upload = api.message_update(GROUP, ADMIN_ID, "", extra={"document": broken})
    api.push_update(upload)
    report = await _import(api, upload["message"]["message_id"], "/importreplies replace")
    assert "不是有效的 JSON" in report and "没有做任何修改" in report
    listing = await command(api, ADMIN_ID, "/replies")
    assert "ok" in listing and "（1 条；" in listing


async def test_import_of_an_oversized_file_is_refused(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    await start_bot(BOT_AUTOREPLY__MAX_IMPORT_BYTES="1000")
    big = api.upload(b" " * 5000, "big.json")
    upload = api.message_update(GROUP, ADMIN_ID, "", extra={"document": big})
    api.push_update(upload)
    report = await _import(api, upload["message"]["message_id"], "/importreplies")
    assert "文件太大" in report


async def test_import_with_the_command_as_the_file_caption(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A file sent with /importreplies as its caption is loaded, no reply needed."""
    await start_bot()
    text = '[[rules]]\nkeyword = "营业时间"\nreplies = ["9:00-18:00"]\n'
    document = api.upload(text.encode(), "faq.toml", "application/toml")
    before = len(api.calls_to("sendMessage"))
    api.push_update(
        api.message_update(
            GROUP, ADMIN_ID, "", caption="/importreplies", extra={"document": document}
        )
    )
    calls = await api.wait_for("sendMessage", before + 1)
    assert "新增 1 条规则" in calls[-1].params["text"]
    (reply,) = await say(api, MEMBER, "请问营业时间？")
    assert reply.params["text"] == "9:00-18:00"
