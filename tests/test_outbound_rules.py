"""The outbound queue's decisions on plain data: budget windows, what goes next, what merges."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from core.chat import Button
from core.outbound_rules import (
    Budget,
    Merge,
    Pending,
    Priority,
    Send,
    SendWindow,
    Wait,
    merge_batch,
    merged_text,
    next_step,
    pick,
)

N, L = Priority.NORMAL, Priority.LOW
BUDGET = Budget(messages=4, window=60.0, reserve=1, merge_from=3)


def window(*times: float, seconds: float = 60.0) -> SendWindow:
    sends = SendWindow(seconds)
    for at in times:
        sends.record(at)
    return sends


def low(text: str, key: object = None, buttons: bool = False) -> Pending:
    merge = Merge(key) if key is not None else None
    keyboard = [[Button("b", "d")]] if buttons else None
    return Pending(L, text, reply_to=1, buttons=keyboard, merge=merge)


def normal(name: str = "n") -> Pending:
    return Pending(N, job=name)


@pytest.mark.parametrize(
    ("times", "now", "used"),
    [
        ((), 0.0, 0),
        ((1.0, 2.0, 3.0), 10.0, 3),
        ((1.0, 2.0, 3.0), 61.0, 2),  # a send exactly one window ago has left it
        ((1.0, 2.0, 3.0), 63.5, 0),
    ],
)
def test_sends_are_counted_in_a_sliding_window(
    times: tuple[float, ...], now: float, used: int
) -> None:
    assert window(*times).used(now) == used


@pytest.mark.parametrize(
    ("times", "now", "allowed", "free_at"),
    [
        ((), 5.0, 3, 5.0),
        ((1.0, 2.0), 5.0, 3, 5.0),
        ((1.0, 2.0, 3.0), 5.0, 3, 61.0),  # the oldest must leave
        ((1.0, 2.0, 3.0, 4.0), 5.0, 3, 62.0),  # the two oldest must leave
        ((1.0, 2.0, 3.0), 5.0, 0, float("inf")),
    ],
)
def test_when_a_slot_frees(
    times: tuple[float, ...], now: float, allowed: int, free_at: float
) -> None:
    assert window(*times).free_at(now, allowed) == free_at


@pytest.mark.parametrize(("priority", "allowed"), [(N, 4), (L, 3), (Priority.URGENT, 4)])
def test_replies_leave_the_reserve_to_awaited_sends(priority: Priority, allowed: int) -> None:
    assert BUDGET.allowed(priority) == allowed


@pytest.mark.parametrize(
    ("queue", "used", "chosen"),
    [
        ("", 0, None),
        ("LN", 0, 0),  # in order while the budget allows
        ("NL", 0, 0),
        ("LN", 2, 0),
        ("LN", 3, 1),  # replies out of budget: the awaited send overtakes them
        ("LLNLN", 3, 2),  # the oldest awaited send
        ("LL", 3, None),
        ("NL", 4, None),  # the whole budget is used
        ("LN", 4, None),
    ],
)
def test_which_message_goes_next(queue: str, used: int, chosen: int | None) -> None:
    items = [low(f"r{i}") if kind == "L" else normal(f"n{i}") for i, kind in enumerate(queue)]
    picked = pick(items, used, BUDGET)
    assert picked is (items[chosen] if chosen is not None else None)


def texts(send: Send) -> list[str]:
    return [item.text for item in send.items]


@pytest.mark.parametrize(
    ("queue", "draining", "merged"),
    [
        # Short queue: each reply on its own.
        ([("a", "k"), ("b", "k")], False, ["a"]),
        # Long queue (3): every queued reply with the head's key, in order.
        ([("a", "k"), ("b", "k"), ("c", "k")], False, ["a", "b", "c"]),
        ([("a", "k"), ("x", "other"), ("b", "k"), ("y", None)], False, ["a", "b"]),
        # No merge key: never merged.
        ([("a", None), ("b", None), ("c", None)], False, ["a"]),
        # Draining for shutdown merges whatever it can.
        ([("a", "k"), ("b", "k")], True, ["a", "b"]),
    ],
)
def test_what_merges(
    queue: Sequence[tuple[str, str | None]], draining: bool, merged: list[str]
) -> None:
    items = [low(text, key) for text, key in queue]
    send = merge_batch(items, items[0], BUDGET, draining=draining)
    assert texts(send) == merged
    assert send.text == "\n".join(merged)
    assert send.merged is (len(merged) > 1)


def test_replies_with_buttons_and_awaited_sends_never_merge() -> None:
    items = [low("a", "k"), low("b", "k", buttons=True), low("c", "k"), normal()]
    assert texts(merge_batch(items, items[0], BUDGET)) == ["a", "c"]
    with_buttons = merge_batch(items, items[1], BUDGET)
    assert texts(with_buttons) == ["b"] and not with_buttons.merged
    assert merge_batch(items, items[3], BUDGET).items == (items[3],)


@pytest.mark.parametrize(("limit", "count"), [(9, 3), (8, 2), (5, 2), (3, 1), (1, 1)])
def test_a_merged_message_stays_within_the_text_limit(limit: int, count: int) -> None:
    """Three replies "aaa" merge to "aaa\\naaa\\naaa" (11): as many as fit; at least one."""
    budget = Budget(messages=4, window=60.0, reserve=1, merge_from=2, text_limit=limit + 2)
    items = [low("aaa", "k") for _ in range(3)]
    send = merge_batch(items, items[0], budget)
    assert len(send.items) == count
    assert len(send.text) <= max(budget.text_limit, 3)


def test_a_merge_can_build_its_own_text_from_parts() -> None:
    def combine(parts: Sequence[object]) -> str:
        return "checked in: " + ", ".join(str(part) for part in parts)

    items = [
        Pending(L, f"long sentence about {name}", merge=Merge("checkin", name, combine))
        for name in ("Ann", "Bo", "Cy")
    ]
    assert merged_text(items) == "checked in: Ann, Bo, Cy"
    assert merged_text(items[:1]) == "long sentence about Ann"


@pytest.mark.parametrize(
    ("queue", "times", "now", "step"),
    [
        ("", (), 0.0, None),
        ("L", (), 0.0, "send"),
        ("L", (1.0, 2.0, 3.0), 10.0, Wait(61.0)),  # replies wait for the oldest to leave
        ("N", (1.0, 2.0, 3.0), 10.0, "send"),  # the reserve
        ("N", (1.0, 2.0, 3.0, 4.0), 10.0, Wait(61.0)),
        ("LN", (1.0, 2.0, 3.0, 4.0), 10.0, Wait(61.0)),  # the earliest anything may go
        ("L", (1.0, 2.0, 3.0, 4.0), 10.0, Wait(62.0)),
    ],
)
def test_next_step(queue: str, times: tuple[float, ...], now: float, step: object) -> None:
    items = [low("r") if kind == "L" else normal() for kind in queue]
    result = next_step(items, window(*times), now, BUDGET)
    if step == "send":
        assert isinstance(result, Send)
    else:
        assert result == step
