"""Welcome messages end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import ADMIN_ID, GROUP, OWNER_ID, BotFactory
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call

BOB = make_user(201, "Bob")
EVIL = make_user(202, "<b>x</b> {group}")
MEMBER = make_user(300, "Mallory")


def texts(api: FakeBotApi) -> list[str]:
    """Texts of every sendMessage so far."""
    return [c.params["text"] for c in api.calls_to("sendMessage")]


def to_group(call: Call) -> bool:
    """True for calls aimed at the test group."""
    return call.params.get("chat_id") == GROUP


def join(api: FakeBotApi, user: dict, *, both: bool = True) -> None:
    """A member joins; Telegram reports it as chat_member and as a service message."""
    if both:
        api.push_update(api.chat_member_update(GROUP, user, "left", "member"))
    api.push_update(api.new_members_update(GROUP, [user]))


async def command(api: FakeBotApi, user: dict | int, text: str, replies: int = 1) -> str:
    """Send a command and return the text of the bot's answer."""
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, user, text))
    calls = await api.wait_for("sendMessage", before + replies)
    return calls[-1].params["text"]


async def test_join_gets_one_default_welcome_with_name_escaped(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """One join, reported twice, gives one Chinese welcome; markup in the name stays text."""
    await start_bot()
    join(api, EVIL)
    calls = await api.wait_for("sendMessage", predicate=to_group)
    await asyncio.sleep(0.8)
    assert len(api.calls_to("sendMessage")) == 1
    params = calls[0].params
    assert params["parse_mode"] == "HTML"
    assert "欢迎" in params["text"] and "Test Group" in params["text"]
    assert "&lt;b&gt;x&lt;/b&gt; {group}" in params["text"]
    assert "<b>x</b>" not in params["text"]
    assert f'<a href="tg://user?id={EVIL["id"]}">' in params["text"]


async def test_admin_setwelcome_changes_the_next_welcome(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The creator sets a template; the next newcomer gets it."""
    await start_bot()
    answer = await command(api, ADMIN_ID, "/setwelcome Hello {name}, welcome to {group}!")
    assert "Hello" in answer
    join(api, BOB)
    calls = await api.wait_for("sendMessage", 2)
    assert calls[-1].params["text"] == "Hello Bob, welcome to Test Group!"


async def test_member_setwelcome_is_refused_and_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A plain member gets a refusal; the welcome stays the default."""
    await start_bot()
    answer = await command(api, MEMBER, "/setwelcome pwned {name}")
    assert "只有群管理员" in answer
    join(api, BOB)
    calls = await api.wait_for("sendMessage", 2)
    assert "pwned" not in calls[-1].params["text"]
    assert "欢迎" in calls[-1].params["text"]


async def test_anonymous_admin_and_owner_may_configure(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """An admin posting as the group, and a bot owner, both count as admins."""
    await start_bot()
    before = len(api.calls_to("sendMessage"))
    api.push_update(api.message_update(GROUP, 1087968824, "/cleanwelcome on", sender_chat=GROUP))
    calls = await api.wait_for("sendMessage", before + 1)
    assert "删除上一条" in calls[-1].params["text"]
    answer = await command(api, OWNER_ID, "/lang en")
    assert "English" in answer


async def test_raid_gets_one_combined_welcome(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Twenty joins in quick succession give one welcome naming all of them."""
    await start_bot()
    raiders = [make_user(1000 + i, f"Raider{i}") for i in range(20)]
    for user in raiders:
        join(api, user)
        await asyncio.sleep(0.01)
    calls = await api.wait_for("sendMessage")
    await asyncio.sleep(1.0)
    assert len(api.calls_to("sendMessage")) == 1
    text = calls[0].params["text"]
    assert all(f"Raider{i}<" in text for i in range(20))


async def test_a_slow_raid_still_gets_one_welcome(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Joins spread over five quiet windows, each before the last one ran out: one welcome."""
    await start_bot()
    for i in range(10):
        join(api, make_user(2000 + i, f"Slow{i}"))
        await asyncio.sleep(0.15)
    calls = await api.wait_for("sendMessage")
    await asyncio.sleep(0.6)
    assert len(api.calls_to("sendMessage")) == 1
    assert all(f"Slow{i}<" in calls[0].params["text"] for i in range(10))


async def test_settings_survive_a_restart(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A template set before a restart is used after it."""
    first = await start_bot()
    await command(api, ADMIN_ID, "/setwelcome Persisted {name}")
    await first.stop()
    api.clear_calls()
    await start_bot()
    join(api, BOB)
    calls = await api.wait_for("sendMessage")
    assert calls[-1].params["text"] == "Persisted Bob"


async def test_retry_after_on_send_message_is_retried(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A 429 with retry_after is waited out and the welcome still arrives."""
    await start_bot()
    api.fail_next("sendMessage", status=429, retry_after=1)
    join(api, BOB)
    calls = await api.wait_for(
        "sendMessage", 2, timeout=8, predicate=lambda c: c.params.get("chat_id") == GROUP
    )
    assert calls[0].status == 429
    assert calls[1].status in (None, 200)
    assert "Bob" in calls[1].params["text"]


async def test_server_errors_do_not_stop_the_bot(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A 500 on one call loses that message only; the next one goes out."""
    await start_bot()
    api.fail_next("sendMessage", status=500)
    api.push_update(api.message_update(GROUP, MEMBER, "/rules"))
    await api.wait_for("sendMessage")
    answer = await command(api, MEMBER, "/rules")
    assert "群规" in answer


async def test_commands_are_registered_in_both_languages(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """setMyCommands runs for members and admins, in zh and en."""
    await start_bot()
    calls = api.calls_to("setMyCommands")
    languages = {c.params.get("language_code") for c in calls}
    assert {"zh", "en"} <= languages
    scopes = {(c.params.get("scope") or {}).get("type") for c in calls}
    assert {"default", "all_chat_administrators"} <= scopes
    member_menu = next(
        c.params["commands"]
        for c in calls
        if c.params.get("language_code") == "en" and c.params["scope"]["type"] == "default"
    )
    names = {item["command"] for item in member_menu}
    assert "help" in names and "setwelcome" not in names


async def test_help_shows_admin_commands_to_admins_only(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/help lists what the caller may use; admin commands are in the admins' topics."""
    await start_bot()
    member_help = await command(api, MEMBER, "/help")
    admin_help = await command(api, ADMIN_ID, "/help")
    assert "/rules" in member_help and "/setwelcome" not in member_help
    assert "/help 欢迎" not in member_help and "/help 欢迎" in admin_help
    assert "/setwelcome" not in await command(api, MEMBER, "/help welcome")
    assert "/setwelcome" in await command(api, ADMIN_ID, "/help welcome")


async def test_missing_delete_right_is_reported_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Without the delete right, the admins hear it once and the bot keeps working."""
    await start_bot()
    api.set_bot_rights(GROUP, can_delete_messages=False)
    await command(api, ADMIN_ID, "/cleanservice on")
    for user in (BOB, MEMBER):
        join(api, user, both=False)
        await asyncio.sleep(0.05)
    await api.wait_for("deleteMessage", 2)
    await asyncio.sleep(0.8)
    notices = [t for t in texts(api) if "删除消息" in t]
    assert len(notices) == 1
    assert any("Bob" in t and "Mallory" in t for t in texts(api))


async def test_clean_service_deletes_join_messages(api: FakeBotApi, start_bot: BotFactory) -> None:
    """With /cleanservice on, the join service message is deleted."""
    await start_bot()
    await command(api, ADMIN_ID, "/cleanservice on")
    update = api.new_members_update(GROUP, [BOB])
    api.push_update(update)
    calls = await api.wait_for("deleteMessage")
    assert calls[0].params["message_id"] == update["message"]["message_id"]


async def test_bad_input_gets_translated_errors(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Unknown placeholders and bad switches are refused with a clear message."""
    await start_bot()
    assert "{nme}" in await command(api, ADMIN_ID, "/setwelcome Hi {nme}")
    assert "on" in await command(api, ADMIN_ID, "/cleanwelcome maybe")
    assert "zh|en" in await command(api, ADMIN_ID, "/lang fr")
    join(api, BOB)
    calls = await api.wait_for("sendMessage", 4)
    assert "Hi" not in calls[-1].params["text"]


async def test_admin_list_refreshes_when_admins_change(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The admin list is cached, and a promotion reported by Telegram takes effect at once."""
    await start_bot()
    assert "只有群管理员" in await command(api, MEMBER, "/welcome")
    fetches = len(api.calls_to("getChatAdministrators"))
    assert "只有群管理员" in await command(api, MEMBER, "/welcome")
    assert len(api.calls_to("getChatAdministrators")) == fetches, "served from the cache"
    api.set_admins(GROUP, [MEMBER], creator_id=ADMIN_ID)
    api.push_update(
        api.chat_member_update(GROUP, MEMBER, "member", "administrator", from_user=ADMIN_ID)
    )
    assert "预览" in await command(api, MEMBER, "/welcome")
