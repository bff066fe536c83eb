"""The one CSV helper of the exports: cells, whole files, and parts of bounded size."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.platforms.recording import RecordingPort
from core.csvfiles import (
    BOM,
    CsvParts,
    CsvSender,
    cell,
    csv_file,
    export_stem,
    part_name,
    send_csv,
)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, ""),
        (12, 12),
        (-15, -15),
        ("Ann", "Ann"),
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-spam", "'-spam"),
        ("@sum", "'@sum"),
        ("a=b", "a=b"),
        (date(2026, 11, 23), "2026-11-23"),
        (datetime(2026, 11, 23, 4, 5, tzinfo=UTC), "2026-11-23T04:05:00+00:00"),
    ],
)
def test_cell(value: Any, written: Any) -> None:
    assert cell(value) == written


def read(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_file_has_the_mark_the_header_and_the_rows() -> None:
    data = csv_file(("id", "name"), [(1, "张三"), (2, None)])
    assert read(data) == [["id", "name"], ["1", "张三"], ["2", ""]]


@pytest.mark.parametrize(
    ("stem", "number", "only", "name"),
    [("ledger-5", 1, True, "ledger-5.csv"), ("ledger-5", 2, False, "ledger-5-2.csv")],
)
def test_part_name(stem: str, number: int, only: bool, name: str) -> None:
    assert part_name(stem, number, only) == name


@pytest.mark.parametrize(("limit", "count"), [(100, 3), (200, 3), (400, 2), (10**6, 1)])
def test_parts_stay_under_the_limit_and_keep_every_row(limit: int, count: int) -> None:
    """Chunks of 10 rows (about 180 bytes): parts fit the limit unless one chunk cannot."""
    parts = CsvParts(("n", "text"), limit)
    files: list[bytes] = []
    chunks = [[(i, f"row {i:04d} ok") for i in range(start, start + 10)] for start in (0, 10, 20)]
    for chunk in chunks:
        finished = parts.add(chunk)
        if finished is not None:
            files.append(finished)
    files.append(parts.finish())
    rows = [row for data in files for row in read(data)[1:]]
    assert [int(row[0]) for row in rows] == list(range(30))
    assert all(read(data)[0] == ["n", "text"] for data in files)
    assert parts.rows == 30 and parts.parts == len(files)
    chunk_bytes = max(len(csv_file(("n", "text"), chunk)) for chunk in chunks)
    assert all(len(data) <= max(limit, chunk_bytes) for data in files)
    assert len(files) == count


def test_an_empty_export_is_just_the_header() -> None:
    parts = CsvParts(("a",))
    assert read(parts.finish()) == [["a"]]


def refusing_port() -> RecordingPort:
    """A port that refuses every file (``send_file`` answers None)."""
    return RecordingPort(answers={"send_file": None})


def files(port: RecordingPort) -> list[tuple[str, bytes, str]]:
    """The files sent, as (name, bytes, caption); refused ones are not."""
    sent = port.made("send_file")
    return [(c["filename"], c["data"], c["caption"]) for c in sent if c.answer is not None]


async def test_sender_sends_numbered_parts_and_pauses_before_each() -> None:
    port = RecordingPort()
    pauses: list[int] = []

    async def pause() -> None:
        pauses.append(len(files(port)))

    sender = CsvSender(port, -100, "ledger-100", ("n",), limit=40, pause=pause)
    for start in range(0, 30, 10):
        await sender.add([(i,) for i in range(start, start + 10)])
    assert await sender.finish("done")
    names = [name for name, _, _ in files(port)]
    assert names == ["ledger-100-1.csv", "ledger-100-2.csv", "ledger-100-3.csv"]
    assert [caption for _, _, caption in files(port)] == ["", "", "done"]
    assert pauses == [0, 1, 2]
    assert sender.rows == 30 and sender.parts == 3


async def test_sender_with_one_part_names_it_plainly_and_reports_failures() -> None:
    port = RecordingPort()
    sender = CsvSender(port, -100, "ledger-100", ("n",))
    await sender.add([(1,)])
    assert await sender.finish("c") and files(port)[0][0] == "ledger-100.csv"
    refusing = refusing_port()
    failing = CsvSender(refusing, -100, "x", ("n",), limit=10)
    await failing.add([(1,), (2,)])
    await failing.add([(3,)])  # the first part is refused here
    assert failing.failed
    await failing.add([(4,)])
    assert not await failing.finish("c")
    assert files(refusing) == []


async def test_send_csv_one_file() -> None:
    port = RecordingPort()
    assert await send_csv(port, -1, "points-1", ("a", "b"), [(1, "=x")], "cap", reply_to=5)
    ((name, data, caption),) = files(port)
    assert (name, caption) == ("points-1.csv", "cap")
    assert read(data) == [["a", "b"], ["1", "'=x"]]
    assert not await send_csv(refusing_port(), -1, "p", ("a",), [], "")


@pytest.mark.parametrize(
    ("kind", "chat_id", "extra", "stem"),
    [
        ("points", -1001234, (), "points-1001234"),
        ("ledger", -1001234, (42,), "ledger-1001234-42"),
        ("ledger", -1001234, (None,), "ledger-1001234"),
        ("replies", 77, (), "replies-77"),
    ],
)
def test_export_stem(kind: str, chat_id: int, extra: tuple[int | None, ...], stem: str) -> None:
    assert export_stem(kind, chat_id, *extra) == stem


async def test_send_csv_in_parts_past_the_limit() -> None:
    port = RecordingPort()
    rows = [(i, "x" * 50) for i in range(1_200)]
    assert await send_csv(port, -1, "stats-1", ("n", "t"), rows, "cap", limit=40_000)
    names = [name for name, _, _ in files(port)]
    assert len(names) > 1 and names[0] == "stats-1-1.csv"
    assert sum(len(read(data)) - 1 for _, data, _ in files(port)) == 1_200
