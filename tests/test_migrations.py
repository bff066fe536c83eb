"""Alembic migrations on SQLite and PostgreSQL: up, down, up again, and matching the models."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.__main__ import main
from core.ids import scoped
from storage.engine import make_engine
from storage.migrate import (
    Migration,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    steps_between,
    upgrade,
    upgrade_reporting,
)
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
    # exactly-once handling of updates
    "handled_updates",
    # invites
    "invite_settings",
    "invite_links",
    "invites",
    "update_offsets",
    "parked_updates",
    # night mode
    "night_mode",
    # badges
    "badge_events",
    "badge_weeks",
    # challenges
    "challenges",
    "challenge_completions",
    # lotteries
    "lotteries",
    "lottery_entries",
    "lottery_winners",
    # quizzes
    "quiz_questions",
    "quiz_daily",
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
    ("revision", "reached"), [("head", "0018"), ("0013", "0013"), ("0001", "0001")]
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


# --- what an upgrade reports, and `python -m bot migrate` ------------------------------------


ALL_REVISIONS = len(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))


@pytest.mark.parametrize(
    ("migration", "line"),
    [
        (Migration(None, "0010", 10), "migrated from none to 0010 (10 revisions)"),
        (Migration("0009", "0010", 1), "migrated from 0009 to 0010 (1 revision)"),
        (Migration("0010", "0010", 0), "already at 0010"),
        (Migration(None, None, 0), "already at base"),
    ],
)
def test_migration_describes_itself(migration: Migration, line: str) -> None:
    assert migration.describe() == line


@pytest.mark.parametrize(
    ("before", "after", "steps"),
    [(None, "0010", 10), ("0003", "0010", 7), ("0009", "0010", 1), ("0010", "0010", 0)],
)
def test_steps_between(before: str | None, after: str, steps: int) -> None:
    assert steps_between(before, after) == steps


async def test_upgrade_reporting_from_empty_then_again(engine: AsyncEngine) -> None:
    head = head_revision()
    assert await upgrade_reporting(engine, "0003") == Migration(None, "0003", 3)
    assert await upgrade_reporting(engine) == Migration("0003", head, ALL_REVISIONS - 3)
    assert await upgrade_reporting(engine) == Migration(head, head, 0)


def test_migrate_command_says_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty database is reported as migrated from none; a second run as already at head."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    head = head_revision()
    assert main(["migrate"]) == 0
    first = capsys.readouterr().out.strip()
    assert first.endswith(f": migrated from none to {head} ({ALL_REVISIONS} revisions)"), first
    assert main(["migrate"]) == 0
    second = capsys.readouterr().out.strip()
    assert second.endswith(f": already at {head}"), second


# --- plain `alembic upgrade head` with the repository's alembic.ini ---------------------------

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


async def _alembic_cli(cwd: Path, *args: str, **env: str) -> tuple[int, str]:
    """Run the alembic command line as an operator would; return its exit code and stderr."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alembic",
        "-c",
        str(ALEMBIC_INI),
        *args,
        cwd=cwd,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_alembic_cli_upgrades_the_settings_database(
    database_url: str, tmp_path: Path
) -> None:
    """`alembic upgrade head` takes the URL from BOT_DATABASE__URL and runs on our async drivers."""
    code, stderr = await _alembic_cli(tmp_path, "upgrade", "head", BOT_DATABASE__URL=database_url)
    assert code == 0, stderr
    engine = make_engine(database_url)
    try:
        assert await current_revision(engine) == head_revision()
        assert await table_names(engine) == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        await engine.dispose()


async def test_alembic_cli_reads_the_config_file(tmp_path: Path) -> None:
    """Without the variable, ./config.toml (or -x config=PATH) names the database."""
    db = tmp_path / "from-config.db"
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n')
    code, stderr = await _alembic_cli(tmp_path, "upgrade", "0002")
    assert code == 0, stderr
    other = tmp_path / "elsewhere"
    other.mkdir()
    code, stderr = await _alembic_cli(
        other, "-x", f"config={tmp_path / 'config.toml'}", "upgrade", "head"
    )
    assert code == 0, stderr
    assert not (other / "data").exists(), "the default database was not touched"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_alembic_cli_config_error_is_one_line(tmp_path: Path) -> None:
    code, stderr = await _alembic_cli(tmp_path, "-x", "config=missing.toml", "upgrade", "head")
    assert code != 0
    assert "config error: config file missing.toml: not found" in stderr
    assert "Traceback" not in stderr


# --- 0013: rows carry their platform -----------------------------------------------------

TELEGRAM_GROUPS = [(-1001234567890123, "Supergroup"), (-4200000000, "Group"), (77, "Private")]


