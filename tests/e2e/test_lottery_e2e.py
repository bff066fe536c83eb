"""Lotteries end to end on Telegram: fake Bot API <-> real application <-> SQLite.

The clock is the night mode tests' hand clock (set before each core starts), so a restart
"after the end" really starts after it; the leading process's pass is run by hand.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.platforms.telegram.app import TelegramBot
from handlers.lottery import draw
from handlers.lottery.feature import Lotteries
from handlers.lottery.runner import LotteryRunner
from storage.models import LotteryRow, LotteryWinnerRow
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_nightmode_e2e import NOON, Clock, clock, notice
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi
from tests.fakes.bot_api import make_user

__all__ = ["clock"]  # the fixture, used by name
OTHER = make_user(301, "Bea")


def runner(bot: TelegramBot) -> LotteryRunner:
    assert bot.core is not None
    (feature,) = [f for f in bot.core.dispatcher.features if isinstance(f, Lotteries)]
    return feature.runner


async def lottery(bot: TelegramBot) -> LotteryRow:
    async with bot.store.unit() as uow:
        session = await uow.session()
        row = (await session.scalars(select(LotteryRow))).one()
        await session.refresh(row)
        return row


async def winners(bot: TelegramBot) -> list[int]:
    async with bot.store.unit() as uow:
        session = await uow.session()
        return list(
            await session.scalars(select(LotteryWinnerRow.user_id).order_by(LotteryWinnerRow.slot))
        )


async def test_a_member_may_not_start_a_lottery(api: FakeBotApi, start_bot: BotFactory) -> None:
    await start_bot()
    assert "只有群管理员" in await command(api, MEMBER, "/lottery 蛋糕 winners=1 end=1h")
    assert "winners=0" in await command(api, ADMIN_ID, "/lottery 蛋糕 winners=0 end=1h")


async def test_button_entry_then_the_draw_is_announced_with_mentions(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    bot = await start_bot()
    created = await command(api, ADMIN_ID, "/lottery 蛋糕 winners=2 end=1h")
    row = await lottery(bot)
    assert "抽奖 #1" in created and row.commitment in created
    announcement = api.calls_to("sendMessage")[-1]
    button = announcement.params["reply_markup"]["inline_keyboard"][0][0]
    message_id = announcement.result["message_id"]
    for user in (MEMBER, OTHER):
        api.push_update(api.callback_query_update(GROUP, user, button["callback_data"], message_id))
    answers = await api.wait_for("answerCallbackQuery", 2)
    assert all("你已参与抽奖 #1" in a.params["text"] for a in answers)
    api.push_update(api.callback_query_update(GROUP, MEMBER, button["callback_data"], message_id))
    again = await api.wait_for("answerCallbackQuery", 3)
    assert "已经参与过" in again[-1].params["text"]
    clock.now = NOON + timedelta(hours=1, seconds=1)
    await runner(bot).sync()
    (result,) = await api.wait_for("sendMessage", predicate=lambda c: "开奖啦" in c.params["text"])
    text = result.params["text"]
    assert f"tg://user?id={MEMBER['id']}" in text and f"tg://user?id={OTHER['id']}" in text
    assert row.seed in text and f"{MEMBER['id']} {OTHER['id']}" in text
    drawn = await winners(bot)
    assert draw.verify(row.seed, row.commitment, [MEMBER["id"], OTHER["id"]], 2, drawn)


async def test_a_restart_before_the_draw_draws_at_start_up_once(
    api: FakeBotApi, start_bot: BotFactory, clock: Clock
) -> None:
    bot = await start_bot()
    await command(api, ADMIN_ID, "/lottery 蛋糕 winners=1 end=1h")
    assert "你已参与抽奖 #1" in await command(api, MEMBER, "参与")
    await bot.stop()
    clock.now = NOON + timedelta(hours=3)
    bot = await start_bot()
    await api.wait_for("sendMessage", predicate=lambda c: "开奖啦" in c.params["text"])
    assert (await lottery(bot)).status == "drawn"
    assert await winners(bot) == [MEMBER["id"]]
    await runner(bot).sync()
    assert len(notice(api, "开奖啦")) == 1
    assert "没有进行中的抽奖" in await command(api, OTHER, "/join")
    assert "已停止参与" in await command(api, OTHER, "/join 1")
