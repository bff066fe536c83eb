"""Migration 0015 (invites): up from 0014 keeps what was there, down drops only its tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.migrate import current_revision, downgrade, upgrade

GROUP = -1001234567890555
INVITE_TABLES = {"invite_settings", "invite_links", "invites"}
STAMP = "'2026-12-01 00:00:00'"


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database."""
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _add_group(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at) VALUES"
            f" ({GROUP}, 'G', 'telegram', {STAMP}, {STAMP})"
        )


def _invite(invitee: int) -> str:
    return (
        "INSERT INTO invites (chat_id, invitee_id, invitee_name, inviter_id, inviter_name,"
        " source, link, status, joined_at, points) VALUES"
        f" ({GROUP}, {invitee}, 'N', 7, 'Ann', 'link', 'https://t.me/+x', 'pending', {STAMP}, 0)"
    )


async def test_upgrade_from_0014_keeps_groups_and_adds_the_invite_tables(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine, "0014")
    await _add_group(engine)
    assert not INVITE_TABLES & await _tables(engine)
    await upgrade(engine, "0015")
    assert await current_revision(engine) == "0015"
    assert await _tables(engine) >= INVITE_TABLES
    async with engine.connect() as conn:
        groups = await conn.exec_driver_sql(f"SELECT id FROM chats WHERE id = {GROUP}")
        assert [row[0] for row in groups] == [GROUP]


async def test_one_invite_row_per_person_and_group(engine: AsyncEngine) -> None:
    """The unique key on (chat, invitee) is what makes paying twice for one person impossible."""
    await upgrade(engine, "0015")
    await _add_group(engine)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(_invite(501))
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(_invite(501))
    except IntegrityError:
        pass
    else:
        raise AssertionError("a second invite row of one person was stored")
    async with engine.connect() as conn:
        count = await conn.exec_driver_sql("SELECT count(*) FROM invites")
        assert count.scalar_one() == 1


async def test_0015_down_drops_only_the_invite_tables_and_up_again(engine: AsyncEngine) -> None:
    await upgrade(engine, "0015")
    await _add_group(engine)
    await downgrade(engine, "0014")
    tables = await _tables(engine)
    assert not INVITE_TABLES & tables
    assert "chats" in tables
    await upgrade(engine, "0015")
    assert await _tables(engine) >= INVITE_TABLES
