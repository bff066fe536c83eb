"""Alembic migrations on SQLite and PostgreSQL: up, down, up again, and matching the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from storage.models import Base
from storage.repositories import ChatRepository
from storage.unit import Store

TABLES = {
    "chats",
    "welcome_settings",
    "members",
    "schedules",
    "schedule_runs",
    "reply_rules",
    "points_accounts",
    "points_ledger",
    "checkins",
    "shop_items",
    "redemptions",
    "checkin_settings",
    # moderation
    "moderation_settings",
    "moderation_bad_words",
    "moderation_domains",
    # enforcement
    "approved_members",
    "warnings",
    "timed_restrictions",
    "moderation_log",
    "enforcement_settings",
    "reports",
    # captcha
    "captcha_settings",
    "captcha_pending",
    # cleanup
    "cleanup_settings",
    "cleanup_exemptions",
    "cleanup_warnings",
    # spam
    "spam_samples",
    "spam_settings",
    "spam_flags",
    "started_users",
    # stats
    "stats_member_days",
    "stats_hours",
    "stats_daily",
    "stats_settings",
}


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database."""
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    assert head_revision() == heads[0]
    assert [rev.revision for rev in script.walk_revisions()][-1] == "0001"


async def test_upgrade_from_empty_reaches_head(engine: AsyncEngine) -> None:
    assert await table_names(engine) == set()
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()
    assert await table_names(engine) == TABLES | {"alembic_version"}


async def test_downgrade_to_base_removes_tables_and_upgrade_again(engine: AsyncEngine) -> None:
    await upgrade(engine, "head")
    await downgrade(engine, "base")
    assert await table_names(engine) - {"alembic_version"} == set()
    assert await current_revision(engine) is None

    await upgrade(engine, "head")
    assert await current_revision(engine) == head_revision()
    assert await table_names(engine) == TABLES | {"alembic_version"}


async def test_upgrade_head_twice_is_a_no_op(database_url: str) -> None:
    store = Store(database_url)
    try:
        await store.migrate()
        async with store.unit() as uow:
            await ChatRepository(uow).ensure(-1001234567890123, "Kept")
        await store.migrate()
        await upgrade(store.engine, "head")
        assert await current_revision(store.engine) == head_revision()
        async with store.unit() as uow:
            row = await ChatRepository(uow).get(-1001234567890123)
            assert row is not None
            assert row.title == "Kept", "data survives a repeated upgrade"
    finally:
        await store.close()


def _differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_models_match_migrations(store: Store) -> None:
    async with store.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


async def test_compare_would_see_a_difference(store: Store) -> None:
    """The comparison is real: a table the migrations lack shows up."""
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("extra_table", metadata, Column("id", Integer, primary_key=True))

    def differences(sync: Connection) -> list[Any]:
        return compare_metadata(MigrationContext.configure(sync), metadata)

    async with store.engine.connect() as conn:
        found = await conn.run_sync(differences)
    assert [diff[0] for diff in found] == ["add_table"]
    assert found[0][1].name == "extra_table"


@pytest.mark.parametrize(
    ("revision", "reached"), [("head", "0010"), ("0003", "0003"), ("0001", "0001")]
)
async def test_upgrade_to_named_revision(engine: AsyncEngine, revision: str, reached: str) -> None:
    await upgrade(engine, revision)
    assert await current_revision(engine) == reached


async def test_upgrade_from_0001_keeps_groups(engine: AsyncEngine) -> None:
    """A database of the first release gains schedules and quiet hours without losing data."""
    await upgrade(engine, "0001")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, created_at, updated_at)"
            " VALUES (-100, 'Old', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    await upgrade(engine, "head")
    async with engine.connect() as conn:
        rows = (
            await conn.exec_driver_sql("SELECT title, quiet_hours, reply_cooldown FROM chats")
        ).all()
    assert [tuple(r) for r in rows] == [("Old", None, None)]
