"""The learning spam filter end to end: fake Bot API <-> real application <-> SQLite.

The bot starts from a small self-written corpus (tests/spam_corpus.py) given as sample files.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import web

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import command
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call
from tests.spam_corpus import write_files

NEWBIE = make_user(601, "Newbie")
SECOND = make_user(602, "Second")
REGULAR = make_user(603, "Regular")
# Neither is in the corpus; the first is learned by /spam, the second must then be caught.
NOVEL = "祖传秘方专治脱发，三天见效，不灵退款"
SIMILAR = "祖传秘方专治脱发，七天见效，无效退款"
# Scores in the grey band of a bot trained on the corpus alone (0.6 <= score < 0.9).
DOUBTFUL = "同城交友，美女在线陪聊"
ADMIN_COMMANDS = [
    "/spam",
    "/notspam",
    "/spamcheck all",
    "/spamthreshold 0.5",
    "/spamaction ban",
    "/spamfilter off",
]


@pytest_asyncio.fixture
async def samples(tmp_path: Path) -> dict[str, str]:
    """Settings overrides naming the corpus files."""
    spam, ham = write_files(tmp_path)
    return {
        "BOT_MODERATION__SPAM_SAMPLES": json.dumps([str(spam)]),
        "BOT_MODERATION__HAM_SAMPLES": json.dumps([str(ham)]),
    }


def post(api: FakeBotApi, user: dict[str, Any], text: str) -> int:
    """A member posts a message; its id."""
    update = api.message_update(GROUP, user, text)
    api.push_update(update)
    return int(update["message"]["message_id"])


async def settle(api: FakeBotApi) -> None:
    """Wait until everything pushed so far was handled (updates of a chat run in order)."""
    await answer_to(api, ADMIN_ID, "/spamcheck")


async def answer_to(api: FakeBotApi, user: int, text: str, reply_to: int | None = None) -> str:
    """Send a command (possibly as a reply); the bot's answer to that very message."""
    update = api.message_update(GROUP, user, text, reply_to=reply_to)
    api.push_update(update)
    own = update["message"]["message_id"]

    def answers(call: Call) -> bool:
        return (call.params.get("reply_parameters") or {}).get("message_id") == own

    return (await api.wait_for("sendMessage", 1, predicate=answers))[-1].params["text"]


def deleted(api: FakeBotApi, message_id: int) -> bool:
    """Whether the bot deleted a message."""
    return any(int(c.params["message_id"]) == message_id for c in api.calls_to("deleteMessage"))


def restrictions(api: FakeBotApi, user_id: int) -> list[Call]:
    """restrictChatMember calls about one member."""
    return [c for c in api.calls_to("restrictChatMember") if c.params["user_id"] == user_id]


def can_send(call: Call) -> bool:
    """Whether a restrictChatMember call lets the member post."""
    return bool(call.params["permissions"].get("can_send_messages"))


def buttons(call: Call) -> list[dict[str, Any]]:
    """The inline buttons of a sendMessage call."""
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def next_report(api: FakeBotApi, action: Callable[[], int]) -> tuple[int, Call]:
    """Run ``action`` (which posts a message); its id and the next message with buttons."""
    before = sum(1 for c in api.calls_to("sendMessage") if buttons(c))
    message_id = action()
    calls = await api.wait_for("sendMessage", before + 1, predicate=lambda c: bool(buttons(c)))
    return message_id, calls[-1]


async def press(api: FakeBotApi, user: int, call: Call, data: str) -> Call:
    """Press a button under a bot message; the answerCallbackQuery call."""
    message_id = int(call.result["message_id"])
    before = len(api.calls_to("answerCallbackQuery"))
    api.push_update(api.callback_query_update(GROUP, user, data, message_id))
    return (await api.wait_for("answerCallbackQuery", before + 1))[-1]


async def admin_reply(api: FakeBotApi, text: str, to: int) -> str:
    """An admin's command as a reply; the bot's answer."""
    return await answer_to(api, ADMIN_ID, text, to)


