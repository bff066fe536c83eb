"""Telegram failing, end to end: the real bot against the fake Bot API injecting 500s,
502 pages, refused and dropped connections, and answers that never come."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from bot.platforms.telegram.app import TelegramBot
from bot.platforms.telegram.split import visible_length
from core.chat import Button
from storage.schedules import ScheduleRepository
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_schedule_e2e import schedule_id
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi

PORT_LOG = "bot.platforms.telegram.port"


def posted(api: FakeBotApi, text: str) -> int:
    """How many times the fake stored a message with this text in the group."""
    return sum(1 for m in api.sent_messages if m["chat"]["id"] == GROUP and m.get("text") == text)


def tries(api: FakeBotApi, text: str) -> int:
    """How many sendMessage calls carried this text."""
    return sum(1 for c in api.calls_to("sendMessage") if c.params.get("text") == text)


def is_text(text: str) -> Callable[[dict], bool]:
    """A fault filter: sendMessage calls with this text."""
    return lambda params: params.get("text") == text


async def until(condition: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    """Wait (bounded) until the bot has done something the test can see."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def run_statuses(bot: TelegramBot, sid: int) -> list[str]:
    """A schedule's run statuses as stored by the bot."""
    async with bot.store.unit() as uow:
        return [run.status for run in await ScheduleRepository(uow).runs(sid)]


