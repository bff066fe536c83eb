"""The points ledger for admins: /pointslog pages and the /exportledger CSV file.

/pointslog [page] shows ``LOG_ROWS`` entries a page, newest first (as a reply to a member:
theirs only); the next page is offered only when an older entry exists. /exportledger (as a
reply: one member's) sends every entry, oldest first: the time in the group's time zone, the
member's id and name, the amount, the balance after it, the kind and reason, and who made the
change (id and name). The ledger is read a chunk at a time, and a long one goes out as
several files, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import aclosing
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.context import Context
from core.csvfiles import Cell, CsvSender, export_stem
from core.events import Command
from core.names import MAX_LOOKUPS, name_or_id, names_of
from core.text import as_lines
from storage.points import LedgerEntry, PointsRepository
from storage.repositories import ChatRepository

LOG_ROWS = 15
# Platform lookups one export may make in all (people with accounts are named by them).
EXPORT_LOOKUPS = 50
# People whose names one export keeps at a time.
NAME_CACHE = 20_000
MAX_PAGE = 100_000
LEDGER_HEADER = (
    "id",
    "time",
    "user_id",
    "name",
    "amount",
    "balance_after",
    "kind",
    "reason",
    "actor_id",
    "actor_name",
)

T = TypeVar("T")


def parse_page(args: Sequence[str]) -> int | None:
    """The page ``/pointslog [page]`` asks for (1 without one); None if it is not a page."""
    if not args:
        return 1
    word = args[0]
    if len(args) > 1 or not (word.isascii() and word.isdigit()) or len(word) > 6:
        return None
    page = int(word)
    return page if 1 <= page <= MAX_PAGE else None


def split_page(rows: Sequence[T], size: int) -> tuple[list[T], bool]:
    """A page from ``size + 1`` rows read: the rows to show, and whether a next page exists."""
    return list(rows[:size]), len(rows) > size


class Balances:
    """Each member's balance as the ledger is read oldest first (the balance is its sum)."""

    def __init__(self) -> None:
        self._totals: dict[int, int] = {}

    def after(self, user_id: int, delta: int) -> int:
        """The member's balance once ``delta`` is applied."""
        total = self._totals.get(user_id, 0) + delta
        self._totals[user_id] = total
        return total


def ledger_row(
    entry: LedgerEntry, names: Mapping[int, str], balance: int, zone: ZoneInfo
) -> list[Cell]:
    """One CSV row of the ledger export (names left empty when nobody knows them)."""
    actor = entry.actor_id
    return [
        entry.id,
        entry.created_at.astimezone(zone).isoformat(sep=" ", timespec="seconds"),
        entry.user_id,
        names.get(entry.user_id, ""),
        entry.delta,
        balance,
        entry.kind,
        entry.reason,
        actor,
        names.get(actor, "") if actor is not None else "",
    ]


async def show_log(command: Command, ctx: Context) -> None:
    """/pointslog [page]: the ledger of the member replied to, or of the whole group."""
    page = parse_page(command.args)
    if page is None:
        await ctx.say("checkin.log_bad_page", text=" ".join(command.args)[:20])
        return
    reply = command.message.reply_to
    user_id = reply.sender.id if reply is not None else None
    repo = PointsRepository(ctx.uow)
    # One row more than a page tells whether there is a next page.
    read = await repo.ledger(ctx.chat.id, user_id, LOG_ROWS + 1, (page - 1) * LOG_ROWS)
    rows, more = split_page(read, LOG_ROWS)
    if not rows:
        key = "checkin.log_empty" if page == 1 else "checkin.log_no_page"
        await ctx.say(key, page=page)
        return
    people = [r.user_id for r in rows] + [r.actor_id for r in rows if r.actor_id is not None]
    known = await repo.names(ctx.chat.id, people)
    names = await names_of(ctx.runtime, ctx.uow, ctx.chat.id, people, known=known)
    zone = await _zone(ctx)
    lines = [await ctx.t("checkin.log_header", page=page)]
    for row in rows:
        kind = await ctx.t(f"checkin.kind_{row.kind}")
        who = name_or_id(row.user_id, names)
        actor = name_or_id(row.actor_id, names) if row.actor_id is not None else "—"
        reason = f" ({row.reason})" if row.reason else ""
        lines.append(
            f"{row.created_at.astimezone(zone):%m-%d %H:%M} · {who} · {row.delta:+d}"
            f" · {kind}{reason} · {actor}"
        )
    if more:
        lines.append(await ctx.t("checkin.log_more", next=page + 1))
    await ctx.reply(as_lines(lines))


async def export_ledger(command: Command, ctx: Context) -> None:
    """/exportledger: every ledger entry (the member's, as a reply) as CSV files."""
    reply = command.message.reply_to
    user_id = reply.sender.id if reply is not None else None
    repo = PointsRepository(ctx.uow)
    zone = await _zone(ctx)
    sender = CsvSender(
        ctx.port,
        ctx.chat.id,
        export_stem("ledger", ctx.chat.id, user_id),
        LEDGER_HEADER,
        reply_to=command.message.message_id,
        # No read transaction stays open while a part is uploaded.
        pause=ctx.uow.commit,
    )
    balances, names_for = Balances(), ExportNames(ctx, repo)
    async with aclosing(repo.ledger_chunks(ctx.chat.id, user_id)) as chunks:
        async for chunk in chunks:
            names = await names_for.chunk(chunk)
            await sender.add(
                [ledger_row(e, names, balances.after(e.user_id, e.delta), zone) for e in chunk]
            )
            if sender.failed:
                break
    if not sender.rows:
        await ctx.say("checkin.log_empty")
        return
    caption = await ctx.t(
        "checkin.ledger_exported", rows=sender.rows, parts=sender.parts + 1, zone=zone.key
    )
    if sender.failed or not await sender.finish(caption):
        await ctx.say("checkin.ledger_export_failed")


class ExportNames:
    """Names for an export: each person read once (a bounded cache), the platform asked
    about at most ``MAX_LOOKUPS`` new people a chunk and ``EXPORT_LOOKUPS`` in all."""

    def __init__(self, ctx: Context, repo: PointsRepository, limit: int = NAME_CACHE) -> None:
        self._ctx, self._repo, self._limit = ctx, repo, limit
        self._names: dict[int, str] = {}
        self._nameless: set[int] = set()
        self._budget = EXPORT_LOOKUPS

    async def chunk(self, chunk: Sequence[LedgerEntry]) -> Mapping[int, str]:
        """The names of a chunk's members and actors (people nobody knows left out)."""
        people = [e.user_id for e in chunk] + [e.actor_id for e in chunk if e.actor_id]
        new = [p for p in dict.fromkeys(people) if p not in self._names and p not in self._nameless]
        if not new:
            return self._names
        if len(self._names) + len(self._nameless) + len(new) > self._limit:
            self._names, self._nameless = {}, set()  # bounded memory: start over
        ctx = self._ctx
        known = await self._repo.names(ctx.chat.id, new)
        lookups = max(min(self._budget, MAX_LOOKUPS), 0)
        found = await names_of(ctx.runtime, ctx.uow, ctx.chat.id, new, known=known, lookups=lookups)
        nameless = [p for p in new if p not in found]
        # What the platform told is stored; who it does not know is not asked about again.
        self._budget -= min(lookups, len(nameless))
        self._names.update(found)
        self._nameless.update(nameless)
        return self._names


async def _zone(ctx: Context) -> ZoneInfo:
    return ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)