async def test_spam_command_teaches_the_filter(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    """/spam on a message: deleted, author muted; the next similar message is caught."""
    await start_bot(**samples)
    await command(api, ADMIN_ID, "/lang en")
    first = post(api, NEWBIE, NOVEL)
    await settle(api)
    assert not deleted(api, first)
    answer = await admin_reply(api, "/spam", first)
    assert "Learned as spam" in answer and "delete" in answer and "mute" in answer
    assert deleted(api, first)
    (mute,) = restrictions(api, NEWBIE["id"])
    assert not can_send(mute) and mute.params["until_date"] > 0

    second, report = await next_report(api, lambda: post(api, SECOND, SIMILAR))
    assert "Spam from" in report.params["text"] and "Second" in report.params["text"]
    assert deleted(api, second)
    assert not can_send(restrictions(api, SECOND["id"])[-1])
    # A caught message offers only "not spam"; pressing it restores the member.
    (button,) = buttons(report)
    assert button["callback_data"].endswith("|h")
    answer_call = await press(api, ADMIN_ID, report, button["callback_data"])
    assert "learned" in answer_call.params.get("text", "")
    assert can_send(restrictions(api, SECOND["id"])[-1])
    edited = api.calls_to("editMessageText")[-1].params["text"]
    # In the group, the ad is not quoted again.
    assert "Not spam" in edited and SIMILAR not in edited
    # A second press changes nothing.
    again = await press(api, ADMIN_ID, report, button["callback_data"])
    assert "decided this already" in again.params["text"]


async def test_learned_samples_survive_a_restart(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    bot = await start_bot(**samples)
    first = post(api, NEWBIE, NOVEL)
    await settle(api)
    await admin_reply(api, "/spam", first)
    await bot.stop()

    await start_bot(**samples)
    second = post(api, SECOND, SIMILAR)
    await settle(api)
    assert deleted(api, second)


async def test_grey_band_reports_and_the_spam_button_acts(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    await start_bot(**samples)
    await command(api, ADMIN_ID, "/lang en")
    doubtful, report = await next_report(api, lambda: post(api, NEWBIE, DOUBTFUL))
    assert "Possible spam" in report.params["text"] and not deleted(api, doubtful)
    spam_button, ham_button = buttons(report)
    # Members may not decide.
    refused = await press(api, REGULAR["id"], report, spam_button["callback_data"])
    assert "Only the group's admins" in refused.params["text"]
    assert not deleted(api, doubtful)
    await press(api, ADMIN_ID, report, spam_button["callback_data"])
    assert deleted(api, doubtful)
    assert not can_send(restrictions(api, NEWBIE["id"])[-1])
    assert ham_button["callback_data"].endswith("|h")


async def test_scope_threshold_action_and_opt_out(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    """Members past their first message (here) are scored only with /spamcheck all."""
    await start_bot(**samples, BOT_SPAM__FIRST_MESSAGES="1")
    await command(api, ADMIN_ID, "/lang en")
    post(api, REGULAR, "hello everyone")
    spam = "Buy followers cheap, fast delivery"
    sixth = post(api, REGULAR, spam)
    await settle(api)
    assert not deleted(api, sixth)
    assert "every message" in await answer_to(api, ADMIN_ID, "/spamcheck all")
    assert "Write /spamcheck all" in await command(api, ADMIN_ID, "/spamcheck sometimes")
    assert "not a threshold" in await command(api, ADMIN_ID, "/spamthreshold 7")
    assert "0.90" in await command(api, ADMIN_ID, "/spamthreshold 0.9")
    assert "cannot use “fly”" in await command(api, ADMIN_ID, "/spamaction delete fly")
    assert "delete warn" in await answer_to(api, ADMIN_ID, "/spamaction delete warn")
    seventh = post(api, REGULAR, spam)
    await settle(api)
    assert deleted(api, seventh)
    assert restrictions(api, REGULAR["id"]) == []  # warned, not muted
    assert "off in this group" in await answer_to(api, ADMIN_ID, "/spamfilter off")
    eighth = post(api, REGULAR, spam)
    await settle(api)
    assert not deleted(api, eighth)
    assert "mute 1d" in await answer_to(api, ADMIN_ID, "/spamaction default")


async def test_admins_and_approved_members_are_not_scored(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    await start_bot(**samples)
    spam = "Buy followers cheap, fast delivery"
    mine = post(api, {"id": ADMIN_ID, "is_bot": False, "first_name": "Admin"}, spam)
    await settle(api)
    assert not deleted(api, mine)
    await command(api, ADMIN_ID, f"/approve {NEWBIE['id']}")
    theirs = post(api, NEWBIE, spam)
    await settle(api)
    assert not deleted(api, theirs)


async def test_members_cannot_use_spam_commands(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    await start_bot(**samples)
    target = post(api, NEWBIE, "hello")
    for text in ADMIN_COMMANDS:
        before = len(api.calls_to("sendMessage"))
        api.push_update(api.message_update(GROUP, REGULAR, text, reply_to=target))
        calls = await api.wait_for("sendMessage", before + 1)
        assert "只有群管理员" in calls[-1].params["text"], text
    assert not deleted(api, target)
    assert "scores the messages of new members" not in await command(api, ADMIN_ID, "/lang en")


@pytest_asyncio.fixture
async def cas_server() -> AsyncIterator[str]:
    """A local stand-in for api.cas.chat that lists user 601 (NEWBIE)."""

    async def check(request: web.Request) -> web.Response:
        listed = request.query.get("user_id") == str(NEWBIE["id"])
        return web.json_response({"ok": listed})

    app = web.Application()
    app.router.add_get("/check", check)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/check"
    await runner.cleanup()


async def test_cas_listed_newcomer_is_caught(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str], cas_server: str
) -> None:
    await start_bot(**samples, BOT_SPAM__CAS="true", BOT_SPAM__CAS_URL=cas_server)
    listed = post(api, NEWBIE, "hello everyone")
    clean = post(api, SECOND, "hello everyone")
    await settle(api)
    assert deleted(api, listed) and not deleted(api, clean)


async def test_opted_out_group_teaches_nothing_and_channel_posts_are_deleted(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    await start_bot(**samples)
    await command(api, ADMIN_ID, "/lang en")
    await answer_to(api, ADMIN_ID, "/spamfilter off")
    first = post(api, NEWBIE, NOVEL)
    await settle(api)
    assert "Learned as spam" in await admin_reply(api, "/spam", first)
    assert deleted(api, first)
    await answer_to(api, ADMIN_ID, "/spamfilter on")
    second = post(api, SECOND, SIMILAR)
    await settle(api)
    assert not deleted(api, second)  # the verdict above was not learned
    update = api.message_update(GROUP, None, "channel advert", sender_chat=-1003000000003)
    api.push_update(update)
    channel_post = int(update["message"]["message_id"])
    assert "delete" in await admin_reply(api, "/spam", channel_post)
    assert deleted(api, channel_post)


async def test_moderation_mode_governs_the_filter(
    api: FakeBotApi, start_bot: BotFactory, samples: dict[str, str]
) -> None:
    """/modmode dryrun: a caught message stays and its author keeps posting; off: not scored."""
    await start_bot(**samples)
    spam = "Buy followers cheap, fast delivery"
    await command(api, ADMIN_ID, "/modmode dryrun")
    kept = post(api, NEWBIE, spam)
    await settle(api)
    assert not deleted(api, kept)
    assert restrictions(api, NEWBIE["id"]) == []
    await command(api, ADMIN_ID, "/modmode off")
    still = post(api, SECOND, spam)
    await settle(api)
    assert not deleted(api, still)
    await command(api, ADMIN_ID, "/modmode on")
    caught = post(api, SECOND, spam)
    await settle(api)
    assert deleted(api, caught)
