"""Lanes: each chat's events in order, different chats side by side, failures survived."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.platforms.onebot.lanes import Lanes
from bot.platforms.onebot.transport import _chat_of
from core.ids import ONEBOT, scoped, scoped_group


async def test_one_key_in_order_while_a_blocked_key_waits() -> None:
    gate = asyncio.Event()
    done: list[tuple[str, int]] = []

    async def handle(item: tuple[str, int]) -> None:
        if item == ("slow", 0):
            await gate.wait()
        await asyncio.sleep(0)
        done.append(item)

    lanes: Lanes[tuple[str, int]] = Lanes(handle)
    for n in range(3):
        lanes.put("slow", ("slow", n))
        lanes.put("fast", ("fast", n))
    for _ in range(20):
        await asyncio.sleep(0)
    # The fast chat finished while the slow one's first event still waits.
    assert done == [("fast", 0), ("fast", 1), ("fast", 2)]
    assert lanes.busy == 1
    gate.set()
    await lanes.close()
    assert done[3:] == [("slow", 0), ("slow", 1), ("slow", 2)]
    assert lanes.busy == 0


async def test_a_failing_item_is_logged_and_its_lane_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done: list[int] = []

    async def handle(item: int) -> None:
        if item == 1:
            raise RuntimeError("broken feature")
        done.append(item)

    lanes: Lanes[int] = Lanes(handle)
    with caplog.at_level(logging.ERROR):
        for item in range(3):
            lanes.put("chat", item)
        await lanes.close()
    assert done == [0, 2]
    assert "handling an event failed" in caplog.text


async def test_at_most_so_many_items_run_at_once() -> None:
    running, most = 0, 0

    async def handle(item: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001)
        running -= 1

    lanes: Lanes[int] = Lanes(handle, most_at_once=3)
    for item in range(12):
        lanes.put(item, item)
    await lanes.close()
    assert most == 3


async def test_closing_cancelled_cancels_what_runs() -> None:
    started = asyncio.Event()

    async def handle(item: int) -> None:
        started.set()
        await asyncio.sleep(3600)

    lanes: Lanes[int] = Lanes(handle)
    lanes.put("chat", 1)
    closing = asyncio.create_task(lanes.close())
    await started.wait()
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    await asyncio.sleep(0)
    assert lanes.busy == 0


async def test_cancelling_delivery_cancels_the_events_in_flight() -> None:
    """A delivery cancelled while it waits for the next event does not wait for the lanes."""
    from bot.platforms.onebot.transport import Connection, _deliver

    started, finished = asyncio.Event(), []

    async def on_event(event: dict) -> None:
        started.set()
        await asyncio.sleep(3600)
        finished.append(event)

    connection = Connection(socket=None, caller=None)  # type: ignore[arg-type]
    connection.events.put_nowait({"post_type": "message", "message_type": "group", "group_id": 5})
    delivery = asyncio.create_task(_deliver(connection, on_event))
    await started.wait()
    delivery.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(delivery, 5)
    assert finished == []


@pytest.mark.parametrize(
    ("event", "lane"),
    [
        ({"post_type": "message", "message_type": "group", "group_id": 5}, scoped_group(ONEBOT, 5)),
        (
            {"post_type": "notice", "notice_type": "group_increase", "group_id": 5},
            scoped_group(ONEBOT, 5),
        ),
        # The same number as a person: another lane than the group's.
        ({"post_type": "message", "message_type": "private", "user_id": 5}, scoped(ONEBOT, 5)),
        ({"post_type": "meta_event", "meta_event_type": "heartbeat"}, None),
        ({"post_type": "message", "message_type": "group", "group_id": "x"}, None),
    ],
)
def test_an_events_lane_is_its_chat(event: dict, lane: int | None) -> None:
    """A group's events share its lane; a private chat's the person's; the rest lane None."""
    assert _chat_of(event) == lane
