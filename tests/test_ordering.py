"""Per-chat order and cross-chat concurrency of the update processor."""

from __future__ import annotations

import asyncio

from bot.platforms.telegram.ordering import PerChatUpdateProcessor


def _key(update: object) -> int | None:
    return update[0] if isinstance(update, tuple) else None


async def test_one_chat_in_order_other_chats_meanwhile() -> None:
    """A slow update holds back its own chat only."""
    processor = PerChatUpdateProcessor(_key, 16)
    done: list[tuple[int, int]] = []
    gate = asyncio.Event()

    async def work(update: tuple[int, int], wait: bool) -> None:
        if wait:
            await gate.wait()
        done.append(update)

    updates = [((1, 1), True), ((1, 2), False), ((2, 1), False), ((1, 3), False)]
    tasks = [asyncio.create_task(processor.process_update(u, work(u, w))) for u, w in updates]
    await asyncio.sleep(0.05)
    assert done == [(2, 1)], "chat 2 ran while chat 1 was blocked; chat 1 waited in order"
    gate.set()
    await asyncio.gather(*tasks)
    assert [u for u in done if u[0] == 1] == [(1, 1), (1, 2), (1, 3)]
    assert processor.busy_chats == 0


async def test_failure_does_not_stop_the_chat() -> None:
    """An update that raises is logged; the chat's next update still runs."""
    processor = PerChatUpdateProcessor(_key, 4)
    done: list[int] = []

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def ok() -> None:
        done.append(1)

    await asyncio.gather(
        processor.process_update((5, 1), boom()), processor.process_update((5, 2), ok())
    )
    assert done == [1]


async def test_updates_without_chat_run_directly() -> None:
    """Updates with no chat are not queued."""
    processor = PerChatUpdateProcessor(_key, 4)
    done: list[str] = []

    async def work() -> None:
        done.append("x")

    await processor.process_update("no chat", work())
    assert done == ["x"]
