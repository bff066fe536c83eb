"""People by name, the points ledger and chats posting as themselves, end to end.

Names come from the store, else from getChatMember (then stored); /pointslog offers a next
page only when there is one; /exportledger sends the ledger as CSV; messages sent as a chat
(anonymous admins, channels) check nobody in and earn nothing.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.platforms.telegram.events import ANONYMOUS_ADMIN_ID
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call

ADA = make_user(110, "Ada")
STRANGER = make_user(777, "Zoë <b>ad</b>")
CHANNEL = -1003000000003
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
# Names are stored only at the activity flush: an hour away, so tests see what is not stored.
SLOW_FLUSH = {"BOT_BOT__ACTIVITY_FLUSH_SECONDS": "3600"}


def asked_about(api: FakeBotApi, user_id: int) -> list[Call]:
    """getChatMember calls about one person."""
    return [c for c in api.calls_to("getChatMember") if int(c.params["user_id"]) == user_id]


async def answer_to(
    api: FakeBotApi, update: dict[str, Any], predicate: Callable[[str], bool]
) -> str:
    """Push an update; the text of the next bot message the predicate accepts."""

    def matches(call: Call) -> bool:
        return predicate(call.params["text"])

    before = len([c for c in api.calls_to("sendMessage") if matches(c)])
    api.push_update(update)
    calls = await api.wait_for("sendMessage", before + 1, predicate=matches)
    return str(calls[-1].params["text"])


async def test_a_person_never_seen_is_named_by_the_platform_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/approve 777 of someone who never posted: the reply names them (escaped), and the
    name is stored, so /approved asks the platform nothing more."""
    api.resolve_user(STRANGER)
    await start_bot(**SLOW_FLUSH)
    await command(api, ADMIN_ID, "/lang en")
    answer = await command(api, ADMIN_ID, "/approve 777")
    assert 'id=777">Zoë &lt;b&gt;ad&lt;/b&gt;</a> is on the allow list' in answer
    listed = await command(api, ADMIN_ID, "/approved")
    assert 'id=777">Zoë &lt;b&gt;ad&lt;/b&gt;</a>' in listed
    warned = await command(api, ADMIN_ID, "/warn 777 spam")
    assert "Zoë &lt;b&gt;ad&lt;/b&gt;" in warned and "warned" in warned
    assert len(asked_about(api, 777)) == 1


