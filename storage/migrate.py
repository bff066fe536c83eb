"""Apply Alembic migrations programmatically, on the same async engine the bot uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to ``revision``."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None if it has none."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True, slots=True)
class Migration:
    """What an upgrade did: the revision before, the revision after, and how many steps."""

    before: str | None
    after: str | None
    steps: int

    def describe(self) -> str:
        """One line for the operator: what was applied, or that nothing was needed."""
        if self.steps == 0:
            return f"already at {self.after or 'base'}"
        plural = "revision" if self.steps == 1 else "revisions"
        return f"migrated from {self.before or 'none'} to {self.after} ({self.steps} {plural})"


def steps_between(before: str | None, after: str | None) -> int:
    """How many revisions lie above ``before`` up to and including ``after``."""
    if after is None or after == before:
        return 0
    script = ScriptDirectory.from_config(alembic_config())
    return sum(1 for _ in script.iterate_revisions(after, before or "base"))


async def upgrade_reporting(engine: AsyncEngine, revision: str = "head") -> Migration:
    """Upgrade like ``upgrade`` and say what changed."""
    before = await current_revision(engine)
    await upgrade(engine, revision)
    after = await current_revision(engine)
    return Migration(before, after, steps_between(before, after))
