"""Receipts of handled updates, on SQLite and PostgreSQL: stored with an event's writes only.

An event whose unit writes something carries its receipt into the same transaction; a
unit that only reads (or writes nothing) leaves none and costs no extra commit. A second
receipt for the same event fails the whole transaction, so its effect cannot be doubled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.delivery import KEEP, UpdateLedger, prune_below
from storage.models import ChatRow, HandledUpdateRow, ParkedUpdateRow, UpdateOffsetRow
from storage.receipts import Receipt, ReceiptRepository
from storage.repositories import ChatRepository
from storage.unit import Store

SOURCE = "telegram:999000"
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


async def receipts(store: Store) -> list[tuple[int, int]]:
    """(update_id, part) of every stored receipt."""
    async with store.unit() as uow:
        session = await uow.session()
        rows = await session.execute(
            select(HandledUpdateRow.update_id, HandledUpdateRow.part).order_by(
                HandledUpdateRow.update_id, HandledUpdateRow.part
            )
        )
        return [(int(u), int(p)) for u, p in rows]


def count_commits(store: Store) -> list[int]:
    """A counter of COMMITs the engine sends."""
    commits = [0]

    def on_commit(_connection: object) -> None:
        commits[0] += 1

    event.listen(store.engine.sync_engine, "commit", on_commit)
    return commits


async def test_a_writing_unit_stores_its_receipt(store: Store) -> None:
    receipt = Receipt(SOURCE, 41, 0)
    async with store.unit() as uow:
        uow.receipt = receipt
        await ChatRepository(uow).ensure_exists(-100)
    assert receipt.stored
    assert await receipts(store) == [(41, 0)]


async def test_a_unit_that_only_reads_stores_nothing_and_commits_nothing(store: Store) -> None:
    commits = count_commits(store)
    receipt = Receipt(SOURCE, 42, 0)
    async with store.unit() as uow:
        uow.receipt = receipt
        session = await uow.session()
        await session.scalar(select(func.count()).select_from(ChatRow))
        await uow.commit()  # a feature committing after reads, before drawing a chart
    async with store.unit() as uow:
        uow.receipt = Receipt(SOURCE, 43, 0)  # a unit that never opens a session
    # Only the read transaction ended; the receipt added no write.
    assert commits[0] == 1
    assert not receipt.stored
    assert await receipts(store) == []


async def test_the_receipt_goes_with_the_first_write_only(store: Store) -> None:
    receipt = Receipt(SOURCE, 44, 0)
    async with store.unit() as uow:
        uow.receipt = receipt
        await ChatRepository(uow).ensure_exists(-101)
        await uow.commit()
        session = await uow.session()
        await session.execute(insert(ChatRow.__table__).values(id=-102, title=""))
    assert await receipts(store) == [(44, 0)]


async def test_core_statements_on_the_sessions_connection_count_as_writes(store: Store) -> None:
    """Writes that bypass the ORM session (Core on its connection) still carry the receipt."""
    async with store.unit() as uow:
        uow.receipt = Receipt(SOURCE, 45, 0)
        connection = await (await uow.session()).connection()
        await connection.execute(insert(ChatRow.__table__).values(id=-103, title=""))
    assert await receipts(store) == [(45, 0)]


async def test_orm_objects_added_count_as_writes(store: Store) -> None:
    async with store.unit() as uow:
        uow.receipt = Receipt(SOURCE, 46, 2)
        (await uow.session()).add(ChatRow(id=-104, title=""))
    assert await receipts(store) == [(46, 2)]


async def test_a_second_receipt_undoes_its_whole_transaction(store: Store) -> None:
    """The key makes handling one event twice impossible, even from two processes."""
    async with store.unit() as uow:
        uow.receipt = Receipt(SOURCE, 47, 0)
        await ChatRepository(uow).ensure_exists(-105)
    with pytest.raises(IntegrityError):
        async with store.unit() as uow:
            uow.receipt = Receipt(SOURCE, 47, 0)
            session = await uow.session()
            await session.execute(insert(ChatRow.__table__).values(id=-106, title=""))
            await uow.commit()
    async with store.unit() as uow:
        session = await uow.session()
        assert await session.get(ChatRow, -106) is None
    # Another event of the same update has a receipt of its own.
    async with store.unit() as uow:
        uow.receipt = Receipt(SOURCE, 47, 1)
        await ChatRepository(uow).ensure_exists(-107)
    assert await receipts(store) == [(47, 0), (47, 1)]


async def test_a_rolled_back_unit_keeps_no_receipt(store: Store) -> None:
    receipt = Receipt(SOURCE, 48, 0)
    with pytest.raises(RuntimeError):
        async with store.unit() as uow:
            uow.receipt = receipt
            await ChatRepository(uow).ensure_exists(-108)
            raise RuntimeError("feature failed")
    assert not receipt.stored
    assert await receipts(store) == []


async def test_ledger_looks_up_only_what_an_earlier_process_may_have_handled(
    store: Store,
) -> None:
    for update_id in (10, 11):
        async with store.unit() as uow:
            uow.receipt = Receipt(SOURCE, update_id, 0, NOW)
            await ChatRepository(uow).ensure_exists(-200 - update_id)
    ledger = UpdateLedger(store, SOURCE, clock=lambda: NOW)
    assert await ledger.open() == []
    assert ledger.horizon == 11
    assert await ledger.handled_before(ledger.receipt(10, 0))
    assert not await ledger.handled_before(ledger.receipt(10, 1))
    assert not await ledger.handled_before(ledger.receipt(9, 0))
    assert not await ledger.handled_before(ledger.receipt(12, 0))
    # Another bot on the same database has its own update ids.
    other = UpdateLedger(store, "telegram:1", clock=lambda: NOW)
    await other.open()
    assert other.horizon is None
    assert not await other.handled_before(other.receipt(10, 0))


async def stored_offset(store: Store) -> int | None:
    async with store.unit() as uow:
        session = await uow.session()
        return await session.scalar(select(UpdateOffsetRow.next_offset))


async def test_persist_stores_the_offset_and_prunes_what_cannot_come_back(store: Store) -> None:
    now = [NOW]
    ledger = UpdateLedger(store, SOURCE, clock=lambda: now[0])
    await ledger.open()
    for update_id in (5, 6, 7, 8):
        async with store.unit() as uow:
            uow.receipt = Receipt(SOURCE, update_id, 0, NOW)
            await ChatRepository(uow).ensure_exists(-300 - update_id)
    await ledger.persist(7, set())
    assert await stored_offset(store) == 7
    assert await receipts(store) == [(7, 0), (8, 0)]
    # Nothing changed: no write at all.
    commits = count_commits(store)
    await ledger.persist(7, set())
    assert commits[0] == 0
    # Webhook mode has no offsets: receipts go once older than Telegram keeps updates.
    now[0] = NOW + KEEP + timedelta(hours=2)
    await ledger.persist(None, set())
    assert await receipts(store) == []


async def test_parked_updates_come_back_until_handled(store: Store) -> None:
    ledger = UpdateLedger(store, SOURCE, clock=lambda: NOW)
    await ledger.open()
    body = {"update_id": 30, "message": {"text": "slow"}}
    await ledger.park({30: body, 31: {"update_id": 31}})
    async with store.unit() as uow:
        uow.receipt = Receipt(SOURCE, 30, 0, NOW)
        await ChatRepository(uow).ensure_exists(-400)
    # The offset moved past the parked updates; their receipts must stay for a replay.
    await ledger.persist(40, set())
    assert await receipts(store) == [(30, 0)]
    again = UpdateLedger(store, SOURCE, clock=lambda: NOW)
    assert await again.open() == [(30, body), (31, {"update_id": 31})]
    assert await again.handled_before(again.receipt(30, 0))
    await again.persist(40, {30, 31})
    async with store.unit() as uow:
        session = await uow.session()
        assert await session.scalar(select(func.count()).select_from(ParkedUpdateRow)) == 0
    assert await receipts(store) == []
    async with store.unit() as uow:
        assert await ReceiptRepository(uow, SOURCE).offset() == 40


@pytest.mark.parametrize(
    ("acknowledged", "parked", "below"),
    [
        (None, set(), None),
        (None, {3}, None),
        (10, set(), 10),
        (10, {4, 7}, 4),
        (10, {12}, 10),
    ],
)
def test_prune_below(acknowledged: int | None, parked: set[int], below: int | None) -> None:
    assert prune_below(acknowledged, parked) == below
