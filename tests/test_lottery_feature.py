"""Lotteries inside the real dispatcher, on a recording port, real storage and a hand clock."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.app import Core
from bot.platforms.recording import RecordingPort
from core.buttons import encode
from core.events import ButtonPress, Chat, Message, User, parse_command
from handlers.lottery import draw
from handlers.lottery.feature import Lotteries
from handlers.lottery.runner import LotteryRunner
from storage.lottery import LotteryRepository
from storage.models import LedgerRow, WarningRow
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from storage.unit import Store
from tests.schedule_support import ADMIN, GROUP, Clock, notices, posting_port
from tests.test_autoreply_feature import make_core

CHAT = Chat(GROUP, "Giveaways")
ADMIN_USER = User(ADMIN, "Ada")
ANN, BO, CY = User(501, "Ann"), User(502, "Bo"), User(503, "Cy")
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
_ids = itertools.count(1)


async def send(core: Core, user: User, text: str) -> None:
    msg = Message(CHAT, user, next(_ids), text, datetime.now(UTC))
    await core.dispatcher.handle(parse_command(msg, "bot") or msg)


async def press(core: Core, user: User, lottery_id: int) -> None:
    data = encode("lot.join", (lottery_id,))
    await core.dispatcher.handle(ButtonPress(CHAT, user, 1000, data, f"q{next(_ids)}"))


def said(port: RecordingPort) -> list[str]:
    return [str(text) for _, text in notices(port)]


def feature(core: Core) -> Lotteries:
    return next(f for f in core.dispatcher.features if isinstance(f, Lotteries))


@pytest_asyncio.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Core, RecordingPort, Clock, Store]]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'lottery.db'}")
    await store.migrate()
    port = posting_port()
    core = make_core(store, port)
    clock = Clock(NOW)
    core.runtime.clock = clock
    await core.start()
    yield core, port, clock, store
    await core.stop()
    await store.close()


async def _give(store: Store, user: User, points: int) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "G")
        repo = PointsRepository(uow)
        await repo.ensure_account(GROUP, user.id, user.name)
        await repo.credit(GROUP, user.id, points, "give", None, ADMIN, NOW)
        await uow.commit()


async def _only_lottery(store: Store) -> int:
    async with store.unit() as uow:
        (row,) = await LotteryRepository(uow).open_in(GROUP)
        return row.id


async def test_members_may_not_create_or_reroll(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    for text in ("/lottery Cake winners=1 end=1h", "/reroll 1 1"):
        await send(core, ANN, text)
        assert "admin" in said(port)[-1].lower()
    async with store.unit() as uow:
        assert await LotteryRepository(uow).open_in(GROUP) == []


async def test_bad_arguments_get_a_translated_error_and_store_nothing(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=0 end=1h")
    assert "winners=0" in said(port)[-1]
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=soon")
    assert "end=soon" in said(port)[-1]
    await send(core, ADMIN_USER, "/lottery")
    assert "/lottery Gift card" in said(port)[-1]
    async with store.unit() as uow:
        assert await LotteryRepository(uow).open_in(GROUP) == []


async def test_create_announces_the_commitment_with_a_button(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    await send(core, ADMIN_USER, "/lottery Cake for two winners=2 end=1h")
    lottery_id = await _only_lottery(store)
    async with store.unit() as uow:
        row = await LotteryRepository(uow).get(lottery_id)
    assert row is not None and row.commitment == draw.commitment(row.seed)
    (call,) = [c for c in port.made("send") if "Cake for two" in str(c["text"])]
    assert row.commitment in str(call["text"]) and row.seed not in str(call["text"])
    ((button,),) = call["buttons"]
    assert button.data == encode("lot.join", (lottery_id,))


async def test_entering_by_button_keyword_and_join_once_each(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h")
    lottery_id = await _only_lottery(store)
    await press(core, ANN, lottery_id)
    await send(core, BO, "参与")
    assert "you are in lottery" in said(port)[-1]
    await send(core, CY, f"/join {lottery_id}")
    await send(core, CY, "/join")
    assert "already in lottery" in said(port)[-1]
    await press(core, ANN, lottery_id)
    async with store.unit() as uow:
        entrants = await LotteryRepository(uow).entrants(lottery_id)
    assert [e.user_id for e in entrants] == [ANN.id, BO.id, CY.id]
    await send(core, BO, "/lotteries")
    assert f"#{lottery_id} Cake — 3 entered, draw 2026-12-04 13:00" in said(port)[-1]


async def test_two_concurrent_entries_through_the_dispatcher_store_one(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h cost=5")
    await _give(store, ANN, 20)
    await asyncio.gather(send(core, ANN, "参与"), send(core, ANN, "/join"))
    lottery_id = await _only_lottery(store)
    async with store.unit() as uow:
        assert await LotteryRepository(uow).entry_count(lottery_id) == 1
        account = await PointsRepository(uow).account(GROUP, ANN.id)
    assert account is not None and account.balance == 15
    texts = said(port)[-2:]
    assert sum("already" in t for t in texts) == 1


async def test_conditions_refuse_and_take_nothing(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h cost=10 nowarn")
    lottery_id = await _only_lottery(store)
    await _give(store, ANN, 5)
    await send(core, ANN, "参与")
    assert "costs 10 points and you have 5" in said(port)[-1]
    await _give(store, BO, 50)
    async with store.unit() as uow:
        session = await uow.session()
        session.add(WarningRow(chat_id=GROUP, user_id=BO.id, reason="x", created_at=NOW))
        await uow.commit()
    await send(core, BO, "参与")
    assert "without active warnings" in said(port)[-1]
    async with store.unit() as uow:
        assert await LotteryRepository(uow).entry_count(lottery_id) == 0
        session = await uow.session()
        kinds = list(await session.scalars(select(LedgerRow.kind)))
    assert "lottery" not in kinds


async def test_checkin_and_membership_conditions(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, _ = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h checkins=2")
    await send(core, ANN, "参与")
    assert "check-ins on at least 2 days; you have 0" in said(port)[-1]
    await send(core, ADMIN_USER, "/lottery Pie winners=1 end=1h member_days=3")
    await send(core, ANN, "参与")
    assert "Several lotteries are open" in said(port)[-1]


async def test_the_draw_at_the_end_reveals_a_verifiable_result(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, clock, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=2 end=1h cost=3")
    lottery_id = await _only_lottery(store)
    for user in (ANN, BO, CY):
        await _give(store, user, 10)
        await send(core, user, "参与")
    clock.now = NOW + timedelta(hours=1, seconds=1)
    await send(core, ANN, "参与")
    assert "takes no more entries" in said(port)[-1]
    runner = feature(core).runner
    await runner.sync()
    await runner.sync()  # a second pass draws nothing again
    drawn = [t for t in said(port) if "is drawn" in t]
    assert len(drawn) == 1
    async with store.unit() as uow:
        repo = LotteryRepository(uow)
        row = await repo.get(lottery_id)
        winners = [w.user_id for w in await repo.winners(lottery_id)]
    assert row is not None and row.status == "drawn" and row.announced_at is not None
    assert row.seed in drawn[0] and "501 502 503" in drawn[0]
    assert draw.verify(row.seed, row.commitment, [ANN.id, BO.id, CY.id], 2, winners)
    async with store.unit() as uow:
        session = await uow.session()
        kinds = list(
            await session.scalars(select(LedgerRow.kind).where(LedgerRow.kind == "lottery"))
        )
    assert len(kinds) == 3


async def test_a_full_lottery_is_drawn_at_once(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 entries=2")
    lottery_id = await _only_lottery(store)
    await send(core, ANN, "参与")
    await send(core, BO, "参与")
    assert any("is drawn" in t for t in said(port))
    async with store.unit() as uow:
        row = await LotteryRepository(uow).get(lottery_id)
    assert row is not None and row.status == "drawn"


async def test_claim_and_reroll(setup: tuple[Core, RecordingPort, Clock, Store]) -> None:
    core, port, clock, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h")
    lottery_id = await _only_lottery(store)
    for user in (ANN, BO, CY):
        await send(core, user, "参与")
    clock.now = NOW + timedelta(hours=2)
    await feature(core).runner.sync()
    async with store.unit() as uow:
        (first,) = await LotteryRepository(uow).winners(lottery_id)
    await send(core, ADMIN_USER, f"/reroll {lottery_id} 1")
    assert "still has" in said(port)[-1]
    await send(core, ADMIN_USER, f"/reroll {lottery_id} 2")
    assert "no winner number 2" in said(port)[-1]
    await send(core, ADMIN_USER, "/reroll x")
    assert "/reroll 3 1" in said(port)[-1]
    clock.now += timedelta(days=1, seconds=1)
    loser = next(u for u in (ANN, BO, CY) if u.id != first.user_id)
    await send(core, loser, "/claim")
    assert "no prize to claim" in said(port)[-1]
    await send(core, ADMIN_USER, f"/reroll {lottery_id} 1")
    assert "place 2 of the same shuffle" in said(port)[-1]
    async with store.unit() as uow:
        repo = LotteryRepository(uow)
        row = await repo.get(lottery_id)
        (second,) = await repo.winners(lottery_id)
    assert row is not None and second.user_id != first.user_id
    order = draw.shuffled_prefix(row.seed, [ANN.id, BO.id, CY.id], 2)
    assert [first.user_id, second.user_id] == order
    winner = next(u for u in (ANN, BO, CY) if u.id == second.user_id)
    await send(core, winner, "/claim")
    assert "claimed: #" in said(port)[-1]
    await send(core, ADMIN_USER, f"/reroll {lottery_id} 1")
    assert "has claimed the prize already" in said(port)[-1]
    await send(core, ANN, "/lotteries")
    assert f"#{lottery_id} Cake — winners: {winner.name}" in said(port)[-1]


async def test_the_bare_words_are_left_alone_without_a_lottery(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    core, port, _, _ = setup
    await send(core, ANN, "参与")
    await send(core, ANN, "领奖")
    assert said(port) == []
    await send(core, ANN, "/join")
    assert "no open lottery" in said(port)[-1]


async def test_two_runners_drawing_at_once_draw_and_announce_once(
    setup: tuple[Core, RecordingPort, Clock, Store],
) -> None:
    """As two processes would: the claim lets one draw through."""
    core, port, clock, store = setup
    await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h")
    lottery_id = await _only_lottery(store)
    await send(core, ANN, "参与")
    clock.now = NOW + timedelta(hours=2)
    first, second = feature(core).runner, LotteryRunner(core.runtime)
    second.leading = True
    results = await asyncio.gather(first.draw(lottery_id), second.draw(lottery_id))
    assert sorted(results) == [False, True]
    assert len([t for t in said(port) if "is drawn" in t]) == 1
    async with store.unit() as uow:
        assert [w.user_id for w in await LotteryRepository(uow).winners(lottery_id)] == [ANN.id]


async def test_many_entrants_get_their_ordering_as_a_file(tmp_path: Path) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'file.db'}")
    await store.migrate()
    port = posting_port()
    core = make_core(store, port, BOT_LOTTERY__REVEAL_INLINE="1")
    clock = Clock(NOW)
    core.runtime.clock = clock
    await core.start()
    try:
        await send(core, ADMIN_USER, "/lottery Cake winners=1 end=1h")
        await send(core, ANN, "参与")
        await send(core, BO, "参与")
        clock.now = NOW + timedelta(hours=2)
        await feature(core).runner.sync()
        (drawn,) = [t for t in said(port) if "is drawn" in t]
        assert "in the file below" in drawn and "501 502" not in drawn
        (sent,) = port.made("send_file")
        assert sent["filename"].endswith(".csv")
        assert sent["data"].decode("utf-8-sig").split() == ["entry,user_id", "1,501", "2,502"]
    finally:
        await core.stop()
        await store.close()
