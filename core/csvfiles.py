"""CSV files the bot sends (the exports): one way to write them, and one to send them.

Files are UTF-8 with a byte-order mark, so Excel opens Chinese names right, and a text cell
a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe:
names and reasons are untrusted. A long export is cut into parts of at most ``PART_BYTES``
(each with the header), so memory stays bounded and no file passes what a platform accepts
from a bot (Telegram: 50 MB).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime

from core.chat import ChatPort

PART_BYTES = 20 * 1024 * 1024
# Rows written at a time: a part may pass its limit by at most one such chunk.
CHUNK_ROWS = 500
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | date | datetime | None


def cell(value: Cell) -> str | int | float:
    """One value as written: None as empty, dates in ISO form, formula-like text defused."""
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """Rows as CSV text (no byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_file(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A whole CSV file: the mark, the header, the rows."""
    return (BOM + csv_text([header]) + csv_text(rows)).encode("utf-8")


class CsvParts:
    """Rows gathered into files of at most ``limit`` bytes (a chunk of rows is never split)."""

    def __init__(self, header: Sequence[str], limit: int = PART_BYTES) -> None:
        self._head = (BOM + csv_text([header])).encode("utf-8")
        self._limit = limit
        self._part = bytearray()
        self.rows = 0
        self.parts = 0

    def add(self, rows: Sequence[Sequence[Cell]]) -> bytes | None:
        """Add a chunk of rows; the finished part, when this chunk had to begin a new one."""
        chunk = csv_text(rows).encode("utf-8")
        finished = None
        if self._part and len(self._part) + len(chunk) > self._limit:
            finished = self._take()
        if not self._part:
            self._part += self._head
        self._part += chunk
        self.rows += len(rows)
        return finished

    def finish(self) -> bytes:
        """The last part (just the header if no row was added)."""
        if not self._part:
            self._part += self._head
        return self._take()

    def _take(self) -> bytes:
        data, self._part = bytes(self._part), bytearray()
        self.parts += 1
        return data


def export_stem(kind: str, chat_id: int, *qualifiers: int | str | None) -> str:
    """The one naming of export files: ``points-1001234``, ``ledger-1001234-42`` (no None)."""
    words = [kind, str(abs(chat_id)), *(str(q) for q in qualifiers if q is not None)]
    return "-".join(words)


def part_name(stem: str, number: int, only: bool) -> str:
    """``stem.csv`` for a file that is the only part, ``stem-<n>.csv`` otherwise."""
    return f"{stem}.csv" if only else f"{stem}-{number}.csv"


class CsvSender:
    """Sends rows as one CSV file, or as numbered parts once they pass ``limit`` bytes.

    ``pause`` runs before each part goes out (a command ends its read transaction there, so
    none stays open while a file is uploaded).
    """

    def __init__(
        self,
        port: ChatPort,
        chat_id: int,
        stem: str,
        header: Sequence[str],
        *,
        reply_to: int | None = None,
        limit: int = PART_BYTES,
        pause: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._port, self._chat_id, self._stem = port, chat_id, stem
        self._reply_to, self._pause = reply_to, pause
        self._parts = CsvParts(header, limit)
        self.failed = False

    @property
    def rows(self) -> int:
        """Rows added so far."""
        return self._parts.rows

    @property
    def parts(self) -> int:
        """Files made so far (the last one counts once ``finish`` made it)."""
        return self._parts.parts

    async def add(self, rows: Sequence[Sequence[Cell]]) -> None:
        """Add a chunk of rows; a full part is sent at once (nothing more after a failure)."""
        if self.failed:
            return
        finished = self._parts.add(rows)
        if finished is not None:
            await self._send(finished, part_name(self._stem, self._parts.parts, False), "")

    async def finish(self, caption: str) -> bool:
        """Send the last part with ``caption``; False if any part could not be sent."""
        if self.failed:
            return False
        data = self._parts.finish()
        only = self._parts.parts == 1
        await self._send(data, part_name(self._stem, self._parts.parts, only), caption)
        return not self.failed

    async def _send(self, data: bytes, filename: str, caption: str) -> None:
        if self._pause is not None:
            await self._pause()
        sent = await self._port.send_file(
            self._chat_id, data, filename, caption, reply_to=self._reply_to
        )
        self.failed = sent is None


async def send_csv(
    port: ChatPort,
    chat_id: int,
    stem: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    caption: str,
    *,
    reply_to: int | None = None,
    limit: int = PART_BYTES,
) -> bool:
    """Send a table as ``<stem>.csv`` (in parts past ``limit``); False if it was not sent."""
    sender = CsvSender(port, chat_id, stem, header, reply_to=reply_to, limit=limit)
    chunk: list[Sequence[Cell]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            await sender.add(chunk)
            chunk = []
    await sender.add(chunk)
    return await sender.finish(caption)