async def test_the_creator_keeps_admin_commands_when_the_admin_list_fails(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """getChatAdministrators answers 500: the creator is checked with getChatMember, and
    on the next message too, without waiting for the 600 s admin cache."""
    await start_bot()
    api.fail_next("getChatAdministrators", status=500, times=20)
    assert "还没有定时消息" in await command(api, ADMIN_ID, "/schedules")
    assert "还没有定时消息" in await command(api, ADMIN_ID, "/schedules")
    assert "只有群管理员" in await command(api, MEMBER, "/schedules"), "members still refused"
    assert len(api.calls_to("getChatAdministrators")) < 3, "the failure is remembered a while"
    asked = [c.params["user_id"] for c in api.calls_to("getChatMember")]
    assert asked.count(ADMIN_ID) >= 2 and MEMBER["id"] in asked


async def test_the_admin_list_is_fetched_again_soon_after_one_failure(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """One 500: the next lookup a few seconds later gets the list (not 600 s later)."""
    await start_bot()
    api.fail_next("getChatAdministrators", status=500)
    assert "还没有定时消息" in await command(api, ADMIN_ID, "/schedules")
    await asyncio.sleep(2.1)  # the first pause after a failure is 2 s
    assert "还没有定时消息" in await command(api, ADMIN_ID, "/schedules")
    assert [c.status for c in api.calls_to("getChatAdministrators")] == [500, 200]


@pytest.mark.parametrize(
    ("status", "html_page"), [(500, False), (502, False), (502, True)], ids=["500", "502", "html"]
)
async def test_a_scheduled_post_answered_5xx_is_retried_and_posted_once(
    api: FakeBotApi, start_bot: BotFactory, status: int, html_page: bool
) -> None:
    await start_bot()
    await command(api, ADMIN_ID, "/schedule in 1s through the storm")
    text = "through the storm"
    api.fail_next("sendMessage", status=status, html_page=html_page, match=is_text(text))
    await until(lambda: posted(api, text) == 1, "the post")
    assert tries(api, text) == 2


async def test_a_scheduled_post_waits_out_a_connection_failure(
    api: FakeBotApi, start_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot cannot connect when the post is due: it tries again and posts once."""
    caplog.set_level(logging.INFO, logger=PORT_LOG)
    await start_bot()
    await command(api, ADMIN_ID, "/schedule in 2s after the outage")
    await api.refuse_connections()
    await until(
        lambda: any(
            "sendMessage" in r.getMessage() and "not_sent" in r.getMessage() for r in caplog.records
        ),
        "a retry of the post after a failed connection",
    )
    await api.accept_connections()
    await until(lambda: posted(api, "after the outage") == 1, "the post")
    assert tries(api, "after the outage") == 1, "only the try that could connect arrived"


@pytest.mark.parametrize("fault", ["answer-lost", "time-out"])
async def test_a_post_whose_answer_is_lost_is_unknown_and_posted_exactly_once(
    api: FakeBotApi, start_bot: BotFactory, fault: str
) -> None:
    """Telegram posted it, but the bot never heard back (connection dropped, or PTB's
    5 s read time-out): recorded as unknown, never sent again."""
    bot = await start_bot()
    sid = schedule_id(await command(api, ADMIN_ID, "/schedule in 1s posted in the dark"))
    text = "posted in the dark"
    if fault == "answer-lost":
        api.drop_next("sendMessage", after_processing=True)
    else:
        api.delay("sendMessage", 6.0)
    await until(lambda: posted(api, text) == 1, "the post, stored by the fake")
    statuses: list[str] = []

    async def recorded() -> None:
        for _ in range(750):
            statuses[:] = await run_statuses(bot, sid)
            if statuses != ["sending"]:
                return
            await asyncio.sleep(0.02)

    await recorded()
    assert statuses == ["unknown"]
    assert tries(api, text) == 1 and posted(api, text) == 1


async def test_a_post_that_fails_for_good_is_told_listed_and_retried_by_an_admin(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Every try answered 500: the group is told, /schedules shows it, a member may not
    send it again, an admin may, and then it is posted once."""
    await start_bot()
    text = "doomed announcement"
    sid = schedule_id(await command(api, ADMIN_ID, f"/schedule in 1s {text}"))
    api.fail_next("sendMessage", status=500, times=100, match=is_text(text))
    notice = await api.wait_for(
        "sendMessage",
        predicate=lambda c: f"/retryschedule {sid}" in c.params.get("text", ""),
        timeout=15,
    )
    assert notice[0].params["chat_id"] == GROUP
    assert f"#{sid}" in notice[0].params["text"]
    api.clear_faults()
    assert posted(api, text) == 0
    listing = await command(api, ADMIN_ID, "/schedules")
    assert f"#{sid}" in listing and f"/retryschedule {sid}" in listing
    assert "只有群管理员" in await command(api, MEMBER, f"/retryschedule {sid}")
    assert posted(api, text) == 0
    answer = await command(api, ADMIN_ID, f"/retryschedule {sid}", replies=2)
    assert "已重新发送" in answer
    assert posted(api, text) == 1
    assert "没有需要重新发送" in await command(api, ADMIN_ID, f"/retryschedule {sid}")
    assert posted(api, text) == 1


async def test_a_check_in_reply_answered_500_still_arrives(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The reply to a check-in is sent again after a 500, not lost while the points stay."""
    await start_bot()
    api.fail_next("sendMessage", status=500)
    api.push_update(api.message_update(GROUP, MEMBER, "签到"))
    calls = await api.wait_for("sendMessage", 2, timeout=10)
    assert [c.status for c in calls[:2]] == [500, 200]
    assert calls[0].params["text"] == calls[1].params["text"]


async def test_a_long_reply_arrives_as_two_messages(api: FakeBotApi, start_bot: BotFactory) -> None:
    """6,000 characters through the running bot: two messages, each within Telegram's
    limit, buttons under the last."""
    bot = await start_bot()
    assert bot.core is not None
    text = "\n".join(f"<b>{n:03d}</b> " + "签到 points " * 10 for n in range(58))
    assert visible_length(text) > 6000
    before = len(api.calls_to("sendMessage"))
    await bot.core.runtime.port.send(GROUP, text, buttons=[[Button("OK", "test.ok")]])
    calls = (await api.wait_for("sendMessage", before + 2))[before:]
    assert len(calls) == 2
    assert all(c.status == 200 and visible_length(c.params["text"]) <= 4096 for c in calls)
    assert "reply_markup" not in calls[0].params and "reply_markup" in calls[1].params