async def test_upgrade_from_0012_keeps_every_telegram_row(engine: AsyncEngine) -> None:
    """A 0012 database with groups, members and a pending join request gains platforms: every
    row is kept with its values, the groups are Telegram's and the request has no handle."""
    await upgrade(engine, "0012")
    stamp = "'2026-11-30 00:00:00'"
    async with engine.begin() as conn:
        for chat_id, title in TELEGRAM_GROUPS:
            await conn.exec_driver_sql(
                "INSERT INTO chats (id, title, created_at, updated_at)"
                f" VALUES ({chat_id}, '{title}', {stamp}, {stamp})"
            )
            await conn.exec_driver_sql(
                "INSERT INTO members (chat_id, user_id, name, is_bot, first_seen, last_seen,"
                f" message_count) VALUES ({chat_id}, 123456789, 'Ann', FALSE, {stamp}, {stamp}, 3)"
            )
        await conn.exec_driver_sql(
            "INSERT INTO captcha_pending (chat_id, user_id, user_name, chat_title, kind, mode,"
            " message_chat_id, answer, attempts_left, fail_action, deadline, created_at)"
            f" VALUES (-4200000000, 123456789, 'Ann', 'Group', 'request', 'button',"
            f" 123456789, 0, 1, 'kick', {stamp}, {stamp})"
        )
    await upgrade(engine, "head")
    async with engine.connect() as conn:
        chats = (
            await conn.exec_driver_sql("SELECT id, title, platform FROM chats ORDER BY id")
        ).all()
        members = (
            await conn.exec_driver_sql(
                "SELECT chat_id, user_id, name, message_count FROM members ORDER BY chat_id"
            )
        ).all()
        pending = (
            await conn.exec_driver_sql("SELECT chat_id, user_id, reference FROM captcha_pending")
        ).all()
    assert [tuple(r) for r in chats] == [(i, t, "telegram") for i, t in sorted(TELEGRAM_GROUPS)]
    assert [tuple(r) for r in members] == [
        (i, 123456789, "Ann", 3) for i, _ in sorted(TELEGRAM_GROUPS)
    ]
    assert [tuple(r) for r in pending] == [(-4200000000, 123456789, "")]


async def test_0013_down_and_up_again_keeps_the_groups(engine: AsyncEngine) -> None:
    """Downgrading to 0012 drops only the new columns; upgrading again refills them."""
    await upgrade(engine, "head")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at)"
            " VALUES (-100, 'Kept', 'telegram', '2026-11-30 00:00:00', '2026-11-30 00:00:00')"
        )
    await downgrade(engine, "0012")
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("chats")}
        )
    assert "platform" not in columns
    await upgrade(engine, "head")
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT id, title, platform FROM chats")).all()
    assert [tuple(r) for r in rows] == [(-100, "Kept", "telegram")]


async def test_a_new_group_row_says_its_platform(store: Store) -> None:
    """A Telegram group and a OneBot group with the same number are two rows, each labelled."""
    async with store.unit() as uow:
        repo = ChatRepository(uow)
        await repo.ensure(scoped("telegram", 10001), "TG")
        await repo.ensure_exists(scoped("onebot", 10001))
    async with store.unit() as uow:
        repo = ChatRepository(uow)
        telegram = await repo.get(10001)
        onebot = await repo.get(scoped("onebot", 10001))
    assert telegram is not None and telegram.platform == "telegram"
    assert onebot is not None and onebot.platform == "onebot"


# --- 0014: bans are kept while they hold ---------------------------------------------------

BAN_GROUP = -1001234567890123
TIMED_ROWS = [
    (BAN_GROUP, 501, "ban", "2026-12-10 00:00:00"),
    (BAN_GROUP, 502, "mute", "2026-12-05 00:00:00"),
]


async def _restrictions(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql(
            "SELECT chat_id, user_id, kind, until FROM timed_restrictions ORDER BY user_id"
        )
        return [tuple(row) for row in rows.all()]


async def _insert_restrictions(engine: AsyncEngine, rows: list[tuple[Any, ...]]) -> None:
    async with engine.begin() as conn:
        for chat_id, user_id, kind, until in rows:
            shown = "NULL" if until is None else f"'{until}'"
            await conn.exec_driver_sql(
                "INSERT INTO timed_restrictions (chat_id, user_id, kind, until, created_at)"
                f" VALUES ({chat_id}, {user_id}, '{kind}', {shown}, '2026-12-01 00:00:00')"
            )


def _stamps(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with their ``until`` as text (drivers read it back as text or as a datetime)."""
    return [(*row[:3], None if row[3] is None else str(row[3])[:19]) for row in rows]


async def test_upgrade_from_0013_keeps_timed_restrictions_and_takes_bans_without_end(
    engine: AsyncEngine,
) -> None:
    """A 0013 database's timed mutes and bans survive 0014, which then also holds a ban
    without end (until NULL), as a permanent /ban now stores."""
    await upgrade(engine, "0013")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at) VALUES"
            f" ({BAN_GROUP}, 'G', 'telegram', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
        )
    await _insert_restrictions(engine, TIMED_ROWS)
    await upgrade(engine, "head")
    assert _stamps(await _restrictions(engine)) == TIMED_ROWS
    await _insert_restrictions(engine, [(BAN_GROUP, 503, "ban", None)])
    assert _stamps(await _restrictions(engine)) == [*TIMED_ROWS, (BAN_GROUP, 503, "ban", None)]


async def test_0014_down_drops_only_bans_without_end(engine: AsyncEngine) -> None:
    """Downgrading to 0013 (whose column is NOT NULL) keeps the timed rows and drops the bans
    without end; upgrading again takes them again."""
    await upgrade(engine, "head")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO chats (id, title, platform, created_at, updated_at) VALUES"
            f" ({BAN_GROUP}, 'G', 'telegram', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
        )
    await _insert_restrictions(engine, [*TIMED_ROWS, (BAN_GROUP, 503, "ban", None)])
    await downgrade(engine, "0013")
    assert _stamps(await _restrictions(engine)) == TIMED_ROWS
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"]: c for c in inspect(sync).get_columns("timed_restrictions")}
        )
    assert columns["until"]["nullable"] is False
    await upgrade(engine, "head")
    await _insert_restrictions(engine, [(BAN_GROUP, 503, "ban", None)])
    assert len(await _restrictions(engine)) == 3