async def test_the_id_is_shown_only_when_the_platform_does_not_know_the_person(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    await start_bot(**SLOW_FLUSH)
    await command(api, ADMIN_ID, "/lang en")
    api.fail_next("getChatMember", status=400, description="Bad Request: user not found")
    answer = await command(api, ADMIN_ID, "/warn 778 spam")
    assert 'id=778">778</a> has been warned' in answer


async def test_modlog_names_actors_and_targets(api: FakeBotApi, start_bot: BotFactory) -> None:
    """An admin who never posted before warns someone the bot never saw: /modlog names both."""
    api.resolve_user(STRANGER)
    api.set_admins(GROUP, [ADA], creator_id=ADMIN_ID)
    await start_bot(**SLOW_FLUSH)
    await command(api, ADMIN_ID, "/lang en")
    await command(api, ADA, "/warn 777 spam")
    await command(api, ADA, "/approve 777")
    log = await command(api, ADMIN_ID, "/modlog")
    assert log.count('id=110">Ada</a>') == 2
    assert log.count("Zoë &lt;b&gt;ad&lt;/b&gt;") == 2
    assert 'id=110">110</a>' not in log


async def test_anonymous_admins_and_channels_earn_no_points(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """/checkin and 签到 sent as the group are explained and credit nobody; a channel's long
    post earns nothing; an account a chat got before stays off /top."""
    api.add_chat(CHANNEL, title="News", type="channel")
    bot = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="0.2")
    await command(api, ADMIN_ID, "/lang en")

    def explained(text: str) -> bool:
        return "Post as yourself" in text

    for text in ("/checkin", "签到", "/makeup", "/redeem VIP"):
        update = api.message_update(GROUP, None, text, sender_chat=GROUP)
        assert explained(await answer_to(api, update, explained)), text
    api.push_update(
        api.message_update(GROUP, None, "a channel post long enough", sender_chat=CHANNEL)
    )
    await command(api, MEMBER, "/checkin")
    await asyncio.sleep(0.5)  # the activity flush
    # An account the anonymous admins got before this fix, with points earned.
    runtime = bot.core.runtime  # type: ignore[attr-defined]
    async with runtime.store.unit() as uow:
        repo = PointsRepository(uow)
        await repo.ensure_account(GROUP, ANONYMOUS_ADMIN_ID, "Group")
        await repo.credit(GROUP, ANONYMOUS_ADMIN_ID, 500, "checkin", None, None, runtime.now())
    board = await command(api, MEMBER, "/top")
    assert "Mallory" in board and "Group" not in board
    assert "rank #1" in await command(api, MEMBER, "/points")
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/exportledger"))
    (sent,) = await api.wait_for("sendDocument")
    rows = list(csv.DictReader(io.StringIO(sent.params["document"].data.decode("utf-8-sig"))))
    credited = {row["user_id"] for row in rows if row["kind"] in ("checkin", "activity")}
    assert str(MEMBER["id"]) in credited
    assert not {"136817688"} & credited  # the channel earned nothing
    assert [r["user_id"] for r in rows if r["kind"] == "checkin"].count(
        str(ANONYMOUS_ADMIN_ID)
    ) == 1


async def test_points_cannot_be_given_to_a_message_sent_as_a_chat(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    update = api.message_update(GROUP, None, "hello", sender_chat=GROUP)
    api.push_update(update)
    target = update["message"]["message_id"]
    given = api.message_update(GROUP, ADMIN_ID, "/givepoints 10", reply_to=target)
    assert "points belong to people" in await answer_to(api, given, lambda t: "people" in t)


async def add_entries(bot: Any, count: int, actor: int) -> None:
    """``count`` ledger entries of the member, given by ``actor``, a minute apart."""
    runtime = bot.core.runtime
    async with runtime.store.unit() as uow:
        await ChatRepository(uow).ensure_exists(GROUP)
        repo = PointsRepository(uow)
        await repo.ensure_account(GROUP, MEMBER["id"], MEMBER["first_name"])
        for i in range(count):
            at = NOW + timedelta(minutes=i)
            await repo.credit(GROUP, MEMBER["id"], i + 1, "give", f"r{i}", actor, at)


async def test_pointslog_offers_a_next_page_only_when_there_is_one(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Exactly a page: no "older entries" hint; one more: the hint, and page 2 has one entry
    and no hint; the actor is named, not shown as an id."""
    api.set_admins(GROUP, [ADA], creator_id=ADMIN_ID)
    bot = await start_bot(**SLOW_FLUSH)
    await command(api, ADMIN_ID, "/lang en")
    await add_entries(bot, 15, ADA["id"])
    first = await command(api, ADMIN_ID, "/pointslog")
    assert first.count(" · Mallory · ") == 15 and "/pointslog 2" not in first
    assert "· Ada" in first and "· 110" not in first
    await add_entries(bot, 1, ADA["id"])
    assert "Older entries: /pointslog 2" in await command(api, ADMIN_ID, "/pointslog")
    second = await command(api, ADMIN_ID, "/pointslog 2")
    assert second.count(" · Mallory · ") == 1 and "/pointslog 3" not in second
    assert "past the end" in await command(api, ADMIN_ID, "/pointslog 3")
    assert "not a page number" in await command(api, ADMIN_ID, "/pointslog two")


async def test_exportledger_sends_every_entry_and_members_are_refused(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    bot = await start_bot(**SLOW_FLUSH)
    runtime = bot.core.runtime  # type: ignore[attr-defined]
    runtime.clock = lambda: NOW
    assert "只有群管理员" in await command(api, MEMBER, "/exportledger")
    await command(api, ADMIN_ID, "/settimezone Asia/Shanghai")
    assert "还没有积分变动" in await command(api, ADMIN_ID, "/exportledger")
    target = api.message_update(GROUP, MEMBER, "thanks")
    api.push_update(target)
    await command(api, MEMBER, "/checkin")
    reply_to = target["message"]["message_id"]
    api.push_update(
        api.message_update(GROUP, ADMIN_ID, "/takepoints 4 =cmd|' /C calc", reply_to=reply_to)
    )
    await api.wait_for("sendMessage", predicate=lambda c: "扣除" in c.params["text"])
    api.push_update(api.message_update(GROUP, ADMIN_ID, "/exportledger"))
    (sent,) = await api.wait_for("sendDocument")
    assert sent.params["document"].filename == f"ledger-{abs(GROUP)}.csv"
    assert "共 2 条" in sent.params["caption"] and "Asia/Shanghai" in sent.params["caption"]
    rows = list(csv.DictReader(io.StringIO(sent.params["document"].data.decode("utf-8-sig"))))
    checkin, take = rows
    assert checkin["time"] == "2026-11-23 12:00:00+08:00"
    assert (checkin["user_id"], checkin["name"], checkin["amount"]) == ("300", "Mallory", "10")
    assert (checkin["balance_after"], checkin["kind"], checkin["actor_name"]) == (
        "10",
        "checkin",
        "Mallory",
    )
    assert (take["amount"], take["balance_after"], take["kind"]) == ("-4", "6", "take")
    assert take["reason"] == "'=cmd|' /C calc"  # a spreadsheet does not run it
    assert (take["actor_id"], take["actor_name"]) == (str(ADMIN_ID), "User 100")
