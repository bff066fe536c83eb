"""What /exportledger costs on a long ledger: time, and memory that stays bounded.

    python -m bench.ledger [--entries 200000] [--members 2000]

Fills a migrated SQLite file in a temporary folder with a group's ledger (``entries`` rows
over ``members`` accounts, a fifth of them given by an admin without an account), then runs
the real /exportledger handler against a port that only counts the files. It prints the
time, entries per second, files and bytes sent, and the peak of Python allocations while
exporting (tracemalloc, in a second run so it does not slow the timed one). The last line is
one JSON object. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.app import build_translator
from bot.platforms.recording import DEFAULT, Call, RecordingPort
from bot.settings import load_settings
from core.chat import MemberInfo
from core.context import Context
from core.events import Chat, Command, Message, User
from core.permissions import AdminCache
from core.runtime import Runtime
from core.scheduling import Scheduler
from handlers.checkin.ledger import export_ledger
from storage.models import LedgerRow
from storage.points import PointsRepository
from storage.repositories import ChatRepository
from storage.unit import Store

GROUP = -1001000000001
ADMIN = User(9, "Bench Admin")
START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 20_000


def file_counting_port() -> tuple[RecordingPort, list[int]]:
    """A port that counts the files the export sends, and the list of their sizes; it names
    the admin when asked. Calls are not kept: their bytes would count in the memory peak."""
    sizes: list[int] = []

    def sent(call: Call) -> Any:
        sizes.append(len(call["data"]))
        return DEFAULT

    members = {ADMIN.id: MemberInfo(ADMIN, "admin")}
    port = RecordingPort(
        admins={ADMIN.id}, members=members, answers={"send_file": sent}, record=False
    )
    return port, sizes


async def fill(store: Store, entries: int, members: int) -> None:
    """Accounts and ledger rows, written in large batches."""
    async with store.unit() as uow:
        await ChatRepository(uow).ensure(GROUP, "Bench 基准群")
        await PointsRepository(uow).ensure_accounts(
            [(GROUP, 1000 + m, f"成员 {m}") for m in range(members)]
        )
    for start in range(0, entries, BATCH):
        rows = [
            {
                "chat_id": GROUP,
                "user_id": 1000 + i % members,
                "delta": 1 + i % 7,
                "kind": "give" if i % 5 == 0 else "checkin",
                "reason": "bench" if i % 5 == 0 else None,
                "actor_id": ADMIN.id if i % 5 == 0 else 1000 + i % members,
                "created_at": START + timedelta(seconds=i),
            }
            for i in range(start, min(start + BATCH, entries))
        ]
        async with store.unit() as uow:
            session = await uow.session()
            await session.execute(insert(LedgerRow.__table__), rows)


async def export_once(store: Store, port: RecordingPort) -> float:
    """Run /exportledger once; seconds taken."""
    port_any: Any = port
    runtime = Runtime(
        settings=load_settings(None, {"BOT_BOT__DEFAULT_LANGUAGE": "en"}),
        store=store,
        port=port_any,
        translator=build_translator("en"),
        admins=AdminCache(port.admins, 60),
        scheduler=Scheduler(lambda: START),
    )
    message = Message(Chat(GROUP, "Bench"), ADMIN, 1, "/exportledger", START)
    command = Command(message, "exportledger")
    began = time.perf_counter()
    async with store.unit() as uow:
        await export_ledger(command, Context(command, runtime, uow))
    return time.perf_counter() - began


async def run(entries: int, members: int) -> dict[str, Any]:
    """Fill a ledger, export it timed, then again under tracemalloc."""
    with tempfile.TemporaryDirectory(prefix="groupbot-ledger-") as folder:
        store = Store(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            await store.migrate()
            await fill(store, entries, members)
            timed, sent = file_counting_port()
            seconds = await export_once(store, timed)
            traced, _ = file_counting_port()
            tracemalloc.start()
            await export_once(store, traced)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            await store.close()
    return {
        "bench": "ledger_export",
        "entries": entries,
        "members": members,
        "seconds": round(seconds, 2),
        "entries_per_second": round(entries / seconds),
        "files": timed.counts["send_file"],
        "bytes": sum(sent),
        "peak_python_mib": round(peak / 2**20, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args(argv)
    result = asyncio.run(run(max(1, args.entries), max(1, args.members)))
    print(
        f"{result['entries']} entries: {result['seconds']} s "
        f"({result['entries_per_second']}/s), {result['files']} file(s), "
        f"{result['bytes']} bytes, peak {result['peak_python_mib']} MiB"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
