"""Alembic environment: runs on the connection handed over by ``storage.migrate``.

From the alembic command line (``alembic upgrade head`` with the repository's alembic.ini) it
opens the bot's own async engine on the URL from the bot's settings instead.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from storage.engine import make_engine
from storage.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    """``sqlalchemy.url`` if alembic.ini sets one, else the bot's settings."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    # Imported here, for the command line only: storage imports nothing from the shell, so
    # only the database section is read (the shell checks the rest when the bot starts).
    from core.config import ConfigError, load_database_url

    config_file = context.get_x_argument(as_dictionary=True).get("config")
    try:
        return load_database_url(config_file)
    except ConfigError as error:
        raise CommandError(f"config error: {error}") from None


async def _run_on_engine(url: str) -> None:
    """Migrate on the bot's async engine (aiosqlite/asyncpg), as ``storage.migrate`` does."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def run() -> None:
    """Migrate on the given connection, or on the bot's async engine for the alembic CLI."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(_run_on_engine(_database_url()))


run()
